// A recursive-descent parser for backprop derivations (Bishop's notation).
// Generic CAS parsers misread this notation (w_{12}^{(3)} as a power, \delta as Kronecker); here a superscript
// in parentheses on a, z, w, \delta is a layer, \delta with two indices and no layer is Kronecker's.

import { applyOperator, derivativeFraction, isOperator } from './latexDerivatives';
import { indicatorOf } from './latexConditions';
import { IndexParser } from './latexIndices';
import { isArgumentList, LatexError, subscriptWord, type Token, tokenize } from './latexTokens';
import { functionLetters, functionOfWeights, functions, greek, layered, mentions, type Node, raw } from './latexAst';

export { LatexError, tokenize } from './latexTokens';
export type { Token } from './latexTokens';
export { mentions, raw } from './latexAst';
export type { Node } from './latexAst';

export class Parser extends IndexParser {
  /** Inside |…|: a | closes it rather than opening another. */
  private absDepth = 0;

  static parse(src: string): Node {
    const p = new Parser(tokenize(src), src.length);
    const n = p.expr();
    if (!p.done()) throw new LatexError(`unexpected '${p.peek()!.v}'`, p.peek()!.at);
    return n;
  }

  expr(): Node {
    let l = this.term();
    for (;;) {
      if (this.is('+') || this.is('-') || this.is('cmd', '\\pm')) {
        const op = this.next().t === '-' ? '-' : '+';
        l = { k: 'bin', op, l, r: this.term(), at: l.at };
      } else if (this.is('|') && this.peek(1)?.t === '_') l = this.evaluationBar(l);
      else return l;
    }
  }

  /** \left. … \right|_{a = a_1^{(4)}}: what stands before the bar, evaluated at that point (\left. is invisible). */
  private evaluationBar(e: Node): Node {
    this.next();
    this.next();
    const braced = this.is('{') && !!this.next();
    const name = braced ? this.expr() : this.group(); // |_x and |_{\mathbf{w}} name no point
    const value = braced && this.is('=') ? (this.next(), this.expr()) : undefined;
    if (braced) this.expect('}');
    return value ? { k: 'at', e, name, value, at: e.at } : { k: 'at', e, at: e.at };
  }

  private startsFactor(): boolean {
    const t = this.peek();
    if (!t) return false;
    if (t.t === 'num' || t.t === 'letter' || t.t === 'name' || t.t === '(' || t.t === '[' || t.t === '{') return true;
    // |x| opens an absolute value; inside one, the next | closes it (and |_{…} is an evaluation bar)
    if (t.t === '|') return this.absDepth === 0 && this.peek(1)?.t !== '_';
    if (t.t === 'cmd') return !['\\cdot', '\\times', '\\odot', '\\star', '\\circledast', '\\ast', '\\le', '\\leq', '\\ge', '\\geq', '\\lt', '\\gt', '\\ne', '\\neq', '\\end', '\\pm'].includes(t.v);
    return false;
  }

  private term(): Node {
    let l = this.unary();
    for (;;) {
      if (this.is('cmd', '\\cdot') || this.is('cmd', '\\times') || this.is('cmd', '\\odot') || this.is('*')) {
        this.next();
        l = { k: 'bin', op: '*', l, r: this.unary(), at: l.at };
      } else if (this.is('cmd', '\\star') || this.is('cmd', '\\circledast') || this.is('cmd', '\\ast')) {
        // between whole arrays: cross-correlation (\star) or convolution (\circledast, \ast), read in conv blocks
        const fn = this.next().v === '\\star' ? 'correlate' : 'convolve';
        l = { k: 'call', fn, primes: 0, args: [l, this.unary()], at: l.at };
      } else if (this.is('/')) {
        this.next();
        const r = this.unary();
        // \partial E / \partial w
        l = l.k === 'partial' && r.k === 'partial' ? { k: 'deriv', num: l.e, den: r.e, lenient: false, at: l.at } : { k: 'bin', op: '/', l, r, at: l.at };
      } else if (this.startsFactor()) {
        // \frac{\partial}{\partial w} applies to the whole product that follows, up to the next + or - (as a reader
        // takes \frac{\partial}{\partial w} w z + …)
        if (isOperator(l)) return applyOperator(l, this.term());
        const r = this.unary();
        l = { k: 'bin', op: '*', l, r, at: l.at };
      } else return l;
    }
  }

  private unary(): Node {
    if (this.is('-')) {
      const at = this.next().at;
      return { k: 'neg', e: this.unary(), at };
    }
    if (this.is('+')) this.next();
    return this.power();
  }

  private power(): Node {
    const base = this.primary();
    if (this.is('^')) {
      this.next();
      const exp = this.group();
      if (base.k === 'sym' && base.name === 'e' && !base.sub.length) return { k: 'call', fn: 'exp', primes: 0, args: [exp], at: base.at };
      return { k: 'bin', op: '^', l: base, r: exp, at: base.at };
    }
    return base;
  }

