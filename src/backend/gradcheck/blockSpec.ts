// The ```gradcheck block: what network (or graph of functions) the math below it is about.
import { type Node, Parser, raw } from './latex';
import { activations, type NetworkSpec } from './network';
import type { GraphSpec } from './quantities';

/** The names textbooks also use for the activations the checker knows. */
const activationAliases: Record<string, string> = { sigmoid: 'logistic', linear: 'identity', logsig: 'logistic', ReLU: 'relu' };

export class BlockError extends Error {
  /** 0-based line within the block's content. */
  constructor(message: string, readonly lineInBlock: number) {
    super(message);
  }
}

/** mode: optimizer — the reference method, its hyper-parameters by role (symbol and value), the parameters' name. */
export interface OptimizerSpec {
  method: OptimizerMethod;
  roles: Map<OptimizerRole, { name: string; value: number }>;
  params: string;
}
export const optimizerMethods = ['sgd', 'momentum', 'nesterov', 'adam', 'rmsprop'] as const;
export type OptimizerMethod = (typeof optimizerMethods)[number];
export const optimizerRoles = ['lr', 'momentum', 'beta1', 'beta2', 'eps', 'decay'] as const;
export type OptimizerRole = (typeof optimizerRoles)[number];

/** mode: init — a weight initialization scheme, the symbols its text uses for fan-in and fan-out, the activation. */
export interface InitSpec {
  scheme: InitScheme;
  fanIn: string;
  fanOut?: string;
  activation: 'relu' | 'tanh' | 'linear';
}
export const initSchemes = ['he', 'xavier', 'lecun'] as const;
export type InitScheme = (typeof initSchemes)[number];

/** mode: conv — one convolution layer y = x ⋆ w (or with the kernel flipped), its loss L = J(y) downstream. */
export interface ConvSpec {
  input: number[];
  kernel: number[];
  stride: number;
  padding: number;
  operation: 'correlation' | 'convolution';
  /** The first index (0 or 1). */
  base: number;
  /** Input channels and kernels: with more than one, x_{c,i,j}, w_{k,c,a,b}, y_{k,i,j} (the extra indices first). */
  channels: number;
  kernels: number;
  /** How the text names the input, the output and the kernel (x, y, w; y^{(l-1)}, y^{(l)}). */
  names: { x: string; y: string; w: string };
}

/** mode: count — a conv layer's sizes as symbols (or numbers), and the symbols the text counts it with. */
export interface CountSpec {
  /** Symbol → a fixed value, or undefined to draw it (side m, channels C, kernel p, filters K). */
  sizes: { side: string; channels: string; kernel: string; filters: string };
  values: Map<string, number>;
  padding: 'valid' | 'same';
  /** What each counted quantity is called in the text. */
  counts: Partial<Record<CountName, string>>;
}
export const countNames = ['params', 'local', 'dense', 'outputs', 'size'] as const;
export type CountName = (typeof countNames)[number];

export interface BlockSpec {
  mode: 'network' | 'graph' | 'optimizer' | 'init' | 'conv' | 'count';
  count?: CountSpec;
  conv?: ConvSpec;
  optimizer?: OptimizerSpec;
  init?: InitSpec;
  net?: NetworkSpec;
  graph?: GraphSpec;
  consts: Map<string, number>;
  hidden: keyof typeof activations;
  draws: number;
  tolerance: number;
}

const hiddenNames = Object.keys(activations) as (keyof typeof activations)[];

function range(value: string, key: string, line: number): [number, number] {
  const m = /^(-?[\d.]+(?:e-?\d+)?)\s*\.\.\s*(-?[\d.]+(?:e-?\d+)?)$/.exec(value);
  if (!m || Number(m[1]) >= Number(m[2])) throw new BlockError(`${key}: expected a range like -1..1, got '${value}'`, line);
  return [Number(m[1]), Number(m[2])];
}

