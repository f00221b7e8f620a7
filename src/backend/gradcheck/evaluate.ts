// Evaluating parsed formulas on one network draw, in float64 hyper-dual numbers: every value carries its tangents
// with respect to the quantities the surrounding ∂/∂(…) name (two deep, for second derivatives), so derivatives
// are exact (forward mode), never finite differences, and stay accurate at 1e-150.
import { type Node, raw } from './latex';
import { EvalError, maxRange, NoSuchQuantity, TooMuchWork, workPerClaim } from './evalErrors';
import { activations, type Draw, type Quantity, type Tangents } from './network';
import { add, C, div, type Dual, elementary, lift, mul, neg, pow, sub } from './dual';
import { type Mixed, mixedTangents } from './secondOrder';
import { definitionText, readAsActivation } from './functionNames';
import { type Definition, type Env, indexValue, inferRange, one, quantityOf, type Seed, unitIndex } from './quantities';


interface Ctx {
  bind: Map<string, number>;
  /** The outer derivative's quantity (the d component) and, inside a second ∂, the inner one's (e). */
  seed?: Seed;
  tangents?: Tangents;
  seed2?: Seed;
  tangents2?: Tangents;
  mixed?: Mixed;
}

export function evaluate(node: Node, env: Env, bind: Map<string, number>): number {
  return ev(node, env, { bind }).v;
}

