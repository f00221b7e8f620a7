// The trainer in this process: memory stays flat over hundreds of steps; a seed reproduces a run exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { BatchEvent, RunEvent } from '../../src/protocol/runEvents';
import { startRun } from '../../src/backend/jobs/trainRun';
import { tempDir } from '../helpers/fixtures';

const smallCnn = (seed: number, training: object) => ({
  name: 'small cnn', seed,
  data: { source: 'embedded-digits', trainLimit: 8000, validationLimit: 100, testLimit: 100 },
  model: { kind: 'cnn', conv: [{ filters: 4, kernel: 3, batchNorm: true }], dense: [16], dropoutKeep: 0.8, l2: 0.0001 },
  optimizer: { name: 'nesterov', learningRate: 0.02 },
  training: { epochs: 1, batchSize: 16, checkpointEvery: 100, ...training },
});

async function losses(experiment: object): Promise<number[]> {
  const events: RunEvent[] = [];
  const run = await startRun({ experiment, runsFolder: tempDir() }, (e) => events.push(e));
  await run.done;
  return events.filter((e): e is BatchEvent => e.type === 'batch').map((e) => e.loss);
}

test('the tensor count, backend data and tensor bytes stay constant over 500 training steps (batch norm, dropout, L2, checkpoints)', async () => {
  const counts: number[] = [];
  // an extra incRef keeps backend data alive without a tensor: count the backend's data and bytes too
  const held: string[] = [];
  const run = await startRun({ experiment: smallCnn(1, {}), runsFolder: tempDir() }, (e) => {
    if (e.type !== 'batch') return;
    counts.push(tf.memory().numTensors);
    held.push(`${tf.engine().backend.numDataIds()}/${tf.memory().numBytes}`);
  });
  const summary = await run.done;
  assert.equal(summary.status, 'completed');
  assert.equal(counts.length, 500);
  const settled = counts.slice(5); // optimizer slots appear during the first steps
  assert.equal(Math.max(...settled), Math.min(...settled), `tensor counts from step 6 on: ${Math.min(...settled)}..${Math.max(...settled)}`);
  assert.deepEqual([...new Set(held.slice(5))], [held[5]], 'backend data ids / tensor bytes from step 6 on');
  assert.ok(summary.testAccuracy! > 0.5, `and it learns: test accuracy ${summary.testAccuracy}`);
});

test('a seeded run is reproduced exactly on the same engine; another seed differs', async () => {
  const short = { epochs: 1 };
  const experiment = (seed: number) => ({ ...smallCnn(seed, short), data: { source: 'embedded-digits', trainLimit: 480, validationLimit: 50, testLimit: 50 } });
  const a = await losses(experiment(7));
  const b = await losses(experiment(7));
  const c = await losses(experiment(8));
  assert.equal(a.length, 30);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});