/** "3-4-4-1" or "chain 153". */
export function parseNetwork(value: string, line: number): number[] {
  const chain = /^chain\s+(\d+)$/.exec(value);
  if (chain) {
    const n = Number(chain[1]);
    if (n < 2 || n > 10_000) throw new BlockError(`network: a chain needs 2..10000 layers, got ${n}`, line);
    return new Array<number>(n).fill(1);
  }
  if (/^\d+(\s*-\s*\d+)+$/.test(value)) {
    const units = value.split('-').map((s) => Number(s.trim()));
    if (units.some((u) => u < 1 || u > 1000)) throw new BlockError(`network: every layer needs 1..1000 units, got ${value}`, line);
    return units;
  }
  throw new BlockError(`network: unknown syntax '${value}': expected units per layer like 3-4-4-1 (layer 1 = inputs), or "chain N" for N layers of one unit`, line);
}

/** What the lines of a block have declared so far (a network's loss, weight range and bias as NetworkSpec has them). */
interface Declared extends Pick<NetworkSpec, 'loss' | 'weights' | 'bias'> {
  consts: Map<string, number>;
  defines: { name: string; index?: string; body: Node; line: number }[];
  inputs: Map<string, { indexed: boolean }>;
  units?: number[];
  mode: 'network' | 'graph' | 'optimizer' | 'init' | 'conv' | 'count';
  conv: Partial<ConvSpec> & { names: ConvSpec['names'] };
  count: { sizes: Partial<CountSpec['sizes']>; values: Map<string, number>; padding: CountSpec['padding']; counts: CountSpec['counts'] };
  method?: OptimizerMethod;
  scheme?: InitScheme;
  fanIn?: string;
  fanOut?: string;
  activation: InitSpec['activation'];
  roles: Map<OptimizerRole, { name: string; value: number }>;
  params: string;
  hidden: keyof typeof activations;
  output: keyof typeof activations | 'softmax';
  inputRange: [number, number];
  draws: number;
  tolerance: number;
  n: number;
}

/** "6x6", "6 × 6", "8": sizes of 1 or 2 dimensions. */
function dims(value: string, key: string, line: number): number[] {
  const parts = value.split(/\s*(?:x|×|\\times)\s*/).map(Number);
  if (parts.length > 2 || parts.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) throw new BlockError(`${key}: expected sizes like 6x6 or 8 (each 1..64), got '${value}'`, line);
  return parts;
}

/** A size given as a symbol (drawn at random) or a number (a symbol of its own default name, fixed). */
function countSymbol(text: string, fallback: string, line: number, d: Declared): string {
  const eq = /^(.+?)\s*=\s*(\d+)$/.exec(text.trim());
  if (eq) {
    const name = raw(parseSym(eq[1], line, fallback));
    d.count.values.set(name, Number(eq[2]));
    return name;
  }
  if (/^\d+$/.test(text.trim())) {
    d.count.values.set(fallback, Number(text));
    return fallback;
  }
  return raw(parseSym(text, line, fallback));
}

/** A name with its layer, as claims write it: y^{(l-1)} is not y^{(l)}. */
export function convName(s: Extract<Node, { k: 'sym' }>): string {
  return s.layer ? `${s.name}^{(${raw(s.layer)})}` : s.name;
}

function wholeNumber(value: string, key: string, max: number, line: number): number {
  const v = Number(value);
  if (!Number.isInteger(v) || v < 1 || v > max) throw new BlockError(`${key}: expected a whole number 1..${max}, got '${value}'`, line);
  return v;
}

function activation(value: string, key: 'hidden' | 'output', line: number): string {
  const name = activationAliases[value] ?? value;
  const names = key === 'output' ? [...hiddenNames, 'softmax'] : hiddenNames;
  if (!names.includes(name as never)) throw new BlockError(`${key}: unknown activation '${value}' (expected one of: ${names.join(', ')}; or sigmoid, linear)`, line);
  return name;
}

function define(value: string, line: number, d: Declared): void {
  const eq = value.indexOf('=');
  if (eq < 0) throw new BlockError(`define: expected "(X)_i = formula", got '${value}'`, line);
  const head = parseSym(value.slice(0, eq).trim(), line, 'define');
  let body: Node;
  try {
    body = Parser.parse(value.slice(eq + 1));
  } catch (e) {
    throw new BlockError(`define: ${(e as Error).message}`, line);
  }
  const index = head.sub[0]?.k === 'sym' ? head.sub[0].name : undefined;
  d.defines.push({ name: head.name, index, body, line });
}

