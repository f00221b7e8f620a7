// Which members a sweep runs: the grid, random draws from lists and ranges (seeded), repeats with seeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Experiment } from '../../src/protocol/experiment';
import { expandSweep, sweepCombinations } from '../../src/backend/jobs/sweep';
import { type ExperimentError } from '../../src/experiment/validate';
import { meanStd } from '../../src/runs/stats';

const base = (sweep: Experiment['sweep'], seed = 1): Experiment => ({
  name: 'plan', seed, data: { source: 'embedded-digits' }, model: { kind: 'mlp', dense: [16] },
  optimizer: { name: 'sgd', learningRate: 0.1 }, training: { epochs: 1, batchSize: 32 }, sweep,
});

test('random sweeps draw N members from lists and ranges, log-uniformly when asked, the same for the same seed', () => {
  const sweep = { random: 40, 'optimizer.learningRate': { min: 1e-4, max: 1e-1, log: true }, 'model.dropoutKeep': [0.5, 1], 'training.batchSize': { min: 16, max: 128, integer: true } };
  const members = sweepCombinations(base(sweep));
  assert.equal(members.length, 40);
  const rates = members.map((m) => m['optimizer.learningRate'] as number);
  assert.ok(rates.every((r) => r >= 1e-4 && r <= 1e-1));
  // log-uniform: about a third of the draws in each decade, so some below 1e-3 (uniform would put ~1% there)
  assert.ok(rates.filter((r) => r < 1e-3).length >= 5, rates.join(' '));
  assert.deepEqual(new Set(members.map((m) => m['model.dropoutKeep'])), new Set([0.5, 1]));
  assert.ok(members.every((m) => Number.isInteger(m['training.batchSize']) && (m['training.batchSize'] as number) >= 16 && (m['training.batchSize'] as number) <= 128));
  assert.deepEqual(sweepCombinations(base(sweep)), members);
  assert.notDeepEqual(sweepCombinations(base(sweep, 2)), members);
  assert.equal(expandSweep(base(sweep)).length, 40);
});

test('repeat runs every member with consecutive seeds, for error bars', () => {
  const members = expandSweep(base({ 'optimizer.learningRate': [0.1, 0.01], repeat: 3 }, 5));
  assert.deepEqual(members.map((m) => [m.values['optimizer.learningRate'], m.experiment.seed]), [[0.1, 5], [0.1, 6], [0.1, 7], [0.01, 5], [0.01, 6], [0.01, 7]]);
});

test('a range without "random", or an empty range, is refused with the setting named', () => {
  assert.throws(() => expandSweep(base({ 'optimizer.learningRate': { min: 0.1, max: 1 } })), (e: ExperimentError) => /sweep\["optimizer.learningRate"\]: a grid setting needs a list of values/.test(e.message));
  assert.throws(() => expandSweep(base({ random: 3, 'optimizer.learningRate': { min: 1, max: 0.1 } })), /max \(0.1\) is below min \(1\)/);
  assert.throws(() => expandSweep(base({ random: 3, 'optimizer.learningRate': { min: 0, max: 0.1, log: true } })), /a log range needs min > 0/);
});

test('mean ± sample standard deviation, as the error bars use it', () => {
  const r = meanStd([2, 4, 4, 4, 5, 5, 7, 9]);
  assert.equal(r.mean, 5);
  assert.ok(Math.abs(r.std - Math.sqrt(32 / 7)) < 1e-12, `${r.std}`); // n − 1 in the denominator
  assert.equal(r.n, 8);
  assert.deepEqual(meanStd([3]), { mean: 3, std: 0, n: 1 });
});
