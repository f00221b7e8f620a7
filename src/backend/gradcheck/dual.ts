// Hyper-dual numbers: a value, its tangents along two seeds (d along the outer ∂/∂p, e along an inner ∂/∂q) and
// the mixed second derivative de = ∂²/∂p∂q — exact first and second derivatives by forward mode, no differences.
import { EvalError } from './evalErrors';

export interface Dual {
  v: number;
  d: number;
  e: number;
  de: number;
}

export const C = (v: number): Dual => ({ v, d: 0, e: 0, de: 0 });

/** g·t that stays 0 when the tangent is 0 (an infinite slope times no change is no change). */
const times = (g: number, t: number) => (t === 0 ? 0 : g * t);

type Fn = (x: number) => number;

/** f(x) by the chain rule to second order; f1 and f2 are asked for only when a tangent needs them. */
export function lift(x: Dual, f: Fn, f1: Fn | undefined, f2: Fn | undefined, what: string): Dual {
  const first = x.d !== 0 || x.e !== 0 || x.de !== 0;
  if (first && !f1) throw new EvalError(`the derivative of ${what} is not supported: write it out`);
  const g1 = first ? f1!(x.v) : 0;
  const second = x.d !== 0 && x.e !== 0;
  if (second && !f2) throw new EvalError(`the second derivative of ${what} is not supported: write it out`);
  const g2 = second ? f2!(x.v) : 0;
  return { v: f(x.v), d: times(g1, x.d), e: times(g1, x.e), de: times(g2, x.d * x.e) + times(g1, x.de) };
}

export const add = (a: Dual, b: Dual): Dual => ({ v: a.v + b.v, d: a.d + b.d, e: a.e + b.e, de: a.de + b.de });
export const sub = (a: Dual, b: Dual): Dual => ({ v: a.v - b.v, d: a.d - b.d, e: a.e - b.e, de: a.de - b.de });
export const neg = (a: Dual): Dual => ({ v: -a.v, d: -a.d, e: -a.e, de: -a.de });

export function mul(a: Dual, b: Dual): Dual {
  return { v: a.v * b.v, d: a.d * b.v + a.v * b.d, e: a.e * b.v + a.v * b.e, de: a.de * b.v + a.d * b.e + a.e * b.d + a.v * b.de };
}

/** q = a/b from a = q·b, component by component. */
export function div(a: Dual, b: Dual): Dual {
  const v = a.v / b.v;
  const d = (a.d - v * b.d) / b.v;
  const e = (a.e - v * b.e) / b.v;
  return { v, d, e, de: (a.de - d * b.e - e * b.d - v * b.de) / b.v };
}

export function pow(a: Dual, b: Dual): Dual {
  if (b.d === 0 && b.e === 0 && b.de === 0) {
    const p = b.v;
    return lift(a, (x) => x ** p, (x) => (p === 0 ? 0 : p * x ** (p - 1)), (x) => (p === 0 || p === 1 ? 0 : p * (p - 1) * x ** (p - 2)), 'a power');
  }
  if (!(a.v > 0)) throw new EvalError('a power with a varying exponent needs a positive base');
  return lift(mul(b, lift(a, Math.log, (x) => 1 / x, (x) => -1 / (x * x), 'ln')), Math.exp, Math.exp, Math.exp, 'exp');
}

/** The elementary functions the checker reads, each with its first and second derivative. */
export const elementary: Record<string, [Fn, Fn, Fn]> = {
  exp: [Math.exp, Math.exp, Math.exp],
  ln: [Math.log, (x) => 1 / x, (x) => -1 / (x * x)],
  sqrt: [Math.sqrt, (x) => 1 / (2 * Math.sqrt(x)), (x) => -1 / (4 * x * Math.sqrt(x))],
  sinh: [Math.sinh, Math.cosh, Math.sinh],
  cosh: [Math.cosh, Math.sinh, Math.cosh],
};
