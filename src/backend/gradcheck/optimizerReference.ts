// The reference methods an update rule is compared with, and the test functions they run on, in float64: plain
// gradient descent, momentum and Nesterov's accelerated gradient in Sutskever et al.'s form, Adam (Kingma & Ba;
// also with ε̂ as Keras and TensorFlow place it), RMSProp (ε outside or inside the root, as texts differ).
import type { OptimizerMethod, OptimizerRole } from './blockSpec';

export type Vec = Float64Array;
export type Hyper = Record<OptimizerRole, number>;

export interface TestProblem {
  name: string;
  start: Vec;
  /** The function itself (pictures draw its contours). */
  f(theta: Vec): number;
  grad(theta: Vec): Vec;
}

/** ½θᵀAθ − bᵀθ. */
function quadratic(name: string, a: number[][], b: number[], start: number[]): TestProblem {
  return {
    name, start: Float64Array.from(start),
    f: (t) => a.reduce((s, row, i) => s + 0.5 * t[i] * row.reduce((r, aij, j) => r + aij * t[j], 0) - b[i] * t[i], 0),
    grad: (t) => Float64Array.from(a, (row, i) => row.reduce((s, aij, j) => s + aij * t[j], 0) - b[i]),
  };
}

/** A 2-D quadratic with condition number 20, its axes turned by 30°. */
const c = Math.cos(Math.PI / 6);
const s = Math.sin(Math.PI / 6);
const turned = [[c * c + 20 * s * s, (1 - 20) * c * s], [(1 - 20) * c * s, s * s + 20 * c * c]];

export const testProblems: TestProblem[] = [
  quadratic('a quadratic with condition number 20', turned, [1, -2], [2, 1]),
  {
    name: 'Rosenbrock\'s function', start: Float64Array.from([-1.2, 1]),
    f: ([x, y]) => (1 - x) ** 2 + 100 * (y - x * x) ** 2,
    grad: ([x, y]) => Float64Array.from([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]),
  },
  quadratic('a 3-D quadratic', [[3, 1, 0.5], [1, 2, 0.2], [0.5, 0.2, 1.5]], [0.3, -1, 0.7], [1, -1, 0.5]),
];

type Step = (theta: Vec, state: Vec[], t: number, p: TestProblem, h: Hyper) => void;
const zipWith = (a: Vec, f: (x: number, i: number) => number) => a.forEach((x, i) => (a[i] = f(x, i)));

const sgd: Step = (theta, _s, _t, p, h) => {
  const g = p.grad(theta);
  zipWith(theta, (x, i) => x - h.lr * g[i]);
};
const momentum = (nesterov: boolean): Step => (theta, [v], _t, p, h) => {
  const g = p.grad(nesterov ? theta.map((x, i) => x + h.momentum * v[i]) : theta);
  zipWith(v, (vi, i) => h.momentum * vi - h.lr * g[i]);
  zipWith(theta, (x, i) => x + v[i]);
};
const adam = (epsHat: boolean): Step => (theta, [m, v], t, p, h) => {
  const g = p.grad(theta);
  zipWith(m, (mi, i) => h.beta1 * mi + (1 - h.beta1) * g[i]);
  zipWith(v, (vi, i) => h.beta2 * vi + (1 - h.beta2) * g[i] * g[i]);
  const c1 = 1 - h.beta1 ** t;
  const c2 = 1 - h.beta2 ** t;
  zipWith(theta, (x, i) => (epsHat
    ? x - (h.lr * Math.sqrt(c2) / c1) * m[i] / (Math.sqrt(v[i]) + h.eps)
    : x - h.lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + h.eps)));
};
const rmsprop = (inside: boolean): Step => (theta, [r], _t, p, h) => {
  const g = p.grad(theta);
  zipWith(r, (ri, i) => h.decay * ri + (1 - h.decay) * g[i] * g[i]);
  zipWith(theta, (x, i) => x - h.lr * g[i] / (inside ? Math.sqrt(r[i] + h.eps) : Math.sqrt(r[i]) + h.eps));
};

export const methodNames: Record<OptimizerMethod, string> = {
  sgd: 'gradient descent', momentum: 'momentum', nesterov: 'Nesterov\'s accelerated gradient', adam: 'Adam', rmsprop: 'RMSProp',
};

/** Each method's forms as texts write them (each must give the same θ). */
const variants: Record<OptimizerMethod, Step[]> = {
  sgd: [sgd], momentum: [momentum(false)], nesterov: [momentum(true)], adam: [adam(false), adam(true)], rmsprop: [rmsprop(false), rmsprop(true)],
};

/** θ_1 … θ_steps of each form of a method. */
export function referenceTrajectories(method: OptimizerMethod, p: TestProblem, h: Hyper, steps: number): Vec[][] {
  return variants[method].map((step) => {
    const theta = Float64Array.from(p.start);
    const state = [new Float64Array(theta.length), new Float64Array(theta.length)];
    const out: Vec[] = [];
    for (let t = 1; t <= steps; t++) {
      step(theta, state, t, p, h);
      out.push(Float64Array.from(theta));
    }
    return out;
  });
}
