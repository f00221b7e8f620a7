// The ground truth of second-derivative checks: the exact mixed tangents of E agree with central differences of the
// exact gradients (backprop's dW, dB, δ) on networks with biases, tanh / ReLU / logistic, softmax + cross-entropy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rng } from '../../src/backend/data/random';
import { Draw, type NetworkSpec, type Quantity } from '../../src/backend/gradcheck/network';
import { mixedTangents } from '../../src/backend/gradcheck/secondOrder';

const nets: NetworkSpec[] = [
  { units: [3, 4, 2], hidden: 'tanh', output: 'softmax', loss: 'cross-entropy', bias: 'yes', weights: [-1, 1], inputs: [-1, 1], draws: 1, tolerance: 1e-6 },
  { units: [2, 3, 3, 1], hidden: 'logistic', output: 'identity', loss: 'squared', bias: 'yes', weights: [-1, 1], inputs: [-1, 1], draws: 1, tolerance: 1e-6 },
  { units: [2, 3, 1], hidden: 'softplus', output: 'logistic', loss: 'squared', weights: [-1, 1], inputs: [-1, 1], draws: 1, tolerance: 1e-6 },
];

/** The parameter a seed names, to nudge it. */
function nudge(d: Draw, q: Quantity, by: number): void {
  if (q.kind === 'w') d.W[q.layer][q.j][q.k!] += by;
  else d.B[q.layer][q.j] += by;
  d.recompute();
}

/** ∂E/∂p read from one backward pass. */
function gradient(d: Draw, p: Quantity): number {
  if (p.kind === 'w') return d.dW[p.layer][p.j][p.k!];
  if (p.kind === 'b') return d.dB[p.layer][p.j];
  if (p.kind === 'a') return d.delta[p.layer][p.j];
  return d.dz[p.layer][p.j];
}

function centralDifference(d: Draw, p: Quantity, q: Quantity): number {
  const h = 1e-5;
  nudge(d, q, h);
  const up = gradient(d, p);
  nudge(d, q, -2 * h);
  const down = gradient(d, p);
  nudge(d, q, h);
  return (up - down) / (2 * h);
}

test('mixed second derivatives of E equal central differences of exact gradients (weights, biases, δ, ∂E/∂z)', () => {
  let compared = 0;
  for (const net of nets) {
    const d = new Draw(net, rng(7));
    const params: Quantity[] = [{ kind: 'w', layer: 1, j: 0, k: 1 }, { kind: 'w', layer: d.L - 1, j: 0, k: 0 }, { kind: 'w', layer: 1, j: 1, k: 0 }];
    if (net.bias) params.push({ kind: 'b', layer: 1, j: 1 }, { kind: 'b', layer: d.L - 1, j: 0 });
    const along: Quantity[] = [...params, { kind: 'a', layer: 2, j: 1 }, { kind: 'z', layer: 2, j: 0 }];
    for (const p of along) {
      for (const q of params) {
        const exact = mixedTangents(d, p, q, d.tangents(p), d.tangents(q)).d2E;
        const fd = centralDifference(d, p, q);
        assert.ok(Math.abs(exact - fd) <= 1e-6 * Math.max(1, Math.abs(fd)), `${net.units.join('-')} ${net.hidden}: ∂²E/∂${JSON.stringify(p)}∂${JSON.stringify(q)} exact ${exact}, differences ${fd}`);
        compared++;
      }
    }
  }
  assert.equal(compared, 7 * 5 + 7 * 5 + 5 * 3, "two nets with biases (5 parameters, 7 seeds), one without (3, 5)");
});

test('a bias feeds the layer above: ∂E/∂b equals the δ there and a bias of 0 draws nothing for a block without biases', () => {
  const withBias = new Draw(nets[1], rng(3));
  assert.deepEqual(withBias.dB[2], withBias.delta[3]);
  const plain = new Draw({ ...nets[1], bias: undefined }, rng(3));
  assert.ok(plain.B.slice(1).every((row) => row.every((b) => b === 0)));
  assert.notEqual(withBias.E, plain.E, 'the biases change the forward pass');
});
