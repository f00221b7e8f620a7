// What a fraction of differentials means: \frac{\partial E}{\partial w}, \frac{dE}{dw}, the operator forms
// \frac{\partial}{\partial w} and \frac{d}{da}, and second derivatives \frac{\partial^2 E}{\partial w^2},
// \frac{\partial^2 E}{\partial w_1 \partial w_2}, \frac{d^2\sigma}{dx^2} — as nested derivative nodes.
import { LatexError } from './latexTokens';
import type { Node } from './latexAst';

type Deriv = Extract<Node, { k: 'deriv' }>;

/** The placeholder an operator form holds until the parser hands it what follows. */
const nothing = (at: number): Node => ({ k: 'num', v: NaN, at });
export const isNothing = (n: Node) => n.k === 'num' && Number.isNaN(n.v);

const isD = (n: Node) => n.k === 'sym' && n.name === 'd' && !n.sub.length;
/** d^2 (a power of the differential d). */
const isD2 = (n: Node) => n.k === 'bin' && n.op === '^' && isD(n.l) && n.r.k === 'num' && n.r.v === 2;
const isSquare = (n: Node): n is Extract<Node, { k: 'bin' }> => n.k === 'bin' && n.op === '^' && n.r.k === 'num' && n.r.v === 2;

/** A derivative node for \frac{num}{den}, or undefined when the fraction is an ordinary quotient. */
export function derivativeFraction(num: Node, den: Node, at: number): Node | undefined {
  if (num.k === 'partial' || (num.k === 'sym' && num.name === '\\partial')) {
    const of = num.k === 'partial' ? num.e : nothing(at);
    if ((num.k === 'partial' && num.order === 2) || isSecondPartialDen(den)) return second(of, partialVariables(den, at), at);
    if (den.k === 'partial') return { k: 'deriv', num: of, den: den.e, lenient: false, at };
    return { k: 'deriv', num: of, den, lenient: true, at };
  }
  // \frac{d^2\sigma}{dx^2}, \frac{d^2}{dx^2}
  const numD2 = isD2(num) || (num.k === 'bin' && num.op === '*' && isD2(num.l));
  if (numD2 && den.k === 'bin' && den.op === '*' && isD(den.l) && isSquare(den.r)) {
    const of = num.k === 'bin' && num.op === '*' ? callOf(num.r, den.r.l) : nothing(at);
    return second(of, [den.r.l, den.r.l], at);
  }
  if (isD(num) && den.k === 'bin' && den.op === '*' && isD(den.l)) return { k: 'deriv', num: nothing(at), den: den.r, lenient: false, at }; // \frac{d}{da}
  if (num.k === 'bin' && num.op === '*' && isD(num.l) && den.k === 'bin' && den.op === '*' && isD(den.l)) {
    // \frac{dE}{dw}; \frac{d\sigma}{dx} is the derivative of \sigma(x)
    return { k: 'deriv', num: callOf(num.r, den.r), den: den.r, lenient: false, at };
  }
  return undefined;
}

/** \sigma named alone in \frac{d\sigma}{dx} is \sigma(x). */
const callOf = (f: Node, x: Node): Node => (f.k === 'call' && !f.args.length ? { ...f, args: [x] } : f);

const isSecondPartialDen = (den: Node) => den.k === 'bin' && den.op === '*' && den.l.k === 'partial' && den.r.k === 'partial';

/** ∂w^2 → [w, w]; ∂w_1 ∂w_2 → [w_1, w_2]. */
function partialVariables(den: Node, at: number): [Node, Node] {
  if (den.k === 'partial' && isSquare(den.e)) return [den.e.l, den.e.l];
  if (den.k === 'bin' && den.op === '*' && den.l.k === 'partial' && den.r.k === 'partial') return [den.l.e, den.r.e];
  throw new LatexError('a second derivative needs two variables below: \\partial w^2 or \\partial w_1 \\partial w_2', at);
}

/** ∂²f/∂p∂q as ∂/∂p (∂f/∂q): the inner derivative is taken first. */
function second(of: Node, [p, q]: [Node, Node], at: number): Deriv {
  return { k: 'deriv', num: { k: 'deriv', num: of, den: q, lenient: false, at }, den: p, lenient: false, at };
}

/** An operator form (∂/∂w, ∂²/∂w², d/dx) given its operand; nested forms get it innermost. */
export function applyOperator(d: Deriv, operand: Node): Deriv {
  if (isNothing(d.num)) return { ...d, num: operand };
  if (d.num.k === 'deriv') return { ...d, num: applyOperator(d.num, operand) };
  return d;
}

/** Whether a derivative still waits for its operand. */
export function isOperator(n: Node): n is Deriv {
  return n.k === 'deriv' && (isNothing(n.num) || isOperator(n.num));
}
