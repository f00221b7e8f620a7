// mode: conv — claims in index form about one convolution layer (∂L/∂w_{a,b} = Σ_{i,j} ∂L/∂y_{i,j} x_{i+a,j+b}, the
// input gradient as a full convolution with the flipped kernel, ∂y_{i,j}/∂w_{a,b} = …), evaluated on random layers
// against exact backprop for every value of their free indices. Entries outside an array are 0 (zero padding).
import { type ConvSpec, convName } from './blockSpec';
import { freeIndices } from './claims';
import { ConvDraw } from './convLayer';
import { arrayValue, type Grid, isArraySide, ShapeMismatch } from './convArrays';
import { bareLetters, type ConvState, layerOn, needsDefinition, readDefinition, type ShiftDefinition, shiftText, shiftValues, unprimed } from './convShift';
import { EvalError } from './evalErrors';
import { type Node, raw } from './latex';
import { arithmetic, checkSides } from './claimSides';
import { children } from './latexAst';
import type { ClaimResult } from './sideComparison';
import { rng } from '../data/random';

type Sym = Extract<Node, { k: 'sym' }>;
type Role = 'x' | 'y' | 'w';

/** What a symbol names: the block's own names, and the common ones when the block keeps the defaults. */
function roleOf(s: Sym, spec: ConvSpec): Role | 'L' | undefined {
  const name = convName(unprimed(s).base);
  if (!s.sub.length && !s.layer && /^[LEJ]$/.test(s.name)) return 'L';
  const defaults = spec.names.x === 'x' && spec.names.y === 'y' && spec.names.w === 'w';
  const aliases: Record<Role, string[]> = {
    x: [spec.names.x, ...(defaults ? ['y^{(l-1)}', 'z^{(l-1)}', 'a^{(l-1)}'] : [])],
    y: [spec.names.y, ...(defaults ? ['y^{(l)}', 'z^{(l)}'] : [])],
    w: [spec.names.w, ...(defaults ? ['w^{(l)}', 'k', 'K', 'W'] : [])],
  };
  return (Object.keys(aliases) as Role[]).find((r) => aliases[r].includes(name));
}

/** x′ and y′ = the layer on x′, in one draw with its shift. */
interface Shifted {
  xs: Grid[];
  ys: Grid[];
}

interface Scope {
  d: ConvDraw;
  spec: ConvSpec;
  bind: Map<string, number>;
  shifted?: Shifted;
  /** Entries outside an array are unknown (NaN), not 0: while x′ is computed from its definition. */
  strict?: boolean;
}

function indexOf(n: Node, bind: Map<string, number>): number {
  if (n.k === 'num') return n.v;
  if (n.k === 'sym' && !n.sub.length && bind.has(n.name)) return bind.get(n.name)!;
  if (n.k === 'neg') return -indexOf(n.e, bind);
  if (n.k === 'bin' && ['+', '-', '*', '/'].includes(n.op)) {
    const [l, r] = [indexOf(n.l, bind), indexOf(n.r, bind)];
    const v = n.op === '+' ? l + r : n.op === '-' ? l - r : n.op === '*' ? l * r : l / r;
    if (!Number.isInteger(v)) throw new EvalError(`the index ${raw(n)} is ${v} here, not a whole number`);
    return v;
  }
  throw new EvalError(`the index ${raw(n)} is not a number or a bound index`);
}

/** The extra indices an array takes before its positions: x_{c,…} with channels, y_{k,…} with kernels, w_{k,c,…}. */
function leading(role: Role, spec: ConvSpec): ('k' | 'c')[] {
  const k = spec.kernels > 1 ? ['k' as const] : [];
  const c = spec.channels > 1 ? ['c' as const] : [];
  return role === 'x' ? c : role === 'y' ? k : [...k, ...c];
}

/** An entry (0-based indices) of x, y or w, or of its gradient; outside the array, 0 (`strict`: unknown). Of x′ and
 *  y′ with `shifted`; outside them, unknown. */
