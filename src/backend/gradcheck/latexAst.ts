// The parsed form of a formula, the notation it recognises, and small helpers over it.
export type Node =
  | { k: 'num'; v: number; at: number }
  | { k: 'sym'; name: string; sub: Node[]; sup?: Node; layer?: Node; primes: number; args?: Node[]; at: number; end: number }
  | { k: 'call'; fn: string; primes: number; power?: Node; args: Node[]; at: number }
  | { k: 'bin'; op: '+' | '-' | '*' | '/' | '^'; l: Node; r: Node; at: number }
  | { k: 'neg'; e: Node; at: number }
  | { k: 'big'; op: 'sum' | 'prod'; index: string; from?: Node; to?: Node; body: Node; at: number }
  | { k: 'deriv'; num: Node; den: Node; lenient: boolean; at: number }
  | { k: 'partial'; e: Node; order?: number; at: number }
  | { k: 'cases'; branches: { value: Node; cond?: Node }[]; at: number }
  | { k: 'cmp'; op: '<' | '>' | '<=' | '>=' | '=' | '!='; l: Node; r: Node; at: number }
  | { k: 'otherwise'; at: number }
  /** An evaluation bar: e|_{name = value}, or e|_{…} naming no point (then only e). */
  | { k: 'at'; e: Node; name?: Node; value?: Node; at: number };

export const functions: Record<string, string> = {
  '\\sigma': 'sigma', '\\tanh': 'tanh', '\\exp': 'exp', '\\ln': 'ln', '\\log': 'ln', '\\max': 'max', '\\min': 'min',
  '\\sinh': 'sinh', '\\cosh': 'cosh', '\\sqrt': 'sqrt', ReLU: 'relu', relu: 'relu', softplus: 'softplus', sgn: 'sign', sign: 'sign',
  // written as \operatorname{…} or \mathrm{…}
  exp: 'exp', ln: 'ln', log: 'ln', tanh: 'tanh', sinh: 'sinh', cosh: 'cosh', max: 'max', min: 'min', sigmoid: 'sigma',
  // \mathrm{Var}(w), \operatorname{Var}[a^{(l)}]: a variance, read under mode: init
  Var: 'var', var: 'var', Variance: 'var',
  // whole arrays in conv blocks: \text{rot180}(w), \operatorname{flip}(w), \text{pad}(A, 2), \text{shift}(x, s)
  rot180: 'rot180', flip: 'rot180', pad: 'pad', dilate: 'dilate', shift: 'shift', translate: 'shift',
};
export const greek = new Set(['\\alpha', '\\beta', '\\gamma', '\\delta', '\\epsilon', '\\varepsilon', '\\eta', '\\theta', '\\lambda', '\\mu', '\\xi', '\\rho', '\\tau', '\\phi', '\\varphi', '\\psi', '\\omega', '\\kappa', '\\nu', '\\zeta', '\\chi', '\\Delta']);
/** Symbols whose parenthesised superscript is a layer index, not a power. */
export const layered = new Set(['a', 'z', 'w', '\\delta', 'b', 'N', 'y', 'x']);
/** Letters that name a function when written with an argument or a prime: the activation by other names. */
export const functionLetters = new Set(['f', 'g', '\\phi', '\\varphi']);
/** Letters that take an argument list without meaning multiplication: E_n(w), y(x, w). */
export const functionOfWeights = new Set(['E', 'y']);

/** Whether a node uses an index letter (not counting sums and products that bind it again). */
export function mentions(n: Node, index: string): boolean {
  switch (n.k) {
    case 'sym': return (n.name === index && !n.sub.length) || n.sub.some((x) => mentions(x, index)) || (!!n.layer && mentions(n.layer, index));
    case 'big': return (!!n.from && mentions(n.from, index)) || (!!n.to && mentions(n.to, index)) || (n.index !== index && mentions(n.body, index));
    case 'bin': case 'cmp': return mentions(n.l, index) || mentions(n.r, index);
    case 'neg': case 'partial': return mentions(n.e, index);
    case 'call': return n.args.some((a) => mentions(a, index)) || (!!n.power && mentions(n.power, index));
    case 'deriv': return mentions(n.num, index) || mentions(n.den, index);
    case 'at': return mentions(n.e, index) || (!!n.value && mentions(n.value, index));
    case 'cases': return n.branches.some((b) => mentions(b.value, index) || (!!b.cond && mentions(b.cond, index)));
    default: return false;
  }
}

/** The source form of a small node, for messages. */
export function raw(n: Node): string {
  switch (n.k) {
    case 'num': return String(n.v);
    case 'sym': {
      const sub = n.sub.length ? `_{${n.sub.map(raw).join(n.sub.some((s) => s.k !== 'num' || String(s.v).length > 1) && n.sub.length > 1 && n.sub.some((s) => s.k === 'bin') ? ',' : '')}}` : '';
      return `${n.name}${sub}${n.layer ? `^{(${raw(n.layer)})}` : ''}${"'".repeat(n.primes)}`;
    }
    case 'bin': return `${raw(n.l)}${n.op}${raw(n.r)}`;
    case 'neg': return `-${raw(n.e)}`;
    default: return '…';
  }
}

/** The sub-formulas of a node, in reading order. */
export function children(n: Node): Node[] {
  switch (n.k) {
    case 'bin': case 'cmp': return [n.l, n.r];
    case 'neg': return [n.e];
    case 'partial': return [n.e];
    case 'call': return [...n.args, ...(n.power ? [n.power] : [])];
    case 'big': return [...(n.from ? [n.from] : []), ...(n.to ? [n.to] : []), n.body];
    case 'deriv': return [n.num, n.den];
    case 'cases': return n.branches.flatMap((b) => [b.value, ...(b.cond ? [b.cond] : [])]);
    case 'sym': return [...n.sub, ...(n.layer ? [n.layer] : [])];
    case 'at': return [n.e, ...(n.value ? [n.value] : [])];
    default: return [];
  }
}
