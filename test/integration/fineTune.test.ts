// Fine-tuning real pretrained ImageNet networks (MobileNetV2, InceptionV3 from the nsfwjs test fixture) on real
// Fashion-MNIST images written as an image folder, through the real CLI.
import { test } from 'node:test';
import { PNG } from 'pngjs';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FeaturesEvent, type PhaseEvent, type RunEvent, type RunFinishedEvent } from '../../src/protocol/runEvents';
import { RunCancelRequest, RunStartRequest, TaskProgressNotification } from '../../src/protocol/training';
import { runCli, startBackend } from '../helpers/backendProcess';
import { fashionDir, requireFashion, tempDir, writeExperiment } from '../helpers/fixtures';
import { mobilenetFineTune, pretrainedFixture } from '../helpers/pretrained';

function events(stdout: string): RunEvent[] {
  return stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as RunEvent);
}
const find = <T extends RunEvent>(list: RunEvent[], type: T['type']) => list.find((e) => e.type === type) as T | undefined;

function fashionFolder(dir: string, counts: string[]): string {
  requireFashion();
  const out = join(dir, 'fashion');
  const r = runCli(['image-folder', '--idx', fashionDir, '--out', out, ...counts]);
  assert.equal(r.code, 0, r.stderr);
  return out;
}

