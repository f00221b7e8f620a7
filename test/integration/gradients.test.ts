// The vanishing-gradient probe on real numbers: sigmoid chains vanish, ReLU + He keeps its scale, dead ReLUs
// pass exactly nothing back, and the probe agrees with gradients computed independently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { GradientsEvent, LayerGradient, RunEvent } from '../../src/protocol/runEvents';
import { makeBatch } from '../../src/backend/data/batches';
import { rng, shuffled } from '../../src/backend/data/random';
import { decodeStats, gradientStats, weightLayers } from '../../src/backend/training/gradientProbe';
import { startRun } from '../../src/backend/jobs/trainRun';
import { batchLoss } from '../../src/backend/training/objective';
import { prepare } from '../../src/backend/jobs/prepare';
import { readEvents } from '../../src/runs/runFolder';
import { loadCheckpoint } from '../../src/backend/training/checkpoint';
import { join } from 'node:path';
import { runCli } from '../helpers/backendProcess';
import { tempDir, writeExperiment } from '../helpers/fixtures';

const deep = (model: object, training: object = {}) => ({
  name: 'deep', seed: 2, data: { source: 'embedded-digits', trainLimit: 512, validationLimit: 64, testLimit: 64 },
  model: { kind: 'deep-mlp', depth: 20, ...model }, optimizer: { name: 'sgd', learningRate: 0.01 }, training: { epochs: 1, batchSize: 64, ...training },
});

function profile(experiment: object): LayerGradient[] {
  const dir = tempDir();
  const r = runCli(['gradients', writeExperiment(dir, experiment), '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).layers;
}

test('a 20-layer sigmoid chain with N(0,1) weights: the first layer gets ≥ 1e15 times less gradient than the last', () => {
  const layers = profile(deep({ width: 1, activation: 'sigmoid', init: 'normal-1' }));
  assert.equal(layers.length, 21); // 20 hidden + output
  const ratio = layers[0].weightNorm / layers.at(-1)!.weightNorm;
  console.log(`sigmoid chain: first/last weight-gradient norm = ${ratio.toExponential(2)}`);
  assert.ok(ratio > 0 && ratio <= 1e-15, `ratio ${ratio} (README: about 5e-18)`);
});

test('the same depth with ReLU and He init at width 32 keeps the ratio between 4 and 64 (README: ~16)', () => {
  const layers = profile(deep({ width: 32, activation: 'relu', init: 'he' }));
  const ratio = layers[0].weightNorm / layers.at(-1)!.weightNorm;
  console.log(`ReLU + He, width 32: first/last weight-gradient norm = ${ratio.toExponential(2)}`);
  assert.ok(ratio >= 4 && ratio <= 64, `ratio ${ratio} (measured 15.9 on wasm with this seed)`);
  assert.ok(layers.slice(0, -1).every((l) => l.deadFraction !== undefined && l.deadFraction < 1));
});

test('a ReLU chain with negative pre-activations: dead fraction 1.0 and exactly zero gradients below it', () => {
  const layers = profile(deep({ width: 1, activation: 'relu', init: 'normal-0.01', biasInit: -5 }));
  const hidden = layers.slice(0, -1);
  assert.ok(hidden.every((l) => l.deadFraction === 1), hidden.map((l) => l.deadFraction).join(' '));
  assert.ok(hidden.every((l) => l.weightNorm === 0 && l.biasNorm === 0), 'nothing flows back through dead units');
  assert.ok(layers.at(-1)!.biasNorm > 0, 'the output layer still learns its biases');
});

test('the probe equals the norms of gradients computed independently with tf.variableGrads (rel err ≤ 1e-5)', async () => {
  const prep = await prepare({ experiment: deep({ width: 8, depth: 6, activation: 'tanh', init: 'xavier', l2: 0.001 }), runsFolder: tempDir() });
  const layers = weightLayers(prep.model);
  tf.tidy(() => {
    const batch = makeBatch(prep.data.train, { height: 28, width: 28 }, shuffled(prep.data.train.count, rng(3)), 0, 64);
    const vars = prep.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => batchLoss(prep, prep.stage!, batch), vars);
    const probed = decodeStats(gradientStats(grads, layers).dataSync(), layers);
    // independently: the raw gradient values, normed in float64 here
    assert.equal(probed.length, 7, 'six hidden layers and the output layer');
    probed.forEach((p, i) => {
      const w = Array.from(grads[layers[i].kernel].dataSync() as Float32Array);
      const norm = Math.sqrt(w.reduce((s, x) => s + x * x, 0));
      assert.ok(Math.abs(p.weightNorm - norm) <= 1e-5 * norm, `${p.name}: ${p.weightNorm} vs ${norm}`);
      const meanAbs = w.reduce((s, x) => s + Math.abs(x), 0) / w.length;
      assert.ok(Math.abs(p.weightMeanAbs - meanAbs) <= 1e-5 * meanAbs);
    });
  });
  prep.model.dispose();
});

test('during training the probe reports every N steps, into the notifications and metrics.jsonl', async () => {
  const events: RunEvent[] = [];
  const run = await startRun({ experiment: deep({ width: 16, depth: 4, activation: 'relu' }, { gradients: { every: 3 } }), runsFolder: tempDir() }, (e) => events.push(e));
  await run.done;
  const probes = events.filter((e): e is GradientsEvent => e.type === 'gradients');
  assert.deepEqual(probes.map((p) => p.step), [1, 3, 6]); // 8 steps of 64
  assert.equal(probes[0].layers.length, 5);
  assert.deepEqual(readEvents(run.folder).events.filter((e) => e.type === 'gradients'), probes);
});

test('residual connections keep the gradient in a deep sigmoid stack; their checkpoints load back', async () => {
  const plain = profile(deep({ width: 32, activation: 'sigmoid', init: 'xavier' }));
  const residual = profile(deep({ width: 32, activation: 'sigmoid', init: 'xavier', residual: true }));
  const ratio = (l: LayerGradient[]) => l[0].weightNorm / l.at(-1)!.weightNorm;
  console.log(`sigmoid width 32: first/last ${ratio(plain).toExponential(2)} plain, ${ratio(residual).toExponential(2)} residual`);
  assert.ok(ratio(residual) > 1e3 * ratio(plain), `residual ${ratio(residual)} vs plain ${ratio(plain)}`);
  const run = await startRun({ experiment: deep({ width: 16, depth: 4, activation: 'relu', residual: true }), runsFolder: tempDir() }, () => undefined);
  assert.equal((await run.done).status, 'completed');
  const model = await loadCheckpoint(join(run.folder, 'checkpoints'), 'best');
  assert.ok(model.layers.some((l) => l.getClassName() === 'GradientLabResidualDense'));
  model.dispose();
});
