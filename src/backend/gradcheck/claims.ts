// A claim is a chain of sides, A = B = C (also across &= lines); it passes when every side equals the first at
// every draw and every value of its free indices.
import { LatexError, type Node, Parser, tokenize } from './latex';
import { evaluate, valueOf } from './evaluate';
import { type Definition, type Env, inferRange } from './quantities';
import { children } from './latexAst';
import { EvalError, workPerClaim } from './evalErrors';
import { freeScalars, scalarEnvs, scalarNote } from './scalarClaims';
import { claimText, type IndexRange, mathOf } from './claimText';
import { type ClaimResult, Comparison, errorResult } from './sideComparison';
import { definitionIn, definitionText, isActivation } from './functionNames';

export type { ClaimResult, Verdict } from './sideComparison';

/** Split a formula into the sides of its chain: top-level '=' (and '&=', '\\' line breaks). */
export function splitSides(input: string): { text: string; offset: number }[] {
  // aligned / align / split / gathered only lay the chain out: blank them (same length keeps offsets)
  const latex = mathOf(input).replace(/\\(begin|end)\{(aligned|align\*?|split|gathered|equation\*?)\}/g, (m) => ' '.repeat(m.length));
  const sides: { text: string; offset: number }[] = [];
  let depth = 0;
  let begin = 0;
  let envDepth = 0;
  for (let i = 0; i < latex.length; i++) {
    const c = latex[i];
    if (latex.startsWith('\\begin', i)) envDepth++;
    if (latex.startsWith('\\end', i)) envDepth--;
    if (c === '\\' && (latex[i + 1] === '{' || latex[i + 1] === '}')) { i++; continue; }
    if (c === '{' || c === '(' || c === '[') depth++;
    else if (c === '}' || c === ')' || c === ']') depth--;
    else if (c === '=' && depth === 0 && envDepth === 0 && latex[i - 1] !== '\\') {
      sides.push({ text: latex.slice(begin, i), offset: begin });
      begin = i + 1;
    }
  }
  sides.push({ text: latex.slice(begin), offset: begin });
  // alignment marks and line breaks between the sides of an aligned chain are not part of the math
  return sides.map((s) => ({ offset: s.offset, text: envDepth === 0 && !/\\begin/.test(s.text) ? s.text.replace(/&|\\\\/g, ' ') : s.text }));
}

export function isClaim(latex: string): boolean {
  return splitSides(latex).length > 1;
}

/** Index letters used in a side that no sum binds (layer superscripts included). */
export function freeIndices(node: Node, bound = new Set<string>()): Set<string> {
  const out = new Set<string>();
  const walk = (n: Node, b: Set<string>) => {
    if (n.k === 'big') {
      n.from && walk(n.from, b);
      n.to && walk(n.to, b);
      walk(n.body, new Set([...b, n.index]));
      return;
    }
    if (n.k === 'sym') {
      const idx = [...n.sub, ...(n.layer ? [n.layer] : [])];
      for (const x of idx) collectLetters(x, b, out, n.name);
      return;
    }
    children(n).forEach((c) => walk(c, b));
  };
  walk(node, bound);
  return out;
}

/** Bare letters compared in the conditions of a side's cases. */
function conditionLetters(side: Node): Set<string> {
  const out = new Set<string>();
  const walk = (n: Node) => {
    if (n.k === 'cases') for (const { cond } of n.branches) if (cond?.k === 'cmp') [cond.l, cond.r].forEach((x) => x.k === 'sym' && !x.sub.length && out.add(x.name));
    children(n).forEach(walk);
  };
  walk(side);
  return out;
}

function collectLetters(n: Node, bound: Set<string>, out: Set<string>, owner: string): void {
  if (n.k === 'sym' && !n.sub.length) {
    // the n of t_n, E_n, y_n is the training example
    if (!(n.name === 'n' && ['t', 'E', 'y'].includes(owner)) && !bound.has(n.name) && /^[a-zA-Z]$/.test(n.name)) out.add(n.name);
    return;
  }
  children(n).forEach((c) => collectLetters(c, bound, out, owner));
}

/** Extra draws tried, five at a time, when every side of every draw is 0. */
const maxExtraDraws = 20;

export interface CheckOptions {
  envs: Env[];
  tolerance: number;
  /** `count` more draws, the `from`-th onwards, for claims whose every side was 0 (dead ReLUs). */
  moreDraws?: (from: number, count: number) => Env[];
  /** Look for a single ')' that repairs a parse error (off inside that search). */
  repairHint?: boolean;
}

