// The ```gradcheck block: what network (or graph of functions) the math below it is about.
import { Node, Parser } from './latex';
import { activations, NetworkSpec } from './network';
import type { GraphSpec } from './quantities';

/** The names textbooks also use for the activations the checker knows. */
const activationAliases: Record<string, string> = { sigmoid: 'logistic', linear: 'identity', logsig: 'logistic', ReLU: 'relu' };

export class BlockError extends Error {
  /** 0-based line within the block's content. */
  constructor(message: string, readonly lineInBlock: number) {
    super(message);
  }
}

export interface BlockSpec {
  mode: 'network' | 'graph';
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

export function parseBlock(content: string): BlockSpec {
  const consts = new Map<string, number>();
  const defines: { name: string; index?: string; body: Node; line: number }[] = [];
  const inputs = new Map<string, { indexed: boolean }>();
  let units: number[] | undefined;
  let mode = 'network' as 'network' | 'graph';
  let hidden: keyof typeof activations = 'logistic';
  let output = 'identity' as keyof typeof activations | 'softmax';
  let loss = 'squared' as 'squared' | 'cross-entropy';
  let weights: [number, number] = [-1, 1];
  let bias: 'yes' | 'absorbed' | undefined;
  let inputRange: [number, number] = [-1, 1];
  let draws = 3;
  let tolerance = 1e-6;
  let n = 1;
  const lines = content.split('\n');
  lines.forEach((rawLine, i) => {
    const lineText = rawLine.replace(/\s+#.*$/, '').replace(/^#.*$/, '').trim();
    if (!lineText) return;
    const m = /^([a-zA-Z]+)\s*:\s*(.*)$/.exec(lineText);
    if (!m) throw new BlockError(`expected "key: value", got '${lineText}'`, i);
    const [, key, value] = m;
    switch (key) {
      case 'network': units = parseNetwork(value.trim(), i); break;
      case 'mode':
        if (value !== 'graph' && value !== 'network') throw new BlockError(`mode: expected network or graph, got '${value}'`, i);
        mode = value;
        break;
      case 'hidden':
      case 'output': {
        const name = activationAliases[value] ?? value;
        const names = key === 'output' ? [...hiddenNames, 'softmax'] : hiddenNames;
        if (!names.includes(name as never)) throw new BlockError(`${key}: unknown activation '${value}' (expected one of: ${names.join(', ')}; or sigmoid, linear)`, i);
        if (key === 'hidden') hidden = name as keyof typeof activations;
        else output = name as typeof output;
        break;
      }
      case 'loss':
        if (value !== 'squared' && value !== 'cross-entropy') throw new BlockError(`loss: expected squared or cross-entropy, got '${value}'`, i);
        loss = value;
        break;
      case 'weights': weights = range(value, key, i); break;
      case 'inputs':
        if (mode === 'graph' || /[\\(_]|^[a-zA-Z]$/.test(value)) {
          for (const part of value.split(',').map((s) => s.trim()).filter(Boolean)) {
            const node = parseSym(part, i, 'inputs');
            inputs.set(node.name, { indexed: node.sub.length > 0 });
          }
        } else inputRange = range(value, key, i);
        break;
      case 'range': inputRange = range(value, key, i); break;
      case 'draws':
        draws = Number(value);
        if (!Number.isInteger(draws) || draws < 1 || draws > 100) throw new BlockError(`draws: expected a whole number 1..100, got '${value}'`, i);
        break;
      case 'tolerance':
        tolerance = Number(value);
        if (!(tolerance > 0 && tolerance < 1)) throw new BlockError(`tolerance: expected a number between 0 and 1, got '${value}'`, i);
        break;
      case 'n':
        n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 1000) throw new BlockError(`n: expected a whole number 1..1000, got '${value}'`, i);
        break;
      case 'const': {
        const c = /^(.+?)\s*=\s*(-?[\d.]+(?:e-?\d+)?)$/.exec(value);
        if (!c) throw new BlockError(`const: expected "\\name = number", got '${value}'`, i);
        consts.set(parseSym(c[1], i, 'const').name, Number(c[2]));
        break;
      }
      case 'define': {
        const eq = value.indexOf('=');
        if (eq < 0) throw new BlockError(`define: expected "(X)_i = formula", got '${value}'`, i);
        const head = parseSym(value.slice(0, eq).trim(), i, 'define');
        let body: Node;
        try {
          body = Parser.parse(value.slice(eq + 1));
        } catch (e) {
          throw new BlockError(`define: ${(e as Error).message}`, i);
        }
        const index = head.sub[0]?.k === 'sym' ? head.sub[0].name : undefined;
        defines.push({ name: head.name, index, body, line: i });
        break;
      }
      case 'bias':
        if (!['yes', 'absorbed', 'no'].includes(value)) throw new BlockError(`bias: expected yes (b_j^{(l)} written apart), absorbed (w_{j0}^{(l)} inside the sums, z_0 = 1) or no, got '${value}'`, i);
        bias = value === 'no' ? undefined : (value as 'yes' | 'absorbed');
        break;
      default:
        throw new BlockError(`unknown key '${key}' (expected: network, hidden, output, loss, weights, bias, inputs, draws, tolerance, const, mode, n, define)`, i);
    }
  });
  if (mode === 'graph') {
    if (!inputs.size) throw new BlockError('mode: graph needs "inputs:", e.g. inputs: (X_{in})_k', 0);
    return {
      mode, consts, hidden, draws, tolerance,
      graph: { n, inputs, defines: new Map(defines.map((d) => [d.name, { index: d.index, body: d.body }])), inputRange },
    };
  }
  if (!units) throw new BlockError('missing "network:", e.g. network: 3-4-4-1', 0);
  if (loss === 'cross-entropy' && output !== 'softmax') output = 'softmax';
  return { mode, consts, hidden, draws, tolerance, net: { units, hidden, output, loss, weights, bias, inputs: inputRange, draws, tolerance } };
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