function entry(d: ConvDraw, spec: ConvSpec, role: Role, gradient: boolean, index: number[], how: { shifted?: Shifted; strict?: boolean } = {}): number {
  const lead = leading(role, spec);
  if (index.length !== lead.length + spec.input.length) {
    throw new EvalError(`${role} takes ${lead.length + spec.input.length} indices here (${[...lead, ...(spec.input.length === 2 ? ['i', 'j'] : ['i'])].join(', ')}), not ${index.length}`);
  }
  const at = (name: 'k' | 'c') => (lead.includes(name) ? index[lead.indexOf(name)] : 0);
  const [k, c] = [at('k'), at('c')];
  const { shifted } = how;
  if (shifted && role === 'w') throw new EvalError(`${spec.names.w}′: only the input is shifted (x′), and y′ is the layer on it`);
  const grid = shifted ? (role === 'x' ? shifted.xs[c] : shifted.ys[k])
    : role === 'x' ? (gradient ? d.dxs : d.xs)[c] : role === 'y' ? (gradient ? d.dys : d.ys)[k] : (gradient ? d.dws : d.ws)[k]?.[c];
  if (!grid) return 0;
  const position = index.slice(lead.length);
  const [r, q] = position.length === 1 ? [0, position[0]] : position;
  return grid[r]?.[q] ?? (shifted || how.strict ? NaN : 0);
}

function value(n: Node, s: Scope): number {
  switch (n.k) {
    case 'num': return n.v;
    case 'neg': return -value(n.e, s);
    case 'bin': return arithmetic(n.op, value(n.l, s), value(n.r, s));
    case 'sym': {
      const role = roleOf(n, s.spec);
      if (role === 'L') return s.d.L;
      if (!role) throw new EvalError(`${raw(n)} is not the layer's input, output or kernel (name them in the block: x: …, y: …, w: …)`);
      if (!n.sub.length) throw new EvalError(`${raw(n)} is a whole array: write the claim entry by entry (${raw(n)}_{i,j})`);
      const primed = unprimed(n).primed;
      if (primed && !s.shifted) throw needsDefinition(s.spec);
      return entry(s.d, s.spec, role, false, n.sub.map((x) => indexOf(x, s.bind) - s.spec.base), { shifted: primed ? s.shifted : undefined, strict: s.strict });
    }
    case 'big': return sum(n, s);
    case 'deriv': return derivative(n, s);
    default: throw new EvalError(`${raw(n)} is not read in a convolution claim (write it in index form)`);
  }
}

function sum(n: Extract<Node, { k: 'big' }>, s: Scope): number {
  const r = n.from && n.to ? { lo: indexOf(n.from, s.bind), hi: indexOf(n.to, s.bind) } : rangeOf(n.body, n.index, s.spec);
  let acc = n.op === 'sum' ? 0 : 1;
  for (let i = r.lo; i <= r.hi; i++) {
    const v = value(n.body, { ...s, bind: new Map(s.bind).set(n.index, i) });
    acc = n.op === 'sum' ? acc + v : acc * v;
  }
  return acc;
}

/** ∂L/∂(x, y, w entry) by exact backprop; ∂y_{i,j}/∂(w, x entry) from the layer's own formula. */
function derivative(n: Extract<Node, { k: 'deriv' }>, s: Scope): number {
  const [num, den] = [n.num, n.den];
  if (num.k !== 'sym' || den.k !== 'sym') throw new EvalError(`∂${raw(num)}/∂${raw(den)}: derivatives of one entry by another are read`);
  if (unprimed(num).primed || unprimed(den).primed) throw new EvalError(`∂${raw(num)}/∂${raw(den)}: derivatives of x′ and y′ are not read (claims about their entries are)`);
  const [top, bottom] = [roleOf(num, s.spec), roleOf(den, s.spec)];
  const at = (x: Sym) => x.sub.map((i) => indexOf(i, s.bind) - s.spec.base);
  if (top === 'L' && bottom && bottom !== 'L' && den.sub.length) return entry(s.d, s.spec, bottom, true, at(den));
  if (top === 'y' && num.sub.length && (bottom === 'w' || bottom === 'x') && den.sub.length) return outputSlope(s, at(num), bottom, at(den));
  throw new EvalError(`∂${raw(num)}/∂${raw(den)} is not one the checker knows (∂L/∂ an entry, or ∂y_{…}/∂w_{…} and ∂y_{…}/∂x_{…})`);
}