  /** {…} or a single token (x^2, \frac12). */
  group(): Node {
    if (this.is('{')) {
      this.next();
      const e = this.expr();
      this.expect('}');
      return e;
    }
    const t = this.next();
    if (t.t === 'num') return { k: 'num', v: Number(t.v[0]), at: t.at, ...(t.v.length > 1 ? this.pushBack(t) : {}) };
    if (t.t === 'letter') return this.symbolFrom(t);
    if (t.t === 'cmd' && greek.has(t.v)) return this.symbolFrom(t);
    throw new LatexError(`expected a group {…} but found '${t.v}'`, t.at);
  }

  /** \frac12: the first digit is the numerator, the rest goes back to the stream. */
  private pushBack(t: Token): Record<string, never> {
    this.toks.splice(this.i, 0, { t: 'num', v: t.v.slice(1), at: t.at + 1, end: t.end });
    return {};
  }

  private primary(): Node {
    const t = this.peek();
    if (!t) throw new LatexError('unexpected end of the formula', this.srcLength);
    if (t.t === 'num') {
      this.next();
      if (!/^\d*\.?\d+$/.test(t.v)) throw new LatexError(`malformed number '${t.v}'`, t.at);
      return { k: 'num', v: Number(t.v), at: t.at };
    }
    if (t.t === '|' && this.absDepth === 0) {
      this.next();
      this.absDepth++;
      const e = this.expr();
      this.absDepth--;
      this.expect('|');
      return { k: 'call', fn: 'abs', primes: 0, args: [e], at: t.at };
    }
    if (t.t === '(' || t.t === '[' || t.t === '{') {
      this.next();
      const close = t.t === '(' ? ')' : t.t === '[' ? ']' : '}';
      if (t.v === '\\{') {
        const e = this.expr();
        this.expect(')', '\\}');
        return e;
      }
      const e = this.expr();
      if (t.t === '[' && this.isComparison()) {
        const cond = this.comparison(e); // Iverson's [i = j]
        this.expect(']');
        return indicatorOf(cond, t.at);
      }
      this.expect(close);
      // (X_{in})_k: a parenthesised name with an index
      if (this.is('_') && e.k === 'sym') {
        this.next();
        return { ...e, name: `(${e.name}${e.sub.length ? `_{${e.sub.map(raw).join('')}}` : ''})`, sub: this.indices() };
      }
      return e;
    }
    if (t.t === 'letter' || t.t === 'name') {
      this.next();
      if (t.t === 'name' && functions[t.v]) return this.call(functions[t.v], t.at);
      return this.symbolFrom(t);
    }
    if (t.t === 'cmd') {
      if (t.v === '\\frac' || t.v === '\\dfrac' || t.v === '\\tfrac') return this.frac();
      if (t.v === '\\partial') {
        this.next();
        const order = this.is('^') ? this.order() : undefined; // \partial^2 E
        // a bare \partial, as in \frac{\partial}{\partial w} and \frac{\partial^2}{\partial w^2}
        if (this.is('}')) return order ? { k: 'partial', e: { k: 'num', v: NaN, at: t.at }, order, at: t.at } : { k: 'sym', name: '\\partial', sub: [], primes: 0, at: t.at, end: t.end };
        return { k: 'partial', e: this.power(), order, at: t.at };
      }
      if (t.v === '\\sum' || t.v === '\\prod') return this.big(t.v === '\\sum' ? 'sum' : 'prod');
      if (t.v === '\\boxed') {
        this.next();
        return this.group();
      }
      if (t.v === '\\begin') return this.environment();
      if (t.v === '\\indicator') return this.indicator();
      if (t.v === '\\nabla') return this.gradient();
      if (functions[t.v]) {
        this.next();
        return this.call(functions[t.v], t.at);
      }
      if (greek.has(t.v)) {
        this.next();
        return this.symbolFrom(t);
      }
      throw new LatexError(`unsupported command ${t.v}`, t.at);
    }
    throw new LatexError(`unexpected '${t.v}'`, t.at);
  }

  /** \nabla f(\theta_t + \mu v_t), \nabla_\theta J(\theta): the gradient of the objective at a point. */
  private gradient(): Node {
    const at = this.next().at;
    if (this.is('_')) {
      this.next();
      this.group(); // the variable it is taken in
    }
    const fn = this.next();
    if (fn.t !== 'letter' && fn.t !== 'name' && fn.t !== 'cmd') throw new LatexError('\\nabla needs the function: \\nabla f(\\theta)', fn.at);
    while (this.is('_')) {
      this.next();
      this.group(); // f_t: the objective at a step, the same function
    }
    if (!this.is('(') && !this.is('[')) throw new LatexError(`\\nabla ${fn.v} needs its point: \\nabla ${fn.v}(\\theta_t)`, fn.end);
    const close = this.next().t === '(' ? ')' : ']';
    const arg = this.expr();
    this.expect(close);
    return { k: 'call', fn: 'grad', primes: 0, args: [arg], at };
  }