/** One handler per key a block may hold. */
const keys: Record<string, (value: string, line: number, d: Declared) => void> = {
  network: (v, i, d) => (d.units = parseNetwork(v.trim(), i)),
  mode: (v, i, d) => {
    if (!['graph', 'network', 'optimizer', 'init', 'conv', 'count'].includes(v)) throw new BlockError(`mode: expected network, graph, optimizer, init, conv or count, got '${v}'`, i);
    d.mode = v as Declared['mode'];
  },
  input: (v, i, d) => {
    if (d.mode !== 'count') return void (d.conv.input = dims(v, 'input', i));
    // m \times m \times C: the side and the channels, as symbols or numbers
    const parts = v.split(/\s*(?:\\times|×|x)\s*/).map((x) => x.trim());
    if (parts.length !== 3 || parts[0] !== parts[1]) throw new BlockError(`input: expected a square image with channels, e.g. m \\times m \\times 3 or 128x128x3, got '${v}'`, i);
    d.count.sizes.side = countSymbol(parts[0], 'm', i, d);
    d.count.sizes.channels = countSymbol(parts[2], 'C', i, d);
  },
  kernel: (v, i, d) => (d.mode === 'count' ? (d.count.sizes.kernel = countSymbol(v.split(/\s*(?:\\times|×|x)\s*/)[0], 'p', i, d)) : (d.conv.kernel = dims(v, 'kernel', i))),
  filters: (v, i, d) => (d.count.sizes.filters = countSymbol(v, 'K', i, d)),
  channels: (v, i, d) => (d.conv.channels = wholeNumber(v, 'channels', 8, i)),
  kernels: (v, i, d) => (d.conv.kernels = wholeNumber(v, 'kernels', 8, i)),
  ...Object.fromEntries(countNames.filter((c) => c !== 'params').map((c) => [c, (v: string, i: number, d: Declared) => (d.count.counts[c] = raw(parseSym(v, i, c)))])),
  stride: (v, i, d) => (d.conv.stride = wholeNumber(v, 'stride', 10, i)),
  padding: (v, i, d) => {
    if (d.mode === 'count') {
      if (v !== 'valid' && v !== 'same') throw new BlockError(`padding: expected valid or same, got '${v}'`, i);
      return void (d.count.padding = v);
    }
    d.conv.padding = Number(v);
    if (!Number.isInteger(d.conv.padding) || d.conv.padding < 0 || d.conv.padding > 10) throw new BlockError(`padding: expected a whole number 0..10, got '${v}'`, i);
  },
  operation: (v, i, d) => {
    if (v !== 'correlation' && v !== 'convolution') throw new BlockError(`operation: expected correlation or convolution (which one "convolution" means in your text), got '${v}'`, i);
    d.conv.operation = v;
  },
  indices: (v, i, d) => {
    if (v !== '0' && v !== '1') throw new BlockError(`indices: expected 0 or 1 (the first index), got '${v}'`, i);
    d.conv.base = Number(v);
  },
  ...Object.fromEntries((['x', 'y', 'w'] as const).map((k) => [k, (v: string, i: number, d: Declared) => (d.conv.names[k] = convName(parseSym(v, i, k)))])),
  scheme: (v, i, d) => {
    const name = v.toLowerCase().replace(/^(kaiming|glorot)$/, (m) => (m === 'kaiming' ? 'he' : 'xavier'));
    if (!initSchemes.includes(name as InitScheme)) throw new BlockError(`scheme: expected he (kaiming), xavier (glorot) or lecun, got '${v}'`, i);
    d.scheme = name as InitScheme;
  },
  fanIn: (v, i, d) => (d.fanIn = raw(parseSym(v, i, 'fanIn'))),
  fanOut: (v, i, d) => (d.fanOut = raw(parseSym(v, i, 'fanOut'))),
  activation: (v, i, d) => {
    if (!['relu', 'tanh', 'linear'].includes(v)) throw new BlockError(`activation: expected relu, tanh or linear, got '${v}'`, i);
    d.activation = v as InitSpec['activation'];
  },
  method: (v, i, d) => {
    if (!optimizerMethods.includes(v as OptimizerMethod)) throw new BlockError(`method: expected one of ${optimizerMethods.join(', ')}, got '${v}'`, i);
    d.method = v as OptimizerMethod;
  },
  // the parameters' symbol in an update rule; in a counting block, the symbol for the layer's parameter count
  params: (v, i, d) => (d.mode === 'count' ? (d.count.counts.params = raw(parseSym(v, i, 'params'))) : (d.params = parseSym(v, i, 'params').name)),
  ...Object.fromEntries(optimizerRoles.map((role) => [role, (v: string, i: number, d: Declared) => {
    const c = /^(.+?)\s*=\s*(-?[\d.]+(?:e-?\d+)?)$/.exec(v);
    if (!c) throw new BlockError(`${role}: expected "\\symbol = number", e.g. ${role === 'lr' ? '\\epsilon = 0.05' : '\\mu = 0.9'}, got '${v}'`, i);
    const name = raw(parseSym(c[1], i, role)); // \beta_1 and \beta_2 are two names
    d.roles.set(role, { name, value: Number(c[2]) });
    d.consts.set(name, Number(c[2]));
  }])),
  hidden: (v, i, d) => (d.hidden = activation(v, 'hidden', i) as Declared['hidden']),
  output: (v, i, d) => (d.output = activation(v, 'output', i) as Declared['output']),
  loss: (v, i, d) => {
    if (v !== 'squared' && v !== 'cross-entropy') throw new BlockError(`loss: expected squared or cross-entropy, got '${v}'`, i);
    d.loss = v;
  },
  weights: (v, i, d) => (d.weights = range(v, 'weights', i)),
  bias: (v, i, d) => {
    if (!['yes', 'absorbed', 'no'].includes(v)) throw new BlockError(`bias: expected yes (b_j^{(l)} written apart), absorbed (w_{j0}^{(l)} inside the sums, z_0 = 1) or no, got '${v}'`, i);
    d.bias = v === 'no' ? undefined : (v as 'yes' | 'absorbed');
  },
  inputs: (v, i, d) => {
    // names (graph mode, or anything that looks like one), else the range of the network's inputs
    if (d.mode !== 'graph' && !/[\\(_]|^[a-zA-Z]$/.test(v)) return void (d.inputRange = range(v, 'inputs', i));
    for (const part of v.split(',').map((x) => x.trim()).filter(Boolean)) {
      const node = parseSym(part, i, 'inputs');
      d.inputs.set(node.name, { indexed: node.sub.length > 0 });
    }
  },
  range: (v, i, d) => (d.inputRange = range(v, 'range', i)),
  draws: (v, i, d) => (d.draws = wholeNumber(v, 'draws', 100, i)),
  tolerance: (v, i, d) => {
    d.tolerance = Number(v);
    if (!(d.tolerance > 0 && d.tolerance < 1)) throw new BlockError(`tolerance: expected a number between 0 and 1, got '${v}'`, i);
  },
  n: (v, i, d) => (d.n = wholeNumber(v, 'n', 1000, i)),
  const: (v, i, d) => {
    const c = /^(.+?)\s*=\s*(-?[\d.]+(?:e-?\d+)?)$/.exec(v);
    if (!c) throw new BlockError(`const: expected "\\name = number", got '${v}'`, i);
    d.consts.set(parseSym(c[1], i, 'const').name, Number(c[2]));
  },
  define,
};

export function parseBlock(content: string): BlockSpec {
  const d: Declared = {
    consts: new Map(), defines: [], inputs: new Map(), mode: 'network', roles: new Map(), params: '\\theta', activation: 'relu',
    conv: { names: { x: 'x', y: 'y', w: 'w' } },
    count: { sizes: {}, values: new Map(), padding: 'valid', counts: {} }, hidden: 'logistic', output: 'identity', loss: 'squared',
    weights: [-1, 1], inputRange: [-1, 1], draws: 3, tolerance: 1e-6, n: 1,
  };
  content.split('\n').forEach((rawLine, i) => {
    const lineText = rawLine.replace(/\s+#.*$/, '').replace(/^#.*$/, '').trim();
    if (!lineText) return;
    const m = /^([a-zA-Z][a-zA-Z0-9]*)\s*:\s*(.*)$/.exec(lineText);
    if (!m) throw new BlockError(`expected "key: value", got '${lineText}'`, i);
    const handler = Object.hasOwn(keys, m[1]) ? keys[m[1]] : undefined;
    if (!handler) throw new BlockError(`unknown key '${m[1]}' (expected: ${Object.keys(keys).filter((k) => k !== 'range').join(', ')})`, i);
    handler(m[2], i, d);
  });
  return specOf(d);
}

function specOf(d: Declared): BlockSpec {
  const { consts, hidden, draws, tolerance } = d;
  if (d.mode === 'count') {
    const s = d.count.sizes;
    if (!s.side || !s.channels || !s.kernel || !s.filters) throw new BlockError('mode: count needs input: m \\times m \\times C, kernel: p and filters: K (symbols or numbers)', 0);
    if (!Object.keys(d.count.counts).length) throw new BlockError(`mode: count needs the symbols the text counts with, e.g. params: P (also ${countNames.filter((c) => c !== 'params').join(', ')})`, 0);
    return { mode: 'count', consts, hidden, draws, tolerance, count: { sizes: { side: s.side, channels: s.channels, kernel: s.kernel, filters: s.filters }, values: d.count.values, padding: d.count.padding, counts: d.count.counts } };
  }
  if (d.mode === 'conv') {
    const c = d.conv;
    if (!c.input || !c.kernel) throw new BlockError('mode: conv needs "input:" and "kernel:", e.g. input: 6x6 and kernel: 3x3 (or 8 and 3 in 1-D)', 0);
    if (c.input.length !== c.kernel.length) throw new BlockError(`input and kernel: both 1-D or both 2-D (${c.input.join('x')} and ${c.kernel.join('x')})`, 0);
    const conv: ConvSpec = { input: c.input, kernel: c.kernel, stride: c.stride ?? 1, padding: c.padding ?? 0, operation: c.operation ?? 'correlation', base: c.base ?? 0, names: c.names, channels: c.channels ?? 1, kernels: c.kernels ?? 1 };
    if (c.input.some((m, k) => m + 2 * conv.padding < c.kernel![k])) throw new BlockError('the kernel is larger than the (padded) input', 0);
    return { mode: 'conv', consts, hidden, draws, tolerance, conv };
  }
  if (d.mode === 'init') {
    if (!d.scheme) throw new BlockError('mode: init needs "scheme:", he, xavier or lecun', 0);
    if (!d.fanIn) throw new BlockError('mode: init needs "fanIn:", the symbol your text uses for a layer\'s inputs, e.g. fanIn: n_{in}', 0);
    return { mode: 'init', consts, hidden, draws, tolerance, init: { scheme: d.scheme, fanIn: d.fanIn, fanOut: d.fanOut, activation: d.activation } };
  }
  if (d.mode === 'optimizer') {
    if (!d.method) throw new BlockError('mode: optimizer needs "method:", the reference the rule is compared with (sgd, momentum, nesterov, adam, rmsprop)', 0);
    if (!d.roles.has('lr')) throw new BlockError('mode: optimizer needs "lr:", the learning rate as your text names it, e.g. lr: \\epsilon = 0.05', 0);
    return { mode: 'optimizer', consts, hidden, draws, tolerance, optimizer: { method: d.method, roles: d.roles, params: d.params } };
  }
  if (d.mode === 'graph') {
    if (!d.inputs.size) throw new BlockError('mode: graph needs "inputs:", e.g. inputs: (X_{in})_k', 0);
    const defines = new Map(d.defines.map((x) => [x.name, { index: x.index, body: x.body }]));
    return { mode: 'graph', consts, hidden, draws, tolerance, graph: { n: d.n, inputs: d.inputs, defines, inputRange: d.inputRange } };
  }
  if (!d.units) throw new BlockError('missing "network:", e.g. network: 3-4-4-1', 0);
  const output = d.loss === 'cross-entropy' ? 'softmax' : d.output;
  return { mode: 'network', consts, hidden, draws, tolerance, net: { units: d.units, hidden, output, loss: d.loss, weights: d.weights, bias: d.bias, inputs: d.inputRange, draws, tolerance } };
}

function parseSym(text: string, line: number, key: string): Extract<Node, { k: 'sym' }> {
  let node: Node;
  try {
    node = Parser.parse(text);
  } catch (e) {
    throw new BlockError(`${key}: ${(e as Error).message} in '${text}'`, line);
  }
  if (node.k !== 'sym') throw new BlockError(`${key}: expected a name like \\beta, a or (X_{in})_k, got '${text}'`, line);
  return node;
}
