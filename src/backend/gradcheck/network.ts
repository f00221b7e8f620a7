// The declared network in float64: random draws, the forward pass, exact backprop, and forward-mode tangents
// with respect to any one quantity. Layer 1 holds the inputs x_i = z_i^{(1)}; w_{jk}^{(l)} joins unit k of
// layer l to unit j of layer l+1; the bias b_j^{(l)} (= w_{j0}^{(l)} with z_0^{(l)} = 1) sits beside those weights
// and also feeds a_j^{(l+1)}; δ_j^{(l)} = ∂E_n/∂a_j^{(l)}.

export type Activation = 'logistic' | 'tanh' | 'relu' | 'softplus' | 'identity' | 'softmax';

export const activations: Record<Exclude<Activation, 'softmax'>, { f: (x: number) => number; d: (x: number) => number; dd: (x: number) => number }> = {
  logistic: { f: (x) => 1 / (1 + Math.exp(-x)), d: (x) => { const s = 1 / (1 + Math.exp(-x)); return s * (1 - s); }, dd: (x) => { const s = 1 / (1 + Math.exp(-x)); return s * (1 - s) * (1 - 2 * s); } },
  tanh: { f: Math.tanh, d: (x) => 1 - Math.tanh(x) ** 2, dd: (x) => -2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2) },
  relu: { f: (x) => Math.max(0, x), d: (x) => (x > 0 ? 1 : 0), dd: () => 0 },
  softplus: { f: (x) => (x > 30 ? x : Math.log1p(Math.exp(x))), d: (x) => 1 / (1 + Math.exp(-x)), dd: (x) => { const s = 1 / (1 + Math.exp(-x)); return s * (1 - s); } },
  identity: { f: (x) => x, d: () => 1, dd: () => 0 },
};

export interface NetworkSpec {
  units: number[]; // units[0] = layer 1 (inputs)
  hidden: Exclude<Activation, 'softmax'>;
  output: Activation;
  loss: 'squared' | 'cross-entropy';
  weights: [number, number];
  /** 'yes': b_j^{(l)} written apart from the sums; 'absorbed': Bishop's w_{j0}^{(l)} inside Σ_{k=0}. */
  bias?: 'yes' | 'absorbed';
  inputs: [number, number];
  draws: number;
  tolerance: number;
}

/** One random network with its forward and backward passes. Arrays are indexed by layer number (1-based). */
export class Draw {
  readonly W: number[][][] = []; // W[l][j][k], l = 1..L-1
  readonly B: number[][] = []; // B[l][j] feeds a[l+1][j]; all 0 without biases
  readonly a: number[][] = []; // a[l][j], l = 2..L
  readonly z: number[][] = []; // z[l][j], l = 1..L
  readonly t: number[];
  readonly delta: number[][] = []; // δ[l][j], l = 2..L
  readonly dz: number[][] = []; // ∂E/∂z[l][j]
  readonly dW: number[][][] = []; // ∂E/∂W[l][j][k]
  readonly dB: number[][] = []; // ∂E/∂B[l][j]
  E = 0;

  /** `alive`: every hidden ReLU unit made active by flipping the sign of its incoming weights where it is not. */
  constructor(readonly net: NetworkSpec, random: () => number, alive = false) {
    const L = net.units.length;
    const u = (r: [number, number]) => r[0] + (r[1] - r[0]) * random();
    this.z[1] = Array.from({ length: net.units[0] }, () => u(net.inputs));
    for (let l = 1; l < L; l++) this.W[l] = Array.from({ length: net.units[l] }, () => Array.from({ length: net.units[l - 1] }, () => u(net.weights)));
    // drawn after the weights, so a block without biases keeps the draws it always had
    for (let l = 1; l < L; l++) this.B[l] = Array.from({ length: net.units[l] }, () => (net.bias ? u(net.weights) : 0));
    const outputs = net.units[L - 1];
    this.t = net.loss === 'cross-entropy' ? oneHot(Math.floor(random() * outputs), outputs) : Array.from({ length: outputs }, () => u(net.inputs));
    if (alive && net.hidden === 'relu' && net.weights[0] === -net.weights[1]) this.wakeDeadUnits();
    this.recompute();
  }

  /** Redo both passes after a weight or input was changed (finite-difference comparisons in tests). */
  recompute(): void {
    this.forward();
    this.backward();
  }

  /** A row of weights from a symmetric range, its sign flipped, is as likely a draw as before. */
  private wakeDeadUnits(): void {
    for (let l = 2; l < this.L; l++) {
      this.forward();
      this.a[l].forEach((a, j) => {
        if (a >= 0) return;
        this.W[l - 1][j] = this.W[l - 1][j].map((w) => -w);
        this.B[l - 1][j] = -this.B[l - 1][j];
      });
    }
  }

  get L(): number {
    return this.net.units.length;
  }

  actOf(l: number): Activation {
    return l === this.L ? this.net.output : this.net.hidden;
  }