function ev(n: Node, env: Env, ctx: Ctx): Dual {
  switch (n.k) {
    case 'num':
      if (Number.isNaN(n.v)) throw new EvalError('∂/∂(…) is applied to nothing');
      return C(n.v);
    case 'neg':
      return neg(ev(n.e, env, ctx));
    case 'bin': {
      const l = ev(n.l, env, ctx);
      const r = ev(n.r, env, ctx);
      return n.op === '+' ? add(l, r) : n.op === '-' ? sub(l, r) : n.op === '*' ? mul(l, r) : n.op === '/' ? div(l, r) : pow(l, r);
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
    case 'at':
      return evaluatedAt(n, env, ctx);
    case 'cmp':
    case 'otherwise':
      throw new EvalError('a comparison outside a cases environment');
  }
  throw new EvalError('unsupported expression');
}

/** e|_{x = v}: a renamed quantity (a = a_1^{(4)}) is substituted; a free variable is given its value. */
function evaluatedAt(n: Extract<Node, { k: 'at' }>, env: Env, ctx: Ctx): Dual {
  if (!n.name || !n.value) return ev(n.e, env, ctx);
  const name = n.name;
  if (name.k !== 'sym' || name.sub.length || name.layer) throw new EvalError(`the point of an evaluation bar names a variable: |_{x = …}, not |_{${raw(name)} = …}`);
  if (n.value.k === 'sym') return ev(substitute(n.e, name.name, n.value), env, ctx);
  const g = env.graph;
  if (!g?.spec.inputs.has(name.name)) throw new EvalError(`|_{${name.name} = ${raw(n.value)}}: ${name.name} is not a free variable here; write the value in its place`);
  const values = new Map(g.values).set(name.name, [ev(n.value, env, ctx).v]);
  return ev(n.e, { ...env, graph: { ...g, values } }, ctx);
}

/** e with every bare symbol called name replaced by the node by. */
function substitute(e: Node, name: string, by: Node): Node {
  if (e.k === 'sym' && e.name === name && !e.sub.length && !e.layer) return by;
  const swap = (x: Node) => substitute(x, name, by);
  switch (e.k) {
    case 'bin': case 'cmp': return { ...e, l: swap(e.l), r: swap(e.r) };
    case 'neg': case 'partial': return { ...e, e: swap(e.e) };
    case 'call': return { ...e, args: e.args.map(swap), power: e.power && swap(e.power) };
    case 'big': return e.index === name ? e : { ...e, body: swap(e.body), from: e.from && swap(e.from), to: e.to && swap(e.to) };
    case 'deriv': return { ...e, num: swap(e.num), den: swap(e.den) };
    case 'cases': return { ...e, branches: e.branches.map((b) => ({ value: swap(b.value), cond: b.cond && swap(b.cond) })) };
    case 'at': return { ...e, e: swap(e.e), value: e.value && swap(e.value) };
    default: return e;
  }
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

function symbol(s: Extract<Node, { k: 'sym' }>, env: Env, ctx: Ctx): Dual {
  const c = env.consts.get(s.name);
  if (c !== undefined && !s.sub.length) return C(c);
  // L, the number of layers, as a bound or a value: \prod_{l=2}^{L-1}
  if (s.name === 'L' && !s.sub.length && !s.layer && env.draw) return C(env.draw.L);
  // N_l (or N^{(l)}), the number of units in layer l: \sum_{k=1}^{N_{l+1}}
  if (s.name === 'N' && env.draw && (s.sub.length === 1) !== !!s.layer) {
    const l = indexValue(s.layer ?? s.sub[0], ctx.bind, raw(s));
    if (l < 1 || l > env.draw.L) throw new NoSuchQuantity(`${raw(s)} does not exist: the network has layers 1..${env.draw.L}`);
    return C(env.draw.net.units[l - 1]);
  }
  if (s.name === '\\delta' && !s.layer) {
    if (s.sub.length !== 2) throw new EvalError(`${raw(s)}: Kronecker's δ takes two indices (δ_{ij}); a backprop δ needs a layer, δ_j^{(l)}`);
    return C(indexValue(s.sub[0], ctx.bind, raw(s)) === indexValue(s.sub[1], ctx.bind, raw(s)) ? 1 : 0);
  }
  if (env.graph) return graphSymbol(s, env, ctx);
  if (!env.draw) throw new EvalError(`${raw(s)} is not declared`);
  const d = env.draw;
  const [t1, t2, m] = [ctx.tangents, ctx.tangents2, ctx.mixed];
  if (s.name === 'E') return { v: d.E, d: t1?.dE ?? 0, e: t2?.dE ?? 0, de: m?.d2E ?? 0 };
  if (s.name === '\\delta') {
    const l = indexValue(s.layer!, ctx.bind, raw(s));
    if (l < 2 || l > d.L) throw new NoSuchQuantity(`${raw(s)} does not exist: δ^{(l)} exists for l = 2..${d.L}`);
    const j = unitIndex(s, d.net.units[l - 1], ctx.bind, raw(s));
    if (j < 1 || j > d.net.units[l - 1]) throw new NoSuchQuantity(`${raw(s)} does not exist: layer ${l} has ${d.net.units[l - 1]} unit${d.net.units[l - 1] === 1 ? '' : 's'}`);
    // under a ∂/∂(…), δ_j^{(l)} is what it stands for: ∂E/∂a_j^{(l)}
    if (ctx.seed) return derivative({ k: 'deriv', num: { ...s, name: 'E', sub: [], layer: undefined }, den: { ...s, name: 'a' }, lenient: false, at: s.at }, env, ctx);
    return C(d.delta[l][j - 1]);
  }
  if (!['a', 'z', 'x', 'y', 't', 'w', 'b'].includes(s.name)) throw new EvalError(`${raw(s)} is not declared (add it as "const:" in the gradcheck block, or check the notation)`);
  const q = quantityOf(s, env, ctx.bind);
  if (q.one) return C(1);
  const { kind, layer, j, k } = q.net!;
  const pick = (of: (t: { da: number[][]; dz: number[][] }) => number[][], v: number): Dual =>
    ({ v, d: (t1 && of(t1)[layer]?.[j]) ?? 0, e: (t2 && of(t2)[layer]?.[j]) ?? 0, de: (m && of({ da: m.d2a, dz: m.d2z })[layer]?.[j]) ?? 0 });
  switch (kind) {
    case 'a': return pick((t) => t.da, d.a[layer][j]);
    case 'z': return pick((t) => t.dz, d.z[layer][j]);
    case 't': return { v: d.t[j], d: t1?.dt[j] ?? 0, e: t2?.dt[j] ?? 0, de: 0 };
    default: {
      const same = (seed?: Seed) => !!seed && 'net' in seed && seed.net.kind === kind && seed.net.layer === layer && seed.net.j === j && seed.net.k === k;
      return { v: kind === 'b' ? d.B[layer][j] : d.W[layer][j][k!], d: same(ctx.seed) ? 1 : 0, e: same(ctx.seed2) ? 1 : 0, de: 0 };
    }
  }
}

function graphSymbol(s: Extract<Node, { k: 'sym' }>, env: Env, ctx: Ctx): Dual {
  const g = env.graph!;
  const input = g.spec.inputs.get(s.name);
  if (input) {
    const q = quantityOf(s, env, ctx.bind).graph!;
    const same = (seed?: Seed) => !!seed && 'graph' in seed && seed.graph === s.name && seed.index === q.index;
    return { v: g.values.get(s.name)![q.index], d: same(ctx.seed) ? 1 : 0, e: same(ctx.seed2) ? 1 : 0, de: 0 };
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
    return lift(x, fns[p], fns[p + 1], fns[p + 2], `${n.fn}${"'".repeat(p)}`);
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
    case 'f':
    case 'g':
    case '\\phi':
    case '\\varphi': {
      const def = env.functions?.get(n.fn);
      if (!def) {
        env.warnings.add(readAsActivation(n.fn, env, n.args[0]));
        r = act(env.hidden);
      } else if (!n.primes) r = ev(substitute(def.body, def.param, n.args[0]), env, ctx);
      else if (n.primes === 1 && !x.d && !x.e && !x.de) r = C(slopeOf(def, x.v, env));
      else throw new EvalError(`${definitionText(n.fn, def)}' here needs a higher derivative of its definition: write it out`);
      break;
    }
    case 'sigma': r = act('logistic'); break;
    case 'tanh': r = act('tanh'); break;
    case 'relu': r = act('relu'); break;
    case 'softplus': r = act('softplus'); break;
    case 'exp':
    case 'ln':
    case 'sqrt':
    case 'sinh':
    case 'cosh': {
      const [f, f1, f2] = elementary[n.fn];
      r = lift(x, f, f1, f2, n.fn);
      break;
    }
    case 'sign': r = C(Math.sign(x.v)); break;
    case 'abs': r = lift(x, Math.abs, Math.sign, () => 0, '|x|'); break;
    case 'max': r = args.reduce((m, a) => (a.v > m.v ? a : m)); break;
    case 'min': r = args.reduce((m, a) => (a.v < m.v ? a : m)); break;
    case 'grad': throw new EvalError('\\nabla f(…) is read in update rules, under a block with mode: optimizer');
    default: throw new EvalError(`unknown function ${n.fn}`);
  }
  if (n.primes && !['h', 'sigma', 'tanh', 'relu', 'softplus', 'f', 'g', '\\phi', '\\varphi'].includes(n.fn)) throw new EvalError(`${n.fn}' is not supported: write the derivative out`);
  return n.power ? pow(r, C(ev(n.power, env, ctx).v)) : r;
}

/** A defined function at x (its variable given that value), and its slope there (forward mode in that variable). */
export function valueOf(def: Definition, x: number, env: Env): number {
  return ev(def.body, scalarAt(def.param, x, env), { bind: new Map() }).v;
}

function slopeOf(def: Definition, x: number, env: Env): number {
  return ev(def.body, scalarAt(def.param, x, env), { bind: new Map(), seed: { graph: def.param, index: 0 } }).d;
}

function scalarAt(name: string, x: number, env: Env): Env {
  const spec = { n: 1, inputs: new Map([[name, { indexed: false }]]), defines: new Map(), inputRange: [x, x] as [number, number] };
  return { ...env, draw: undefined, graph: { spec, values: new Map([[name, [x]]]) } };
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
    acc = n.op === 'sum' ? add(acc, term) : mul(acc, term);
  }
  return acc;
}

const tangentCache = new WeakMap<Draw, Map<string, Tangents | Mixed>>();

function cached<T extends Tangents | Mixed>(d: Draw, key: string, make: () => T): T {
  let cache = tangentCache.get(d);
  if (!cache) tangentCache.set(d, (cache = new Map()));
  let value = cache.get(key) as T | undefined;
  if (!value) cache.set(key, (value = make()));
  return value;
}

const keyOf = (q: Quantity) => `${q.kind}${q.layer}.${q.j}.${q.k ?? ''}`;

function derivative(n: Extract<Node, { k: 'deriv' }>, env: Env, ctx: Ctx): Dual {
  if (ctx.seed2) throw new EvalError('third derivatives are not supported');
  if (n.den.k !== 'sym') throw new EvalError(`cannot differentiate with respect to an expression: ${raw(n.den)}`);
  if (n.lenient) env.warnings.add(`read the fraction over ${raw(n.den)} as a partial derivative (its denominator has no \\partial)`);
  if (n.num.k === 'num' && Number.isNaN(n.num.v)) throw new EvalError(`∂/∂${raw(n.den)} is applied to nothing`);
  const q = quantityOf(n.den, env, ctx.bind);
  if (q.one) throw new EvalError(`${q.text} = 1 is a constant, not something to differentiate with respect to`);
  // inside another ∂/∂p: this one is the inner seed, and its value carries ∂²/∂p∂q as its tangent
  const inner = (r: Dual): Dual => ({ v: r.e, d: r.de, e: 0, de: 0 });
  if (q.graph) {
    const seed = { graph: q.graph.name, index: q.graph.index };
    return ctx.seed ? inner(ev(n.num, env, { ...ctx, seed2: seed })) : C(ev(n.num, env, { ...ctx, seed }).d);
  }
  const d = env.draw!;
  const quantity = q.net!;
  const tangents = cached(d, keyOf(quantity), () => d.tangents(quantity));
  const outer = ctx.seed && 'net' in ctx.seed ? ctx.seed.net : undefined;
  if (outer) {
    const mixed = cached(d, `${keyOf(outer)}|${keyOf(quantity)}`, () => mixedTangents(d, outer, quantity, ctx.tangents!, tangents));
    return inner(ev(n.num, env, { ...ctx, seed2: { net: quantity }, tangents2: tangents, mixed }));
  }
  // ∂E/∂(network quantity): exact backprop; anything else: forward mode
  if (n.num.k === 'sym' && n.num.name === 'E') {
    if (quantity.kind === 'w') return C(d.dW[quantity.layer][quantity.j][quantity.k!]);
    if (quantity.kind === 'b') return C(d.dB[quantity.layer][quantity.j]);
    if (quantity.kind === 'a') return C(d.delta[quantity.layer][quantity.j]);
    if (quantity.kind === 'z') return C(d.dz[quantity.layer][quantity.j]);
  }
  return C(ev(n.num, env, { ...ctx, seed: { net: quantity }, tangents }).d);
}
