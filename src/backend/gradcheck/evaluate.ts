// Evaluating parsed formulas on one network draw, in float64 dual numbers: every value carries its tangent
// with respect to the quantity a surrounding ∂/∂(…) names, so derivatives are exact (forward mode), never
// finite differences, and stay accurate at 1e-150.
import { Node, raw } from './latex';
import { children } from './latexAst';
import { EvalError, maxRange, NoSuchQuantity, TooMuchWork, workPerClaim } from './evalErrors';
import { activations, Draw, Quantity, Tangents } from './network';

export interface Dual {
  v: number;
  d: number;
}

export interface GraphSpec {
  n: number;
  inputs: Map<string, { indexed: boolean }>;
  defines: Map<string, { index?: string; body: Node }>;
  inputRange: [number, number];
}

export type Seed = { net: Quantity } | { graph: string; index: number };

export interface Env {
  draw?: Draw;
  graph?: { spec: GraphSpec; values: Map<string, number[]> };
  consts: Map<string, number>;
  hidden: keyof typeof activations;
  warnings: Set<string>;
  /** Terms of sums and products this claim may still evaluate (shared by its draws). */
  work?: { left: number };
}

interface Ctx {
  bind: Map<string, number>;
  seed?: Seed;
  tangents?: Tangents;
}

const C = (v: number): Dual => ({ v, d: 0 });

/** Index letters that name the training example, not a unit: t_n, E_n, y_n. */
const sampleIndex = 'n';

export function evaluate(node: Node, env: Env, bind: Map<string, number>): number {
  return ev(node, env, { bind }).v;
}

function ev(n: Node, env: Env, ctx: Ctx): Dual {
  switch (n.k) {
    case 'num':
      if (Number.isNaN(n.v)) throw new EvalError('∂/∂(…) is applied to nothing');
      return C(n.v);
    case 'neg': {
      const e = ev(n.e, env, ctx);
      return { v: -e.v, d: -e.d };
    }
    case 'bin': {
      const l = ev(n.l, env, ctx);
      const r = ev(n.r, env, ctx);
      switch (n.op) {
        case '+': return { v: l.v + r.v, d: l.d + r.d };
        case '-': return { v: l.v - r.v, d: l.d - r.d };
        case '*': return { v: l.v * r.v, d: l.d * r.v + l.v * r.d };
        case '/': return { v: l.v / r.v, d: (l.d * r.v - l.v * r.d) / (r.v * r.v) };
        case '^': {
          const v = l.v ** r.v;
          const d = (r.v === 0 ? 0 : r.v * l.v ** (r.v - 1) * l.d) + (r.d && l.v > 0 ? v * Math.log(l.v) * r.d : 0);
          return { v, d };
        }
      }
      break;
    }
    case 'sym':
      return symbol(n, env, ctx);
    case 'call':
      return call(n, env, ctx);
    case 'big':
      return big(n, env, ctx);
    case 'deriv':
      return derivative(n, env, ctx);
    case 'partial':
      throw new EvalError(`'\\partial ${raw(n.e)}' stands alone: write \\frac{\\partial …}{\\partial …}`);
    case 'cases': {
      for (const b of n.branches) if (!b.cond || condition(b.cond, env, ctx)) return ev(b.value, env, ctx);
      throw new EvalError('no case of the cases applies');
    }
    case 'cmp':
    case 'otherwise':
      throw new EvalError('a comparison outside a cases environment');
  }
  throw new EvalError('unsupported expression');
}

function condition(c: Node, env: Env, ctx: Ctx): boolean {
  if (c.k === 'otherwise') return true;
  if (c.k !== 'cmp') throw new EvalError('expected a condition');
  // an index letter in a condition (k \neq 1) is the index's value, not a quantity
  const side = (n: Node) => (n.k === 'sym' && !n.sub.length && ctx.bind.has(n.name) ? ctx.bind.get(n.name)! : ev(n, env, ctx).v);
  const l = side(c.l);
  const r = side(c.r);
  return c.op === '<' ? l < r : c.op === '>' ? l > r : c.op === '<=' ? l <= r : c.op === '>=' ? l >= r : c.op === '!=' ? l !== r : l === r;
}

