// What the README says the backend does, each claim exercised on the real CLI (wasm, the embedded digits): the offline
// transfer starter trained end to end, sweep members in order with a failure among them, the gradient recording
// defaults, deep-mlp's limits, the semi-supervised schedule, an engine forced from the experiment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FeaturesEvent, PhaseEvent, RoundEvent, RunEvent, RunFinishedEvent, RunStartedEvent } from '../../src/protocol/runEvents';
import { packageRoot } from '../../src/paths';
import { loadDataset } from '../../src/backend/data/datasets';
import { loadImageFolder, writeImageFolder } from '../../src/backend/data/imageFolder';
import { runCli } from '../helpers/backendProcess';
import { tempDir, writeExperiment } from '../helpers/fixtures';

const events = (stdout: string) => stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as RunEvent);
const digits = { source: 'embedded-digits', trainLimit: 320, validationLimit: 64, testLimit: 64 };
const mlp = { name: 'claims', seed: 2, data: digits, model: { kind: 'mlp', dense: [16] }, optimizer: { name: 'adam', learningRate: 0.01 }, training: { epochs: 1, batchSize: 32 } };

test('the offline transfer starter, trained: 0–4 saved as a model, 5–9 fine-tuned on it with its classes renumbered, lr ÷ 10 when unfrozen; the second run reads its features from the cache (4 bytes per feature per image)', () => {
  const dir = tempDir();
  for (const f of ['digits-0-4-pretrain.experiment.json', 'digits-5-9-finetune.experiment.json']) copyFileSync(join(packageRoot(), 'examples', f), join(dir, f));
  const pre = runCli(['train', 'digits-0-4-pretrain.experiment.json', '--json'], { cwd: dir });
  assert.equal(pre.code, 0, pre.stderr);
  const preFinished = events(pre.stdout).find((e): e is RunFinishedEvent => e.type === 'finished')!;
  assert.deepEqual(preFinished.outputs?.map((o) => o.replace(/\\/g, '/').split('/').slice(-2).join('/')).filter((o) => o.includes('models')), ['models/digits-0-4-cnn']);
  assert.deepEqual(readdirSync(join(dir, 'models', 'digits-0-4-cnn')).sort(), ['model.json', 'weights.bin']);
  t0to4(preFinished);

  const fine = runCli(['train', 'digits-5-9-finetune.experiment.json', '--json'], { cwd: dir });
  assert.equal(fine.code, 0, fine.stderr);
  const ev = events(fine.stdout);
  const started = ev.find((e): e is RunStartedEvent => e.type === 'started')!;
  assert.deepEqual(started.classNames, ['5', '6', '7', '8', '9'], 'classes 5–9 kept, renumbered 0–4 behind their names');
  const phase = ev.find((e): e is PhaseEvent => e.type === 'phase')!;
  assert.equal(phase.learningRate, 0.0003, 'the unfreeze phase trains at a tenth of optimizer.learningRate');
  const features = ev.find((e): e is FeaturesEvent => e.type === 'features')!;
  assert.equal(features.cache, 'miss');
  const finished = ev.find((e): e is RunFinishedEvent => e.type === 'finished')!;
  assert.ok(finished.test!.accuracy >= 0.85, `5–9 test accuracy after the unfreeze phase: ${finished.test!.accuracy} (README: 91.8 %)`);

  const again = runCli(['train', 'digits-5-9-finetune.experiment.json'], { cwd: dir });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /read from the cache/);
  const cache = join(dir, '.gradient-lab', 'feature-cache');
  const entry = join(cache, readdirSync(cache)[0]);
  const bytes = readdirSync(entry).filter((f) => f.endsWith('.f32')).reduce((s, f) => s + statSync(join(entry, f)).size, 0);
  const images = features.images;
  assert.equal(bytes, 4 * features.dim * images, `${bytes} bytes for ${images} images × ${features.dim} features`);
});

/** README: "98.4 % on 0–4" — the pretraining's test accuracy, pinned within a point. */
function t0to4(finished: RunFinishedEvent): void {
  assert.ok(Math.abs(finished.test!.accuracy - 0.984) <= 0.01, `0–4 test accuracy ${finished.test!.accuracy}`);
}

