// Multi-row aligned / align / eqnarray math: each row that starts with its own left-hand side is its own chain
// (\delta_1 &= A = B \\ \delta_2 &= C = D is two claims), a row starting with &= continues the one above, and each
// chain reports at its own line. Two claims joined by \Rightarrow (or \implies) are two chains too.

const alignment = /\\begin\{(aligned|align\*?|eqnarray\*?|split|gathered|alignat\*?)\}/;

export interface Chain {
  text: string;
  /** Offset of the chain in the formula. */
  offset: number;
}

/** What joins two claims in one formula: \Rightarrow, or words — ", \quad \text{where} …", "\text{and}". */
const joiner = /^(,\s*)?((\\q?quad|\\[,;])\s*)*(\\(Rightarrow|implies|Longrightarrow)(?![a-zA-Z])|\\(text|mbox)\s*\{\s*,?\s*(where|with|and|since|so|then|hence|thus|i\.e\.)\s*,?\s*\})/;

/** The claims of one formula: its rows' chains, each split where \Rightarrow (or where, and) joins two claims. */
export function formulaChains(latex: string): Chain[] {
  return rowChains(latex).flatMap((c) => {
    const parts: Chain[] = [];
    let start = 0;
    let depth = 0;
    for (let i = 0; i < c.text.length; i++) {
      const ch = c.text[i];
      if (ch === '{') depth++;
      else if (ch === '}') depth--;
      const arrow = depth === 0 && joiner.exec(c.text.slice(i));
      if (arrow) {
        parts.push({ text: c.text.slice(start, i), offset: c.offset + start });
        start = i + arrow[0].length;
      }
    }
    parts.push({ text: c.text.slice(start), offset: c.offset + start });
    return parts.length > 1 ? parts.filter((p) => p.text.trim()) : [c];
  });
}

/** The chains of one formula: itself, unless its rows hold separate left-hand sides. */
export function rowChains(latex: string): Chain[] {
  const begin = alignment.exec(latex);
  if (!begin) return [{ text: latex, offset: 0 }];
  const rows: Chain[] = [];
  let start = begin.index + begin[0].length;
  let depth = 0;
  let envDepth = 0;
  for (let i = start; i < latex.length; i++) {
    if (latex.startsWith('\\begin', i)) envDepth++;
    else if (latex.startsWith('\\end', i)) {
      if (envDepth === 0) { // the alignment's own \end: the last row ends here
        rows.push({ text: latex.slice(start, i), offset: start });
        start = -1;
        break;
      }
      envDepth--;
    } else if (latex[i] === '\\' && (latex[i + 1] === '{' || latex[i + 1] === '}')) i++;
    else if (latex[i] === '{') depth++;
    else if (latex[i] === '}') depth--;
    else if (latex.startsWith('\\\\', i) && depth === 0 && envDepth === 0) {
      rows.push({ text: latex.slice(start, i), offset: start });
      start = i + 2;
      i++;
    }
  }
  if (start >= 0) rows.push({ text: latex.slice(start), offset: start });
  const chains: Chain[] = [];
  for (const row of rows.filter((r) => r.text.trim())) {
    const lhs = row.text.split(/&|=/)[0].trim();
    const last = chains.at(-1);
    if (!lhs && last) last.text = latex.slice(last.offset, row.offset + row.text.length); // "&= …" continues the chain
    else chains.push({ ...row });
  }
  return chains.length > 1 ? chains : [{ text: latex, offset: 0 }];
}
