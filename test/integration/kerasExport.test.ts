// The Keras export, run for real with Keras 3 on TensorFlow 2.21 (the venv .ci/run makes in .cache/python): the
// same model (first-step loss from the same initial weights and the same first batch), the default CNN reaching
// ≥ 96 % on the same held-back digits, a trained checkpoint as a .keras model predicting as TF.js does, mirrored
// distribution on one CPU replica, what cannot be exported refused — and a Keras run that Gradient Lab reads.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { BatchEvent, RunEvent } from '../../src/protocol/runEvents';
import { loadCheckpoint } from '../../src/backend/training/checkpoint';
import { adaptInput, preprocessPixels } from '../../src/backend/models/pretrained';
import { readEvents } from '../../src/runs/runFolder';
import { packageRoot } from '../../src/paths';
import { runCli } from '../helpers/backendProcess';
import { requireFashion, tempDir, writeExperiment } from '../helpers/fixtures';
import { useBackend } from '../helpers/tfSetup';
import { pretrainedFixture } from '../helpers/pretrained';
import { nativeEnv } from '../helpers/nativeEngine';

const python = join(packageRoot(), '.cache', 'python', 'venv', 'bin', 'python');

/** Keras' Python, or undefined after t.skip (never on CI, which installs it). */
function keras(t: TestContext): string | undefined {
  if (existsSync(python)) return python;
  const how = 'set it up as .ci/run does (npm run native puts tensorflow-cpu, which brings Keras 3, into .cache/python/venv)';
  if (process.env.CI) throw new Error(`Keras is missing on CI (no ${python}): ${how}`);
  t.skip(`no Keras here (${python}); ${how}`);
  return undefined;
}

/** Runs Keras' Python; its stdout, or a failure with its stderr (TensorFlow's start-up chatter is kept out otherwise). */
function py(args: string[], cwd: string): string {
  try {
    return execFileSync(python, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' }, maxBuffer: 64 << 20, timeout: 900_000 });
  } catch (e) {
    throw new Error(`python ${args.join(' ')} failed:\n${(e as { stderr?: string }).stderr ?? e}`);
  }
}

/** The image count an exported IDX labels file declares. */
const idxCount = (file: string) => gunzipSync(readFileSync(file)).readUInt32BE(4);

/** The `.keras` model's probabilities for the first 100 exported test images, computed by Keras. */
function kerasProbabilities(exported: string, model: string, cwd: string): number[][] {
  const script = 'import sys, json, keras; sys.path.insert(0, sys.argv[1]); import train_keras as t\n' +
    'x, _ = t.load_split("test"); m = keras.models.load_model(sys.argv[2])\n' +
    'print(json.dumps(keras.ops.convert_to_numpy(keras.ops.softmax(m(x[:100], training=False))).tolist()))';
  return JSON.parse(py(['-c', script, exported, model], cwd).trim().split('\n').at(-1)!) as number[][];
}

/** The first 100 exported test digits as TF.js reads them: [100, 28, 28, 1], 0..1. */
function testImages(exported: string): tf.Tensor4D {
  const raw = gunzipSync(readFileSync(join(exported, 'data', 'test-images.idx.gz')));
  return tf.tensor4d(Float32Array.from(raw.subarray(16, 16 + 100 * 784), (v) => v * (1 / 255)), [100, 28, 28, 1]);
}

const maxAbsDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((row, i) => row.map((p, c) => Math.abs(p - b[i][c]))));

const only = (dir: string) => join(dir, readdirSync(dir).filter((f) => !f.startsWith('.'))[0]);
const batches = (folder: string) => readEvents(folder).events.filter((e): e is BatchEvent => e.type === 'batch');

const mlp = {
  name: 'seeded mlp', seed: 5, data: { source: 'embedded-digits', trainLimit: 512, validationLimit: 128, testLimit: 128 },
  model: { kind: 'mlp', dense: [32], activation: 'relu', l2: 0.001, init: 'he' }, optimizer: { name: 'adam', learningRate: 0.01 },
  training: { epochs: 1, batchSize: 64, gradients: { enabled: false } },
};

