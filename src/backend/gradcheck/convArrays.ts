// Whole-array claims about a convolution layer — \frac{\partial L}{\partial w} = x \star \frac{\partial L}{\partial y},
// \frac{\partial L}{\partial x} = \text{pad}(\frac{\partial L}{\partial y}, 2) \star \text{rot180}(w) — evaluated as
// arrays: ⋆ is the valid cross-correlation, * (between arrays), ∗ and ⊛ the valid convolution (the second array
// flipped), rot180 (or flip) turns an array, pad(A, k) adds k zeros on every side (1-D arrays: at both ends),
// dilate(A, s) puts s − 1 zeros between neighbouring entries (a strided layer's gradient, spread back); shift(A, s)
// and T_s A move A by s (T_{u,v}, shift(A, u, v): by u rows, v columns), f(A) and y(A) are the layer applied to A.
import type { ConvSpec } from './blockSpec';
import type { ConvDraw } from './convLayer';
import { layerOn, shiftGrid, unprimed } from './convShift';
import { EvalError } from './evalErrors';
import { type Node, raw } from './latex';

export type Grid = number[][];
type Value = number | Grid;
type Role = 'x' | 'y' | 'w' | 'L' | undefined;

/** Valid cross-correlation: out[i][j] = Σ A[i+a][j+b] B[a][b]. */
export function correlate(A: Grid, B: Grid): Grid {
  const [h, w] = [A.length - B.length + 1, A[0].length - B[0].length + 1];
  if (h < 1 || w < 1) throw new EvalError(`a ${B.length}×${B[0].length} array does not fit in a ${A.length}×${A[0].length} one (pad it first)`);
  return Array.from({ length: h }, (_, i) => Array.from({ length: w }, (_, j) => B.reduce((s, row, a) => s + row.reduce((t, v, b) => t + v * A[i + a][j + b], 0), 0)));
}

export const rot180 = (A: Grid): Grid => A.map((row) => [...row].reverse()).reverse();

function pad(A: Grid, k: number, oneD: boolean): Grid {
  const w = A[0].length + 2 * k;
  const rows = A.map((row) => [...new Array<number>(k).fill(0), ...row, ...new Array<number>(k).fill(0)]);
  if (oneD) return rows;
  const zeros = () => new Array<number>(w).fill(0);
  return [...Array.from({ length: k }, zeros), ...rows, ...Array.from({ length: k }, zeros)];
}

/** Whether a side is about whole arrays (an array without subscripts, or an operator between arrays). */
export function isArraySide(n: Node, roleOf: (s: Extract<Node, { k: 'sym' }>) => Role): boolean {
  if (n.k === 'sym') return !n.sub.length && ['x', 'y', 'w'].includes(roleOf(n) ?? '');
  if (n.k === 'call' && ['correlate', 'convolve', 'rot180', 'pad', 'dilate', 'shift'].includes(n.fn)) return true;
  if (n.k === 'deriv') return n.den.k === 'sym' && !n.den.sub.length && ['x', 'y', 'w'].includes(roleOf(n.den) ?? '');
  const kids: Node[] = n.k === 'bin' ? [n.l, n.r] : n.k === 'neg' ? [n.e] : [];
  return kids.some((k) => isArraySide(k, roleOf));
}

/** Shift letters' values, and x′ and y′ in this draw (claims about a shifted input). */
export interface ArrayScope {
  letters: Map<string, number>;
  primed?: { x: Grid; y: Grid };
}

