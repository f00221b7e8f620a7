// mode: init — claims about a weight initialization scheme: the variance it gives a weight
// (\mathrm{Var}(w) = \frac{2}{n_{in}}), checked exactly at random fan-in and fan-out values, and that it keeps the
// variance of the pre-activations through the layers (\mathrm{Var}(a^{(l+1)}) = \mathrm{Var}(a^{(l)})), checked by
// pushing random data through a deep stack built with it (a statistical check, with its tolerance said).
import type { ClaimResult } from './sideComparison';
import { EvalError } from './evalErrors';
import { type Node, raw } from './latex';
import { arithmetic, checkSides } from './claimSides';
import { children } from './latexAst';
import type { InitSpec } from './blockSpec';
import { rng } from '../data/random';

const depth = 12;
const width = 128;
const samples = 200;
/** Stacks drawn independently and their variances averaged: one finite-width stack's layers fluctuate by ~12 %. */
const stacks = 6;
/** Averaged variances agree with their expectation to ~5 %; a wrong scheme is off by a factor per layer. */
const sampledTolerance = 0.15;

/** The variance a scheme gives each weight, exactly. */
export function schemeVariance(spec: InitSpec, fanIn: number, fanOut: number): number {
  return spec.scheme === 'he' ? 2 / fanIn : spec.scheme === 'lecun' ? 1 / fanIn : 2 / (fanIn + fanOut);
}

/** The pre-activations' variance at each layer 1..depth, averaged over independently drawn stacks. */
function sampledVariances(spec: InitSpec): number[] {
  const each = Array.from({ length: stacks }, (_, k) => stackVariances(spec, 11 + k));
  return each[0].map((_, l) => each.reduce((s, v) => s + v[l], 0) / stacks);
}

/** One stack built with the scheme (width × width layers), unit-variance Gaussian inputs. */
function stackVariances(spec: InitSpec, seed: number): number[] {
  const random = rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const act = spec.activation === 'relu' ? (x: number) => (x > 0 ? x : 0) : spec.activation === 'tanh' ? Math.tanh : (x: number) => x;
  const sd = Math.sqrt(schemeVariance(spec, width, width));
  let z = Float64Array.from({ length: samples * width }, normal);
  const a = new Float64Array(samples * width);
  const w = new Float64Array(width * width);
  const out: number[] = [];
  for (let l = 1; l <= depth; l++) {
    for (let k = 0; k < w.length; k++) w[k] = sd * normal();
    let sum = 0;
    for (let n = 0; n < samples; n++) {
      for (let i = 0; i < width; i++) {
        let acc = 0;
        for (let j = 0; j < width; j++) acc += w[i * width + j] * z[n * width + j];
        a[n * width + i] = acc;
        sum += acc * acc;
      }
    }
    out.push(sum / (samples * width));
    z = a.map(act);
  }
  return out;
}

let cache: { key: string; variances: number[] } | undefined;
const variancesFor = (spec: InitSpec) => {
  const key = `${spec.scheme}/${spec.activation}`;
  if (cache?.key !== key) cache = { key, variances: sampledVariances(spec) };
  return cache.variances;
};

interface Scope {
  fans: Map<string, number>;
  layer: Map<string, number>;
  spec: InitSpec;
  sampled: { used: boolean };
}

function value(n: Node, s: Scope): number {
  switch (n.k) {
    case 'num': return n.v;
    case 'neg': return -value(n.e, s);
    case 'bin': return arithmetic(n.op, value(n.l, s), value(n.r, s));
    case 'sym': {
      const fan = s.fans.get(raw(n));
      if (fan !== undefined) return fan;
      throw new EvalError(`${raw(n)} is not one of the block's fans (fanIn: ${s.spec.fanIn}${s.spec.fanOut ? `, fanOut: ${s.spec.fanOut}` : ''})`);
    }
    case 'call':
      if (n.fn === 'sqrt') return Math.sqrt(value(n.args[0], s));
      if (n.fn === 'var') return variance(n.args[0], s);
      throw new EvalError(`${n.fn} is not read in an initialization claim`);
    default: throw new EvalError(`${raw(n)} is not read in an initialization claim`);
  }
}

