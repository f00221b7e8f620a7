// Conditions in derivations: the cases environment (\neq, \leq, \text{otherwise}, \text{if } i = j) and indicators
// (\mathbb{1}[i = j], \mathbb{1}_{a > 0}, \mathbf{1}\{…\}, Iverson's [i = j]) read as cases with 1 and 0.
import type { Node } from './latexAst';
import { LatexError } from './latexTokens';
import { TokenCursor } from './latexCursor';

export const comparisons: Record<string, '<' | '>' | '<=' | '>=' | '=' | '!='> = { '<': '<', '>': '>', '=': '=', '\\le': '<=', '\\leq': '<=', '\\ge': '>=', '\\geq': '>=', '\\lt': '<', '\\gt': '>', '\\ne': '!=', '\\neq': '!=' };

/** 1 where the condition holds, else 0: an indicator read as cases. */
export const indicatorOf = (cond: Node, at: number): Node =>
  ({ k: 'cases', branches: [{ value: { k: 'num', v: 1, at }, cond }, { value: { k: 'num', v: 0, at }, cond: { k: 'otherwise', at } }], at });

export abstract class ConditionParser extends TokenCursor {
  abstract expr(): Node;

  protected environment(): Node {
    const at = this.next().at;
    this.expect('{');
    const name = this.expect('letter').v + this.lettersUntil('}');
    this.expect('}');
    if (name !== 'cases') throw new LatexError(`unsupported environment ${name}`, at);
    const branches: { value: Node; cond?: Node }[] = [];
    for (;;) {
      const value = this.expr();
      let cond: Node | undefined;
      if (this.is('&')) {
        this.next();
        cond = this.condition();
      }
      branches.push({ value, cond });
      if (this.is('\\\\')) { this.next(); continue; }
      break;
    }
    this.expect('cmd', '\\end');
    this.expect('{');
    this.lettersUntil('}');
    this.expect('}');
    return { k: 'cases', branches, at };
  }

  /** \mathbb{1}[i = j], \mathbb{1}_{a > 0}, \mathbf{1}\{…\}: 1 where the condition holds, else 0 (as cases). */
  protected indicator(): Node {
    const at = this.next().at;
    const open = this.peek();
    const close = open?.t === '_' ? undefined : open?.t === '[' ? ']' : open?.t === '(' ? ')' : undefined;
    if (open?.t !== '_' && !close) throw new LatexError('an indicator needs its condition: \\mathbb{1}[i = j] or \\mathbb{1}_{i = j}', at);
    this.next();
    const braced = open!.t === '_' && this.is('{') && !!this.next();
    const cond = this.condition();
    if (close) this.expect(close);
    else if (braced) this.expect('}');
    return indicatorOf(cond, at);
  }

  protected isComparison(): boolean {
    const t = this.peek();
    return !!t && comparisons[t.v] !== undefined;
  }

  private lettersUntil(close: string): string {
    let s = '';
    while (this.peek() && this.peek()!.t !== close) s += this.next().v;
    return s;
  }

  protected condition(): Node {
    const t = this.peek();
    if (t && t.t === 'name' && /otherwise|else/.test(t.v)) { this.next(); return { k: 'otherwise', at: t.at }; }
    if (t && t.t === 'name' && /^if$/.test(t.v)) this.next();
    return this.comparison(this.expr());
  }

  /** The rest of a comparison whose left side is read: l = r, l \neq r, l \leq r … */
  protected comparison(l: Node): Node {
    const op = this.next();
    const o = comparisons[op.v];
    if (!o) throw new LatexError(`expected a comparison in the condition, found '${op.v}'`, op.at);
    return { k: 'cmp', op: o, l, r: this.expr(), at: l.at };
  }
}
