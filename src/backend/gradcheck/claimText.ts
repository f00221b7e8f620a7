// What in a claim's text is not math, blanked with spaces so columns stay true: an equation number set off by
// spacing ("\quad (3)"), a trailing remark ("\quad \text{(sigmoid)}", ", \text{for all } j"), and the \boxed{…}
// a final answer is framed in.

/** A trailing equation number set off by spacing, "… \\quad (3)": not a factor of the last side. */
const equationNumber = /(\\q?quad|\\hfill|\\;|~)\s*\(\s*\d+(\.\d+)*[a-z]?\s*\)\s*$/;
/** A trailing remark in text after spacing or a comma; a \text{…} inside the math (z_{\text{out}}) stays. */
const remark = /(\\q?quad|\\hfill|\\;|\\,|~|,)\s*\\(text|mbox|textrm)\s*\{[^{}]*\}[^{}=]*$/;

const blank = (m: string) => ' '.repeat(m.length);

export function mathOf(latex: string): string {
  return unbox(latex.replace(equationNumber, blank).replace(remark, blank));
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
