// Counting claims (examples/derivation-counts.md), and their ground truth against layers TF.js builds: a conv
// layer's parameters and output side, a dense layer's parameters, for small random sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { checkMarkdown } from '../../src/backend/gradcheck/checkFile';
import { counts } from '../../src/backend/gradcheck/countClaims';
import { rng } from '../../src/backend/data/random';
import { packageRoot } from '../../src/paths';
import { useBackend } from '../helpers/tfSetup';

const results = checkMarkdown(readFileSync(join(packageRoot(), 'examples', 'derivation-counts.md'), 'utf8'));

test('the counting example: the formulas pass, the forgotten biases fail at a concrete instance; the coursework\'s numbers pass', () => {
  assert.deepEqual(results.map((r) => `${r.line} ${r.verdict}`), ['21 pass', '23 pass', '25 pass', '27 pass', '29 pass', '31 fail', '33 fail', '47 pass', '49 pass', '51 pass']);
  assert.match(results[5].message, /^✗ side 2 ≠ side 1 at m = 28, C = 3, p = 5, K = 16 \(valid padding\): side 2 = 1200, side 1 = 1216$/);
});

test('ground truth: the counts are what TF.js builds — conv parameters and output side, the dense layer with as many outputs', async () => {
  await useBackend('cpu');
  const random = rng(3);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  for (let k = 0; k < 8; k++) {
    const p = int(1, 5);
    const sizes = { m: int(p, 12), C: int(1, 3), p, K: int(1, 6), padding: k % 2 ? 'same' as const : 'valid' as const };
    const c = counts(sizes);
    const conv = tf.layers.conv2d({ filters: sizes.K, kernelSize: p, padding: sizes.padding, inputShape: [sizes.m, sizes.m, sizes.C] });
    const model = tf.sequential({ layers: [conv] });
    assert.equal(model.countParams(), c.params, JSON.stringify(sizes));
    assert.deepEqual(model.outputs[0].shape, [null, c.size, c.size, sizes.K], JSON.stringify(sizes));
    const dense = tf.sequential({ layers: [tf.layers.dense({ units: c.outputs, inputShape: [sizes.m * sizes.m * sizes.C] })] });
    assert.equal(dense.countParams(), c.dense, JSON.stringify(sizes));
    model.dispose();
    dense.dispose();
  }
});
