// One convolution layer drawn at random, in float64: input x, kernel w, output y = x ⋆ w (cross-correlation, as deep
// learning libraries compute it) or x * w (the kernel flipped: convolution as signal processing defines it), with
// stride and zero padding; a loss L = Σ c·y + ½ Σ d·y² downstream, so ∂L/∂y is known exactly; and ∂L/∂w, ∂L/∂x by
// exact backprop (each output's contributions accumulated), the ground truth the claims are compared with.
import type { ConvSpec } from './blockSpec';

/** A 1-D layer is a 2-D one of height 1. */
const two = (d: number[]) => (d.length === 1 ? [1, d[0]] : d);

export class ConvDraw {
  readonly x: number[][];
  readonly w: number[][];
  readonly y: number[][];
  readonly dy: number[][];
  readonly dw: number[][];
  readonly dx: number[][];
  readonly L: number;
  /** L = Σ c·y + ½ Σ d·y². */
  private readonly c: number[][];
  private readonly d: number[][];

  constructor(readonly spec: ConvSpec, random: () => number) {
    const u = () => 2 * random() - 1;
    const [ih, iw] = two(spec.input);
    const [kh, kw] = two(spec.kernel);
    const out = this.outputShape();
    this.x = grid([ih, iw], u);
    this.w = grid([kh, kw], u);
    this.c = grid(out, u);
    this.d = grid(out, () => 0.5 + random());
    this.y = this.forward(this.x, this.w);
    this.L = this.loss(this.y);
    this.dy = this.y.map((row, i) => row.map((v, j) => this.c[i][j] + this.d[i][j] * v));
    this.dw = grid([kh, kw], () => 0);
    this.dx = grid([ih, iw], () => 0);
    // exact backprop: each output's contribution to the kernel's and the input's gradients
    this.visit((i, j, a, b, r, q) => {
      const [ka, kb] = this.kernelEntry(a, b);
      this.dw[ka][kb] += this.dy[i][j] * (this.x[r]?.[q] ?? 0);
      if (r >= 0 && r < ih && q >= 0 && q < iw) this.dx[r][q] += this.dy[i][j] * this.w[ka][kb];
    });
  }

  /** y for any input and kernel (the drawn ones by default), as the layer computes it. */
  forward(x: number[][], w: number[][]): number[][] {
    const y = grid(this.outputShape(), () => 0);
    this.visit((i, j, a, b, r, q) => {
      const [ka, kb] = this.kernelEntry(a, b);
      y[i][j] += w[ka][kb] * (x[r]?.[q] ?? 0);
    });
    return y;
  }

  /** The loss downstream of the layer, L = Σ c·y + ½ Σ d·y². */
  loss(y: number[][]): number {
    return y.reduce((t, row, i) => t + row.reduce((r, v, j) => r + this.c[i][j] * v + 0.5 * this.d[i][j] * v * v, 0), 0);
  }

  private outputShape(): number[] {
    const [ih, iw] = two(this.spec.input);
    const [kh, kw] = two(this.spec.kernel);
    const [ph, pw] = this.padding();
    return [Math.floor((ih + 2 * ph - kh) / this.spec.stride) + 1, Math.floor((iw + 2 * pw - kw) / this.spec.stride) + 1];
  }

  private padding(): number[] {
    return this.spec.input.length === 1 ? [0, this.spec.padding] : [this.spec.padding, this.spec.padding];
  }

  /** The kernel entry that meets position (a, b) of the window: flipped for a convolution. */
  private kernelEntry(a: number, b: number): [number, number] {
    const [kh, kw] = two(this.spec.kernel);
    return this.spec.operation === 'convolution' ? [kh - 1 - a, kw - 1 - b] : [a, b];
  }

  /** Every (output i, j; window a, b; input row r, column q — possibly in the zero padding). */
  private visit(f: (i: number, j: number, a: number, b: number, r: number, q: number) => void): void {
    const [oh, ow] = this.outputShape();
    const [kh, kw] = two(this.spec.kernel);
    const [ph, pw] = this.padding();
    const s = this.spec.stride;
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) f(i, j, a, b, i * s + a - ph, j * s + b - pw);
  }

  /** The entry of an array at the claim's indices (base subtracted); outside it, 0 (zero padding). */
  static at(array: number[][], index: number[], base: number): number {
    const [r, q] = index.length === 1 ? [0, index[0] - base] : [index[0] - base, index[1] - base];
    return array[r]?.[q] ?? 0;
  }
}

const grid = ([h, w]: number[], f: () => number) => Array.from({ length: h }, () => Array.from({ length: w }, f));
