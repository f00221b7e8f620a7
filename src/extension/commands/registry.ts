// Commands as a map from name to factory, as rust-analyzer's editors/code does: each factory gets the context and
// returns the handler, so a command module is a plain object and registration is one loop.
import * as vscode from 'vscode';
import { type CommandName, Commands } from '../commandIds';
import type { Lab } from '../context';
import { derivationCommands } from './derivations';
import { engineCommands } from './engine';
import { experimentCommands } from './experiments';
import { runCommands } from './runs';
import type { CommandFactory } from './types';


export const commandFactories: Record<CommandName, CommandFactory> = {
  ...runCommands, ...experimentCommands, ...derivationCommands, ...engineCommands,
} as Record<CommandName, CommandFactory>;

export function registerCommands(lab: Lab): vscode.Disposable[] {
  return (Object.keys(Commands) as CommandName[]).map((name) => vscode.commands.registerCommand(Commands[name], commandFactories[name](lab)));
}