  /** \sigma(x), \tanh^2(a), \exp x, h'(a): primes, an optional power, then (args) or one factor. */
  private call(fn: string, at: number, primes = 0): Node {
    while (this.is('\'')) { this.next(); primes++; }
    let power: Node | undefined;
    if (this.is('^')) { // \tanh^2(a)
      this.next();
      power = this.group();
    }
    if (fn === 'sqrt' && this.is('{')) return { k: 'call', fn, primes, args: [this.group()], at };
    // \frac{d\sigma}{dx}: the function named alone; the derivative supplies its argument
    if (this.done() || this.is('}')) return { k: 'call', fn, primes, power, args: [], at };
    if (!this.is('(') && !this.is('[')) return { k: 'call', fn, primes, power, args: [this.power()], at };
    const close = this.next().t === '(' ? ')' : ']';
    const args = [this.expr()];
    while (this.is(',')) { this.next(); args.push(this.expr()); }
    this.expect(close);
    return { k: 'call', fn, primes, power, args, at };
  }

  private frac(): Node {
    const at = this.next().at;
    const num = this.group();
    const den = this.group();
    return derivativeFraction(num, den, at) ?? { k: 'bin', op: '/', l: num, r: den, at };
  }

  /** The order of \partial^2: 2 (first and second derivatives are what the checker evaluates). */
  private order(): number {
    const n = (this.next(), this.group());
    if (n.k !== 'num' || n.v !== 2) throw new LatexError('only second derivatives (\\partial^2) are checked', n.at);
    return 2;
  }

  private big(op: 'sum' | 'prod'): Node {
    const at = this.next().at;
    let index = '';
    /** \sum_{i,j}: more letters summed over the same body (each over its inferred range). */
    const more: string[] = [];
    let from: Node | undefined;
    let to: Node | undefined;
    if (this.is('_')) {
      this.next();
      if (this.is('{')) {
        this.next();
        index = this.expect('letter', 'an index letter').v;
        while (this.is(',')) {
          this.next();
          more.push(this.expect('letter', 'an index letter').v);
        }
        if (this.is('=')) {
          this.next();
          from = this.expr();
        }
        this.expect('}');
      } else index = this.expect('letter', 'an index letter').v;
    }
    if (this.is('^')) {
      this.next();
      to = this.group();
    }
    if (!index) throw new LatexError(`\\${op} needs an index: \\${op}_{k=1}^{n} or \\${op}_k`, at);
    // The body runs over the following factors up to the last one that uses the index (so in
    // \prod_l h'(a^{(l)}) \prod_l w^{(l)} x_1 neither the second product nor x_1 is inside the first), and
    // stops at + and -, as conventional. Outside factors multiply the result.
    const factors: Node[] = [this.unary()];
    while (this.startsFactor() || this.is('cmd', '\\cdot') || this.is('cmd', '\\times')) {
      if (this.is('cmd', '\\cdot') || this.is('cmd', '\\times')) this.next();
      if ((this.is('cmd', '\\sum') || this.is('cmd', '\\prod')) && this.bindsSame(index)) break;
      factors.push(this.unary());
    }
    let last = factors.length - 1;
    while (last > 0 && ![index, ...more].some((i) => mentions(factors[last], i))) last--;
    const product = (xs: Node[]) => xs.reduce((l, r) => ({ k: 'bin', op: '*', l, r, at: l.at }) as Node);
    const body = more.reduceRight<Node>((inner, i) => ({ k: 'big', op, index: i, body: inner, at }), product(factors.slice(0, last + 1)));
    const node: Node = { k: 'big', op, index, from, to, body, at };
    return last + 1 < factors.length ? product([node, ...factors.slice(last + 1)]) : node;
  }

  protected symbolFrom(t: Token, bare = false): Node {
    const node: Extract<Node, { k: 'sym' }> = { k: 'sym', name: t.v, sub: [], primes: 0, at: t.at, end: t.end };
    if (bare) return node;
    for (;;) {
      const word = this.is('_') ? subscriptWord(this.toks, this.i + 1) : undefined;
      if (word) {
        // x_{in}, s_{out}, z_{max}: a multi-letter name, not the indices i and n
        this.i += word.length + 3;
        node.name = `${node.name}_{${word}}`;
      } else if (this.is('_')) {
        this.next();
        node.sub = this.indices();
      } else if (this.is('^') && layered.has(node.name) && this.isLayerSuperscript()) {
        this.next();
        this.expect('{');
        this.expect('(');
        node.layer = this.indexExpr();
        this.expect(')');
        this.expect('}');
      } else if (this.is('\'')) {
        this.next();
        node.primes++;
      } else break;
    }
    node.end = this.toks[this.i - 1]?.end ?? node.end;
    if (node.name === 'h' || functionLetters.has(node.name)) {
      if (this.is('(') || node.primes) return this.call(node.name, node.at, node.primes);
    }
    if (functionOfWeights.has(node.name) && this.is('(') && isArgumentList(this.toks, this.i)) {
      // E_n(w), y(x, w): the quantity itself
      while (!this.is(')')) this.next();
      this.next();
    }
    return node;
  }
}