export function indexValue(n: Node, bind: Map<string, number>, what: string): number {
  if (n.k === 'num') return n.v;
  if (n.k === 'sym' && !n.sub.length) {
    const v = bind.get(n.name);
    if (v === undefined) throw new EvalError(`index ${n.name} in ${what} is not bound`);
    return v;
  }
  if (n.k === 'bin' && (n.op === '+' || n.op === '-')) {
    const l = indexValue(n.l, bind, what);
    const r = indexValue(n.r, bind, what);
    return n.op === '+' ? l + r : l - r;
  }
  throw new EvalError(`unsupported index in ${what}`);
}

/** The network quantity (or graph input) a symbol names, with 0-based unit indices; checks that it exists. */
export function quantityOf(s: Extract<Node, { k: 'sym' }>, env: Env, bind: Map<string, number>): { net?: Quantity; graph?: { name: string; index: number }; text: string } {
  const text = raw(s);
  if (env.graph) {
    const input = env.graph.spec.inputs.get(s.name);
    if (input) {
      const index = input.indexed ? indexValue(s.sub[0], bind, text) : 1;
      if (index < 1 || index > env.graph.spec.n) throw new NoSuchQuantity(`${text} does not exist: indices run 1..${env.graph.spec.n}`);
      return { graph: { name: s.name, index: index - 1 }, text };
    }
    throw new EvalError(`cannot differentiate with respect to ${text}: it is not one of the declared inputs`);
  }
  const d = env.draw!;
  const L = d.L;
  const units = (l: number) => d.net.units[l - 1];
  const unit = (l: number, j: number) => {
    if (j < 1 || j > units(l)) throw new NoSuchQuantity(`${text} does not exist: layer ${l} has ${units(l)} unit${units(l) === 1 ? '' : 's'}`);
    return j - 1;
  };
  const layerOf = (min: number, max: number) => {
    if (!s.layer) throw new EvalError(`${text} needs a layer: ${s.name}_{…}^{(l)}`);
    const l = indexValue(s.layer, bind, text);
    if (l < min || l > max) {
      if (s.name === 'w' && l === L) throw new NoSuchQuantity(`${text} does not exist: layer ${L} is the output layer (weights w^{(l)} exist for l = 1..${L - 1})`);
      throw new NoSuchQuantity(`${text} does not exist: ${s.name === '\\delta' ? 'δ' : s.name}^{(l)} exists for l = ${min}..${max}`);
    }
    return l;
  };
  switch (s.name) {
    case 'a': {
      const l = layerOf(2, L);
      return { net: { kind: 'a', layer: l, j: unit(l, indexValue(one(s, text), bind, text)) }, text };
    }
    case 'z': {
      const l = layerOf(1, L);
      return { net: { kind: 'z', layer: l, j: unit(l, indexValue(one(s, text), bind, text)) }, text };
    }
    case 'x':
      return { net: { kind: 'z', layer: 1, j: unit(1, indexValue(one(s, text), bind, text)) }, text };
    case 'y':
      return { net: { kind: 'z', layer: L, j: outputIndex(s, bind, units(L), text) }, text };
    case 't':
      return { net: { kind: 't', layer: L, j: outputIndex(s, bind, units(L), text) }, text };
    case 'w': {
      const l = layerOf(1, L - 1);
      if (s.sub.length !== 2) throw new EvalError(`${text}: a weight needs two indices, w_{jk}^{(l)}`);
      const j = indexValue(s.sub[0], bind, text);
      const k = indexValue(s.sub[1], bind, text);
      if (j < 1 || j > units(l + 1)) throw new NoSuchQuantity(`${text} does not exist: layer ${l + 1} has ${units(l + 1)} unit${units(l + 1) === 1 ? '' : 's'} (the first index is the unit of layer l+1)`);
      if (k < 1 || k > units(l)) throw new NoSuchQuantity(`${text} does not exist: layer ${l} has ${units(l)} unit${units(l) === 1 ? '' : 's'} (the second index is the unit of layer l)`);
      return { net: { kind: 'w', layer: l, j: j - 1, k: k - 1 }, text };
    }
  }
  throw new EvalError(`cannot differentiate with respect to ${text}`);
}

function one(s: Extract<Node, { k: 'sym' }>, text: string): Node {
  if (s.sub.length !== 1) throw new EvalError(`${text} needs one unit index`);
  return s.sub[0];
}

function outputIndex(s: Extract<Node, { k: 'sym' }>, bind: Map<string, number>, outputs: number, text: string): number {
  const sub = s.sub.filter((x) => !(x.k === 'sym' && x.name === sampleIndex));
  if (!sub.length) {
    if (outputs !== 1) throw new EvalError(`${text}: the network has ${outputs} outputs; write ${s.name}_k`);
    return 0;
  }
  const k = indexValue(sub[0], bind, text);
  if (k < 1 || k > outputs) throw new NoSuchQuantity(`${text} does not exist: there are ${outputs} outputs`);
  return k - 1;
}

