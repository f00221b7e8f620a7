// The token cursor under the derivation parser: where it is in the formula, what comes next, and clear errors.
import { LatexError, type Token } from './latexTokens';

export class TokenCursor {
  protected i = 0;
  constructor(protected readonly toks: Token[], protected readonly srcLength: number) {}

  done(): boolean {
    return this.i >= this.toks.length;
  }

  peek(o = 0): Token | undefined {
    return this.toks[this.i + o];
  }

  protected next(): Token {
    const t = this.toks[this.i++];
    if (!t) throw new LatexError('unexpected end of the formula', this.srcLength);
    return t;
  }

  protected expect(t: string, what?: string): Token {
    const tok = this.peek();
    if (!tok || tok.t !== t) {
      throw new LatexError(tok ? `expected '${what ?? t}' but found '${tok.v}'` : `unbalanced: expected '${what ?? t}' before the end`, tok?.at ?? this.srcLength);
    }
    return this.next();
  }

  protected is(t: string, v?: string): boolean {
    const tok = this.peek();
    return !!tok && tok.t === t && (v === undefined || tok.v === v);
  }

  /** Does the \sum or \prod at the cursor bind this index letter? */
  protected bindsSame(index: string): boolean {
    return this.peek(1)?.t === '_' && (this.peek(2)?.v === index || (this.peek(2)?.t === '{' && this.peek(3)?.v === index));
  }

  /** ^{( after a name: a layer, a^{(l)}, not a power. */
  protected isLayerSuperscript(): boolean {
    return this.peek(1)?.t === '{' && this.peek(2)?.t === '(';
  }
}
