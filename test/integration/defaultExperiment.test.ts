// The README's main job: the seed CNN on the embedded digits, in its default epochs, from the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '../../src/protocol/runEvents';
import { packageRoot } from '../../src/paths';
import { runCli } from '../helpers/backendProcess';
import { tempDir } from '../helpers/fixtures';

test('the default experiment reaches ≥ 96 % test accuracy on the held-back embedded digits', () => {
  const dir = tempDir();
  const r = runCli(['train', join(packageRoot(), 'examples', 'digits-cnn.experiment.json')], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const runs = join(dir, '.gradient-lab', 'runs');
  const summary = JSON.parse(readFileSync(join(runs, readdirSync(runs)[0], 'summary.json'), 'utf8')) as RunSummary;
  console.log(`default experiment: test accuracy ${summary.testAccuracy}, ${summary.samplesPerSec.toFixed(0)} samples/s on ${summary.engine}, ${summary.seconds.toFixed(0)} s`);
  assert.equal(summary.status, 'completed');
  assert.equal(summary.epochsDone, 3);
  assert.ok(summary.testAccuracy! >= 0.96, `test accuracy ${summary.testAccuracy}`);
  assert.ok(summary.samplesPerSec > 0);
  assert.equal(summary.engine, 'wasm');
});