function symbol(s: Extract<Node, { k: 'sym' }>, env: Env, ctx: Ctx): Dual {
  const c = env.consts.get(s.name);
  if (c !== undefined && !s.sub.length) return C(c);
  if (s.name === '\\delta' && !s.layer) {
    if (s.sub.length !== 2) throw new EvalError(`${raw(s)}: Kronecker's δ takes two indices (δ_{ij}); a backprop δ needs a layer, δ_j^{(l)}`);
    return C(indexValue(s.sub[0], ctx.bind, raw(s)) === indexValue(s.sub[1], ctx.bind, raw(s)) ? 1 : 0);
  }
  if (env.graph) return graphSymbol(s, env, ctx);
  if (!env.draw) throw new EvalError(`${raw(s)} is not declared`);
  const d = env.draw;
  if (s.name === 'E') return { v: d.E, d: ctx.tangents?.dE ?? 0 };
  if (s.name === '\\delta') {
    const l = indexValue(s.layer!, ctx.bind, raw(s));
    if (l < 2 || l > d.L) throw new NoSuchQuantity(`${raw(s)} does not exist: δ^{(l)} exists for l = 2..${d.L}`);
    const j = indexValue(one(s, raw(s)), ctx.bind, raw(s));
    if (j < 1 || j > d.net.units[l - 1]) throw new NoSuchQuantity(`${raw(s)} does not exist: layer ${l} has ${d.net.units[l - 1]} unit${d.net.units[l - 1] === 1 ? '' : 's'}`);
    if (ctx.seed) throw new EvalError(`a derivative of ${raw(s)} would be a second derivative: not supported`);
    return C(d.delta[l][j - 1]);
  }
  if (!['a', 'z', 'x', 'y', 't', 'w'].includes(s.name)) throw new EvalError(`${raw(s)} is not declared (add it as "const:" in the gradcheck block, or check the notation)`);
  const q = quantityOf(s, env, ctx.bind).net!;
  const tan = ctx.tangents;
  switch (q.kind) {
    case 'a': return { v: d.a[q.layer][q.j], d: tan?.da[q.layer]?.[q.j] ?? 0 };
    case 'z': return { v: d.z[q.layer][q.j], d: tan?.dz[q.layer]?.[q.j] ?? 0 };
    case 't': return { v: d.t[q.j], d: tan?.dt[q.j] ?? 0 };
    case 'w': {
      const seed = ctx.seed && 'net' in ctx.seed ? ctx.seed.net : undefined;
      const same = seed?.kind === 'w' && seed.layer === q.layer && seed.j === q.j && seed.k === q.k;
      return { v: d.W[q.layer][q.j][q.k!], d: same ? 1 : 0 };
    }
  }
}

function graphSymbol(s: Extract<Node, { k: 'sym' }>, env: Env, ctx: Ctx): Dual {
  const g = env.graph!;
  const input = g.spec.inputs.get(s.name);
  if (input) {
    const q = quantityOf(s, env, ctx.bind).graph!;
    const seed = ctx.seed && 'graph' in ctx.seed ? ctx.seed : undefined;
    return { v: g.values.get(s.name)![q.index], d: seed && seed.graph === s.name && seed.index === q.index ? 1 : 0 };
  }
  const def = g.spec.defines.get(s.name);
  if (def) {
    const bind = new Map(ctx.bind);
    if (def.index) {
      const i = indexValue(one(s, raw(s)), ctx.bind, raw(s));
      if (i < 1 || i > g.spec.n) throw new NoSuchQuantity(`${raw(s)} does not exist: indices run 1..${g.spec.n}`);
      bind.set(def.index, i);
    }
    return ev(def.body, env, { ...ctx, bind });
  }
  throw new EvalError(`${raw(s)} is not declared (the block declares ${[...g.spec.inputs.keys(), ...g.spec.defines.keys()].join(', ')})`);
}