/** Every assignment of the free indices, each drawn from the range its uses allow. */
function bindings(sides: Node[], vars: string[], env: Env, fixed = new Map<string, number>()): Map<string, number>[] {
  const out: Map<string, number>[] = [];
  const rec = (i: number, bind: Map<string, number>) => {
    if (out.length > 5000) throw new EvalError('more than 5,000 index combinations: fix some indices');
    if (i === vars.length) return void out.push(new Map(bind));
    const v = vars[i];
    let lo = -Infinity;
    let hi = Infinity;
    for (const s of sides) {
      const r = inferRange(s, v, env, bind);
      if (r) {
        lo = Math.max(lo, r.lo);
        hi = Math.min(hi, r.hi);
      }
    }
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new EvalError(`the range of index ${v} cannot be inferred from its uses`);
    for (let x = lo; x <= hi; x++) rec(i + 1, new Map(bind).set(v, x));
  };
  // layer indices first: unit ranges depend on them
  rec(0, new Map(fixed));
  return out;
}

export function checkClaim(input: string, options: CheckOptions): ClaimResult {
  const { math: latex, range, approximate } = claimText(input);
  const parts = splitSides(latex);
  const sides: Node[] = [];
  for (const part of parts) {
    try {
      sides.push(Parser.parse(part.text));
    } catch (e) {
      if (e instanceof RangeError) return parseError(latex, part.offset, 'the formula is nested too deeply to read', { ...options, repairHint: false });
      if (!(e instanceof LatexError)) throw e;
      return parseError(latex, part.offset + e.offset, e.message, options);
    }
  }
  const result = evaluateSides(sides, options, range);
  if (!approximate) return result;
  // "= δ x ≈ 0": the equality is checked, the approximation is not a claim the checker can judge
  const note = 'the part after ≈ is not checked';
  return { ...result, message: `${result.message} ⚠ ${note}`, warnings: [...result.warnings, note] };
}

/** A claim about every layer that fails only at the output layer, whose activation is not the hidden one: say so. */
function withOutputHint(result: ClaimResult, at: Map<string, number> | undefined, layerLetters: Set<string>, env: Env | undefined): ClaimResult {
  const net = env?.draw?.net;
  const letter = at && net && net.output !== net.hidden ? [...layerLetters].find((l) => at.get(l) === net.units.length) : undefined;
  if (!letter || result.verdict !== 'fail') return result;
  return { ...result, message: `${result.message} — layer ${net!.units.length} is the output layer (${net!.output}, not ${net!.hidden}); a claim about the hidden layers can say so: \\quad ${letter} = 2, \\dots, L-1` };
}

/** Whether an index value is among those a claim is stated for ("l = 2, \dots, L-1"). */
function inRange(range: IndexRange, value: number, L: number | undefined): boolean {
  const bound = (x: string) => (/^L([+-]\d+)?$/.test(x) && L !== undefined ? L + Number(x.slice(1) || 0) : Number(x));
  return range.values.some((v) => {
    const [from, to] = v.split('..');
    return to === undefined ? bound(from) === value : bound(from) <= value && value <= bound(to);
  });
}

function evaluateSides(sides: Node[], given: CheckOptions, range?: IndexRange): ClaimResult {
  const definition = definitionIn(sides, given.envs[0]);
  if (definition) return define(definition.fn, definition.def, given.envs[0]);
  // a claim about no network quantity in a network block: an identity in its free variables (scalarClaims.ts)
  const scalars = given.envs[0] && !given.envs[0].graph ? freeScalars(sides, given.envs[0].consts) : undefined;
  const options = scalars ? { ...given, envs: scalarEnvs(scalars, given.envs[0], given.envs.length), moreDraws: undefined } : given;
  const note = scalars ? scalarNote(scalars, options.envs[0], options.envs.length) : '';
  const warnings = new Set<string>();
  const work = { left: workPerClaim };
  options.envs.forEach((e) => {
    e.warnings = warnings;
    e.work = work;
  });
  // L is the number of layers the block declares (\delta^{(L)}, \prod_{m=l+1}^{L-1}), not an index to range over
  const fixed = new Map<string, number>(options.envs[0]?.draw ? [['L', options.envs[0].draw.L]] : []);
  const free = sides.map((s) => new Set([...freeIndices(s)].filter((v) => !fixed.has(v))));
  const all = [...new Set(free.flatMap((f) => [...f]))];
  // layer-index letters first, so unit ranges can use them
  const layerLetters = new Set<string>();
  sides.forEach((s) => walkSyms(s, (n) => n.layer && n.layer.k === 'sym' && layerLetters.add(n.layer.name)));
  all.sort((a, b) => Number(layerLetters.has(b)) - Number(layerLetters.has(a)));
  // a side uses an index in a subscript, or compares it in a condition (… & k \neq 1)
  const compared = sides.map(conditionLetters);
  const unbound = all.filter((v) => !free.every((f, i) => f.has(v) || compared[i].has(v)));
  try {
    const env0 = options.envs[0];
    // a claim stated for some values of an index ("l = 1, 2, 3") is checked for those
    const stated = range && all.includes(range.letter) ? range : undefined;
    const binds = bindings(sides, all, env0, fixed).filter((b) => !stated || inRange(stated, b.get(stated.letter)!, fixed.get('L')));
    if (stated && !binds.length) throw new EvalError(`${stated.letter} = ${stated.values.join(', ')}: no such value where every term of the claim exists`);
    if (unbound.length) return unboundResult(sides, binds, unbound, options, warnings);
    const comparison = new Comparison(sides, binds, options.tolerance, note, warnings);
    const ended = comparison.run(options.envs, 0);
    if (ended) return withOutputHint(ended, comparison.failedAt, layerLetters, env0);
    // every side 0 in every draw (dead ReLUs): draw again, a few at a time, until one sees something
    for (let k = 0; !comparison.nonZero && options.moreDraws && k < maxExtraDraws; k += 5) {
      const more = options.moreDraws(k, 5);
      more.forEach((e) => Object.assign(e, { warnings, work }));
      const again = comparison.run(more, options.envs.length + k);
      if (again) return withOutputHint(again, comparison.failedAt, layerLetters, env0);
    }
    // a symbolic layer index: say for which layers the claim was checked
    const layers = [...layerLetters].filter((l) => all.includes(l)).map((l) => {
      const values = binds.map((b) => b.get(l)!);
      return ` for ${l} = ${Math.min(...values)}..${Math.max(...values)}`;
    }).join(',');
    return comparison.verdict(layers, options.envs.length);
  } catch (e) {
    return errorResult(e, warnings);
  }
}


