// Adam over all variables at once gives tf.train.adam's numbers to the bit, step after step, and keeps no tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlatAdam } from '../../src/backend/models/flatAdam';
import { tf, useBackend } from '../helpers/tfSetup';

function problem(seed: number, tag: string) {
  const w1 = tf.variable(tf.randomNormal([6, 5], 0, 1, 'float32', seed), true, `w1-${tag}`);
  const b1 = tf.variable(tf.randomNormal([5], 0, 1, 'float32', seed + 1), true, `b1-${tag}`);
  const w2 = tf.variable(tf.randomNormal([5, 3], 0, 1, 'float32', seed + 2), true, `w2-${tag}`);
  const x = tf.randomNormal([8, 6], 0, 1, 'float32', 99);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
  const loss = () => tf.losses.softmaxCrossEntropy(y, x.matMul(w1).add(b1).relu().matMul(w2)) as tf.Scalar;
  return { vars: [w1, b1, w2], loss, dispose: () => [w1, b1, w2, x, y].forEach((t) => t.dispose()) };
}

test('FlatAdam = tf.train.adam, exactly, over 5 steps of a small network (3 variables of 3 shapes)', async () => {
  await useBackend('cpu');
  const [a, b] = [problem(1, 'flat'), problem(1, 'tfjs')];
  const start = Array.from(a.vars[0].dataSync());
  const [ours, theirs] = [new FlatAdam(0.01), tf.train.adam(0.01)];
  const before = tf.memory().numTensors;
  for (let step = 0; step < 5; step++) {
    tf.tidy(() => ours.applyGradients(tf.variableGrads(a.loss, a.vars).grads));
    tf.tidy(() => theirs.applyGradients(tf.variableGrads(b.loss, b.vars).grads as never)); // TF.js types its own grads map unlike its optimizers
    if (step === 0) assert.notDeepEqual(Array.from(a.vars[0].dataSync()), start, 'the first step moved the weights');
  }
  for (let i = 0; i < 3; i++) assert.deepEqual(Array.from(a.vars[i].dataSync()), Array.from(b.vars[i].dataSync()), `variable ${i}`);
  // the first step made the moments (2) — afterwards a step leaves the tensor count as it was
  const settled = tf.memory().numTensors;
  tf.tidy(() => ours.applyGradients(tf.variableGrads(a.loss, a.vars).grads));
  assert.equal(tf.memory().numTensors, settled);
  assert.ok(settled >= before);
  ours.dispose();
  theirs.dispose();
  a.dispose();
  b.dispose();
});
