// The CLI as a user meets it: each kind of bad input gives its message (file, line, field) and exit code 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEvents } from '../../src/runs/runFolder';
import { packageRoot } from '../../src/paths';
import { spawn } from 'node:child_process';
import { backendJs, runCli } from '../helpers/backendProcess';
import { readGz, smallIdxFolder, tempDir, writeExperiment, writeGz } from '../helpers/fixtures';
import { withDeadline } from '../helpers/deadline';

const base = {
  name: 'cli test', seed: 1, data: { source: 'embedded-digits', trainLimit: 640, validationLimit: 200, testLimit: 200 },
  model: { kind: 'mlp', dense: [32] }, optimizer: { name: 'adam', learningRate: 0.003 }, training: { epochs: 1, batchSize: 32 },
};

function train(experiment: unknown, extra: string[] = []) {
  const dir = tempDir();
  const file = writeExperiment(dir, experiment);
  return { dir, ...runCli(['train', file, ...extra], { cwd: dir }) };
}

function noRuns(dir: string): boolean {
  const runs = join(dir, '.gradient-lab', 'runs');
  return !existsSync(runs) || readdirSync(runs).length === 0;
}

test('train: prints progress and a summary, and the run lands in .gradient-lab/runs of the current folder', () => {
  const r = train(base);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /on wasm: 640 training \/ 200 validation \/ 200 test images/);
  assert.match(r.stdout, /epoch 1: train loss \d\.\d+ acc \d+\.\d+% \| validation loss/);
  assert.match(r.stdout, /test accuracy \d+\.\d+% \(loss \d\.\d+\), \d+ samples\/s on wasm/);
  const runs = join(r.dir, '.gradient-lab', 'runs');
  const [runId] = readdirSync(runs);
  const summary = JSON.parse(readFileSync(join(runs, runId, 'summary.json'), 'utf8'));
  assert.ok(summary.testAccuracy > 0.5 && summary.samplesPerSec > 0 && summary.engine === 'wasm');
  const list = runCli(['runs'], { cwd: r.dir });
  assert.match(list.stdout, new RegExp(`${runId}\\s+completed\\s+wasm test acc`));
});

test('train --json prints one event per line; --epochs overrides the experiment\'s', () => {
  const r = train(base, ['--json', '--epochs', '2']);
  assert.equal(r.code, 0, r.stderr);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(events[0].type, 'started');
  assert.equal(events.at(-1).type, 'finished');
  assert.equal(events.filter((e) => e.type === 'batch').length, 40, 'two epochs of 20 steps (the file says one)');
  assert.equal(events.filter((e) => e.type === 'epoch').length, 2);
});

test('bad input: malformed JSON', () => {
  const r = train('{\n  "name": "x",\n  "seed": 1\n  "data": {}\n}');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /test\.experiment\.json:4:3 invalid JSON: expected ','/);
  assert.ok(noRuns(r.dir));
});

