// Activations named by other letters — f(a), g(a), \phi(a), \varphi(a): a claim "g(a) = formula" defines g for the
// claims below it in the block (checked against the block's activation when it is one); an undefined g is read as
// the block's activation h, and the verdict says so.
import { functionLetters, type Node, raw } from './latexAst';
import { activations } from './network';
import type { Definition, Env } from './quantities';

/** "g(a) = formula": the definition a two-sided claim makes, if it is one (g not defined yet in this block). */
export function definitionIn(sides: Node[], env: Env | undefined): { fn: string; def: Definition } | undefined {
  const [lhs, body] = sides;
  if (sides.length !== 2 || !env?.functions || lhs.k !== 'call' || !functionLetters.has(lhs.fn) || lhs.primes || lhs.power) return undefined;
  const arg = lhs.args[0];
  if (lhs.args.length !== 1 || arg.k !== 'sym' || arg.sub.length || arg.layer || env.functions.has(lhs.fn)) return undefined;
  return { fn: lhs.fn, def: { param: arg.name, body } };
}

/** Whether a definition is the block's activation h, at the given values of its variable. */
export function isActivation(def: Definition, env: Env, valueAt: (def: Definition, x: number) => number): boolean {
  const h = activations[env.hidden].f;
  return [-2.5, -1.2, -0.3, 0.4, 1.1, 2.7].every((x) => Math.abs(valueAt(def, x) - h(x)) <= 1e-9 * Math.max(1, Math.abs(h(x))));
}

export const definitionText = (fn: string, def: Definition) => `${fn.replace('\\', '')}(${def.param})`;

/** What an undefined f / g / φ is read as, said with the verdict. */
export const readAsActivation = (fn: string, env: Env, arg: Node) =>
  `${fn.replace('\\', '')}(${raw(arg)}) read as the block's activation h (${env.hidden}); define it above (${fn.replace('\\', '')}(a) = …) if it is another function`;
