// Where the math is in a Markdown file, found with VS Code preview's own rules (markdown-it +
// @vscode/markdown-it-katex), with source positions: gradcheck blocks and formulas, in document order.
import MarkdownIt from 'markdown-it';
import katexPlugin from '@vscode/markdown-it-katex';

export interface Span {
  /** 0-based line and column of the first character of the math (inside the $ delimiters). */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export type Item =
  | ({ kind: 'block'; content: string; contentLine: number } & Span)
  | ({ kind: 'math'; latex: string; display: boolean } & Span);

const md = MarkdownIt({ html: true }).use((katexPlugin as unknown as { default?: MarkdownIt.PluginSimple }).default ?? (katexPlugin as unknown as MarkdownIt.PluginSimple));

export function scanMarkdown(text: string): Item[] {
  // a byte-order mark hides a first-line fence; spaces after a closing $$ turn display math into text. Neither
  // changes a line number or the column of anything before it.
  text = text.replace(/^\uFEFF/, '').replace(/[ \t]+$/gm, '');
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const position = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, column: offset - lineStarts[lo] };
  };
  const span = (from: number, length: number): Span => {
    const a = position(from);
    const b = position(from + length);
    return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  };
  const items: Item[] = [];
  for (const token of md.parse(text, {})) {
    if (token.type === 'fence' && /^gradcheck\b/.test(token.info.trim()) && token.map) {
      const [start, end] = token.map;
      items.push({ kind: 'block', content: token.content, contentLine: start + 1, line: start, column: 0, endLine: end - 1, endColumn: 0 });
    } else if (token.type === 'math_block' && token.map) {
      const from = text.indexOf(token.content.trim().slice(0, 40), lineStarts[token.map[0]]);
      items.push({ kind: 'math', latex: token.content.trim(), display: true, ...span(Math.max(0, from), token.content.trim().length) });
    } else if (token.type === 'inline' && token.map && token.children) {
      let cursor = lineStarts[token.map[0]];
      for (const child of token.children) {
        if (child.type !== 'math_inline' && child.type !== 'math_block') continue;
        const from = text.indexOf(child.content, cursor);
        if (from < 0) continue;
        cursor = from + child.content.length;
        items.push({ kind: 'math', latex: child.content.trim(), display: child.type === 'math_block', ...span(from, child.content.length) });
      }
    }
  }
  return items;
}