function call(n: Extract<Node, { k: 'call' }>, env: Env, ctx: Ctx): Dual {
  if (!n.args.length) throw new EvalError(`${n.fn} is written without its argument: write ${n.fn}(x)`);
  const args = n.args.map((a) => ev(a, env, ctx));
  const x = args[0];
  let r: Dual;
  const act = (name: keyof typeof activations): Dual => {
    const f = activations[name];
    const fns = [f.f, f.d, f.dd];
    if (n.primes > 2) throw new EvalError('third derivatives are not supported');
    const p = n.primes;
    const next = p === 2 ? () => { throw new EvalError('a derivative of a second derivative is not supported'); } : fns[p + 1];
    return { v: fns[p](x.v), d: x.d ? next(x.v) * x.d : 0 };
  };
  switch (n.fn) {
    case 'h': {
      // h is the activation of the layer its argument belongs to (output layers may differ)
      const arg = n.args[0];
      const layer = env.draw && arg.k === 'sym' && arg.name === 'a' && arg.layer ? indexValue(arg.layer, ctx.bind, raw(arg)) : undefined;
      const a = layer !== undefined ? env.draw!.actOf(layer) : env.hidden;
      if (a === 'softmax') throw new EvalError('h of a softmax output layer is not elementwise: write it out');
      // never silently: the reader may have meant the hidden h
      if (a !== env.hidden) env.warnings.add(`h(${raw(arg)}) read as layer ${layer}'s own activation (${a}), not the hidden h (${env.hidden})`);
      r = act(a);
      break;
    }
    case 'sigma': r = act('logistic'); break;
    case 'tanh': r = act('tanh'); break;
    case 'relu': r = act('relu'); break;
    case 'softplus': r = act('softplus'); break;
    case 'exp': r = { v: Math.exp(x.v), d: Math.exp(x.v) * x.d }; break;
    case 'ln': r = { v: Math.log(x.v), d: x.d / x.v }; break;
    case 'sqrt': r = { v: Math.sqrt(x.v), d: x.d / (2 * Math.sqrt(x.v)) }; break;
    case 'sinh': r = { v: Math.sinh(x.v), d: Math.cosh(x.v) * x.d }; break;
    case 'cosh': r = { v: Math.cosh(x.v), d: Math.sinh(x.v) * x.d }; break;
    case 'sign': r = C(Math.sign(x.v)); break;
    case 'max': r = args.reduce((m, a) => (a.v > m.v ? a : m)); break;
    case 'min': r = args.reduce((m, a) => (a.v < m.v ? a : m)); break;
    default: throw new EvalError(`unknown function ${n.fn}`);
  }
  if (n.primes && !['h', 'sigma', 'tanh', 'relu', 'softplus'].includes(n.fn)) throw new EvalError(`${n.fn}' is not supported: write the derivative out`);
  if (n.power) {
    const p = ev(n.power, env, ctx).v;
    return { v: r.v ** p, d: p * r.v ** (p - 1) * r.d };
  }
  return r;
}

/** The values an index may take where it is used, from the sizes of the layers it indexes. */
export function inferRange(node: Node, index: string, env: Env, bind: Map<string, number>): { lo: number; hi: number; from?: string } | undefined {
  let lo = -Infinity;
  let hi = Infinity;
  let from: string | undefined;
  const limit = (l: number, h: number, where: string) => {
    if (l > lo) lo = l;
    if (h < hi) hi = h;
    from ??= where;
  };
  const isIndex = (x: Node | undefined) => x?.k === 'sym' && x.name === index && !x.sub.length;
  const walk = (n: Node, inner: Map<string, number>) => {
    if (n.k === 'sym') {
      const d = env.draw;
      const text = raw(n);
      if (env.graph && (env.graph.spec.inputs.has(n.name) || env.graph.spec.defines.has(n.name)) && isIndex(n.sub[0])) limit(1, env.graph.spec.n, text);
      if (d && n.layer && isIndex(n.layer)) {
        const [l, h] = n.name === 'w' ? [1, d.L - 1] : n.name === 'z' ? [1, d.L] : [2, d.L];
        limit(l, h, text);
      }
      if (d && ['a', 'z', 'x', '\\delta', 'w', 'y', 't'].includes(n.name) && !(n.name === '\\delta' && !n.layer)) {
        let layer: number | undefined;
        try {
          layer = n.name === 'x' ? 1 : n.name === 'y' || n.name === 't' ? d.L : n.layer ? indexValue(n.layer, inner, text) : undefined;
        } catch {
          layer = undefined;
        }
        if (layer !== undefined && layer >= 1 && layer <= d.L) {
          if (n.name === 'w') {
            if (isIndex(n.sub[0]) && layer + 1 <= d.L) limit(1, d.net.units[layer], text);
            if (isIndex(n.sub[1])) limit(1, d.net.units[layer - 1], text);
          } else if (isIndex(n.sub.find((x) => !(x.k === 'sym' && x.name === sampleIndex)))) limit(1, d.net.units[layer - 1], text);
        }
      }
      n.sub.forEach((x) => walk(x, inner));
      return;
    }
    if (n.k === 'big') {
      if (n.index === index) return; // shadowed
      n.from && walk(n.from, inner);
      n.to && walk(n.to, inner);
      walk(n.body, inner);
      return;
    }
    for (const child of children(n)) walk(child, inner);
  };
  walk(node, bind);
  return Number.isFinite(lo) && Number.isFinite(hi) ? { lo, hi, from } : undefined;
}

