// A claim in a free scalar variable — h'(a) = h(a)(1 - h(a)), \frac{d\sigma}{dx} = \sigma(x)(1 - \sigma(x)),
// h(a) = \frac{1}{1 + e^{-a}} — is an identity to check over random values of that variable, with the block's own
// activation as h (so a wrong definition of it is a ✗ with the numbers). It needs no layer and no network draw.
import { rng } from '../data/random';
import type { Env, GraphSpec } from './quantities';
import type { Node } from './latex';
import { children } from './latexAst';

/** Names that always mean the network's quantities, with or without indices. */
const networkNames = new Set(['E', 't', 'y', '\\delta']);
/** Values the free variable takes: where activations bend, not where they saturate. */
const range: [number, number] = [-3, 3];

/** The free scalar variables of a claim about no network quantity, or undefined when it is about the network. */
export function freeScalars(sides: Node[], consts: Map<string, number>): string[] | undefined {
  const free = new Set<string>();
  let network = false;
  const walk = (n: Node) => {
    if (n.k === 'sym') {
      if (n.layer || n.sub.length || networkNames.has(n.name)) network = true;
      else if (!consts.has(n.name) && n.name !== 'e' && n.name !== '\\partial') free.add(n.name);
    }
    children(n).forEach(walk);
  };
  sides.forEach(walk);
  return network || !free.size ? undefined : [...free].sort();
}

/** One environment per draw, each variable at a seeded random value; constants and h as the block declares them. */
export function scalarEnvs(names: string[], like: Env, draws: number): Env[] {
  const spec: GraphSpec = { n: 1, inputs: new Map(names.map((n) => [n, { indexed: false }])), defines: new Map(), inputRange: range };
  return Array.from({ length: Math.max(draws, 5) }, (_, d) => {
    const random = rng(1 + 104729 * d);
    const values = new Map(names.map((n) => [n, [range[0] + (range[1] - range[0]) * random()]]));
    return { consts: like.consts, hidden: like.hidden, warnings: like.warnings, functions: like.functions, graph: { spec, values } };
  });
}

export const scalarNote = (names: string[], env: Env, draws: number) =>
  ` — an identity in ${names.join(', ')} at ${draws} random values in ${range[0]}..${range[1]}, h = the block's ${env.hidden}`;
