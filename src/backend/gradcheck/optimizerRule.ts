// mode: optimizer — the update rule the lines below a block write (v_{t+1} = \mu v_t - \epsilon \nabla f(\theta_t +
// \mu v_t), \theta_{t+1} = \theta_t + v_{t+1}; Adam's m_t, v_t, \hat{m}_t …) run on test functions from the same
// start as the reference method, θ compared step by step in float64. A reformulation with the same θ passes; a
// wrong rule is ✗ at the first step that differs, saying which method it follows instead when it is one of them.
import { children, type Node, raw } from './latexAst';
import { optimizerMethods, type OptimizerSpec } from './blockSpec';
import { EvalError } from './evalErrors';
import { type Hyper, methodNames, referenceTrajectories, type TestProblem, testProblems, type Vec } from './optimizerReference';
import type { TrajectoryPicture } from './optimizerPicture';
import { rng } from '../data/random';

type Value = number | Vec;
type Sym = Extract<Node, { k: 'sym' }>;

export interface Update {
  /** The variable's name as written (\theta, v, \hat{m}). */
  name: string;
  /** The LHS time offset: 1 for x_{t+1}, 0 for x_t. */
  offset: number;
  rhs: Node;
}

const steps = 12;
const tolerance = 1e-7;

/** A line "x_{t+1} = …" (or "x_t = … x_{t-1} …") as an update, or why it is not one. */
export function updateOf(sides: Node[]): { update?: Update; why?: string } {
  const [lhs, rhs] = sides;
  if (sides.length !== 2) return { why: 'write one update per line: x_{t+1} = …' };
  const time = lhs.k === 'sym' && lhs.sub.length === 1 ? timeOffset(lhs.sub[0]) : undefined;
  if (lhs.k !== 'sym' || time === undefined) return { why: `the left-hand side ${raw(lhs)} is not a quantity at a step (x_{t+1}, x_t)` };
  return { update: { name: lhs.name, offset: time, rhs } };
}

/** t → 0, t+1 → 1, t-1 → −1 (k and n as step letters too). */
function timeOffset(n: Node): number | undefined {
  if (n.k === 'sym' && !n.sub.length && /^[tkn]$/.test(n.name)) return 0;
  if (n.k === 'bin' && (n.op === '+' || n.op === '-') && n.l.k === 'sym' && /^[tkn]$/.test(n.l.name) && n.r.k === 'num') return n.op === '+' ? n.r.v : -n.r.v;
  return undefined;
}

/** The rule's θ_1 … θ_count on a problem with these hyper-parameters. */
function simulate(updates: Map<string, Update>, spec: OptimizerSpec, p: TestProblem, h: Hyper, count = steps): Vec[] {
  const consts = new Map<string, number>([...spec.roles].map(([role, { name }]) => [name, h[role]]));
  const memo = new Map<string, Vec>();
  const busy = new Set<string>();
  const states = new Set([...updates.values()].filter((u) => mentionsItself(u)).map((u) => u.name));
  const at = (name: string, n: number): Vec => {
    const u = updates.get(name);
    if (!u) throw new EvalError(`${name}_… is used but no line says how it is updated`);
    if (states.has(name) && n <= 0) return name === spec.params ? Float64Array.from(p.start) : new Float64Array(p.start.length);
    const key = `${name}@${n}`;
    const known = memo.get(key);
    if (known) return known;
    if (busy.has(key)) throw new EvalError(`${name} at step ${n} depends on itself`);
    busy.add(key);
    const v = asVec(value(u.rhs, n - u.offset), p.start.length);
    busy.delete(key);
    memo.set(key, v);
    return v;
  };
  const value = (node: Node, t: number): Value => {
    switch (node.k) {
      case 'num': return node.v;
      case 'neg': return map1(value(node.e, t), (x) => -x);
      case 'bin': return map2(value(node.l, t), value(node.r, t), ops[node.op]);
      case 'sym': return symbol(node, t);
      case 'call': return call(node, t);
      default: throw new EvalError(`${raw(node)} is not read in an update rule`);
    }
  };
  const symbol = (s: Sym, t: number): Value => {
    const name = raw(s);
    if (consts.has(name)) return consts.get(name)!;
    if (!s.sub.length && /^[tkn]$/.test(s.name)) return t;
    const offset = s.sub.length === 1 ? timeOffset(s.sub[0]) : undefined;
    if (offset === undefined || !updates.has(s.name)) throw new EvalError(`${name} is neither a hyper-parameter of the block nor a quantity a line updates`);
    return at(s.name, t + offset);
  };
  const call = (c: Extract<Node, { k: 'call' }>, t: number): Value => {
    const x = value(c.args[0], t);
    if (c.fn === 'grad') return p.grad(asVec(x, p.start.length));
    if (c.fn === 'sqrt') return map1(x, Math.sqrt);
    if (c.fn === 'exp') return map1(x, Math.exp);
    throw new EvalError(`${c.fn} is not read in an update rule`);
  };
  return Array.from({ length: count }, (_, i) => at(spec.params, i + 1));
}

