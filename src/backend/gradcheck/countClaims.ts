// mode: count — claims about a convolution layer's size: its parameters K(Cp² + 1), its output side m − p + 1 (or m
// with same padding), its outputs, and what a locally-connected layer (the same connections, unshared weights) and a
// fully-connected one (as many outputs) would have — checked at random integer sizes and at the block's own values.
import type { CountName, CountSpec } from './blockSpec';
import { EvalError } from './evalErrors';
import { type Node, raw } from './latex';
import { arithmetic, checkSides } from './claimSides';
import type { ClaimResult } from './sideComparison';
import { rng } from '../data/random';

export interface LayerSizes {
  m: number;
  C: number;
  p: number;
  K: number;
  padding: 'valid' | 'same';
}

/** Each counted quantity of a layer with these sizes (biases included: one per filter, or per output unit). */
export function counts({ m, C, p, K, padding }: LayerSizes): Record<CountName, number> {
  const o = padding === 'same' ? m : m - p + 1;
  return {
    size: o,
    outputs: o * o * K,
    params: K * (C * p * p + 1),
    local: o * o * K * (C * p * p + 1),
    dense: o * o * K * (m * m * C + 1),
  };
}

function value(n: Node, names: Map<string, number>): number {
  switch (n.k) {
    case 'num': return n.v;
    case 'neg': return -value(n.e, names);
    case 'bin': return arithmetic(n.op, value(n.l, names), value(n.r, names));
    case 'sym': {
      const v = names.get(raw(n));
      if (v === undefined) throw new EvalError(`${raw(n)} is neither a size of the layer nor a quantity the block counts`);
      return v;
    }
    default: throw new EvalError(`${raw(n)} is not read in a counting claim`);
  }
}

/** The block's values, then random sizes (a formula right only at the block's numbers fails). */
function drawSizes(spec: CountSpec): LayerSizes[] {
  const random = rng(9);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  // a size the block gives as a number is that number in every draw; a symbol is drawn (the first draw: typical sizes)
  const size = (symbol: string, typical: number, lo: number, hi: number, k: number) => spec.values.get(symbol) ?? (k === 0 ? typical : int(lo, hi));
  return Array.from({ length: 6 }, (_, k) => {
    const p = size(spec.sizes.kernel, 5, 1, 7, k);
    return { p, m: size(spec.sizes.side, 28, p, 40, k), C: size(spec.sizes.channels, 3, 1, 4, k), K: size(spec.sizes.filters, 16, 1, 16, k), padding: spec.padding };
  });
}

export function checkCountClaim(latex: string, spec: CountSpec): ClaimResult {
  return checkSides(latex, (sides) => compare(sides, spec));
}

function compare(sides: Node[], spec: CountSpec): ClaimResult {
  for (const sizes of drawSizes(spec)) {
    const names = new Map<string, number>([[spec.sizes.side, sizes.m], [spec.sizes.channels, sizes.C], [spec.sizes.kernel, sizes.p], [spec.sizes.filters, sizes.K]]);
    const c = counts(sizes);
    for (const [what, symbol] of Object.entries(spec.counts)) names.set(symbol, c[what as CountName]);
    const values = sides.map((s) => value(s, names));
    const bad = values.findIndex((v) => Math.abs(v - values[0]) > 1e-9 * Math.max(1, Math.abs(values[0])));
    if (bad > 0) {
      const at = `${spec.sizes.side} = ${sizes.m}, ${spec.sizes.channels} = ${sizes.C}, ${spec.sizes.kernel} = ${sizes.p}, ${spec.sizes.filters} = ${sizes.K}`;
      return { verdict: 'fail', message: `✗ side ${bad + 1} ≠ side 1 at ${at} (${spec.padding} padding): side ${bad + 1} = ${values[bad]}, side 1 = ${values[0]}`, sides: values, perDraw: [values], warnings: [] };
    }
  }
  return { verdict: 'pass', message: `✓ ${sides.length} sides agree at the block's sizes and 5 random ones (${spec.padding} padding; biases counted)`, sides: [], perDraw: [], warnings: [] };
}