test('head-only fine-tuning of pretrained MobileNetV2 on 1,000 Fashion-MNIST images beats 75 % test accuracy; the second run reads the cached features', async () => {
  const dir = tempDir('gl-ft-');
  fashionFolder(dir, ['--train', '1000', '--validation', '200', '--test', '500']);
  const file = writeExperiment(dir, mobilenetFineTune('fashion-mobilenet-head', 'fashion', 96, { head: { dense: [32] }, training: { epochs: 30, batchSize: 32 } }));
  const first = runCli(['finetune', file, '--json'], { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  const a = events(first.stdout);
  const featuresA = find<FeaturesEvent>(a, 'features')!;
  const doneA = find<RunFinishedEvent>(a, 'finished')!;
  assert.equal(featuresA.cache, 'miss');
  assert.equal(featuresA.dim, 1280);
  assert.ok(doneA.test!.accuracy >= 0.76, `test accuracy ${doneA.test!.accuracy} (README: 77 %)`);
  const started = a.find((e) => e.type === 'started');
  assert.ok(started?.type === 'started' && started.summary?.base?.cutAt === 'out_relu');
  // the head: 1280·32 + 32 and 32·10 + 10 weights trainable; the base frozen
  assert.equal(started.summary!.trainableParams, 1280 * 32 + 32 + 32 * 10 + 10);

  const csv = readFileSync(join(started.folder, 'predictions.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 1 + 500);
  assert.match(csv[0], /^file,true,predicted,p\(Ankle boot\),p\(Bag\),/);
  const row = csv[1].split(',');
  assert.match(row[0], /^test\/.+\.png$/);
  const probs = row.slice(3).map(Number);
  assert.ok(Math.abs(probs.reduce((x, y) => x + y, 0) - 1) < 1e-3);
  assert.ok(existsSync(join(started.folder, 'report.html')));

  const second = runCli(['finetune', file, '--json'], { cwd: dir });
  assert.equal(second.code, 0, second.stderr);
  const b = events(second.stdout);
  const featuresB = find<FeaturesEvent>(b, 'features')!;
  assert.equal(featuresB.cache, 'hit');
  assert.equal(featuresB.folder, featuresA.folder);
  // the same features, the same seed: the same result, without running the base
  assert.equal(find<RunFinishedEvent>(b, 'finished')!.test!.accuracy, doneA.test!.accuracy);
  console.log(`MobileNetV2 head on 1,000 Fashion-MNIST images: test accuracy ${(100 * doneA.test!.accuracy).toFixed(1)} %; features computed in ${featuresA.seconds.toFixed(1)} s, read back in ${featuresB.seconds.toFixed(2)} s`);
});

test('the feature cache misses whenever its key changes: an image rewritten under its own name and time, another input size, another cut', () => {
  const dir = tempDir('gl-ft-key-');
  const folder = fashionFolder(dir, ['--train', '60', '--validation', '20', '--test', '20']);
  const experiment = mobilenetFineTune('cache key', 'fashion', 64, { training: { epochs: 1, batchSize: 32 } });
  const features = (e: Record<string, unknown>) => {
    const r = runCli(['finetune', writeExperiment(dir, e), '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    return find<FeaturesEvent>(events(r.stdout), 'features')!;
  };
  // other pixels under the same file name, byte size and modification time (an editor that keeps times): the victim is
  // stored uncompressed from the start, so the donor's pixels stored the same way take exactly as many bytes
  const classDir = join(folder, 'train', readdirSync(join(folder, 'train'))[0]);
  const [victim, donor] = readdirSync(classDir);
  const stored = (file: string) => PNG.sync.write(PNG.sync.read(readFileSync(join(classDir, file))), { deflateLevel: 0, filterType: 0 });
  writeFileSync(join(classDir, victim), stored(victim));
  const time = new Date('2026-01-02T03:04:05Z'); // whole seconds: a time utimes can put back exactly
  utimesSync(join(classDir, victim), time, time);
  const first = features(experiment);
  assert.equal(first.cache, 'miss');
  assert.equal(features(experiment).cache, 'hit', 'unchanged inputs: the cache is used');
  const before = statSync(join(classDir, victim));
  const other = stored(donor);
  assert.notDeepEqual(other, readFileSync(join(classDir, victim)));
  assert.equal(other.length, before.size, 'the same number of bytes');
  writeFileSync(join(classDir, victim), other);
  utimesSync(join(classDir, victim), time, time);
  assert.equal(statSync(join(classDir, victim)).mtimeMs, before.mtimeMs, 'the same modification time');
  const rewritten = features(experiment);
  assert.equal(rewritten.cache, 'miss', 'an image rewritten under its own name');
  assert.notEqual(rewritten.folder, first.folder);
  const base = experiment.base as Record<string, unknown>;
  const resized = features({ ...experiment, base: { ...base, inputSize: [72, 72] } });
  assert.equal(resized.cache, 'miss', 'another input size');
  const cut = features({ ...experiment, base: { ...base, cutAt: 'block_16_project_BN' } });
  assert.equal(cut.cache, 'miss', 'another cut');
  assert.equal(new Set([first.folder, rewritten.folder, resized.folder, cut.folder]).size, 4, 'each key its own cache folder');
});

test('the unfreeze phase trains the top of MobileNetV2 on wasm with finite loss; the best checkpoint is the one restored and tested', async () => {
  const dir = tempDir('gl-unfreeze-');
  fashionFolder(dir, ['--train', '160', '--validation', '60', '--test', '60']);
  const file = writeExperiment(dir, mobilenetFineTune('fashion-unfreeze', 'fashion', 64, {
    optimizer: { name: 'adam', learningRate: 0.003 }, training: { epochs: 4, batchSize: 32 },
    // a learning rate far too large for the unfrozen layers: validation loss gets worse, so the best is earlier
    unfreeze: { layers: 12, epochs: 2, learningRate: 0.05 },
  }));
  const r = runCli(['finetune', file, '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const list = events(r.stdout);
  const phase = find<PhaseEvent>(list, 'phase')!;
  assert.equal(phase.epoch, 5);
  assert.ok(phase.unfrozenLayers.includes('Conv_1') && phase.unfrozenLayers.some((l) => /depthwise/.test(l)), phase.unfrozenLayers.join());
  const unfrozenLosses = list.filter((e) => e.type === 'batch' && e.epoch >= 5).map((e) => (e as { loss: number }).loss);
  assert.ok(unfrozenLosses.length > 0 && unfrozenLosses.every(Number.isFinite));
  const done = find<RunFinishedEvent>(list, 'finished')!;
  assert.equal(done.epochsDone, 6);
  assert.equal(done.restoredEpoch, done.bestEpoch);
  // the test result is that of the best checkpoint: recompute it from the checkpoint on disk
  const started = list.find((e) => e.type === 'started')!;
  const check = runCli(['evaluate', (started as { folder: string }).folder, '--json'], { cwd: dir });
  assert.equal(check.code, 0, check.stderr);
  const fromDisk = JSON.parse(check.stdout) as { best: { loss: number; epoch: number }; last: { loss: number } };
  assert.equal(fromDisk.best.epoch, done.bestEpoch);
  assert.ok(Math.abs(fromDisk.best.loss - done.test!.loss) < 1e-4, `best checkpoint ${fromDisk.best.loss} vs reported ${done.test!.loss}`);
  assert.ok(done.bestEpoch! < done.epochsDone, `the best epoch (${done.bestEpoch}) is not the last, or restoring would go unseen`);
  assert.ok(Math.abs(fromDisk.last.loss - done.test!.loss) > 1e-4, 'the last weights were tested instead of the best');
  console.log(`unfreeze on wasm: best epoch ${done.bestEpoch} of ${done.epochsDone}; test loss ${done.test!.loss.toFixed(4)} (best checkpoint) vs ${fromDisk.last.loss.toFixed(4)} (last)`);
});

test('an L2 sweep of the head: one fine-tune per λ and seed, sequentially; all but the first read the cached features; mean ± std of validation loss per λ', async () => {
  const dir = tempDir('gl-l2-');
  fashionFolder(dir, ['--train', '200', '--validation', '100', '--test', '0']);
  const lambdas = [0, 0.01, 1];
  const file = writeExperiment(dir, mobilenetFineTune('l2 sweep', 'fashion', 64, {
    head: { dense: [32] }, optimizer: { name: 'adam', learningRate: 0.003 }, training: { epochs: 8, batchSize: 32 }, sweep: { 'head.l2': lambdas, repeat: 2 },
  }));
  const r = runCli(['sweep', file, '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const summary = lines.find((l) => l.type === 'sweep');
  assert.equal(summary.members.length, 6);
  assert.ok(summary.members.every((m: { status: string }) => m.status === 'completed'));
  const features = lines.filter((l) => l.type === 'features') as FeaturesEvent[];
  assert.deepEqual(features.map((f) => f.cache), ['miss', 'hit', 'hit', 'hit', 'hit', 'hit']);
  // one cache for sweep members and plain runs alike: beside the runs folder, not inside it or the sweep's folder
  assert.equal(readdirSync(join(dir, '.gradient-lab', 'feature-cache')).length, 1);
  assert.equal(existsSync(join(dir, '.gradient-lab', 'runs', 'feature-cache')), false);
  const { compareView } = await import('../../src/runs/compareRuns');
  const { readEvents } = await import('../../src/runs/runFolder');
  const { meanStd } = await import('../../src/runs/stats');
  const folders = lines.filter((l) => l.type === 'started').map((l) => l.folder as string);
  const view = compareView('l2', folders.map((f) => ({ folder: f, events: readEvents(f).events })));
  assert.deepEqual(view.settings, ['head.l2', 'seed']);
  const lastLoss = (run: (typeof view.runs)[number]) => meanStd(run.epochs.slice(-3).map((e) => e.valLoss!)).mean;
  const byLambda = lambdas.map((l) => meanStd(view.runs.filter((run) => run.values['head.l2'] === l).map(lastLoss)));
  assert.ok(byLambda.every((s) => s.n === 2 && Number.isFinite(s.mean) && s.std >= 0));
  // a strong penalty holds the head back: its validation loss is the highest
  assert.ok(byLambda[2].mean > byLambda[0].mean, JSON.stringify(byLambda));
  console.log(`validation loss (mean ± std over 2 seeds, last 3 epochs) by λ: ${lambdas.map((l, i) => `${l}: ${byLambda[i].mean.toFixed(3)} ± ${byLambda[i].std.toFixed(3)}`).join(', ')}`);
});

test('gradient-lab summary shows the cut base frozen and the head trainable; InceptionV3 (layers) and MobileNetV2-mid (graph) serve as bases too', async () => {
  const dir = tempDir('gl-bases-');
  const digits = { source: 'embedded-digits', trainLimit: 40, validationLimit: 10, testLimit: 10 };
  const experiment = (model: string, inputSize: number[]) => writeExperiment(dir, {
    name: `base ${model}`, engine: 'wasm', data: digits, base: { model: pretrainedFixture(model as 'mobilenet_v2'), inputSize },
    optimizer: { name: 'adam', learningRate: 0.001 }, training: { epochs: 1, batchSize: 10 },
  });
  const summary = runCli(['summary', experiment('mobilenet_v2', [96, 96])], { cwd: dir });
  assert.equal(summary.code, 0, summary.stderr);
  assert.match(summary.stdout, /cut at out_relu, input 96×96×3, 1280 features/);
  assert.match(summary.stdout, /^Conv1 +Conv2D +\[None,48,48,32\] +864 +frozen$/m);
  assert.match(summary.stdout, /^logits +Dense +\[None,10\] +330 +yes$/m);
  assert.match(summary.stdout, /total 2,299,306 parameters, 41,322 trainable, 2,257,984 frozen/);
  for (const [model, size, dim, kind] of [['inception_v3', 139, 2048, 'layers'], ['mobilenet_v2_mid', 96, 1792, 'graph']] as const) {
    const r = runCli(['finetune', experiment(model, [size, size]), '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const list = events(r.stdout);
    const started = list.find((e) => e.type === 'started');
    assert.ok(started?.type === 'started' && started.summary?.base?.kind === kind, model);
    assert.equal(find<FeaturesEvent>(list, 'features')!.dim, dim, model);
    const done = find<RunFinishedEvent>(list, 'finished')!;
    assert.ok(Number.isFinite(done.test!.loss), model);
  }
  // a graph model cannot be trained, so it cannot be unfrozen: said before anything trains, at the line
  const graphUnfreeze = JSON.parse(readFileSync(experiment('mobilenet_v2_mid', [96, 96]), 'utf8'));
  const refused = runCli(['finetune', writeExperiment(dir, { ...graphUnfreeze, unfreeze: { layers: 2, epochs: 1 } })], { cwd: dir });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /test\.experiment\.json:\d+:\d+ unfreeze: .*is a graph model, which TF\.js cannot train/);
});

test('patience ends the head phase early and starts the unfreeze phase; augmentation is cached as copies, or said to be impossible to cache', async () => {
  const dir = tempDir('gl-patience-');
  const base = { model: pretrainedFixture('mobilenet_v2'), inputSize: [32, 32] };
  const common = { engine: 'wasm', data: { source: 'embedded-digits', trainLimit: 100, validationLimit: 30, testLimit: 30 }, optimizer: { name: 'adam', learningRate: 0.05 } };
  // a learning rate this large makes validation loss bounce: patience 1 stops the head phase long before 40 epochs
  const r = runCli(['finetune', writeExperiment(dir, { ...common, name: 'patience', base, training: { epochs: 40, batchSize: 20, patience: 1 }, unfreeze: { layers: 2, epochs: 1 } }), '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const list = events(r.stdout);
  const phase = find<PhaseEvent>(list, 'phase')!;
  assert.equal(phase.reason, 'patience');
  assert.ok(phase.epoch < 40);
  assert.equal(phase.totalEpochs, phase.epoch);
  assert.equal(find<RunFinishedEvent>(list, 'finished')!.epochsDone, phase.epoch);

  const augment = { shift: 2 };
  const noAugment = runCli(['finetune', writeExperiment(dir, { ...common, name: 'copies of what', base: { ...base, augmentCopies: 2 }, training: { epochs: 1, batchSize: 20 } })], { cwd: dir });
  assert.equal(noAugment.code, 1);
  assert.match(noAugment.stderr, /test\.experiment\.json:\d+:\d+ base\.augmentCopies: needs training\.augment/);
  const copies = events(runCli(['finetune', writeExperiment(dir, { ...common, name: 'copies', base: { ...base, augmentCopies: 2 }, training: { epochs: 1, batchSize: 20, augment } }), '--json'], { cwd: dir }).stdout);
  const f = find<FeaturesEvent>(copies, 'features')!;
  assert.equal(f.images, 100 * 3 + 30 + 30);
  assert.equal(f.stepsPerEpoch, 15);
  assert.match(f.note!, /2 augmented copies of every training image, drawn once and cached/);
  const perEpoch = events(runCli(['finetune', writeExperiment(dir, { ...common, name: 'per epoch', base, training: { epochs: 1, batchSize: 20, augment } }), '--json'], { cwd: dir }).stdout);
  assert.match(find<FeaturesEvent>(perEpoch, 'features')!.note!, /cached features cannot hold.*base\.augmentCopies/);
});

test('patience and restoreBest on an ordinary run: it stops when validation loss stops improving and tests the best checkpoint (Keras\' restore_best_weights, working)', async () => {
  const dir = tempDir('gl-restore-');
  const file = writeExperiment(dir, {
    name: 'restore best', engine: 'wasm', seed: 3,
    data: { source: 'embedded-digits', trainLimit: 500, validationLimit: 200, testLimit: 200 },
    model: { kind: 'mlp', dense: [128] },
    // far too large a learning rate: validation loss gets worse after the first epochs
    optimizer: { name: 'sgd', learningRate: 1.5 },
    training: { epochs: 30, batchSize: 50, patience: 2, restoreBest: true },
  });
  const r = runCli(['train', file, '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const list = events(r.stdout);
  const done = find<RunFinishedEvent>(list, 'finished')!;
  assert.equal(done.stoppedEarly, true);
  assert.ok(done.epochsDone < 30);
  assert.equal(done.restoredEpoch, done.bestEpoch);
  assert.ok(done.bestEpoch! <= done.epochsDone - 2);
  const folder = (list.find((e) => e.type === 'started') as { folder: string }).folder;
  const fromDisk = JSON.parse(runCli(['evaluate', folder, '--json']).stdout) as { best: { loss: number; accuracy: number }; last: { loss: number } };
  assert.ok(Math.abs(fromDisk.best.loss - done.test!.loss) < 1e-4, `best ${fromDisk.best.loss} vs reported ${done.test!.loss}`);
  assert.ok(Math.abs(fromDisk.last.loss - done.test!.loss) > 1e-4, 'the last weights differ from what was tested');
});

test('over JSON-RPC: the base features computation reports its progress and can be cancelled; nothing half-made is cached', async () => {
  const dir = tempDir('gl-ft-cancel-');
  fashionFolder(dir, ['--train', '1000', '--validation', '100', '--test', '100']);
  const experimentPath = writeExperiment(dir, mobilenetFineTune('cancel during features', 'fashion', 96));
  const backend = startBackend();
  try {
    const progress: { message: string; done?: number; total?: number }[] = [];
    backend.connection.onNotification(TaskProgressNotification, (p) => void progress.push(p));
    const runsFolder = join(dir, '.gradient-lab', 'runs');
    const { runId } = await backend.connection.sendRequest(RunStartRequest, { experiment: readFileSync(experimentPath, 'utf8'), experimentPath, runsFolder });
    for (let i = 0; !progress.some((p) => /computing the base's features/.test(p.message)); i++) {
      assert.ok(i < 600, 'progress of the features arrives while they are computed');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(await backend.connection.sendRequest(RunCancelRequest, { runId }), { cancelled: true });
    const finished = await backend.waitFor((e): e is RunFinishedEvent => e.type === 'finished');
    assert.equal(finished.status, 'cancelled');
    const last = progress.filter((p) => p.total).at(-1)!;
    assert.ok(last.done! < last.total!, `cancelled part-way: ${last.done} of ${last.total}`);
    const cache = join(dir, '.gradient-lab', 'feature-cache');
    assert.deepEqual(existsSync(cache) ? readdirSync(cache) : [], []);
  } finally {
    await backend.stop();
  }
});