const ops: Record<'+' | '-' | '*' | '/' | '^', (a: number, b: number) => number> = {
  '+': (a, b) => a + b, '-': (a, b) => a - b, '*': (a, b) => a * b, '/': (a, b) => a / b, '^': (a, b) => a ** b,
};

function map1(a: Value, f: (x: number) => number): Value {
  return typeof a === 'number' ? f(a) : a.map(f);
}

function map2(a: Value, b: Value, f: (x: number, y: number) => number): Value {
  if (typeof a === 'number' && typeof b === 'number') return f(a, b);
  const n = typeof a === 'number' ? (b as Vec).length : a.length;
  if (typeof a !== 'number' && typeof b !== 'number' && a.length !== b.length) throw new EvalError('vectors of different lengths');
  return Float64Array.from({ length: n }, (_, i) => f(typeof a === 'number' ? a : a[i], typeof b === 'number' ? b : b[i]));
}

const asVec = (v: Value, n: number): Vec => (typeof v === 'number' ? new Float64Array(n).fill(v) : v);

/** A quantity whose update uses its own earlier value (v, m, θ) is state: it starts at θ's start or at 0. */
function mentionsItself(u: Update): boolean {
  const walk = (n: Node): boolean => (n.k === 'sym' && n.name === u.name && n.sub.length === 1) || children(n).some(walk);
  return walk(u.rhs);
}

/** Hyper-parameter settings to run: the block's own, and two more drawn at random (the rule must hold for any). */
function settings(spec: OptimizerSpec): Hyper[] {
  const declared = Object.fromEntries([...spec.roles].map(([role, { value }]) => [role, value]));
  const base: Hyper = { lr: 0.01, momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8, decay: 0.9, ...declared };
  const random = rng(7);
  const u = (lo: number, hi: number) => lo + (hi - lo) * random();
  const drawn = () => ({ lr: u(0.002, 0.02), momentum: u(0.5, 0.95), beta1: u(0.8, 0.95), beta2: u(0.9, 0.999), eps: u(1e-8, 1e-6), decay: u(0.8, 0.99) });
  return [base, { ...base, ...drawn(), lr: Math.min(base.lr, 1e-3) }, { ...base, ...drawn() }];
}

export interface RuleVerdict {
  verdict: 'pass' | 'fail';
  message: string;
  /** Both trajectories on a 2-D test function (where they part, for a wrong rule), for the hover's picture. */
  picture?: TrajectoryPicture;
}

/** The rule against the block's method on every test function; a mismatch names the step and the values. */
export function checkRule(updates: Map<string, Update>, spec: OptimizerSpec): RuleVerdict {
  if (!updates.has(spec.params)) throw new EvalError(`no line updates the parameters ${spec.params} (say which symbol they are with params: in the block)`);
  const hypers = settings(spec);
  let maxRel = 0;
  for (const [i, p] of testProblems.entries()) {
    const h = hypers[i % hypers.length];
    const ours = simulate(updates, spec, p, h);
    const refs = referenceTrajectories(spec.method, p, h, steps);
    const errors = refs.map((ref) => ref.map((r, k) => relErr(ours[k], r)));
    const best = errors.reduce((a, b) => (Math.max(...b) < Math.max(...a) ? b : a));
    const step = best.findIndex((e) => !(e <= tolerance));
    if (step >= 0) {
      const picture = trajectories(updates, spec, p.start.length === 2 ? p : testProblems[0], p.start.length === 2 ? h : hypers[0]);
      const other = optimizerMethods.find((m) => m !== spec.method && referenceTrajectories(m, p, h, steps).some((ref) => ref.every((r, k) => relErr(ours[k], r) <= tolerance)));
      return {
        verdict: 'fail',
        message: `✗ not ${methodNames[spec.method]}: at step ${step + 1} on ${p.name}, your ${spec.params}_${step + 1} = ${fmt(ours[step])}, ${methodNames[spec.method]}'s = ${fmt(refs[0][step])}` +
          (other ? ` — your rule is ${methodNames[other]}` : ''),
        picture,
      };
    }
    maxRel = Math.max(maxRel, ...best);
  }
  return { verdict: 'pass', picture: trajectories(updates, spec, testProblems[0], hypers[0]), message: `✓ the update rule follows ${methodNames[spec.method]}: ${spec.params} agrees for ${steps} steps on ${testProblems.map((p) => p.name).join(', ')} (max rel err ${maxRel.toExponential(1)})` };
}

/** Both trajectories over more steps than are compared, so the picture shows where each one goes. */
function trajectories(updates: Map<string, Update>, spec: OptimizerSpec, p: TestProblem, h: Hyper): TrajectoryPicture {
  const count = 40;
  return { problem: p, method: methodNames[spec.method], ours: [p.start, ...simulate(updates, spec, p, h, count)], reference: [p.start, ...referenceTrajectories(spec.method, p, h, count)[0]] };
}

function relErr(a: Vec, b: Vec): number {
  const scale = Math.max(1e-12, ...Array.from(b, Math.abs));
  return Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]))) / scale;
}

const fmt = (v: Vec) => `(${Array.from(v, (x) => Number(x.toPrecision(6))).join(', ')})`;
