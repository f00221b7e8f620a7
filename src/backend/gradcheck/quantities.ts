// What a symbol names: the network quantity (or graph input) behind w_{jk}^{(l)}, b_j^{(l)}, z_0 = 1, y_n, x_i with
// its 0-based units, checked to exist; and the range an unbounded index takes from the quantities it indexes.
import { type Node, raw } from './latex';
import { children, layered } from './latexAst';
import { EvalError, NoSuchQuantity } from './evalErrors';
import { type activations, type Draw, type Quantity } from './network';

export interface GraphSpec {
  n: number;
  inputs: Map<string, { indexed: boolean }>;
  defines: Map<string, { index?: string; body: Node }>;
  inputRange: [number, number];
}

export type Seed = { net: Quantity } | { graph: string; index: number };

/** A function a claim defined, g(a) = body. */
export interface Definition {
  param: string;
  body: Node;
}

export interface Env {
  draw?: Draw;
  graph?: { spec: GraphSpec; values: Map<string, number[]> };
  consts: Map<string, number>;
  hidden: keyof typeof activations;
  warnings: Set<string>;
  /** Terms of sums and products this claim may still evaluate (shared by its draws). */
  work?: { left: number };
  /** Functions the claims above defined in this block (g(a) = …), shared by its draws. */
  functions?: Map<string, Definition>;
}

/** Index letters that name the training example, not a unit: t_n, E_n, y_n. */
const sampleIndex = 'n';

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
export function quantityOf(s: Extract<Node, { k: 'sym' }>, env: Env, bind: Map<string, number>): { net?: Quantity; graph?: { name: string; index: number }; one?: true; text: string } {
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
  const bias = d.net.bias;
  const noBias = `${text} is a bias: the block declares none (add "bias: yes", or "bias: absorbed" for w_{j0} inside the sums)`;
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
      return { net: { kind: 'a', layer: l, j: unit(l, unitIndex(s, units(l), bind, text)) }, text };
    }
    case 'z':
    case 'x': {
      const l = s.name === 'x' ? 1 : layerOf(1, L);
      const j = unitIndex(s, units(l), bind, text);
      if (j === 0 && l < L) {
        // z_0 = 1, the unit a bias multiplies
        if (!bias) throw new EvalError(noBias);
        return { one: true, text };
      }
      return { net: { kind: 'z', layer: l, j: unit(l, j) }, text };
    }
    case 'b': {
      if (!bias) throw new EvalError(noBias);
      const l = layerOf(1, L - 1);
      // texts differ on which layer b^{(l)} belongs to: say which reading the verdict is about
      env.warnings.add('b_j^{(l)} read as the bias beside w^{(l)}, feeding a_j^{(l+1)}');
      const j = unitIndex(s, units(l + 1), bind, text);
      if (j < 1 || j > units(l + 1)) throw new NoSuchQuantity(`${text} does not exist: b^{(l)} feeds layer l+1, and layer ${l + 1} has ${units(l + 1)} unit${units(l + 1) === 1 ? '' : 's'}`);
      return { net: { kind: 'b', layer: l, j: j - 1 }, text };
    }
    case 'y':
      return { net: { kind: 'z', layer: L, j: outputIndex(s, bind, units(L), text) }, text };
    case 't':
      return { net: { kind: 't', layer: L, j: outputIndex(s, bind, units(L), text) }, text };
    case 'w': {
      const l = layerOf(1, L - 1);
      // w^{(l)} alone is the one weight between two layers of one unit (a chain)
      const single = !s.sub.length && units(l) === 1 && units(l + 1) === 1;
      if (s.sub.length !== 2 && !single) throw new EvalError(`${text}: a weight needs two indices, w_{jk}^{(l)}`);
      const [j, k] = single ? [1, 1] : [indexValue(s.sub[0], bind, text), indexValue(s.sub[1], bind, text)];
      if (j < 1 || j > units(l + 1)) throw new NoSuchQuantity(`${text} does not exist: layer ${l + 1} has ${units(l + 1)} unit${units(l + 1) === 1 ? '' : 's'} (the first index is the unit of layer l+1)`);
      if (k === 0) {
        if (!bias) throw new EvalError(noBias);
        return { net: { kind: 'b', layer: l, j: j - 1 }, text };
      }
      if (k < 1 || k > units(l)) throw new NoSuchQuantity(`${text} does not exist: layer ${l} has ${units(l)} unit${units(l) === 1 ? '' : 's'} (the second index is the unit of layer l)`);
      return { net: { kind: 'w', layer: l, j: j - 1, k: k - 1 }, text };
    }
  }
  throw new EvalError(`cannot differentiate with respect to ${text}`);
}

/** The unit index of a, z, δ: the one written, or 1 when the layer has a single unit (a^{(4)}, δ^{(4)}). */
export function unitIndex(s: Extract<Node, { k: 'sym' }>, units: number, bind: Map<string, number>, text: string): number {
  return !s.sub.length && units === 1 ? 1 : indexValue(one(s, text), bind, text);
}

export function one(s: Extract<Node, { k: 'sym' }>, text: string): Node {
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
      // a layer index, or one shifted (w^{(l-1)} exists for l = 2..L): the layers where the quantity exists
      const shift = n.layer?.k === 'bin' && (n.layer.op === '+' || n.layer.op === '-') && isIndex(n.layer.l) && n.layer.r.k === 'num' ? (n.layer.op === '+' ? n.layer.r.v : -n.layer.r.v) : 0;
      if (d && n.layer && (isIndex(n.layer) || shift) && layered.has(n.name)) {
        const [l, h] = n.name === 'w' || n.name === 'b' ? [1, d.L - 1] : n.name === 'z' || n.name === 'N' ? [1, d.L] : [2, d.L];
        limit(l - shift, h - shift, text);
      }
      if (d && ['a', 'z', 'x', '\\delta', 'w', 'b', 'y', 't'].includes(n.name) && !(n.name === '\\delta' && !n.layer)) {
        let layer: number | undefined;
        try {
          layer = n.name === 'x' ? 1 : n.name === 'y' || n.name === 't' ? d.L : n.layer ? indexValue(n.layer, inner, text) : undefined;
        } catch {
          layer = undefined;
        }
        if (layer !== undefined && layer >= 1 && layer <= d.L) {
          // with absorbed biases the unit index of w_{jk} and z_k starts at the bias unit z_0 = 1
          const first = d.net.bias === 'absorbed' && layer < d.L ? 0 : 1;
          if (n.name === 'w' || n.name === 'b') {
            if (isIndex(n.sub[0]) && layer + 1 <= d.L) limit(1, d.net.units[layer], text);
            if (isIndex(n.sub[1])) limit(first, d.net.units[layer - 1], text);
          } else if (isIndex(n.sub.find((x) => !(x.k === 'sym' && x.name === sampleIndex)))) limit(['z', 'x'].includes(n.name) ? first : 1, d.net.units[layer - 1], text);
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