/** ∂y_o/∂w_k or ∂y_o/∂x_k: the layer is linear in each, so this is the other one's entry that meets it. */
function outputSlope(s: Scope, out: number[], by: 'w' | 'x', idx: number[]): number {
  const { spec, d } = s;
  const two = (v: number[]) => (v.length === 1 ? [0, v[0]] : v);
  const [ly, lb] = [leading('y', spec), leading(by, spec)];
  if (out.length !== ly.length + spec.input.length || idx.length !== lb.length + spec.input.length) throw new EvalError('∂y/∂…: the indices do not match the layer\'s kernels and channels');
  const kernel = ly.length ? out[0] : 0;
  const pick = (name: 'k' | 'c') => (lb.includes(name) ? idx[lb.indexOf(name)] : name === 'k' ? kernel : 0);
  if (by === 'w' && pick('k') !== kernel) return 0; // another kernel's weight: y_k does not depend on it
  const c = pick('c');
  const [oi, oj] = two(out.slice(ly.length));
  const [ki, kj] = two(idx.slice(lb.length));
  const [kh, kw] = two(spec.kernel);
  const p = spec.input.length === 1 ? [0, spec.padding] : [spec.padding, spec.padding];
  const flip = (a: number, b: number) => (spec.operation === 'convolution' ? [kh - 1 - a, kw - 1 - b] : [a, b]);
  if (by === 'w') {
    const [a, b] = flip(ki, kj);
    return d.xs[c]?.[oi * spec.stride + a - p[0]]?.[oj * spec.stride + b - p[1]] ?? 0;
  }
  const [a, b] = [ki + p[0] - oi * spec.stride, kj + p[1] - oj * spec.stride];
  if (a < 0 || a >= kh || b < 0 || b >= kw) return 0;
  const [fa, fb] = flip(a, b);
  return d.ws[kernel]?.[c]?.[fa]?.[fb] ?? 0;
}

/** An index's range from where it is used directly as an entry's subscript (x_{i,j}: the input's rows and columns). */
function rangeOf(node: Node, index: string, spec: ConvSpec, fallback = true): { lo: number; hi: number } {
  const sizes = layerSizes(spec);
  let lo = -Infinity;
  let hi = Infinity;
  const walk = (n: Node) => {
    if (n.k === 'sym') {
      const role = roleOf(n, spec);
      if (role && role !== 'L') n.sub.forEach((x, k) => {
        if (x.k === 'sym' && x.name === index && !x.sub.length) {
          const dim = n.sub.length === sizes[role].length ? sizes[role][k] : undefined;
          if (dim === undefined) return;
          lo = Math.max(lo, spec.base);
          hi = Math.min(hi, spec.base + dim - 1);
        }
      });
    }
    if (n.k === 'big' && n.index === index) return;
    children(n).forEach(walk);
  };
  walk(node);
  // used only inside expressions (w_{2-a}, y_{m-a}): the range of the array it indexes, the kernel's first
  if (!Number.isFinite(lo) && fallback) {
    const inside = arraysIndexedWith(node, index, spec);
    const role = (['w', 'y', 'x'] as const).find((r) => inside.has(r));
    if (role) {
      const k = inside.get(role)!;
      return { lo: spec.base, hi: spec.base + sizes[role][k] - 1 };
    }
  }
  if (!Number.isFinite(lo)) throw new EvalError(`the range of ${index} cannot be inferred: use it as an entry's subscript somewhere, or give it (\\sum_{${index}=0}^{…})`);
  return { lo, hi };
}

/** The arrays whose subscripts use the index inside an expression, with the subscript's position. */
function arraysIndexedWith(node: Node, index: string, spec: ConvSpec): Map<Role, number> {
  const out = new Map<Role, number>();
  const walk = (n: Node) => {
    if (n.k === 'sym') {
      const role = roleOf(n, spec);
      if (role && role !== 'L') n.sub.forEach((x, k) => mentionsLetter(x, index) && !out.has(role) && out.set(role, k));
    }
    children(n).forEach(walk);
  };
  walk(node);
  return out;
}

const mentionsLetter = (n: Node, letter: string): boolean => (n.k === 'sym' && n.name === letter && !n.sub.length) || children(n).some((c) => mentionsLetter(c, letter));

function layerSizes(spec: ConvSpec): Record<Role, number[]> {
  const out = spec.input.map((m, k) => Math.floor((m + 2 * spec.padding - spec.kernel[k]) / spec.stride) + 1);
  const dims = (role: Role) => leading(role, spec).map((l) => (l === 'k' ? spec.kernels : spec.channels));
  return { x: [...dims('x'), ...spec.input], y: [...dims('y'), ...out], w: [...dims('w'), ...spec.kernel] };
}