function walkSyms(n: Node, f: (s: Extract<Node, { k: 'sym' }>) => unknown): void {
  if (n.k === 'sym') f(n);
  children(n).forEach((c) => walkSyms(c, f));
}

/** An index that some side never mentions: report for which of its values the claim would hold. */
function unboundResult(sides: Node[], binds: Map<string, number>[], unbound: string[], options: CheckOptions, warnings: Set<string>): ClaimResult {
  const holds: string[] = [];
  for (const bind of binds) {
    const ok = options.envs.every((env) => {
      const v = sides.map((s) => evaluate(s, env, bind));
      return v.every((x) => Math.abs(x - v[0]) <= options.tolerance * Math.max(Math.abs(x), Math.abs(v[0])));
    });
    if (ok) holds.push(unbound.map((u) => `${u} = ${bind.get(u)}`).join(', '));
  }
  const names = unbound.join(', ');
  const message = `✗ index ${names} is unbound — ${holds.length ? `the claim holds if ${[...new Set(holds)].join(' or ')}` : 'the claim holds for none of its values'}`;
  return { verdict: 'fail', message, sides: [], perDraw: [], warnings: [...warnings] };
}

/** Where one added ')' makes the claim parse and pass, say so. */
function parseError(latex: string, offset: number, message: string, options: CheckOptions): ClaimResult {
  let hint = '';
  if (options.repairHint !== false && /unbalanced|expected '\)'|end of the formula/.test(message) && latex.length < 2000) {
    let positions: number[] = [];
    try {
      positions = tokenize(latex).map((t) => t.end);
    } catch {
      positions = [];
    }
    for (const p of [...positions].reverse()) {
      const fixed = latex.slice(0, p) + ')' + latex.slice(p);
      try {
        const r = checkClaim(fixed, { ...options, repairHint: false });
        if (r.verdict === 'pass') {
          hint = ` — adding ')' after '${latex.slice(Math.max(0, p - 12), p).trim()}' (column ${p + 1}) makes it parse and pass`;
          break;
        }
      } catch {
        // keep looking
      }
    }
  }
  return { verdict: 'parse-error', message: `⚠ cannot parse: ${message} at column ${offset + 1}${hint}`, sides: [], perDraw: [], warnings: [], errorAt: offset };
}

/** g(a) = formula: g is defined for the claims below; it is checked only when it is the block's activation. */
function define(fn: string, def: Definition, env: Env): ClaimResult {
  const name = definitionText(fn, def);
  const none = { sides: [], perDraw: [], warnings: [] };
  try {
    const same = isActivation(def, env, (d, x) => valueOf(d, x, env));
    env.functions!.set(fn, def);
    if (same) return { verdict: 'pass', message: `✓ ${name} is the block's activation h (${env.hidden}) at 6 values in -3..3; the claims below use this ${fn.replace('\\', '')}`, ...none };
    return { verdict: 'inconclusive', message: `∅ ${name} defined here: not the block's activation (${env.hidden}), so nothing to check; the claims below use this definition`, ...none };
  } catch (e) {
    if (!(e instanceof EvalError)) throw e;
    return { verdict: 'inconclusive', message: `∅ cannot check: the definition of ${name}: ${e.message}`, ...none };
  }
}

