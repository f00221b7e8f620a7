// Translation equivariance in conv blocks: a shifted input x′ (or x̃) defined from x — x'_{i,j} = x_{i-u,j-v} entry by
// entry, or x' = \text{shift}(x, s) — and y′, the layer applied to x′. An entry of x′ that comes from outside x is
// unknown (NaN), and so is the padding around x′ (the shift may have moved data there): every output entry that sees
// one is a border effect, skipped when the sides are compared, so the claim is checked where it can hold.
import type { ConvSpec } from './blockSpec';
import type { ConvDraw, Grid } from './convLayer';
import { EvalError } from './evalErrors';
import { children, type Node, raw } from './latexAst';

type Sym = Extract<Node, { k: 'sym' }>;

/** x′ as the text defines it: from its entries' subscripts (positions) or as a whole array. */
export interface ShiftDefinition {
  /** x′'s subscript letters, in order (index form); empty for a whole-array definition. */
  positions: string[];
  /** The right side: x′'s entry (index form) or the array (whole-array form). */
  source: Node;
  /** The other letters of the definition: the shift, drawn for every check (u, v; s). */
  letters: string[];
  /** How the text writes x′ (for messages). */
  name: string;
}

/** What a conv block's claims have defined so far (claims are checked in order; a block starts afresh). */
export interface ConvState {
  shift?: ShiftDefinition;
}

/** x′ and \tilde{x} are x changed by a definition: the name without its mark, and whether it had one. */
export function unprimed(s: Sym): { base: Sym; primed: boolean } {
  const tilde = /^\\tilde\{(.+)\}$/.exec(s.name);
  if (tilde) return { base: { ...s, name: tilde[1] }, primed: true };
  return { base: s.primes ? { ...s, primes: 0 } : s, primed: s.primes > 0 };
}

/** x′ for x' and x̃ for \tilde{x}, as messages write them. */
export const marked = (name: string, as: Sym): string => (unprimed(as).primed && as.name.startsWith('\\tilde') ? `${name}\u0303` : `${name}′`);

/** Bare letters anywhere in a node (the shift's u, v in x_{i-u,j-v}; s in shift(x, s)). */
export function bareLetters(n: Node): string[] {
  if (n.k === 'sym') return [...(!n.sub.length && !n.layer && /^[a-z]$/.test(n.name) ? [n.name] : []), ...n.sub.flatMap(bareLetters)];
  return children(n).flatMap(bareLetters);
}

/** `x'_{i,j} = …` or `x' = …` with x′ the block's input marked: the definition, else undefined. */
export function readDefinition(sides: Node[], roleOf: (s: Sym) => string | undefined, dims: number): ShiftDefinition | undefined {
  const isInput = (s: Sym) => roleOf(s) === 'x';
  if (sides.length !== 2 || sides[0].k !== 'sym') return undefined;
  const left = sides[0];
  const { base, primed } = unprimed(left);
  if (!primed || !isInput(base)) return undefined;
  const positions = left.sub.map((x) => (x.k === 'sym' && !x.sub.length && /^[a-z]$/.test(x.name) ? x.name : ''));
  if (positions.some((p) => !p) || new Set(positions).size !== positions.length) {
    throw new EvalError(`${raw(left)}: define x′ with plain index letters (x'_{i,j} = x_{i-u,j-v})`);
  }
  if (positions.length && positions.length !== dims) throw new EvalError(`${raw(left)} takes ${dims} indices here, not ${positions.length}`);
  const isArray = (l: string) => !!roleOf({ k: 'sym', name: l, sub: [], primes: 0, at: 0, end: 0 });
  const letters = [...new Set(bareLetters(sides[1]))].filter((l) => !positions.includes(l) && !isArray(l));
  return { positions, source: sides[1], letters, name: marked(base.name, left) };
}

/** Each shift letter's value in a draw: multiples of the stride (a strided layer is equivariant to those only). */
export function shiftValues(letters: string[], draw: number, stride: number): Map<string, number> {
  const steps = [1, 2, -1];
  return new Map(letters.map((l, k) => [l, steps[(draw + k) % steps.length] * stride]));
}

/** shift(A, s) (both axes of a 2-D array by s), shift(A, u, v): entry (i, j) is A's (i − u, j − v); NaN from outside. */
export function shiftGrid(A: Grid, by: number[], oneD: boolean): Grid {
  const [u, v] = oneD ? [0, by[0]] : by.length === 1 ? [by[0], by[0]] : by;
  if (![u, v].every(Number.isInteger)) throw new EvalError(`a shift by ${by.join(', ')}: whole entries only`);
  return A.map((row, i) => row.map((_, j) => A[i - u]?.[j - v] ?? NaN));
}

/** The layer applied to other inputs (x′): outside a shifted input is unknown, so its padding is too. */
export function layerOn(d: ConvDraw, xs: Grid[]): Grid[] {
  const shifted = xs.some((x) => x.some((row) => row.some(Number.isNaN)));
  return d.forward(xs, d.ws, shifted ? NaN : 0);
}

/** The shifts of every draw, for messages: "s = 1, 2, -1", "u = 1, 2, -1; v = 2, -1, 1". */
export const shiftText = (values: Map<string, number>[]): string => {
  const letters = [...(values[0]?.keys() ?? [])];
  return letters.map((l) => `${l} = ${values.map((v) => v.get(l)).join(', ')}`).join('; ');
};

/** A claim about x′ or y′ before any definition of x′: said, never guessed. */
export function needsDefinition(spec: ConvSpec): EvalError {
  return new EvalError(`${spec.names.y}′ is the layer applied to ${spec.names.x}′: define ${spec.names.x}′ first (x'_{i} = x_{i-s}, or x' = \\text{shift}(x, s))`);
}