/** Bare letters in a node (i in i+a, l in l-1). */
const lettersIn = (n: Node): string[] => (n.k === 'sym' && !n.sub.length && !n.layer ? [n.name] : children(n).flatMap(lettersIn));
const layerLetters = (n: Node): string[] => [...(n.k === 'sym' && n.layer ? lettersIn(n.layer) : []), ...children(n).filter((c) => !(n.k === 'sym' && c === n.layer)).flatMap(layerLetters)];
const subscriptLetters = (n: Node): Set<string> => new Set([...(n.k === 'sym' ? n.sub.flatMap(lettersIn) : []), ...children(n).flatMap((c) => [...subscriptLetters(c)])]);

export function checkConvClaim(latex: string, spec: ConvSpec, state: ConvState = {}): ClaimResult {
  return checkSides(latex, (sides) => {
    const inputDims = leading('x', spec).length + spec.input.length;
    const definition = readDefinition(sides, (x) => roleOf(x, spec), inputDims);
    if (!definition) return compare(sides, spec, state);
    state.shift = definition;
    const letters = definition.letters;
    const values = !letters.length ? '' : `; ${letters.join(', ')} take${letters.length === 1 ? 's' : ''} ${spec.stride > 1 ? `multiples of the stride ${spec.stride}` : 'the values 1, 2 and −1'} in turn`;
    return { verdict: 'inconclusive', message: `∅ ${definition.name} defined here, so nothing to check; in the claims below, ${spec.names.y}′ is the layer applied to it${values}`, sides: [], perDraw: [], warnings: [] };
  });
}

/** Whether a claim is about x′ or y′ (a marked input or output). */
const mentionsShifted = (n: Node, spec: ConvSpec): boolean => (n.k === 'sym' && unprimed(n).primed && !!roleOf(n, spec)) || children(n).some((c) => mentionsShifted(c, spec));

/** x′ from its definition in this draw (shift letters bound), and y′ = the layer applied to it. */
function shiftedDraw(d: ConvDraw, spec: ConvSpec, def: ShiftDefinition, shifts: Map<string, number>): Shifted {
  const role = (x: Sym) => roleOf(x, spec);
  if (!def.positions.length) {
    const v = arrayValue(def.source, d, spec, role, { letters: shifts });
    if (typeof v === 'number' || v.length !== d.x.length || v[0].length !== d.x[0].length) throw new EvalError(`${def.name} is not an array of ${spec.names.x}'s shape`);
    return { xs: [v], ys: layerOn(d, [v]) };
  }
  const lead = leading('x', spec).length;
  const xs = d.xs.map((xc, c) => xc.map((row, r) => row.map((_, q) => {
    const at = [...(lead ? [c] : []), ...(spec.input.length === 1 ? [q] : [r, q])];
    const bind = new Map(shifts);
    def.positions.forEach((p, k) => bind.set(p, at[k] + spec.base));
    return value(def.source, { d, spec, bind, strict: true });
  })));
  return { xs, ys: layerOn(d, xs) };
}

/** For a claim about x′ and y′: the definition's shift letters; undefined for other claims. */
function shiftLetters(sides: Node[], spec: ConvSpec, state: ConvState): string[] | undefined {
  if (!sides.some((side) => mentionsShifted(side, spec))) return undefined;
  if (!state.shift) throw needsDefinition(spec);
  return state.shift.letters;
}

/** What a comparison skipped: entries that see across the array's border after the shift. */
const skippedText = (skipped: number, total: number) => (skipped ? `; ${skipped} of ${total} comparisons at the borders skipped: they see entries shifted in from outside the array` : '');
const noneCompared = (letters: string[]): ClaimResult => ({ verdict: 'inconclusive', message: `∅ cannot check: every entry sees past the array's border after the shift (${letters.join(', ')}); declare a larger input`, sides: [], perDraw: [], warnings: [] });

