// Check every claim of a Markdown file against the network its nearest gradcheck block above declares.
import { rng } from '../data/random';
import { type Chain, formulaChains } from './alignedRows';
import { BlockError, type BlockSpec, parseBlock } from './blockSpec';
import type { GradcheckResult } from '../../protocol/gradcheck';
import { checkClaim, type ClaimResult, isClaim } from './claims';
import type { Env } from './quantities';
import { scanMarkdown } from './markdownMath';
import { checkRuleLines, type RuleLine } from './optimizerLines';
import { checkInitClaim } from './initClaims';
import { checkConvClaim } from './convClaims';
import type { ConvState } from './convShift';
import { checkCountClaim } from './countClaims';
import { Draw } from './network';

export type FileResult = GradcheckResult;

/** The draws of a block; `functions` holds what claims below the block define (g(a) = …), shared by all of them. */
function environments(spec: BlockSpec, seed: number, functions: Env['functions'], from = 0, count = spec.draws, alive = false): Env[] {
  return Array.from({ length: count }, (_, n) => {
    const d = from + n;
    const random = rng(seed + 7919 * d);
    const env: Env = { consts: spec.consts, hidden: spec.hidden, warnings: new Set(), functions };
    if (spec.net) env.draw = new Draw(spec.net, random, alive);
    if (spec.graph) {
      const [lo, hi] = spec.graph.inputRange;
      env.graph = { spec: spec.graph, values: new Map([...spec.graph.inputs.keys()].map((name) => [name, Array.from({ length: spec.graph!.n }, () => lo + (hi - lo) * random())])) };
    }
    return env;
  });
}

/** Every claim's verdict, in order; `onResult` sees each as soon as it is known (the first lens need not wait). */
export function checkMarkdown(text: string, onResult?: (r: FileResult) => void): FileResult[] {
  const results: FileResult[] = [];
  const emit = (r: FileResult) => {
    results.push(r);
    onResult?.(r);
  };
  const items = scanMarkdown(text);
  let spec: BlockSpec | undefined;
  let envs: Env[] = [];
  let blockBroken = false;
  /** What a conv block's claims have defined (x′), for the claims below them. */
  let convState: ConvState = {};
  let blockHasMath = true;
  let blockAt: { line: number; column: number } | undefined;
  /** The lines below an optimizer block: checked together, as one rule, when the block's math ends. */
  let ruleLines: RuleLine[] = [];
  const flushRule = () => {
    if (ruleLines.length && spec?.optimizer) checkRuleLines(ruleLines, spec.optimizer).forEach(emit);
    ruleLines = [];
  };
  const noMathBelow = () => {
    flushRule();
    if (blockAt && !blockHasMath) {
      emit({ ...blockAt, endLine: blockAt.line, endColumn: blockAt.column + 12, latex: '', verdict: 'inconclusive', message: '∅ this gradcheck block has no claim below it (math with "=", up to the next block or the end of the file)', sides: [], perDraw: [], warnings: [] });
    }
  };
  for (const item of items) {
    if (item.kind === 'block') {
      noMathBelow();
      blockAt = { line: item.line + 1, column: 1 };
      blockHasMath = false;
      try {
        spec = parseBlock(item.content);
        convState = {};
        envs = environments(spec, 1, new Map());
        blockBroken = false;
      } catch (e) {
        if (!(e instanceof BlockError)) throw e;
        const line = item.contentLine + e.lineInBlock + 1;
        emit({ line, column: 1, endLine: line, endColumn: 200, latex: '', verdict: 'parse-error', message: `⚠ gradcheck block: ${e.message}`, sides: [], perDraw: [], warnings: [] });
        spec = undefined;
        blockBroken = true;
        blockHasMath = true; // reported already
      }
      continue;
    }
    for (const chain of formulaChains(item.latex)) checkChain(chainItem(item, chain));
  }
  noMathBelow();
  return results;

  function checkChain(item: MathItem): void {
    if (!isClaim(item.latex)) return;
    blockHasMath = true;
    if (!spec) {
      if (!blockBroken) return; // no block yet: nothing is declared (the editor offers "Declare network…")
      emit({ ...pos(item), latex: item.latex, verdict: 'parse-error', message: '⚠ not checked: the gradcheck block above has an error', sides: [], perDraw: [], warnings: [] });
      return;
    }
    if (spec.optimizer) return void ruleLines.push({ ...pos(item), latex: item.latex });
    let r: ClaimResult;
    try {
      const block = spec;
      // draws after the block's own, for claims whose every side was 0 in all of them (dead ReLUs): every unit active
      r = spec.init ? checkInitClaim(item.latex, spec.init) : spec.conv ? checkConvClaim(item.latex, spec.conv, convState) : spec.count ? checkCountClaim(item.latex, spec.count)
        : checkClaim(item.latex, { envs, tolerance: spec.tolerance, moreDraws: (from, count) => environments(block, 1, envs[0]?.functions, block.draws + from, count, true) });
    } catch (e) {
      // something we did not foresee: never a ✗ on math that was not evaluated
      r = { verdict: 'inconclusive', message: `∅ cannot check: ${(e as Error).message}`, sides: [], perDraw: [], warnings: [] };
    }
    emit({ ...pos(item), latex: item.latex, verdict: r.verdict, message: r.message, sides: r.sides, perDraw: r.perDraw, warnings: r.warnings });
  }
}