export function arrayValue(n: Node, d: ConvDraw, spec: ConvSpec, roleOf: (s: Extract<Node, { k: 'sym' }>) => Role, scope: ArrayScope = { letters: new Map() }): Value {
  const value = (m: Node) => arrayValue(m, d, spec, roleOf, scope);
  const oneD = spec.input.length === 1;
  const grid = (v: Value, what: string): Grid => {
    if (typeof v === 'number') throw new EvalError(`${what} needs an array`);
    return v;
  };
  switch (n.k) {
    case 'num': return n.v;
    case 'neg': return map(value(n.e), (x) => -x);
    case 'sym': {
      const role = roleOf(n);
      if (role === 'L') return d.L;
      if (!role && !n.sub.length && scope.letters.has(n.name)) return scope.letters.get(n.name)!;
      if ((role === 'x' || role === 'y') && !n.sub.length && unprimed(n).primed) {
        if (!scope.primed) throw new EvalError(`${raw(n)}: define ${spec.names.x}′ first (x' = \\text{shift}(x, s), or x'_{i} = x_{i-s})`);
        return scope.primed[role];
      }
      if (role && !n.sub.length) return { x: d.x, y: d.y, w: d.w }[role];
      throw new EvalError(`${raw(n)} in a whole-array claim: name the layer's arrays (x, y, w) without indices`);
    }
    case 'deriv': {
      const [top, bottom] = n.num.k === 'sym' && n.den.k === 'sym' ? [roleOf(n.num), roleOf(n.den)] : [undefined, undefined];
      if (top === 'L' && (bottom === 'x' || bottom === 'y' || bottom === 'w')) return { x: d.dx, y: d.dy, w: d.dw }[bottom];
      throw new EvalError(`∂${raw(n.num)}/∂${raw(n.den)}: the gradient of L with respect to x, y or w`);
    }
    case 'bin': {
      const applied = n.op === '*' ? operatorOn(n.l, value(n.r), n.r) : undefined;
      if (applied) return applied;
      const [l, r] = [value(n.l), value(n.r)];
      if (n.op === '*' && typeof l !== 'number' && typeof r !== 'number') return correlate(l, rot180(r)); // A * B between arrays: a convolution
      if (n.op === '+' || n.op === '-' || n.op === '*' || n.op === '/') return combine(l, r, n.op);
      throw new EvalError(`${n.op} between arrays`);
    }
    case 'call': {
      if (n.fn === 'correlate') return correlate(grid(value(n.args[0]), '⋆'), grid(value(n.args[1]), '⋆'));
      if (n.fn === 'convolve') return correlate(grid(value(n.args[0]), '∗'), rot180(grid(value(n.args[1]), '∗')));
      if (n.fn === 'rot180') return rot180(grid(value(n.args[0]), 'rot180'));
      if (n.fn === 'shift') return shiftGrid(grid(value(n.args[0]), 'shift'), n.args.slice(1).map((a) => number(value(a), 'shift(A, s)')), oneD);
      if ((n.fn === 'f' || n.fn === 'g') && n.args.length === 1 && !n.primes) return layerOn(d, [grid(value(n.args[0]), `${n.fn}(…)`)])[0];
      if (n.fn === 'dilate') {
        const s = n.args[1] ? value(n.args[1]) : undefined;
        if (typeof s !== 'number' || s < 1) throw new EvalError('dilate(A, s): the stride, 1 or more');
        return dilate(grid(value(n.args[0]), 'dilate'), s, spec.input.length === 1);
      }
      if (n.fn === 'pad') {
        const k = n.args[1] ? value(n.args[1]) : undefined;
        if (typeof k !== 'number') throw new EvalError('pad(A, k): the zeros to add on each side');
        return pad(grid(value(n.args[0]), 'pad'), k, spec.input.length === 1);
      }
      throw new EvalError(`${n.fn} in a whole-array claim`);
    }
    default: throw new EvalError(`${raw(n)} in a whole-array claim`);
  }

  /** T_s A (T_{u,v} A): A shifted; y(A), written y next to an array: the layer applied to A. Else undefined. */
  function operatorOn(left: Node, right: Value, rightNode: Node): Grid | undefined {
    if (left.k !== 'sym' || typeof right === 'number') return undefined;
    if (left.name === 'T' && left.sub.length && !roleOf(left)) return shiftGrid(right, left.sub.map((s) => number(value(s), 'T_s')), oneD);
    if (roleOf(left) === 'y' && !left.sub.length && !unprimed(left).primed && rightNode.k !== 'deriv') return layerOn(d, [right])[0];
    return undefined;
  }
}

function number(v: Value, what: string): number {
  if (typeof v !== 'number') throw new EvalError(`${what}: the shift is a number (or a letter), not an array`);
  return v;
}

function dilate(A: Grid, s: number, oneD: boolean): Grid {
  const spread = (row: number[]) => row.flatMap((v, j) => (j === row.length - 1 ? [v] : [v, ...new Array<number>(s - 1).fill(0)]));
  const rows = A.map(spread);
  if (oneD) return rows;
  const zeros = () => new Array<number>(rows[0].length).fill(0);
  return rows.flatMap((row, i) => (i === rows.length - 1 ? [row] : [row, ...Array.from({ length: s - 1 }, zeros)]));
}

const map = (v: Value, f: (x: number) => number): Value => (typeof v === 'number' ? f(v) : v.map((row) => row.map(f)));

function combine(l: Value, r: Value, op: '+' | '-' | '*' | '/'): Value {
  const f = (a: number, b: number) => (op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b);
  if (typeof l === 'number' && typeof r === 'number') return f(l, r);
  if (typeof l === 'number') return map(r, (b) => f(l, b));
  if (typeof r === 'number') return map(l, (a) => f(a, r));
  if (l.length !== r.length || l[0].length !== r[0].length) throw new ShapeMismatch(`${l.length}×${l[0].length} ${op} ${r.length}×${r[0].length}`);
  return l.map((row, i) => row.map((a, j) => f(a, r[i][j])));
}

/** Arrays of different shapes where the math needs the same: the claim is wrong, not unreadable. */
export class ShapeMismatch extends Error {}
