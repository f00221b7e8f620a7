// What in a claim's text is not math, blanked with spaces so columns stay true: an equation number set off by
// spacing ("\quad (3)"), a trailing remark ("\quad \text{(sigmoid)}"), the \boxed{…} a final answer is framed in,
// an approximation "≈ 0" after the claim, and the range an index is claimed for (", \quad l = 2, \dots, L").

/** A trailing equation number set off by spacing, "… \\quad (3)": not a factor of the last side. */
const equationNumber = /(\\q?quad|\\hfill|\\;|~)\s*\(\s*\d+(\.\d+)*[a-z]?\s*\)\s*$/;
/** A trailing remark in text after spacing or a comma; a \text{…} inside the math (z_{\text{out}}) stays. */
const remark = /(\\q?quad|\\hfill|\\;|\\,|~|,)\s*\\(text|mbox|textrm)\s*\{[^{}]*\}[^{}=]*$/;

const blank = (m: string) => ' '.repeat(m.length);

/** The values a claim is stated for: "l = 1, 2, 3", "l = 2, \dots, L", "j \in \{1, 2\}", bounds that may use L. */
export interface IndexRange {
  letter: string;
  /** Each value, or a run "from..to" (a bound may be L, L-1, L+1). */
  values: string[];
}

/** "for l = 1, …, L-1" after the claim, set off by a comma, spacing or \text{for}. */
const rangeClause = /(?:,|\\q?quad|\\forall|\\text\s*\{\s*for(?: all)?\s*\})(?:\s*(?:,|\\q?quad|\\text\s*\{\s*for(?: all)?\s*\}))*\s*\(?\s*([a-zA-Z])\s*(=|\\in)\s*\\?\{?\s*((?:[0-9L][0-9L+\-\s]*|\\l?dots|\\cdots)(?:\s*,\s*(?:[0-9L][0-9L+\-\s]*|\\l?dots|\\cdots))*)\s*\\?\}?\s*\)?\s*\.?\s*$/;
/** An approximation after the claim: "= δ x ≈ 0" claims the equality, not the size. */
const approximation = /\\(approx|simeq)[^]*$/;

export interface ClaimText {
  math: string;
  range?: IndexRange;
  /** Something after ≈ was left unchecked. */
  approximate: boolean;
}

export function claimText(latex: string): ClaimText {
  let math = latex.replace(equationNumber, blank).replace(remark, blank);
  const approximate = approximation.test(math);
  math = math.replace(approximation, blank);
  let range: IndexRange | undefined;
  math = math.replace(rangeClause, (m, letter: string, _op: string, list: string) => {
    const items = list.split(',').map((x) => x.replace(/\s+/g, ''));
    const values: string[] = [];
    for (let i = 0; i < items.length; i++) {
      // "2, \dots, L": a run from the value before to the one after
      if (/^\\(l?dots|cdots)$/.test(items[i]) && values.length && i + 1 < items.length) values[values.length - 1] = `${values.at(-1)}..${items[++i]}`;
      else values.push(items[i]);
    }
    range = { letter, values };
    return blank(m);
  });
  return { math: unbox(math), range, approximate };
}

export function mathOf(latex: string): string {
  return claimText(latex).math;
}

/** \boxed{A = B} → A = B, same length. */
function unbox(latex: string): string {
  let out = latex;
  for (let at = out.indexOf('\\boxed'); at >= 0; at = out.indexOf('\\boxed', at + 1)) {
    const open = out.indexOf('{', at);
    if (open < 0 || out.slice(at + 6, open).trim()) continue;
    let depth = 0;
    let close = -1;
    for (let i = open; i < out.length && close < 0; i++) {
      if (out[i] === '\\') i++;
      else if (out[i] === '{') depth++;
      else if (out[i] === '}' && --depth === 0) close = i;
    }
    if (close < 0) continue;
    out = `${out.slice(0, at)}${blank(out.slice(at, open + 1))}${out.slice(open + 1, close)} ${out.slice(close + 1)}`;
  }
  return out;
}