test('a seeded MLP: the Keras script starts from the same weights on the same first batch — the same first-step loss; its run reads as a run', (t) => {
  if (!keras(t)) return;
  const dir = tempDir();
  const file = writeExperiment(dir, mlp);
  assert.equal(runCli(['train', file, '--runs', join(dir, 'gl')], { cwd: dir }).code, 0);
  const exported = runCli(['export-keras', file, '--out', join(dir, 'keras'), '--json'], { cwd: dir });
  assert.equal(exported.code, 0, exported.stderr);
  py([join(dir, 'keras', 'train_keras.py'), '--runs', join(dir, 'kr')], dir);
  const [ours, theirs] = [batches(only(join(dir, 'gl'))), batches(only(join(dir, 'kr')))];
  const sizes = (folder: string) => {
    const started = readEvents(folder).events[0] as Extract<RunEvent, { type: 'started' }>;
    return [started.trainSize, started.validationSize, started.testSize];
  };
  assert.deepEqual(sizes(only(join(dir, 'kr'))), sizes(only(join(dir, 'gl'))), 'the same splits');
  assert.equal(theirs.length, ours.length, 'as many steps');
  const first = Math.abs(ours[0].loss - theirs[0].loss);
  const last = Math.abs(ours.at(-1)!.loss - theirs.at(-1)!.loss);
  console.log(`first-step loss: Gradient Lab ${ours[0].loss}, Keras ${theirs[0].loss}; step ${ours.length}: ${ours.at(-1)!.loss} vs ${theirs.at(-1)!.loss}`);
  assert.ok(first <= 1e-5 * Math.max(1, Math.abs(ours[0].loss)), `first step: |Δ| = ${first}`);
  assert.ok(last <= 1e-3 * Math.max(1, Math.abs(ours.at(-1)!.loss)), `step ${ours.length} (same optimizer, same batches): |Δ| = ${last}`);
  // a run trained elsewhere is still a run: listed and compared next to the editor's
  const listed = JSON.parse(runCli(['runs', '--runs', join(dir, 'kr'), '--json'], { cwd: dir }).stdout) as { status: string; name: string }[];
  assert.deepEqual(listed.map((r) => [r.status, r.name]), [['completed', 'seeded mlp']]);
  const compared = runCli(['compare', only(join(dir, 'gl')), only(join(dir, 'kr')), '--json'], { cwd: dir });
  assert.equal(compared.code, 0, compared.stderr);
  assert.deepEqual((JSON.parse(compared.stdout) as { summary: { status: string } }[]).map((r) => r.summary.status), ['completed', 'completed']);
});

test('the default CNN experiment, exported: Keras trains it 3 epochs on the CPU to ≥ 96 % on the same held-back digits', (t) => {
  if (!keras(t)) return;
  const dir = tempDir();
  const exported = runCli(['export-keras', join(packageRoot(), 'examples', 'digits-cnn.experiment.json'), '--out', join(dir, 'cnn')], { cwd: dir });
  assert.equal(exported.code, 0, exported.stderr);
  const out = py([join(dir, 'cnn', 'train_keras.py'), '--runs', join(dir, 'runs')], dir);
  const finished = readEvents(only(join(dir, 'runs'))).events.at(-1) as Extract<RunEvent, { type: 'finished' }>;
  assert.equal(finished.type, 'finished');
  assert.equal(finished.epochsDone, 3);
  const held = idxCount(join(dir, 'cnn', 'data', 'test-labels.idx.gz'));
  assert.ok(held > 990, `Gradient Lab's held-back digits, exported: ${held}`);
  assert.equal(finished.test!.confusion.flat().reduce((a, b) => a + b, 0), held, 'every one of them tested');
  console.log(`Keras on the exported default CNN: ${out.match(/test accuracy .*/)?.[0]}`);
  assert.ok(finished.test!.accuracy >= 0.96, `test accuracy ${finished.test!.accuracy}`);
});

