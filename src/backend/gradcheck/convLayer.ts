// One convolution layer drawn at random, in float64: input x (C channels), kernels w (K of them, each over every
// channel), output y (K maps) = x ⋆ w (cross-correlation, as deep-learning libraries compute it) or x * w (each
// kernel flipped: convolution as signal processing defines it), with stride and zero padding; a loss
// L = Σ c·y + ½ Σ d·y² downstream, so ∂L/∂y is known exactly; and ∂L/∂w, ∂L/∂x by exact backprop (each output's
// contributions accumulated) — the ground truth claims are compared with.
import type { ConvSpec } from './blockSpec';

export type Grid = number[][];
/** A 1-D layer is a 2-D one of height 1. */
const two = (d: number[]) => (d.length === 1 ? [1, d[0]] : d);
const grid = ([h, w]: number[], f: () => number): Grid => Array.from({ length: h }, () => Array.from({ length: w }, f));

export class ConvDraw {
  /** x[c], w[k][c], y[k] and their gradients. */
  readonly xs: Grid[];
  readonly ws: Grid[][];
  readonly ys: Grid[];
  readonly dys: Grid[];
  readonly dws: Grid[][];
  readonly dxs: Grid[];
  readonly L: number;
  /** L = Σ c·y + ½ Σ d·y². */
  private readonly c: Grid[];
  private readonly d: Grid[];

  constructor(readonly spec: ConvSpec, random: () => number) {
    const u = () => 2 * random() - 1;
    const [C, K] = [spec.channels, spec.kernels];
    const out = this.outputShape();
    this.xs = Array.from({ length: C }, () => grid(two(spec.input), u));
    this.ws = Array.from({ length: K }, () => Array.from({ length: C }, () => grid(two(spec.kernel), u)));
    this.c = Array.from({ length: K }, () => grid(out, u));
    this.d = Array.from({ length: K }, () => grid(out, () => 0.5 + random()));
    this.ys = this.forward(this.xs, this.ws);
    this.L = this.loss(this.ys);
    this.dys = this.ys.map((y, k) => y.map((row, i) => row.map((v, j) => this.c[k][i][j] + this.d[k][i][j] * v)));
    this.dws = this.ws.map((wk) => wk.map(() => grid(two(spec.kernel), () => 0)));
    this.dxs = this.xs.map(() => grid(two(spec.input), () => 0));
    // exact backprop: each output's contribution to the kernels' and the input's gradients
    this.visit((k, c, i, j, a, b, r, q) => {
      const [ka, kb] = this.kernelEntry(a, b);
      this.dws[k][c][ka][kb] += this.dys[k][i][j] * (this.xs[c][r]?.[q] ?? 0);
      if (this.xs[c][r]?.[q] !== undefined) this.dxs[c][r][q] += this.dys[k][i][j] * this.ws[k][c][ka][kb];
    });
  }

  /** One channel, one kernel: the arrays themselves (whole-array claims). */
  get x(): Grid { return this.xs[0]; }
  get w(): Grid { return this.ws[0][0]; }
  get y(): Grid { return this.ys[0]; }
  get dx(): Grid { return this.dxs[0]; }
  get dw(): Grid { return this.dws[0][0]; }
  get dy(): Grid { return this.dys[0]; }

  /** y for any input and kernels, as the layer computes it; `outside` is what the padding holds (0, or unknown). */
  forward(xs: Grid[], ws: Grid[][], outside = 0): Grid[] {
    const ys = ws.map(() => grid(this.outputShape(), () => 0));
    this.visit((k, c, i, j, a, b, r, q) => {
      const [ka, kb] = this.kernelEntry(a, b);
      ys[k][i][j] += ws[k][c][ka][kb] * (xs[c][r]?.[q] ?? outside);
    });
    return ys;
  }

  /** The loss downstream of the layer. */
  loss(ys: Grid[]): number {
    return ys.reduce((t, y, k) => t + y.reduce((s, row, i) => s + row.reduce((r, v, j) => r + this.c[k][i][j] * v + 0.5 * this.d[k][i][j] * v * v, 0), 0), 0);
  }

  outputShape(): number[] {
    const [ih, iw] = two(this.spec.input);
    const [kh, kw] = two(this.spec.kernel);
    const [ph, pw] = this.padding();
    return [Math.floor((ih + 2 * ph - kh) / this.spec.stride) + 1, Math.floor((iw + 2 * pw - kw) / this.spec.stride) + 1];
  }

  padding(): number[] {
    return this.spec.input.length === 1 ? [0, this.spec.padding] : [this.spec.padding, this.spec.padding];
  }

  /** The kernel entry that meets position (a, b) of the window: flipped for a convolution. */
  kernelEntry(a: number, b: number): [number, number] {
    const [kh, kw] = two(this.spec.kernel);
    return this.spec.operation === 'convolution' ? [kh - 1 - a, kw - 1 - b] : [a, b];
  }

  /** Every (kernel k, channel c; output i, j; window a, b; input row r, column q — possibly in the zero padding). */
  private visit(f: (k: number, c: number, i: number, j: number, a: number, b: number, r: number, q: number) => void): void {
    const [oh, ow] = this.outputShape();
    const [kh, kw] = two(this.spec.kernel);
    const [ph, pw] = this.padding();
    const s = this.spec.stride;
    for (let k = 0; k < this.spec.kernels; k++) for (let c = 0; c < this.spec.channels; c++) {
      for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) f(k, c, i, j, a, b, i * s + a - ph, j * s + b - pw);
    }
  }

  /** The entry of a 2-D array at 0-based indices (1-D: one index); outside it, 0 (zero padding). */
  static at(array: Grid, index: number[]): number {
    const [r, q] = index.length === 1 ? [0, index[0]] : index;
    return array[r]?.[q] ?? 0;
  }
}