test('a sweep runs its members one after another, and a member that fails does not stop the rest', () => {
  const dir = tempDir();
  // the middle member's learning rate makes the loss overflow: that run fails as diverged
  const file = writeExperiment(dir, { ...mlp, sweep: { 'optimizer.learningRate': [0.01, 1e30, 0.003] } });
  const r = runCli(['sweep', file, '--json'], { cwd: dir });
  const ev = events(r.stdout);
  const order = ev.filter((e) => e.type === 'started' || e.type === 'finished' || e.type === 'failed').map((e) => `${e.type}:${e.runId}`);
  const ids = [...new Set(ev.filter((e) => e.type === 'started').map((e) => e.runId))];
  assert.equal(ids.length, 3, 'all three members started');
  assert.deepEqual(order.map((o) => o.split(':')[0]), ['started', 'finished', 'started', 'failed', 'started', 'finished'], 'each member ends before the next starts');
  assert.deepEqual(order.map((o) => o.split(':').slice(1).join(':')), [ids[0], ids[0], ids[1], ids[1], ids[2], ids[2]]);
  const runs = join(dir, '.gradient-lab', 'runs');
  const sweep = JSON.parse(readFileSync(join(runs, readdirSync(runs)[0], 'sweep.json'), 'utf8'));
  assert.deepEqual(sweep.members.map((m: { status: string }) => m.status), ['completed', 'failed', 'completed']);
});