test('a TF.js checkpoint exported to .keras predicts the same probabilities on 100 test images (max |Δ| ≤ 1e-5)', async (t) => {
  if (!keras(t)) return;
  const dir = tempDir();
  const cnn = { ...mlp, name: 'small cnn', model: { kind: 'cnn', conv: [{ filters: 8, kernel: 3, batchNorm: true }], dense: [32], dropoutKeep: 0.5, init: 'he' } };
  const file = writeExperiment(dir, cnn);
  assert.equal(runCli(['train', file, '--runs', join(dir, 'gl')], { cwd: dir }).code, 0);
  const run = only(join(dir, 'gl'));
  assert.equal(runCli(['export-keras', file, '--out', join(dir, 'k'), '--weights', run], { cwd: dir }).code, 0);
  py([join(dir, 'k', 'train_keras.py'), '--to-keras', join(dir, 'model.keras')], dir);
  const theirs = kerasProbabilities(join(dir, 'k'), join(dir, 'model.keras'), dir);
  await useBackend('wasm');
  const model = await loadCheckpoint(join(run, 'checkpoints'), 'best');
  const ours = tf.tidy(() => tf.softmax(model.predict(testImages(join(dir, 'k'))) as tf.Tensor).arraySync() as number[][]);
  const diff = maxAbsDiff(ours, theirs);
  console.log(`checkpoint → .keras: max |Δp| over 100 images × 10 classes = ${diff.toExponential(2)}`);
  assert.equal(theirs.length, 100);
  assert.ok(diff <= 1e-5, `max |Δ| = ${diff}`);
});

