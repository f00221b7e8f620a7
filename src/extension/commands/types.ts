// The shape of a command module: handlers made from the context, by command name.
import type { CommandName } from '../commandIds';
import type { Lab } from '../context';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command takes its own arguments
export type CommandFactory = (lab: Lab) => (...args: any[]) => unknown;
export type CommandFactories = Partial<Record<CommandName, CommandFactory>>;