test('bad input: unknown layer type', () => {
  const r = train({ ...base, model: { kind: 'layers', layers: [{ type: 'dense', units: 8 }, { type: 'lstm', units: 8 }] } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /test\.experiment\.json:\d+:\d+ model\.layers\[1\]\.type: unknown layer type "lstm" \(expected one of: "conv2d", "maxPool", "batchNorm", "flatten", "dense", "dropout"\)/);
});

test('bad input: a kernel larger than the image', () => {
  const r = train({ ...base, model: { kind: 'cnn', conv: [{ filters: 8, kernel: 29 }] } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /test\.experiment\.json:\d+:\d+ model\.conv\[0\]\.kernel: kernel 29×29 is larger than the 28×28 input of this layer/);
  assert.ok(noRuns(r.dir));
});

test('bad input: a missing dataset folder, relative to the experiment file', () => {
  // run from another folder: the path is read from the experiment's folder, not the current one
  const dir = tempDir();
  const file = writeExperiment(join(dir, 'sub'), { ...base, data: { source: 'idx-folder', path: 'no-such-data' } });
  const r = { dir, ...runCli(['train', file], { cwd: dir }) };
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`dataset folder not found: ${join(dir, 'sub', 'no-such-data').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
});

test('bad input: a truncated IDX file', () => {
  const dir = smallIdxFolder();
  const file = join(dir, 't10k-images-idx3-ubyte.gz');
  writeGz(file, readGz(file).subarray(0, 100_000));
  const r = train({ ...base, data: { source: 'idx-folder', path: dir } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /t10k-images-idx3-ubyte\.gz: truncated: the header declares 10,000 × 28 × 28 = 7,840,000 bytes of data, but only 99,984 follow/);
});

test('bad input: labels and images counts differ', () => {
  const dir = smallIdxFolder();
  const file = join(dir, 'train-labels-idx1-ubyte.gz');
  const bytes = Buffer.from(readGz(file).subarray(0, 8 + 7000));
  bytes.writeUInt32BE(7000, 4);
  writeGz(file, bytes);
  const r = train({ ...base, data: { source: 'idx-folder', path: dir } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /labels\/images count mismatch: train-images-idx3-ubyte\.gz holds 10,000 images but train-labels-idx1-ubyte\.gz holds 7,000 labels/);
});

test('bad input: a huge learning rate makes the loss NaN: the run stops, says where and why, keeps its steps', () => {
  const r = train({ ...base, optimizer: { name: 'sgd', learningRate: 1e30 }, training: { epochs: 1, batchSize: 32, checkpointEvery: 1 } });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /failed: the loss became (NaN|Infinity) at epoch 1, step \d+ \(learning rate 1e\+30\): training diverged\. Lower optimizer\.learningRate \(e\.g\. to 1e\+29\)/);
  const runs = join(r.dir, '.gradient-lab', 'runs');
  const folder = join(runs, readdirSync(runs)[0]);
  const summary = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8'));
  assert.equal(summary.status, 'failed');
  const { events } = readEvents(folder);
  assert.equal(events.at(-1)!.type, 'failed');
  // the steps before the divergence are kept: their events, and the checkpoint written after each (checkpointEvery 1)
  assert.ok(events.some((e) => e.type === 'batch'), 'the finite steps are in metrics.jsonl');
  assert.ok(existsSync(join(folder, 'checkpoints', 'last.json')), 'and the last checkpoint before it');
});

test('usage errors exit 2 with the usage text', () => {
  const r = runCli(['train']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /train needs an experiment file/);
  assert.equal(runCli(['frobnicate']).code, 2);
  const e = train(base, ['--epochs', 'zero']);
  assert.equal(e.code, 2);
  assert.match(e.stderr, /--epochs must be a whole number ≥ 1, got zero/);
  // every command that reads a file says which file it could not read (no stack traces)
  for (const command of ['train', 'sweep', 'gradients', 'check']) {
    const missing = runCli([command, 'no-such-file.json']);
    assert.equal(missing.code, 2, `${command}: ${missing.stderr}`);
    assert.match(missing.stderr, /^gradient-lab: cannot read no-such-file\.json: ENOENT/, command);
  }
  const sweepEpochs = runCli(['sweep', join(packageRoot(), 'examples', 'digits-cnn.experiment.json'), '--epochs', 'zero']);
  assert.equal(sweepEpochs.code, 2);
  assert.match(sweepEpochs.stderr, /--epochs must be a whole number ≥ 1, got zero/);
});

test('check: one line per claim, --json array, exit 0 only when every claim passes', () => {
  const example = join(packageRoot(), 'examples', 'backprop-3-4-4-1.md');
  const text = runCli(['check', example]);
  assert.equal(text.code, 1);
  assert.match(text.stdout, /backprop-3-4-4-1\.md:\d+:\d+ ✗ w_\{11\}\^\{\(4\)\} does not exist/);
  assert.match(text.stdout, /23 claims: 15 pass, 7 fail, 0 inconclusive, 1 cannot parse — \d+ ms/);
  const json = JSON.parse(runCli(['check', example, '--json']).stdout) as { line: number; latex: string; verdict: string; message: string; sides: number[] }[];
  assert.equal(json.length, 23);
  assert.deepEqual(Object.keys(json[0]).sort(), ['column', 'latex', 'line', 'message', 'sides', 'verdict', 'warnings']);
  assert.ok(json.every((r) => ['pass', 'fail', 'inconclusive', 'parse-error'].includes(r.verdict)));
  const dir = tempDir();
  const good = join(dir, 'good.md');
  writeFileSync(good, '```gradcheck\nnetwork: 2-3-1\n```\n\n$$\\delta_1^{(3)} = y - t_n$$\n');
  assert.equal(runCli(['check', good]).code, 0);
});

test('Ctrl-C during train cancels after the current step, keeps the run, and exits 130', async () => {
  const dir = tempDir();
  const file = writeExperiment(dir, { ...base, data: { source: 'embedded-digits' }, model: { kind: 'cnn', conv: [{ filters: 8, kernel: 5 }], dense: [32] }, training: { epochs: 2, batchSize: 32 } });
  const child = spawn(process.execPath, [backendJs(), 'train', file, '--json'], { cwd: dir });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const batches = () => (out.match(/"type":"batch"/g) ?? []).length;
  await withDeadline(Promise.race([
    new Promise<void>((resolve) => child.stdout.on('data', (d) => ((out += d), batches() >= 3 && resolve()))),
    exited.then((c) => { throw new Error(`train exited (${c}) before three steps`); }),
  ]), 120_000, 'three training steps');
  const seenAtInterrupt = batches();
  child.kill('SIGINT');
  const code = await withDeadline(exited, 60_000, 'train exits after Ctrl-C');
  assert.equal(code, 130);
  const finished = JSON.parse(out.trim().split('\n').at(-1)!);
  assert.equal(finished.type, 'finished');
  assert.equal(finished.status, 'cancelled');
  const runs = join(dir, '.gradient-lab', 'runs');
  const summary = JSON.parse(readFileSync(join(runs, readdirSync(runs)[0], 'summary.json'), 'utf8'));
  assert.equal(summary.status, 'cancelled');
  // after the step Ctrl-C interrupted, keeping every step printed before it (the run says where the signal found it)
  const started = JSON.parse(out.split('\n').find((l) => l.includes('"type":"started"'))!);
  const at = finished.cancelledAfterStep;
  assert.ok(at >= seenAtInterrupt && summary.steps - at >= 0 && summary.steps - at <= 1, `${summary.steps} steps; Ctrl-C arrived after ${at}; ${seenAtInterrupt} printed when it was sent`);
  assert.ok(summary.steps < started.stepsPerEpoch, 'within the first epoch');
});
