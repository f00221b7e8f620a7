// What a run killed with -9 leaves, checked the same way on every engine: metrics whole, a recent last checkpoint, and
// that checkpoint — loaded on the pure-JS engine — classifying the held-back digits.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadCheckpoint, readPointer } from '../../src/backend/training/checkpoint';
import { readEvents } from '../../src/runs/runFolder';
import { loadDataset } from '../../src/backend/data/datasets';
import { identityRows, makeBatch } from '../../src/backend/data/batches';
import { tf, useBackend } from './tfSetup';

/** Asserts what a run killed after `steps` steps (checkpointEvery 5) must leave; returns the checkpoint's test accuracy. */
export async function assertKilledRunUsable(folder: string, steps: number): Promise<number> {
  const { events, tornLines } = readEvents(folder);
  assert.equal(tornLines, 0);
  assert.ok(events.filter((e) => e.type === 'batch').length >= steps);
  const last = readPointer(join(folder, 'checkpoints'), 'last');
  assert.ok(last && last.step >= steps - 5, `last checkpoint at step ${last?.step}`);
  await useBackend('cpu');
  const model = await loadCheckpoint(join(folder, 'checkpoints'), 'last');
  const data = await loadDataset({ source: 'embedded-digits' });
  const accuracy = tf.tidy(() => {
    const { xs, ys } = makeBatch(data.test, { height: 28, width: 28 }, identityRows(data.test.count), 0, data.test.count);
    return (model.predict(xs) as tf.Tensor).argMax(1).equal(ys).mean().dataSync()[0];
  });
  assert.ok(accuracy > 0.5, `the checkpoint after ${last!.step} steps classifies ${accuracy} of the test digits on the JS engine`);
  return accuracy;
}