function big(n: Extract<Node, { k: 'big' }>, env: Env, ctx: Ctx): Dual {
  let lo: number;
  let hi: number;
  if (n.from && n.to) {
    lo = ev(n.from, env, ctx).v;
    hi = ev(n.to, env, ctx).v;
  } else {
    const r = inferRange(n.body, n.index, env, ctx.bind);
    if (!r) throw new EvalError(`the range of ${n.index} in \\${n.op}_${n.index} cannot be inferred: give it, \\${n.op}_{${n.index}=1}^{N}`);
    lo = n.from ? ev(n.from, env, ctx).v : r.lo;
    hi = n.to ? ev(n.to, env, ctx).v : r.hi;
    env.warnings.add(`\\${n.op}_${n.index}: ${n.index} = ${lo}..${hi}, inferred from ${r.from}`);
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new EvalError(`the range of ${n.index} in \\${n.op} is ${lo}..${hi}`);
  if (hi - lo + 1 > maxRange) throw new TooMuchWork(`\\${n.op}_{${n.index}=${lo}}^{${hi}} has ${(hi - lo + 1).toLocaleString('en')} terms; ranges of up to ${maxRange.toLocaleString('en')} are checked — use a smaller N`);
  const budget = (env.work ??= { left: workPerClaim });
  budget.left -= Math.max(0, hi - lo + 1);
  if (budget.left < 0) throw new TooMuchWork(`evaluating it takes more than ${workPerClaim.toLocaleString('en')} terms of sums and products — use smaller ranges`);
  let acc: Dual = C(n.op === 'sum' ? 0 : 1);
  for (let i = lo; i <= hi; i++) {
    const bind = new Map(ctx.bind).set(n.index, i);
    const term = ev(n.body, env, { ...ctx, bind });
    acc = n.op === 'sum' ? { v: acc.v + term.v, d: acc.d + term.d } : { v: acc.v * term.v, d: acc.d * term.v + acc.v * term.d };
  }
  return acc;
}

const tangentCache = new WeakMap<Draw, Map<string, Tangents>>();

function derivative(n: Extract<Node, { k: 'deriv' }>, env: Env, ctx: Ctx): Dual {
  if (ctx.seed) throw new EvalError('second derivatives are not supported');
  if (n.den.k !== 'sym') throw new EvalError(`cannot differentiate with respect to an expression: ${raw(n.den)}`);
  if (n.lenient) env.warnings.add(`read the fraction over ${raw(n.den)} as a partial derivative (its denominator has no \\partial)`);
  if (n.num.k === 'num' && Number.isNaN(n.num.v)) throw new EvalError(`∂/∂${raw(n.den)} is applied to nothing`);
  const q = quantityOf(n.den, env, ctx.bind);
  if (q.graph) return C(ev(n.num, env, { ...ctx, seed: { graph: q.graph.name, index: q.graph.index } }).d);
  const d = env.draw!;
  const quantity = q.net!;
  const key = `${quantity.kind}${quantity.layer}.${quantity.j}.${quantity.k ?? ''}`;
  let cache = tangentCache.get(d);
  if (!cache) tangentCache.set(d, (cache = new Map()));
  let tangents = cache.get(key);
  if (!tangents) cache.set(key, (tangents = d.tangents(quantity)));
  // ∂E/∂(network quantity): exact backprop; anything else: forward mode
  if (n.num.k === 'sym' && n.num.name === 'E') {
    if (quantity.kind === 'w') return C(d.dW[quantity.layer][quantity.j][quantity.k!]);
    if (quantity.kind === 'a') return C(d.delta[quantity.layer][quantity.j]);
    if (quantity.kind === 'z') return C(d.dz[quantity.layer][quantity.j]);
  }
  return C(ev(n.num, env, { ...ctx, seed: { net: quantity }, tangents }).d);
}