/** Whole arrays on either side: compared entry by entry, shapes first (stride 1: stride > 1 needs index form). */
function compareArrays(sides: Node[], spec: ConvSpec, state: ConvState): ClaimResult {
  // with a stride that does not divide the padded input, the last rows meet no output: their gradient needs more than
  // dilate and pad, which texts leave out — entry by entry it is exact
  if (spec.input.some((m, k) => (m + 2 * spec.padding - spec.kernel[k]) % spec.stride !== 0)) {
    throw new EvalError(`whole-array forms are read when the stride divides the padded input minus the kernel (here it does not): write the claim entry by entry`);
  }
  if (spec.kernels > 1 || spec.channels > 1) throw new EvalError('whole-array forms are read for one kernel on one channel: write the claim entry by entry');
  const role = (s: Sym) => roleOf(s, spec);
  const defined = shiftLetters(sides, spec, state);
  const letters = [...new Set([...(defined ?? []), ...sides.flatMap(bareLetters).filter((l) => !['x', 'y', 'w'].includes(role({ k: 'sym', name: l, sub: [], primes: 0, at: 0, end: 0 }) ?? ''))])];
  const layer = `${spec.operation}, input ${spec.input.join('×')}, kernel ${spec.kernel.join('×')}, padding ${spec.padding}`;
  let [maxRel, skipped, compared] = [0, 0, 0];
  const shifts: Map<string, number>[] = [];
  for (let draw = 0; draw < 3; draw++) {
    const d = new ConvDraw(spec, rng(3 + 7919 * draw));
    shifts.push(shiftValues(letters, draw, spec.stride));
    let values: (number | Grid)[];
    try {
      const shifted = defined ? shiftedDraw(d, spec, state.shift!, shifts[draw]) : undefined;
      values = sides.map((side) => arrayValue(side, d, spec, role, { letters: shifts[draw], primed: shifted && { x: shifted.xs[0], y: shifted.ys[0] } }));
    } catch (e) {
      if (!(e instanceof ShapeMismatch)) throw e;
      return { verdict: 'fail', message: `✗ the arrays' shapes do not match: ${e.message}`, sides: [], perDraw: [], warnings: [] };
    }
    const shape = (v: number | Grid) => (typeof v === 'number' ? 'a number' : `${v.length}×${v[0].length}`);
    const withShift = () => (shifts[draw].size ? ` with ${[...shifts[draw]].map(([l, v]) => `${l} = ${v}`).join(', ')}` : '');
    for (let i = 1; i < values.length; i++) {
      const [a, b] = [values[0], values[i]];
      if (shape(a) !== shape(b)) return { verdict: 'fail', message: `✗ side ${i + 1} is ${shape(b)}, side 1 is ${shape(a)} (${layer})`, sides: [], perDraw: [], warnings: [] };
      const [fa, fb] = [typeof a === 'number' ? [a] : a.flat(), typeof b === 'number' ? [b] : b.flat()];
      for (let k = 0; k < fa.length; k++) {
        if (Number.isNaN(fa[k]) || Number.isNaN(fb[k])) { skipped++; continue; }
        compared++;
        const rel = Math.abs(fa[k] - fb[k]) / Math.max(1e-12, Math.abs(fa[k]), Math.abs(fb[k]));
        maxRel = Math.max(maxRel, rel);
        if (!(rel <= 1e-9)) {
          const where = typeof a === 'number' ? '' : ` at entry (${Math.floor(k / a[0].length) + spec.base}, ${(k % a[0].length) + spec.base})`;
          return { verdict: 'fail', message: `✗ side ${i + 1} ≠ side 1${where}${withShift()}: side ${i + 1} = ${fb[k].toPrecision(4)}, side 1 = ${fa[k].toPrecision(4)} (${layer})`, sides: [], perDraw: [], warnings: [] };
        }
      }
    }
  }
  if (!compared) return noneCompared(letters);
  const shifted = letters.length ? `, shifted by ${shiftText(shifts)}` : '';
  return { verdict: 'pass', message: `✓ ${sides.length} sides agree as whole arrays on 3 random layers${shifted} (rel err ${maxRel.toExponential(1)}${skippedText(skipped, skipped + compared)})`, sides: [], perDraw: [], warnings: [] };
}