/** Var(w): the scheme's; Var(a^{(l)}): sampled through the stack. */
function variance(arg: Node, s: Scope): number {
  if (arg.k === 'sym' && arg.name === 'a' && arg.layer) {
    const l = layerOf(arg.layer, s.layer);
    if (l < 1 || l > depth) throw new EvalError(`a^{(${l})} is outside the ${depth}-layer stack`);
    s.sampled.used = true;
    return variancesFor(s.spec)[l - 1];
  }
  if (arg.k === 'sym' && /^[wW]$/.test(arg.name)) return schemeVariance(s.spec, s.fans.get(s.spec.fanIn)!, s.fans.get(s.spec.fanOut ?? s.spec.fanIn)!);
  throw new EvalError(`Var(${raw(arg)}): a weight (w, W_{ij}) or a pre-activation a^{(l)} is what an initialization claim is about`);
}

function layerOf(n: Node, bind: Map<string, number>): number {
  if (n.k === 'num') return n.v;
  if (n.k === 'sym' && bind.has(n.name)) return bind.get(n.name)!;
  if (n.k === 'bin' && (n.op === '+' || n.op === '-')) return n.op === '+' ? layerOf(n.l, bind) + layerOf(n.r, bind) : layerOf(n.l, bind) - layerOf(n.r, bind);
  throw new EvalError(`the layer ${raw(n)} is not a number or l, l+1`);
}

const layerLetters = (n: Node, out = new Set<string>()): Set<string> => {
  if (n.k === 'sym' && n.layer) children(n.layer).concat(n.layer).forEach((c) => c.k === 'sym' && !c.sub.length && out.add(c.name));
  children(n).forEach((c) => layerLetters(c, out));
  return out;
};

export function checkInitClaim(latex: string, spec: InitSpec): ClaimResult {
  return checkSides(latex, (sides) => compareSides(sides, spec));
}

function compareSides(sides: Node[], spec: InitSpec): ClaimResult {
  const random = rng(5);
  const letters = [...new Set(sides.flatMap((s) => [...layerLetters(s)]))];
  if (letters.length > 1) throw new EvalError(`one layer index at a time (${letters.join(', ')})`);
  const layers = letters.length ? Array.from({ length: depth - 1 }, (_, i) => i + 1) : [0];
  for (let draw = 0; draw < 5; draw++) {
    const fans = new Map([[spec.fanIn, 16 + Math.floor(random() * 497)]]);
    if (spec.fanOut) fans.set(spec.fanOut, 16 + Math.floor(random() * 497));
    for (const l of layers) {
      const scope: Scope = { fans, layer: new Map(letters.length ? [[letters[0], l]] : []), spec, sampled: { used: false } };
      const values = sides.map((side) => value(side, scope));
      const tolerance = scope.sampled.used ? sampledTolerance : 1e-12;
      const bad = values.findIndex((v) => !(Math.abs(v - values[0]) <= tolerance * Math.max(Math.abs(v), Math.abs(values[0]))));
      if (bad > 0) {
        const where = scope.sampled.used ? `at ${letters[0]} = ${l}, in a stack of ${depth} layers of ${width} units (${spec.activation}, ${spec.scheme})` : `at ${[...fans].map(([k, v]) => `${k} = ${v}`).join(', ')} (${spec.scheme})`;
        return { verdict: 'fail', message: `✗ side ${bad + 1} ≠ side 1 ${where}: side ${bad + 1} = ${values[bad].toPrecision(4)}, side 1 = ${values[0].toPrecision(4)}`, sides: values, perDraw: [values], warnings: [] };
      }
      if (!scope.sampled.used && l !== layers[0]) break;
    }
  }
  const how = letters.length ? `for ${letters[0]} = 1..${depth - 1} in a stack of ${depth} layers of ${width} units (${spec.activation}, ${spec.scheme}; sampled, within ${100 * sampledTolerance} %)` : `at 5 random fans (${spec.scheme})`;
  return { verdict: 'pass', message: `✓ ${sides.length} sides agree ${how}`, sides: [], perDraw: [], warnings: [] };
}