type MathItem = { latex: string; line: number; column: number; endLine: number; endColumn: number };

/** A row chain of a math item, placed at its own lines and columns (0-based, as the scanner gives them). */
function chainItem(item: MathItem, chain: Chain): MathItem {
  if (chain.offset === 0 && chain.text.length === item.latex.length) return item;
  const at = (offset: number) => {
    const before = item.latex.slice(0, offset);
    const lines = before.split('\n');
    return lines.length === 1 ? { line: item.line, column: item.column + offset } : { line: item.line + lines.length - 1, column: lines.at(-1)!.length };
  };
  const start = at(chain.offset + (chain.text.length - chain.text.trimStart().length));
  const end = at(chain.offset + chain.text.trimEnd().length);
  return { latex: chain.text, line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
}

function pos(item: { line: number; column: number; endLine: number; endColumn: number }) {
  return { line: item.line + 1, column: item.column + 1, endLine: item.endLine + 1, endColumn: item.endColumn + 1 };
}

/** True when the file has math but no gradcheck block (the editor offers to declare one). */
export function needsDeclaration(text: string): boolean {
  const items = scanMarkdown(text);
  return !items.some((i) => i.kind === 'block') && items.some((i) => i.kind === 'math' && isClaim(i.latex));
}

/**
 * A gradcheck block guessed from the indices the math uses: the highest layer seen, and per layer the highest
 * unit index. A guess for the user to confirm, as its comment says.
 */
export function suggestBlock(text: string): string {
  const units = new Map<number, number>();
  const see = (layer: number, unit: number) => units.set(layer, Math.max(units.get(layer) ?? 1, unit));
  for (const item of scanMarkdown(text)) {
    if (item.kind !== 'math') continue;
    for (const m of item.latex.matchAll(/(?:a|z|\\delta)_\{?(\d)\}?\^\{\((\d+)\)\}/g)) see(Number(m[2]), Number(m[1]));
    for (const m of item.latex.matchAll(/w_\{(\d),?(\d)\}\^\{\((\d+)\)\}/g)) {
      see(Number(m[3]) + 1, Number(m[1]));
      see(Number(m[3]), Number(m[2]));
    }
    for (const m of item.latex.matchAll(/x_\{?(\d)\}?/g)) see(1, Number(m[1]));
  }
  const layers = Math.max(2, ...units.keys());
  const network = Array.from({ length: layers }, (_, i) => units.get(i + 1) ?? 1).join('-');
  const hidden = /\\tanh/.test(text) ? 'tanh' : /relu|\\max\s*\(\s*0/i.test(text) ? 'relu' : 'logistic';
  // w_{j0} is Bishop's absorbed bias; b_j written apart
  const bias = /w_\{\d,?0\}/.test(text) ? ['bias: absorbed'] : /(^|[^a-zA-Z\\])b_/.test(text) ? ['bias: yes'] : [];
  return ['```gradcheck', `network: ${network}      # guessed from the indices used: please check`, `hidden: ${hidden}`, 'output: identity', 'loss: squared', ...bias, '```', ''].join('\n');
}