test('gradients are recorded every 10 steps by default, and not at all for nets over 50 weight layers', () => {
  const dir = tempDir();
  const r = runCli(['train', writeExperiment(dir, { ...mlp, data: { ...digits, trainLimit: 32 * 25 } }), '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const steps = events(r.stdout).filter((e) => e.type === 'gradients').map((e) => (e as { step: number }).step);
  assert.deepEqual(steps, [1, 10, 20], 'the first step, then every 10th (25 steps)');
  const deep = runCli(['train', writeExperiment(dir, { ...mlp, data: { ...digits, trainLimit: 64 }, model: { kind: 'deep-mlp', depth: 51, width: 4, activation: 'relu', init: 'he' } }, 'deep.experiment.json'), '--json'], { cwd: dir });
  assert.equal(deep.code, 0, deep.stderr);
  assert.equal(events(deep.stdout).filter((e) => e.type === 'gradients').length, 0, '52 weight layers: off unless asked for');
});

test('deep-mlp: depth up to 200 (201 is refused, naming the field); leaky-relu and batch norm build and train', () => {
  const dir = tempDir();
  const tooDeep = runCli(['train', writeExperiment(dir, { ...mlp, model: { kind: 'deep-mlp', depth: 201, width: 2 } })], { cwd: dir });
  assert.equal(tooDeep.code, 1);
  assert.match(tooDeep.stderr, /model\.depth/);
  const r = runCli(['train', writeExperiment(dir, { ...mlp, model: { kind: 'deep-mlp', depth: 4, width: 16, activation: 'leaky-relu', batchNorm: true, init: 'he' } }, 'leaky.experiment.json'), '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const started = events(r.stdout).find((e): e is RunStartedEvent => e.type === 'started')!;
  assert.ok(started.summary!.rows.some((l) => /BatchNorm/i.test(l.type)), started.summary!.rows.map((l) => l.type).join(', '));
  assert.equal((events(r.stdout).at(-1) as RunFinishedEvent).status, 'completed');
});

test('semi-supervised: epochsPerRound epochs per round, the weight ramping up to maxWeight', () => {
  const dir = tempDir();
  const file = writeExperiment(dir, {
    ...mlp, data: { source: 'embedded-digits', trainLimit: 1000, validationLimit: 100, testLimit: 100 },
    semiSupervised: { labeled: 200, method: 'pseudo-label', rounds: 3, epochsPerRound: 2, maxWeight: 0.6, threshold: 0.5 },
  });
  const r = runCli(['train', file, '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const ev = events(r.stdout);
  const started = ev.find((e): e is RunStartedEvent => e.type === 'started')!;
  assert.equal(started.totalEpochs, 1 + 3 * 2);
  const rounds = ev.filter((e): e is RoundEvent => e.type === 'round');
  assert.equal(rounds.length, 3);
  const weights = rounds.map((x) => x.weight);
  assert.ok(weights.every((w, i) => i === 0 || w > weights[i - 1]), `weights ramp up: ${weights}`);
  assert.ok(Math.abs(weights.at(-1)! - 0.6) < 1e-9, `the last round reaches maxWeight: ${weights}`);
  assert.deepEqual(rounds.map((x) => x.epoch), [2, 4, 6], 'a round every epochsPerRound epochs after the labeled one');
  assert.equal(ev.filter((e) => e.type === 'epoch').length, 7);
});

test('an engine forced in the experiment ("engine": "gpu") that cannot load is an error saying so; "wasm" trains on wasm', () => {
  const dir = tempDir();
  const gpu = runCli(['train', writeExperiment(dir, { ...mlp, engine: 'gpu' })], { cwd: dir });
  assert.equal(gpu.code, 1);
  assert.match(gpu.stderr, /the experiment's "engine"=gpu, but that engine is unavailable — gpu: /);
  mkdirSync(join(dir, 'w'));
  const wasm = runCli(['train', writeExperiment(join(dir, 'w'), { ...mlp, engine: 'wasm' }), '--json'], { cwd: join(dir, 'w') });
  assert.equal(wasm.code, 0, wasm.stderr);
  assert.equal((events(wasm.stdout).at(-1) as RunFinishedEvent).engine, 'wasm');
});

test('augmentation is drawn anew each epoch: the same images, unchanged weights, a different loss every epoch (and the same loss without it)', () => {
  const dir = tempDir();
  // one batch per epoch over the same 256 images, weights frozen in effect (lr 1e-30): only the augmentation can change the loss
  const frozen = { ...mlp, data: { ...digits, trainLimit: 256 }, optimizer: { name: 'sgd', learningRate: 1e-30 }, training: { epochs: 3, batchSize: 256 } };
  const losses = (experiment: object, name: string) => {
    const r = runCli(['train', writeExperiment(dir, experiment, name), '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    return events(r.stdout).filter((e) => e.type === 'batch').map((e) => (e as { loss: number }).loss);
  };
  const spread = (xs: number[]) => Math.min(...xs.flatMap((a, i) => xs.slice(i + 1).map((b) => Math.abs(a - b)))) / xs[0];
  const widest = (xs: number[]) => (Math.max(...xs) - Math.min(...xs)) / xs[0];
  const plain = losses(frozen, 'plain.experiment.json');
  // the same images in another order: equal up to float32 summation order
  assert.ok(widest(plain) < 1e-5, `without augmentation every epoch sees the same images: ${plain}`);
  const augmented = losses({ ...frozen, training: { ...frozen.training, augment: { shift: 3, brightness: 0.3 } } }, 'augmented.experiment.json');
  assert.ok(spread(augmented) > 1e-4, `with it each epoch draws new transforms, so every two epochs differ: ${augmented}`);
});

test('the classification report: each class\'s precision, recall, F1 and support follow from the confusion matrix', () => {
  const dir = tempDir();
  const r = runCli(['train', writeExperiment(dir, { ...mlp, data: { ...digits, testLimit: 300 } }), '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const { confusion, perClass, accuracy } = (events(r.stdout).at(-1) as RunFinishedEvent).test!;
  assert.equal(perClass.length, 10);
  const total = confusion.flat().reduce((a, b) => a + b, 0);
  assert.equal(total, 300);
  assert.ok(Math.abs(confusion.reduce((s, row, i) => s + row[i], 0) / total - accuracy) < 1e-9, 'accuracy = the diagonal over all');
  perClass.forEach((c, k) => {
    const tp = confusion[k][k];
    const predicted = confusion.reduce((s, row) => s + row[k], 0);
    const actual = confusion[k].reduce((a, b) => a + b, 0);
    const [p, rc] = [predicted ? tp / predicted : 0, actual ? tp / actual : 0];
    assert.equal(c.support, actual, `class ${c.name} support`);
    assert.ok(Math.abs(c.precision - p) < 1e-9 && Math.abs(c.recall - rc) < 1e-9, `class ${c.name}: ${JSON.stringify(c)} vs precision ${p}, recall ${rc}`);
    assert.ok(Math.abs(c.f1 - (p + rc ? (2 * p * rc) / (p + rc) : 0)) < 1e-9, `class ${c.name} F1`);
  });
});

test('an image folder without validation/: the last 10 % of each training class validates', async () => {
  const dir = tempDir();
  const data = await loadDataset({ source: 'embedded-digits', trainLimit: 300, validationLimit: 1, testLimit: 50 });
  writeImageFolder(data, dir, { train: 300, validation: 0, test: 50 });
  rmSync(join(dir, 'validation'), { recursive: true, force: true });
  const loaded = loadImageFolder(dir, { source: 'image-folder', path: dir });
  const perClass = (labels: Uint8Array) => Array.from({ length: 10 }, (_, k) => labels.filter((l) => l === k).length);
  const written = perClass(data.train.labels.subarray(0, 300));
  const validation = perClass(loaded.validation.labels);
  written.forEach((n, k) => assert.equal(validation[k], Math.round(n * 0.1), `class ${k}: ${validation[k]} of ${n} held out`));
  assert.equal(loaded.train.count + loaded.validation.count, 300);
});