test('--distribute mirrored trains on one CPU replica; the script says how to run it across hosts (TF_CONFIG)', (t) => {
  if (!keras(t)) return;
  const dir = tempDir();
  const file = writeExperiment(dir, mlp);
  assert.equal(runCli(['export-keras', file, '--out', join(dir, 'k')], { cwd: dir }).code, 0);
  const out = py([join(dir, 'k', 'train_keras.py'), '--distribute', 'mirrored', '--runs', join(dir, 'runs')], dir);
  assert.match(out, /test accuracy \d+\.\d\d%/);
  assert.equal(JSON.parse(readFileSync(join(only(join(dir, 'runs')), 'summary.json'), 'utf8')).status, 'completed');
  const text = readFileSync(join(dir, 'k', 'train_keras.py'), 'utf8');
  assert.match(text, /MultiWorkerMirroredStrategy/);
  assert.match(text, /TF_CONFIG='\{"cluster"/);
});

test('a sweep exports one script per member and a runner: every member trains with its own setting into one runs folder', (t) => {
  if (!keras(t)) return;
  const dir = tempDir();
  const file = writeExperiment(dir, { ...mlp, sweep: { 'optimizer.learningRate': [0.01, 0.003] } });
  assert.equal(runCli(['export-keras', file, '--out', join(dir, 'k')], { cwd: dir }).code, 0);
  py([join(dir, 'k', 'run_sweep.py'), '--runs', join(dir, 'runs')], dir);
  const rates = readdirSync(join(dir, 'runs')).map((f) => {
    const folder = join(dir, 'runs', f);
    assert.equal(JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8')).status, 'completed');
    return (JSON.parse(readFileSync(join(folder, 'experiment.json'), 'utf8')) as { optimizer: { learningRate: number } }).optimizer.learningRate;
  });
  assert.deepEqual(rates.sort(), [0.003, 0.01]);
});

/** MobileNetV2 (the real backbone) on the embedded digits: 28×28 grey resized to 48×48 and copied to three channels,
 *  scaled to −1..1, a head on its pooled features, then its top layers unfrozen. */
const fineTune = {
  name: 'mobilenet fine-tune', seed: 1, engine: 'wasm',
  data: { source: 'embedded-digits', trainLimit: 200, validationLimit: 50, testLimit: 100 },
  base: { model: pretrainedFixture('mobilenet_v2'), inputSize: [48, 48], preprocess: '-1..1' },
  head: { dense: [32] }, optimizer: { name: 'adam', learningRate: 0.003 },
  training: { epochs: 2, batchSize: 32, gradients: { enabled: false } }, unfreeze: { layers: 3, epochs: 1 },
};

test('a fine-tune exports with its base converted to Keras — the same features — and trains as the same run: head on the features, then the top of the base', (t) => {
  if (!keras(t)) return;
  const dir = tempDir();
  const file = writeExperiment(dir, fineTune);
  assert.equal(runCli(['train', file, '--runs', join(dir, 'gl')], { cwd: dir }).code, 0);
  const exported = runCli(['export-keras', file, '--out', join(dir, 'keras')], { cwd: dir });
  assert.equal(exported.code, 0, exported.stderr);
  for (const f of ['base/base.json', 'base/base.weights.bin', 'data/train-features.npy', 'data/test-images.idx.gz']) assert.ok(existsSync(join(dir, 'keras', f)), f);
  // the converted base: Keras' features of the 100 test images against the ones Gradient Lab computed
  const check = JSON.parse(py([join(dir, 'keras', 'train_keras.py'), '--check-base'], dir).trim().split('\n').at(-1)!) as { images: number; dim: number; maxAbsDiff: number; maxAbsFeature: number };
  console.log(`converted MobileNetV2 base: max |Δ feature| ${check.maxAbsDiff} over ${check.images} images × ${check.dim} (features up to ${check.maxAbsFeature})`);
  assert.deepEqual([check.images, check.dim], [100, 1280]);
  assert.ok(check.maxAbsDiff <= 1e-4 * Math.max(1, check.maxAbsFeature), `max |Δ| = ${check.maxAbsDiff}`);
  py([join(dir, 'keras', 'train_keras.py'), '--runs', join(dir, 'kr')], dir);
  const [ours, theirs] = [readEvents(only(join(dir, 'gl'))).events, readEvents(only(join(dir, 'kr'))).events];
  const kinds = (events: RunEvent[]) => events.map((e) => e.type).filter((k) => ['features', 'phase', 'epoch', 'finished'].includes(k));
  assert.deepEqual(kinds(theirs), kinds(ours), 'the same phases: features, 2 head epochs, unfreeze, 1 epoch, finished');
  const phase = (events: RunEvent[]) => {
    const p = events.find((e): e is Extract<RunEvent, { type: 'phase' }> => e.type === 'phase')!;
    return [p.epoch, p.reason, p.unfrozenLayers, p.trainableParams, p.learningRate];
  };
  assert.deepEqual(phase(theirs), phase(ours));
  const [a, b] = [ours, theirs].map((events) => events.filter((e): e is BatchEvent => e.type === 'batch').map((e) => e.loss));
  assert.equal(b.length, a.length);
  const worst = Math.max(...a.map((loss, i) => Math.abs(loss - b[i])));
  console.log(`fine-tune step losses, Gradient Lab vs Keras: max |Δ| ${worst.toExponential(2)} over ${a.length} steps (unfreeze phase from step ${a.length - 6})`);
  assert.ok(worst <= 1e-3, `every step's loss, the unfrozen ones too: max |Δ| = ${worst}`);
  const accuracy = (events: RunEvent[]) => (events.at(-1) as Extract<RunEvent, { type: 'finished' }>).test!.accuracy;
  assert.ok(Math.abs(accuracy(theirs) - accuracy(ours)) <= 0.02, `test accuracy ${accuracy(ours)} vs ${accuracy(theirs)}`);
});

test('--data source reads the data where the experiment names it — Fashion-MNIST\'s IDX files, an image folder through image_dataset_from_directory — into the same splits', (t) => {
  if (!keras(t)) return;
  const dir = tempDir();
  assert.equal(runCli(['image-folder', '--digits', '--out', join(dir, 'images'), '--train', '300', '--validation', '60', '--test', '60'], { cwd: dir }).code, 0);
  const small = { model: { kind: 'mlp', dense: [32] }, optimizer: { name: 'adam', learningRate: 0.003 }, training: { epochs: 1, batchSize: 50, gradients: { enabled: false } } };
  const experiments = [
    { name: 'fashion from its files', seed: 3, data: { source: 'idx-folder', path: requireFashion(), trainLimit: 500, validationLimit: 100, testLimit: 200 }, ...small },
    { name: 'digit images, five classes', seed: 3, data: { source: 'image-folder', path: 'images', classes: [0, 1, 2, 3, 4] }, ...small },
  ];
  for (const experiment of experiments) {
    const out = join(dir, experiment.name.replace(/\W+/g, '-'));
    assert.equal(runCli(['export-keras', writeExperiment(dir, experiment), '--out', out], { cwd: dir }).code, 0);
    const run = (mode: string) => {
      py([join(out, 'train_keras.py'), '--data', mode, '--runs', join(out, `runs-${mode}`)], dir);
      const events = readEvents(only(join(out, `runs-${mode}`))).events;
      const started = events[0] as Extract<RunEvent, { type: 'started' }>;
      return { sizes: [started.trainSize, started.validationSize, started.testSize], losses: events.filter((e): e is BatchEvent => e.type === 'batch').map((e) => e.loss) };
    };
    const exported = run('exported');
    renameSync(join(out, 'data'), join(out, 'data-exported')); // the source run must read the source, not these copies
    const source = run('source');
    assert.deepEqual(source.sizes, exported.sizes, `${experiment.name}: the same split sizes`);
    assert.ok(exported.sizes[0] > 0 && exported.sizes[2] > 0);
    source.losses.forEach((loss, i) => assert.ok(Math.abs(loss - exported.losses[i]) <= 1e-6, `${experiment.name}, step ${i + 1}: ${loss} vs ${exported.losses[i]} — the same images in the same order`));
  }
});

test('a fine-tune\'s checkpoint (its base unfrozen) exported to .keras — images in, logits out — predicts as TF.js does on 100 test images (max |Δ| ≤ 1e-5)', async (t) => {
  if (!keras(t)) return;
  const dir = tempDir();
  const file = writeExperiment(dir, fineTune);
  assert.equal(runCli(['train', file, '--runs', join(dir, 'gl')], { cwd: dir }).code, 0);
  const run = only(join(dir, 'gl'));
  const exported = runCli(['export-keras', file, '--out', join(dir, 'k'), '--weights', run], { cwd: dir });
  assert.equal(exported.code, 0, exported.stderr);
  py([join(dir, 'k', 'train_keras.py'), '--to-keras', join(dir, 'fine-tuned.keras')], dir);
  const theirs = kerasProbabilities(join(dir, 'k'), join(dir, 'fine-tuned.keras'), dir);
  await useBackend('wasm');
  const model = await loadCheckpoint(join(run, 'checkpoints'), 'best'); // the base's input: resized, RGB, −1..1
  const ours = tf.tidy(() => {
    const x = preprocessPixels(adaptInput(testImages(join(dir, 'k')), [48, 48, 3]), '-1..1');
    return tf.softmax(model.predict(x) as tf.Tensor).arraySync() as number[][];
  });
  const diff = maxAbsDiff(ours, theirs);
  console.log(`fine-tune checkpoint → .keras: max |Δp| over 100 images × 10 classes = ${diff.toExponential(2)}`);
  assert.equal(theirs.length, 100);
  assert.ok(diff <= 1e-5, `max |Δ| = ${diff}`);
});

test('weights the other way: a Keras SavedModel and a .keras file as a fine-tune base, run by the native engine — the same features as the TF.js base they came from', (t) => {
  if (!keras(t)) return;
  const env = nativeEnv(t);
  if (!env) return;
  const dir = tempDir();
  const headOnly = { ...fineTune, unfreeze: undefined, training: { ...fineTune.training, epochs: 2 } };
  const file = writeExperiment(dir, headOnly);
  assert.equal(runCli(['train', file, '--runs', join(dir, 'tfjs')], { cwd: dir }).code, 0);
  assert.equal(runCli(['export-keras', file, '--out', join(dir, 'keras')], { cwd: dir }).code, 0);
  // the Keras base (converted from the TF.js one) saved both ways, as a Keras user would hand it over
  py(['-c', [
    'import sys, keras', `sys.path.insert(0, ${JSON.stringify(join(dir, 'keras'))})`, 'import train_keras as t',
    'base = t.build_base()', 'x = keras.Input((48, 48, 3))', 'y = base(x, training=False)', 'y = y[0] if isinstance(y, (list, tuple)) else y',
    'm = keras.Model(x, y)', `m.export(${JSON.stringify(join(dir, 'saved'))}, verbose=False)`, `m.save(${JSON.stringify(join(dir, 'base.keras'))})`,
  ].join('\n')], dir);
  const epochs = (runs: string) => readEvents(only(runs)).events.filter((e): e is Extract<RunEvent, { type: 'epoch' }> => e.type === 'epoch').map((e) => [e.trainLoss, e.valLoss!]);
  const reference = epochs(join(dir, 'tfjs'));
  const cache = join(dir, 'model-cache');
  for (const model of ['saved', 'base.keras']) {
    const other = writeExperiment(dir, { ...headOnly, name: `base from ${model}`, engine: 'cpu', base: { model, preprocess: '-1..1' } });
    const runs = join(dir, `runs-${model}`);
    const r = runCli(['train', other, '--runs', runs, '--model-cache', cache], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    const got = epochs(runs);
    assert.equal(got.length, reference.length);
    got.flat().forEach((v, i) => assert.ok(Math.abs(v - reference.flat()[i]) <= 1e-4, `${model}: ${v} vs the TF.js base's ${reference.flat()[i]}`));
    const started = readEvents(only(runs)).events[0] as Extract<RunEvent, { type: 'started' }>;
    assert.equal(started.summary?.base?.kind, 'graph', 'a fixed feature extractor');
  }
  assert.equal(readdirSync(cache).filter((f) => f.startsWith('keras-')).length, 1, 'the .keras file converted once, into the model cache');
  // what cannot be: a SavedModel without the native engine, or unfrozen
  const wasm = runCli(['train', writeExperiment(dir, { ...headOnly, base: { model: 'saved' } }), '--runs', join(dir, 'no')], { cwd: dir });
  assert.equal(wasm.code, 1);
  assert.match(wasm.stderr, /base\.model: .*saved is a TensorFlow SavedModel, which only the native engine can run \(this process runs wasm\)/);
  const unfrozen = runCli(['train', writeExperiment(dir, { ...fineTune, engine: 'cpu', base: { model: 'saved' } }), '--runs', join(dir, 'no')], { cwd: dir, env });
  assert.equal(unfrozen.code, 1);
  assert.match(unfrozen.stderr, /unfreeze: .*saved is a TensorFlow SavedModel, run by the native engine as a fixed feature extractor/);
});

test('what cannot be exported exactly is refused with where it is set and why: pseudo-labels, augmentation, a graph base', () => {
  const dir = tempDir();
  const cases: [object, RegExp][] = [
    [{ ...mlp, semiSupervised: { labeled: 100, method: 'pseudo-label' } }, /semiSupervised: cannot be exported exactly: pseudo-labelling rounds/],
    [{ ...mlp, training: { ...mlp.training, augment: { shift: 2 } } }, /training\.augment: cannot be exported exactly/],
    [{ ...fineTune, base: { model: pretrainedFixture('mobilenet_v2_mid'), inputSize: [96, 96] }, unfreeze: undefined }, /base\.model: cannot be exported exactly: .* is a graph model, which has no layers to convert/],
  ];
  for (const [experiment, message] of cases) {
    const r = runCli(['export-keras', writeExperiment(dir, experiment)], { cwd: dir });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, message);
  }
});