  private forward(): void {
    for (let l = 2; l <= this.L; l++) {
      this.a[l] = this.W[l - 1].map((row, j) => row.reduce((s, w, k) => s + w * this.z[l - 1][k], this.B[l - 1][j]));
      this.z[l] = applyActivation(this.actOf(l), this.a[l]);
    }
    const y = this.z[this.L];
    this.E = this.net.loss === 'squared' ? 0.5 * y.reduce((s, v, k) => s + (v - this.t[k]) ** 2, 0) : -y.reduce((s, v, k) => s + (this.t[k] ? this.t[k] * Math.log(v) : 0), 0);
  }

  private backward(): void {
    const L = this.L;
    const y = this.z[L];
    this.dz[L] = this.net.loss === 'squared' ? y.map((v, k) => v - this.t[k]) : y.map((v, k) => (this.t[k] ? -this.t[k] / v : 0));
    this.delta[L] = chainActivation(this.actOf(L), this.a[L], this.z[L], this.dz[L]);
    for (let l = L - 1; l >= 1; l--) {
      this.dW[l] = this.delta[l + 1].map((d) => this.z[l].map((zk) => d * zk));
      this.dB[l] = [...this.delta[l + 1]];
      this.dz[l] = this.z[l].map((_, k) => this.W[l].reduce((s, row, j) => s + row[k] * this.delta[l + 1][j], 0));
      if (l >= 2) this.delta[l] = chainActivation(this.actOf(l), this.a[l], this.z[l], this.dz[l]);
    }
  }

  /**
   * Forward-mode tangents of every a, z and E with respect to one quantity (a weight, an activation, an output,
   * an input or the target): exact, and usable however deep the chain.
   */
  tangents(seed: Quantity): Tangents {
    const L = this.L;
    const da: number[][] = [];
    const dz: number[][] = [];
    const zero = (l: number) => new Array<number>(this.net.units[l - 1]).fill(0);
    dz[1] = zero(1);
    if (seed.kind === 'z' && seed.layer === 1) dz[1][seed.j] = 1;
    for (let l = 2; l <= L; l++) {
      da[l] = this.W[l - 1].map((row, j) => row.reduce((s, w, k) => s + w * dz[l - 1][k], 0) + (seedsRow(seed, l - 1, j) ? (seed.kind === 'b' ? 1 : this.z[l - 1][seed.k!]) : 0));
      if (seed.kind === 'a' && seed.layer === l) {
        da[l] = zero(l);
        da[l][seed.j] = 1;
      }
      dz[l] = tangentActivation(this.actOf(l), this.a[l], this.z[l], da[l]);
      if (seed.kind === 'z' && seed.layer === l) {
        dz[l] = zero(l);
        dz[l][seed.j] = 1;
      }
    }
    const y = this.z[L];
    const dt = seed.kind === 't' ? oneHot(seed.j, y.length) : zero(L);
    const dE = this.net.loss === 'squared'
      ? y.reduce((s, v, k) => s + (v - this.t[k]) * (dz[L][k] - dt[k]), 0)
      : -y.reduce((s, v, k) => s + (this.t[k] ? (this.t[k] * dz[L][k]) / v : 0) + dt[k] * Math.log(v), 0);
    return { da, dz, dE, dt };
  }
}

export interface Tangents {
  da: number[][];
  dz: number[][];
  dE: number;
  dt: number[];
}

/** A network quantity a derivative can be taken with respect to. j, k are 0-based here. */
export interface Quantity {
  kind: 'w' | 'b' | 'a' | 'z' | 't';
  layer: number;
  j: number;
  k?: number;
}

/** Whether a seed is a parameter (weight or bias) of row j of layer l's weights. */
export function seedsRow(seed: Quantity | undefined, l: number, j: number): boolean {
  return (seed?.kind === 'w' || seed?.kind === 'b') && seed.layer === l && seed.j === j;
}

function oneHot(i: number, n: number): number[] {
  return Array.from({ length: n }, (_, k) => (k === i ? 1 : 0));
}

function applyActivation(act: Activation, a: number[]): number[] {
  if (act === 'softmax') {
    const m = Math.max(...a);
    const e = a.map((v) => Math.exp(v - m));
    const s = e.reduce((x, y) => x + y, 0);
    return e.map((v) => v / s);
  }
  return a.map(activations[act].f);
}

/** ∂E/∂a from ∂E/∂z through z = h(a). */
function chainActivation(act: Activation, a: number[], z: number[], dz: number[]): number[] {
  if (act === 'softmax') {
    const dot = z.reduce((s, v, k) => s + v * dz[k], 0);
    return z.map((v, k) => v * (dz[k] - dot));
  }
  return a.map((v, j) => activations[act].d(v) * dz[j]);
}

/** dz from da through z = h(a) (forward mode). */
function tangentActivation(act: Activation, a: number[], z: number[], da: number[]): number[] {
  if (act === 'softmax') {
    const dot = z.reduce((s, v, k) => s + v * da[k], 0);
    return z.map((v, k) => v * (da[k] - dot));
  }
  return a.map((v, j) => activations[act].d(v) * da[j]);
}
