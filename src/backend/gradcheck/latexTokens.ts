// The LaTeX tokenizer of the derivation checker: numbers, letters, commands and punctuation, with offsets;
// spacing commands are dropped and \left / \right leave only their delimiter. Also two look-aheads of the parser.
import { greek } from './latexAst';

export class LatexError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

export interface Token {
  t: string; // 'num' | 'letter' | 'cmd' | punctuation itself
  v: string;
  at: number;
  end: number;
}

const ignoredCommands = new Set(['\\,', '\\;', '\\:', '\\!', '\\quad', '\\qquad', '\\ ', '\\displaystyle', '\\big', '\\Big', '\\bigg', '\\Bigg', '\\nonumber', '\\notag']);

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    const start = i;
    if (/[0-9.]/.test(c)) {
      while (i < src.length && /[0-9.]/.test(src[i])) i++;
      out.push({ t: 'num', v: src.slice(start, i), at: start, end: i });
      continue;
    }
    if (c === '\\') {
      if (src[i + 1] === '\\') { out.push({ t: '\\\\', v: '\\\\', at: i, end: i + 2 }); i += 2; continue; }
      if (/[a-zA-Z]/.test(src[i + 1] ?? '')) {
        i++;
        while (i < src.length && /[a-zA-Z]/.test(src[i])) i++;
      } else i += 2;
      const v = src.slice(start, i);
      if (ignoredCommands.has(v)) continue;
      if (v === '\\left' || v === '\\right' || v === '\\bigl' || v === '\\bigr' || v === '\\Bigl' || v === '\\Bigr') {
        if (src[i] === '.') i++; // \left. and \right. are invisible delimiters
        continue; // the delimiter follows
      }
      if (v === '\\tag') {
        // an equation number, \tag{3}: not math
        const close = src.indexOf('}', i);
        if (src[i] === '{' && close > 0) i = close + 1;
        continue;
      }
      const alias = /^\s*(\{\s*([a-zA-Z])\s*\}|([a-zA-Z]))/.exec(src.slice(i));
      const letter = alias?.[2] ?? alias?.[3];
      if (alias && ((v === '\\hat' && letter === 'y') || (v === '\\mathcal' && 'LEJ'.includes(letter!)))) {
        // \hat{y}, the prediction, is the output y; \mathcal{L} (or \mathcal{E}, \mathcal{J}), the loss, is E
        out.push({ t: 'letter', v: v === '\\hat' ? 'y' : 'E', at: start, end: i + alias[0].length });
        i += alias[0].length;
        continue;
      }
      if (alias && (v === '\\hat' || v === '\\tilde' || v === '\\bar')) {
        // \hat{m}_t, \tilde{\theta}: a name of its own (bias-corrected moments, look-ahead points)
        out.push({ t: 'letter', v: `${v}{${letter}}`, at: start, end: i + alias[0].length });
        i += alias[0].length;
        continue;
      }
      if (v === '\\lvert' || v === '\\rvert' || v === '\\vert' || v === '\\mid') { out.push({ t: '|', v: '|', at: start, end: i }); continue; }
      if (v === '\\{' || v === '\\}') { out.push({ t: v === '\\{' ? '(' : ')', v, at: start, end: i }); continue; }
      const indicator = /^\s*\{\s*(1|I)\s*\}/.exec(src.slice(i));
      if (indicator && (v === '\\mathbb' || v === '\\mathds' || ((v === '\\mathbf' || v === '\\boldsymbol') && indicator[1] === '1'))) {
        // \mathbb{1}[i = j], \mathbb{I}_{a > 0}, \mathbf{1}\{k = y\}: an indicator, 1 where its condition holds
        out.push({ t: 'cmd', v: '\\indicator', at: start, end: i + indicator[0].length });
        i += indicator[0].length;
        continue;
      }
      if (v === '\\text' || v === '\\mathrm' || v === '\\operatorname' || v === '\\mathbf' || v === '\\boldsymbol' || v === '\\mathit') {
        // \text{otherwise}, \operatorname{ReLU}: one name token
        const open = src.indexOf('{', i);
        const close = src.indexOf('}', open);
        if (open < 0 || close < 0 || src.slice(i, open).trim()) throw new LatexError(`${v} needs {…}`, start);
        out.push({ t: v === '\\mathbf' || v === '\\boldsymbol' ? 'letter' : 'name', v: src.slice(open + 1, close).trim(), at: start, end: close + 1 });
        i = close + 1;
        continue;
      }
      out.push({ t: 'cmd', v, at: start, end: i });
      continue;
    }
    if (/[a-zA-Z]/.test(c)) { out.push({ t: 'letter', v: c, at: i, end: i + 1 }); i++; continue; }
    if (c === '%') { while (i < src.length && src[i] !== '\n') i++; continue; }
    if ('+-*/^_()[]{}=,\'&<>|!:;'.includes(c)) { out.push({ t: c, v: c, at: i, end: i + 1 }); i++; continue; }
    if (c === '≤' || c === '≥') { out.push({ t: 'cmd', v: c === '≤' ? '\\le' : '\\ge', at: i, end: i + 1 }); i++; continue; }
    throw new LatexError(`unexpected character '${c}'`, i);
  }
  return out;
}

/** Two-letter subscripts that are words, not two indices. */
const subscriptWords = new Set(['in', 'out', 'max', 'min', 'avg', 'tot', 'old', 'new', 'hid', 'pre', 'obs', 'ref', 'true', 'pred']);

/** The word of a subscript {…} starting at toks[i]: a known word, or 3+ letters not all index letters (w_{ijk} stays indices). */
export function subscriptWord(toks: Token[], i: number): string | undefined {
  if (toks[i]?.t !== '{') return undefined;
  let word = '';
  for (let n = i + 1; toks[n]?.t !== '}'; n++) {
    if (toks[n]?.t !== 'letter' || toks[n].v.length !== 1) return undefined;
    word += toks[n].v;
  }
  return subscriptWords.has(word) || (word.length >= 3 && /[^i-n]/.test(word)) ? word : undefined;
}

/** After E or y at toks[i]: an argument list (E_n(w), E_n(\mathbf{w}), y(\mathbf{x}_n, \mathbf{w}), E(\theta)) to read past. */
export function isArgumentList(toks: Token[], i: number): boolean {
  if (toks[i]?.t !== '(') return false;
  for (let n = i + 1; ; n++) {
    const t = toks[n];
    if (!t) return false;
    if (t.t === ')') return n > i + 1;
    if (!['letter', ',', 'name', '_', '{', '}', 'num'].includes(t.t) && !(t.t === 'cmd' && (t.v === '\\mathbf' || greek.has(t.v)))) return false;
  }
}
