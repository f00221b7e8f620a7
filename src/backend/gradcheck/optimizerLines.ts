// The lines below a mode: optimizer block, read together as one update rule: each line that updates a quantity
// gets the rule's verdict (with the lines it was read from); a line that is not an update says why.
import type { GradcheckResult } from '../../protocol/gradcheck';
import type { OptimizerSpec } from './blockSpec';
import { splitSides } from './claims';
import { claimText } from './claimText';
import { EvalError } from './evalErrors';
import { LatexError, type Node, Parser } from './latex';
import { type TrajectoryPicture, trajectorySvg } from './optimizerPicture';
import { checkRule, type Update, updateOf } from './optimizerRule';

export interface RuleLine {
  latex: string;
  /** 1-based, as results report them. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export function checkRuleLines(lines: RuleLine[], spec: OptimizerSpec): GradcheckResult[] {
  const result = (l: RuleLine, verdict: GradcheckResult['verdict'], message: string): GradcheckResult => ({ ...l, verdict, message, sides: [], perDraw: [], warnings: [] });
  const updates = new Map<string, Update>();
  const ruleLines: RuleLine[] = [];
  const out = new Map<RuleLine, GradcheckResult>();
  for (const l of lines) {
    let sides: Node[];
    try {
      sides = splitSides(claimText(l.latex).math).map((p) => Parser.parse(p.text));
    } catch (e) {
      if (!(e instanceof LatexError)) throw e;
      out.set(l, result(l, 'parse-error', `⚠ cannot parse: ${e.message}`));
      continue;
    }
    const { update, why } = updateOf(sides);
    if (!update) out.set(l, result(l, 'inconclusive', `∅ cannot check: ${why} (in an optimizer block each line is one update of the rule)`));
    else if (updates.has(update.name)) out.set(l, result(l, 'inconclusive', `∅ cannot check: ${update.name} is updated on an earlier line already`));
    else {
      updates.set(update.name, update);
      ruleLines.push(l);
    }
  }
  if (ruleLines.length) {
    const where = ` (the rule of line${ruleLines.length > 1 ? 's' : ''} ${ruleLines.map((l) => l.line).join(', ')})`;
    let verdict: { verdict: GradcheckResult['verdict']; message: string; picture?: TrajectoryPicture };
    try {
      verdict = checkRule(updates, spec);
    } catch (e) {
      if (!(e instanceof EvalError)) throw e;
      verdict = { verdict: 'inconclusive', message: `∅ cannot check: ${e.message}` };
    }
    const picture = verdict.picture && { svg: trajectorySvg(verdict.picture), caption: `your rule and ${verdict.picture.method} on ${verdict.picture.problem.name}` };
    for (const l of ruleLines) out.set(l, { ...result(l, verdict.verdict, verdict.message + where), ...(picture ? { picture } : {}) });
  }
  return lines.map((l) => out.get(l)!);
}
