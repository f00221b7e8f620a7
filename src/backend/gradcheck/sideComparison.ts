// Comparing a claim's sides draw by draw and index value by index value, and the verdict it comes to: ✓ with the
// largest relative error, ✗ with both numbers and what their ratio suggests, "inconclusive" when every side was 0
// or a value overflowed — and the verdict of a claim whose evaluation stopped with an error.
import { evaluate } from './evaluate';
import { EvalError, NoSuchQuantity, TooMuchWork } from './evalErrors';
import type { Node } from './latexAst';
import type { Env } from './quantities';

export type Verdict = 'pass' | 'fail' | 'inconclusive' | 'parse-error';

export interface ClaimResult {
  verdict: Verdict;
  message: string;
  /** Each side's value at the first draw and the first index values. */
  sides: number[];
  /** Per draw, per side (first index values), for hovers. */
  perDraw: number[][];
  warnings: string[];
  /** Offset in the latex of a parse error. */
  errorAt?: number;
}

export class Comparison {
  maxRel = 0;
  /** Some side was non-zero in some draw: something was compared. */
  nonZero = false;
  /** Draws in which every side was 0 (dead ReLU units), of those tried. */
  dead = 0;
  tried = 0;
  readonly perDraw: number[][] = [];
  /** The index values of the comparison that failed. */
  failedAt: Map<string, number> | undefined;

  constructor(private readonly sides: Node[], private readonly binds: Map<string, number>[], private readonly tolerance: number, private readonly note: string, private readonly warnings: Set<string>) {}

  /** Compare the sides on these draws (numbered from `first`); a ✗ or an overflow ends the check. */
  run(envs: Env[], first: number): ClaimResult | undefined {
    for (const [n, env] of envs.entries()) {
      this.tried++;
      let seen = false;
      for (const [bi, bind] of this.binds.entries()) {
        const values = this.sides.map((s) => evaluate(s, env, bind));
        if (bi === 0) this.perDraw.push(values);
        for (let i = 1; i < values.length; i++) {
          const ended = this.compare(values, i, bind, first + n);
          if (ended) return ended;
          if (values[0] !== 0 || values[i] !== 0) seen = true;
        }
      }
      if (!seen) this.dead++;
    }
    return undefined;
  }

  private compare(values: number[], i: number, bind: Map<string, number>, draw: number): ClaimResult | undefined {
    const [a, b] = [values[0], values[i]];
    if (!Number.isFinite(a) || !Number.isFinite(b)) {
      // float64 overflowed (e^{1000} e^{-1000} is ∞·0): nothing was compared, so no verdict on the math
      const bad = Number.isFinite(a) ? i + 1 : 1;
      return this.result('inconclusive', `∅ cannot check: side ${bad} is ${Number.isFinite(a) ? b : a} in float64 arithmetic (an overflow?)${where(bind, draw)}`, values);
    }
    if (a === 0 && b === 0) return undefined;
    this.nonZero = true;
    const rel = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
    this.maxRel = Math.max(this.maxRel, rel);
    if (rel <= this.tolerance) return undefined;
    this.failedAt = bind;
    return this.result('fail', `✗ side ${i + 1} ≠ side 1${mismatch(this.sides.length, i, a, b)} (rel err ${fmt(rel)}${where(bind, draw, true)})${this.note}`, values);
  }

  /** After every draw: ✓, or inconclusive when nothing was ever non-zero. `layers` names the layers checked. */
  verdict(layers: string, regularDraws: number): ClaimResult {
    if (!this.nonZero) return this.result('inconclusive', `∅ inconclusive: every side is exactly 0 in every one of ${this.dead} draws (dead units?) — nothing was compared`);
    const deadNote = this.dead ? ` — ${this.dead} of ${this.tried} draws had every side 0 (dead units)${this.tried > regularDraws ? ', so more were drawn' : ''}` : '';
    const lenient = this.warnings.size ? ` ⚠ ${[...this.warnings].join('; ')}` : '';
    return this.result('pass', `✓ gradient check: ${this.sides.length} sides agree${layers} (rel err ${fmt(this.maxRel)})${this.note}${deadNote}${lenient}`);
  }

  private result(verdict: ClaimResult['verdict'], message: string, values?: number[]): ClaimResult {
    return { verdict, message, sides: this.perDraw[0] ?? values ?? [], perDraw: this.perDraw, warnings: [...this.warnings] };
  }
}

/** An evaluation that stopped: too much work or an unreadable quantity is "cannot check", a quantity that does not exist is ✗. */
export function errorResult(e: unknown, warnings: Set<string>): ClaimResult {
  const none = { sides: [], perDraw: [], warnings: [...warnings] };
  if (e instanceof TooMuchWork) return { verdict: 'inconclusive', message: `∅ cannot check: ${e.message}`, ...none };
  if (e instanceof RangeError) return { verdict: 'parse-error', message: '⚠ cannot check: the formula is nested too deeply to evaluate', ...none };
  if (e instanceof NoSuchQuantity) return { verdict: 'fail', message: `✗ ${e.message}`, ...none };
  if (!(e instanceof EvalError)) throw e;
  // the math could not be read as something to evaluate (a quantity without its layer, an undeclared name, an
  // index whose range is unknown): nothing was compared, so this is "cannot check" with the reason — never a ✗
  return { verdict: 'inconclusive', message: `∅ cannot check: ${e.message}`, ...none };
}

function where(bind: Map<string, number>, draw: number, withDraw = false): string {
  const idx = [...bind].filter(([k]) => k !== 'L').map(([k, v]) => `${k} = ${v}`).join(', '); // L is the block's, not a choice
  return [idx && (withDraw ? `; ${idx}` : ` at ${idx}`), withDraw && draw > 0 ? `, draw ${draw + 1}` : ''].join('');
}

/**
 * What a failed comparison says after "✗ side 2 ≠ side 1": what a simple ratio suggests first (a lens is narrow),
 * then which side is which and their ratio.
 */
export function mismatch(count: number, i: number, a: number, b: number): string {
  const names = count === 2 ? ['the left-hand side', 'your right-hand side'] : ['side 1', `side ${i + 1}`];
  const ratio = b / a;
  const known = a !== 0 && Number.isFinite(ratio);
  const hint = known ? ratioHint(ratio) : '';
  return `${hint ? ` (${hint})` : ''}: ${names[1]} = ${fmt(b)}, ${names[0]} = ${fmt(a)}${known ? `, ratio ${fmt(ratio)}` : ''}`;
}

/** A ratio that is a simple number usually names the mistake. */
function ratioHint(r: number): string {
  const near = (x: number) => Math.abs(r - x) <= 1e-6 * Math.max(1, Math.abs(x));
  if (near(0)) return 'a missing term?';
  if (near(-1)) return 'the sign is flipped';
  for (const k of [2, 3, 4, 0.5, 1 / 3, 0.25]) {
    const factor = k < 1 ? `1/${Math.round(1 / k)}` : String(k);
    if (near(k)) return `off by a factor of ${factor}`;
    if (near(-k)) return `off by a factor of ${factor} and the sign`;
  }
  return '';
}

const fmt = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? Number(x.toPrecision(4)).toString() : x.toExponential(2));
