// Exact mixed second derivatives of the network's a, z and E with respect to two quantities p and q, from their
// first-order tangents (forward-over-forward): ∂²E/∂w², ∂δ/∂w and ∂/∂w (∂E/∂w) without finite differences.
import { activations, type Draw, type Quantity, seedsRow, type Tangents } from './network';

export interface Mixed {
  d2a: number[][];
  d2z: number[][];
  d2E: number;
}

const isUnit = (seed: Quantity, kind: Quantity['kind'], l: number, j: number) => seed.kind === kind && seed.layer === l && seed.j === j;

/** ∂²(a, z, E)/∂p∂q; tp and tq are the draw's tangents along p and along q. */
export function mixedTangents(d: Draw, p: Quantity, q: Quantity, tp: Tangents, tq: Tangents): Mixed {
  const L = d.L;
  const d2a: number[][] = [];
  const d2z: number[][] = [];
  d2z[1] = new Array<number>(d.net.units[0]).fill(0); // the inputs are independent of everything
  // a weight seed's own row gets the other seed's change of the unit it multiplies (a bias multiplies 1)
  const cross = (seed: Quantity, other: Tangents, l: number, j: number) => (seedsRow(seed, l, j) && seed.kind === 'w' ? other.dz[l][seed.k!] : 0);
  for (let l = 2; l <= L; l++) {
    d2a[l] = d.W[l - 1].map((row, j) => {
      if (isUnit(p, 'a', l, j) || isUnit(q, 'a', l, j)) return 0; // a seeded a is a free variable here
      return row.reduce((s, w, k) => s + w * d2z[l - 1][k], 0) + cross(p, tq, l - 1, j) + cross(q, tp, l - 1, j);
    });
    d2z[l] = secondActivation(d.actOf(l), d.a[l], d.z[l], tp.da[l], tq.da[l], tp.dz[l], tq.dz[l], d2a[l]);
    for (const s of [p, q]) if (s.kind === 'z' && s.layer === l) d2z[l][s.j] = 0;
  }
  return { d2a, d2z, d2E: secondLoss(d, tp, tq, d2z[L]) };
}

/** d²z through z = h(a): h''(a)·da_p·da_q + h'(a)·d²a, and the softmax's own rule. */
function secondActivation(act: Draw['net']['output'], a: number[], z: number[], dap: number[], daq: number[], dzp: number[], dzq: number[], d2a: number[]): number[] {
  if (act === 'softmax') {
    // dz_p = z ⊙ (da_p − z·da_p); differentiate along q
    const sp = z.reduce((s, v, k) => s + v * dap[k], 0);
    const dsp = z.reduce((s, v, k) => s + dzq[k] * dap[k] + v * d2a[k], 0);
    return z.map((v, k) => dzq[k] * (dap[k] - sp) + v * (d2a[k] - dsp));
  }
  const f = activations[act];
  return a.map((v, j) => f.dd(v) * dap[j] * daq[j] + f.d(v) * d2a[j]);
}

function secondLoss(d: Draw, tp: Tangents, tq: Tangents, d2y: number[]): number {
  const y = d.z[d.L];
  const dyp = tp.dz[d.L];
  const dyq = tq.dz[d.L];
  if (d.net.loss === 'squared') return y.reduce((s, v, k) => s + (dyp[k] - tp.dt[k]) * (dyq[k] - tq.dt[k]) + (v - d.t[k]) * d2y[k], 0);
  // E = −Σ t_k ln y_k
  return -y.reduce((s, v, k) => s + (d.t[k] ? d.t[k] * (d2y[k] / v - (dyp[k] * dyq[k]) / (v * v)) : 0) + (tp.dt[k] * dyq[k] + tq.dt[k] * dyp[k]) / v, 0);
}
