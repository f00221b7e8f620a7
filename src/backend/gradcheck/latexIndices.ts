// Subscripts in derivations: indices side by side (w_{jk}, w_{12}), separated (w_{j,k}), or one expression with
// offsets, strides and shifts (x_{2i+1-b}, a_{j+1}, y_{i-s/2}) — read apart from the rest of the formula.
import { greek, type Node } from './latexAst';
import { ConditionParser } from './latexConditions';
import { LatexError, type Token } from './latexTokens';

export abstract class IndexParser extends ConditionParser {
  /** The subscript being read is one expression (x_{2i+1-b}), not indices side by side (w_{1k}). */
  private products = false;

  protected abstract symbolFrom(t: Token, bare?: boolean): Node;

  /** Subscript contents: w_{jk} → j, k; w_{12} → 1, 2; w_{j,k}; a_{j+1}; a single token. */
  protected indices(): Node[] {
    if (!this.is('{')) {
      const t = this.next();
      return [t.t === 'num' ? { k: 'num', v: Number(t.v), at: t.at } : this.symbolFrom(t, true)];
    }
    this.next();
    const out: Node[] = [];
    // with + or − and no comma, the subscript is one expression, where 2i is a product (x_{2i+1-b}); else
    // letters and digits side by side are indices of their own (w_{1k}, w_{jk})
    const close = this.toks.findIndex((x, n) => n >= this.i && x.t === '}');
    const inside = this.toks.slice(this.i, close < 0 ? undefined : close);
    this.products = inside.some((x) => x.t === '+' || x.t === '-') && !inside.some((x) => x.t === ',');
    while (!this.is('}')) {
      if (this.is(',')) { this.next(); continue; }
      const t = this.peek()!;
      if (t.t === 'num' && !this.is(',', undefined) && t.v.length > 1 && !this.toks.slice(this.i).some((x, n) => n > 0 && n < 3 && x.t === ',')) {
        // digits without commas: one index per digit (w_{12})
        this.next();
        for (const [n, d] of [...t.v].entries()) out.push({ k: 'num', v: Number(d), at: t.at + n });
        continue;
      }
      out.push(this.indexExpr());
    }
    this.expect('}');
    return out;
  }

  protected indexExpr(): Node {
    let l: Node = this.indexProduct();
    while (this.is('+') || this.is('-')) {
      const op = this.next().t as '+' | '-';
      l = { k: 'bin', op, l, r: this.indexProduct(), at: l.at };
    }
    return l;
  }

  /** 2i, 2(i-1), s \cdot i: strides in a convolution's subscripts. */
  private indexProduct(): Node {
    let l: Node = this.indexAtom();
    // in one-expression subscripts, a number before a letter or a bracket multiplies (2i, 2(i-1))
    while ((this.products && l.k === 'num' && (this.is('(') || this.is('letter'))) || this.is('cmd', '\\cdot') || this.is('/')) {
      // s/2: a shift in units of a stride (x_{i-s/2}); checked to be a whole number where it is used
      const op = this.is('/') ? '/' : '*';
      if (this.is('cmd', '\\cdot') || this.is('/')) this.next();
      l = { k: 'bin', op, l, r: this.indexAtom(), at: l.at };
    }
    return l;
  }

  private indexAtom(): Node {
    const t = this.next();
    if (t.t === 'num') return { k: 'num', v: Number(t.v), at: t.at };
    if (t.t === 'letter' || (t.t === 'cmd' && greek.has(t.v))) return { k: 'sym', name: t.v, sub: [], primes: 0, at: t.at, end: t.end };
    if (t.t === 'name') return { k: 'sym', name: t.v, sub: [], primes: 0, at: t.at, end: t.end };
    // x_{i - \frac{s}{2}}: as s/2
    if (t.t === 'cmd' && (t.v === '\\frac' || t.v === '\\tfrac')) return { k: 'bin', op: '/', l: this.indexGroup(), r: this.indexGroup(), at: t.at };
    if (t.t === '(') {
      const e = this.indexExpr();
      this.expect(')');
      return e;
    }
    throw new LatexError(`unexpected '${t.v}' in a subscript`, t.at);
  }

  private indexGroup(): Node {
    this.expect('{');
    const e = this.indexExpr();
    this.expect('}');
    return e;
  }
}
