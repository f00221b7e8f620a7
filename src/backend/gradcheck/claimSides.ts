// A claim read into its sides and handed to the check of its block's mode (conv, init, count): what cannot be
// parsed is "cannot parse" with the reason, what cannot be evaluated is "cannot check" — never ✗.
import { splitSides } from './claims';
import { claimText } from './claimText';
import { EvalError } from './evalErrors';
import { LatexError, type Node, Parser } from './latex';
import type { ClaimResult } from './sideComparison';

export function checkSides(latex: string, check: (sides: Node[]) => ClaimResult): ClaimResult {
  const none = { sides: [], perDraw: [], warnings: [] };
  let sides: Node[];
  try {
    sides = splitSides(claimText(latex).math).map((p) => Parser.parse(p.text));
  } catch (e) {
    if (!(e instanceof LatexError)) throw e;
    return { verdict: 'parse-error', message: `⚠ cannot parse: ${e.message}`, ...none };
  }
  try {
    return check(sides);
  } catch (e) {
    if (!(e instanceof EvalError)) throw e;
    return { verdict: 'inconclusive', message: `∅ cannot check: ${e.message}`, ...none };
  }
}

/** +, −, ×, ÷ and powers of plain numbers, as the modes' own evaluators read a bin node. */
export function arithmetic(op: '+' | '-' | '*' | '/' | '^', l: number, r: number): number {
  return op === '+' ? l + r : op === '-' ? l - r : op === '*' ? l * r : op === '/' ? l / r : l ** r;
}