/** Every binding of the free letters (ranged over their arrays' indices). */
function bindings(sides: Node[], spec: ConvSpec, exclude: string[], shiftClaim = false): { ranges: { l: string; lo: number; hi: number }[]; binds: Map<string, number>[] } {
  // y^{(l)} and y^{(l-1)} are names: their layer letter is not an index to range over
  const layerOnly = new Set(sides.flatMap((s) => layerLetters(s)));
  const letters = [...new Set(sides.flatMap((s) => [...freeIndices(s)]))].filter((l) => !exclude.includes(l) && (!layerOnly.has(l) || sides.some((s) => subscriptLetters(s).has(l))));
  // a free index's range from its direct uses (x_{m,n}); only when it has none, from the arrays it offsets (y_{m-a})
  const ranges = letters.map((l) => {
    const tryRange = (side: Node, fallback: boolean) => { try { return rangeOf(side, l, spec, fallback); } catch { return undefined; } };
    const direct = sides.map((side) => tryRange(side, false)).filter((r) => r !== undefined);
    // beside a shift, a letter only ever added to an index is a shift the definition did not name
    if (shiftClaim && !direct.length) throw new EvalError(`${l} shifts an index, but the definition of ${spec.names.x}′ above shifts by ${exclude.join(', ') || 'constants'}: use its letters`);
    const found = direct.length ? direct : sides.map((side) => tryRange(side, true)).filter((r) => r !== undefined);
    if (!found.length) throw new EvalError(`the range of ${l} cannot be inferred from its uses`);
    return { l, lo: Math.max(...found.map((r) => r.lo)), hi: Math.min(...found.map((r) => r.hi)) };
  });
  const binds: Map<string, number>[] = [new Map()];
  for (const { l, lo, hi } of ranges) binds.splice(0, binds.length, ...binds.flatMap((b) => Array.from({ length: hi - lo + 1 }, (_, k) => new Map(b).set(l, lo + k))));
  return { ranges, binds };
}

function compare(sides: Node[], spec: ConvSpec, state: ConvState): ClaimResult {
  if (sides.some((s) => isArraySide(s, (x) => roleOf(x, spec)))) return compareArrays(sides, spec, state);
  const shiftClaim = shiftLetters(sides, spec, state);
  const shiftBy = shiftClaim ?? [];
  const { ranges, binds } = bindings(sides, spec, shiftBy, !!shiftClaim);
  const layer = `${spec.operation}, input ${spec.input.join('×')}, kernel ${spec.kernel.join('×')}, stride ${spec.stride}, padding ${spec.padding}`;
  let [maxRel, skipped] = [0, 0];
  const shifts: Map<string, number>[] = [];
  for (let draw = 0; draw < 3; draw++) {
    const d = new ConvDraw(spec, rng(3 + 7919 * draw));
    shifts.push(shiftValues(shiftBy, draw, spec.stride));
    const shifted = shiftClaim ? shiftedDraw(d, spec, state.shift!, shifts[draw]) : undefined;
    for (const bind of binds) {
      // beside a shifted array, an entry outside an array is unknown too (the shift meets the border there)
      const values = sides.map((side) => value(side, { d, spec, bind: new Map([...shifts[draw], ...bind]), shifted, strict: !!shifted }));
      if (values.some(Number.isNaN)) { skipped++; continue; }
      for (let i = 1; i < values.length; i++) {
        const rel = Math.abs(values[i] - values[0]) / Math.max(1e-12, Math.abs(values[0]), Math.abs(values[i]));
        maxRel = Math.max(maxRel, rel);
        if (!(rel <= 1e-9)) {
          const where = [...shifts[draw], ...bind].map(([k, v]) => `${k} = ${v}`).join(', ');
          return { verdict: 'fail', message: `✗ side ${i + 1} ≠ side 1${where ? ` at ${where}` : ''}: side ${i + 1} = ${values[i].toPrecision(4)}, side 1 = ${values[0].toPrecision(4)} (${layer})`, sides: values, perDraw: [values], warnings: [] };
        }
      }
    }
  }
  if (skipped === 3 * binds.length) return noneCompared(shiftBy);
  const over = ranges.map((r) => `${r.l} = ${r.lo}..${r.hi}`).join(', ');
  const shiftedBy = shiftBy.length ? `, shifted by ${shiftText(shifts)}` : '';
  return { verdict: 'pass', message: `✓ ${sides.length} sides agree${over ? ` for ${over}` : ''} on 3 random layers${shiftedBy} (rel err ${maxRel.toExponential(1)}${skippedText(skipped, 3 * binds.length)})`, sides: [], perDraw: [], warnings: [] };
}
