// The native engine for real: TensorFlow 2.x from pip (.cache/python/venv) through the addon built from tfjs-node's
// sources (.cache/native), as .ci/run sets them up. Every test here fails on CI when they are missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EngineInfo, RunCancelRequest, RunFinishedEvent, RunStartedEvent, RunStartRequest } from '../../src/protocol/backend';
import { loadCheckpoint, readPointer } from '../../src/backend/jobs/checkpoint';
import { readEvents } from '../../src/backend/jobs/runFolder';
import { loadDataset } from '../../src/backend/data/datasets';
import { identityRows, makeBatch } from '../../src/backend/data/batches';
import { packageRoot } from '../../src/backend/paths';
import { runCli, startBackend } from '../helpers/backendProcess';
import { nativeEnv, venvTensorFlow } from '../helpers/nativeEngine';
import { tempDir, writeExperiment } from '../helpers/fixtures';
import { relativeError, tf, useBackend } from '../helpers/tfSetup';

/** The pip distribution's version, read from its .dist-info folder: what the library must report. */
function venvVersion(): string {
  const site = dirname(venvTensorFlow()!);
  const info = readdirSync(site).find((n) => /^tensorflow(_cpu)?-[\d.]+\.dist-info$/.test(n))!;
  return /-([\d.]+)\.dist-info$/.exec(info)![1];
}

const lastLine = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!);

test('native: `gradient-lab engines` chooses cpu on the TensorFlow found, with its path and version; a wrong named folder is passed over with the reason', (t) => {
  const env = nativeEnv(t);
  if (!env) return;
  const auto = { ...env, GRADIENT_LAB_ENGINE: '' };
  const r = runCli(['engines', '--json'], { env: auto });
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout) as EngineInfo;
  assert.equal(info.engine, 'cpu');
  assert.equal(info.backend, 'tensorflow');
  assert.equal(info.tensorflow?.version, venvVersion());
  assert.equal(info.tensorflow?.path, venvTensorFlow());
  assert.equal(info.tensorflow?.build, 'cpu');
  t.diagnostic(`native engine: ${info.engine} on TensorFlow ${info.tensorflow?.version} (${info.tensorflow?.from}) at ${info.tensorflow?.path}`);
  assert.equal(info.candidates[0].status, 'unavailable');
  assert.match(info.candidates[0].reason!, /a CPU build, so there is no GPU engine/);
  assert.match(runCli(['engines'], { env: auto }).stdout, new RegExp(`✓ chosen\\s+cpu[^\\n]*\\n\\s+TensorFlow ${venvVersion().replace(/\./g, '\\.')}`));

  const named = JSON.parse(runCli(['engines', '--json'], { env: { ...auto, GRADIENT_LAB_TENSORFLOW: dirname(venvTensorFlow()!) } }).stdout) as EngineInfo;
  assert.equal(named.tensorflow?.from, 'GRADIENT_LAB_TENSORFLOW');
  const empty = tempDir();
  const wrong = JSON.parse(runCli(['engines', '--json'], { env: { ...auto, GRADIENT_LAB_TENSORFLOW: empty } }).stdout) as EngineInfo;
  assert.equal(wrong.engine, 'cpu');
  assert.notEqual(wrong.tensorflow?.from, 'GRADIENT_LAB_TENSORFLOW');
  assert.match(wrong.candidates[1].reason!, new RegExp(`passed over — GRADIENT_LAB_TENSORFLOW: no libtensorflow_cc\\.so\\.2 or libtensorflow\\.so\\.2 in ${empty}`));
});

test('native: the default experiment (seed CNN, 3 epochs) reaches ≥ 96 % test accuracy on the cpu engine', (t) => {
  const env = nativeEnv(t);
  if (!env) return;
  const dir = tempDir();
  const r = runCli(['train', join(packageRoot(), 'examples', 'digits-cnn.experiment.json'), '--json', '--runs', join(dir, 'runs')], { cwd: dir, env });
  assert.equal(r.code, 0, r.stderr);
  const finished = lastLine(r.stdout) as RunFinishedEvent;
  assert.equal(finished.engine, 'cpu');
  assert.equal(finished.status, 'completed');
  t.diagnostic(`seed CNN on native: test accuracy ${finished.test?.accuracy}, ${finished.samplesPerSec?.toFixed(0)} samples/s`);
  assert.ok(finished.test!.accuracy >= 0.96, `test accuracy ${finished.test!.accuracy}`);
});

// Every layer kind Gradient Lab builds, L2 on: conv (same / strided valid), batch norm, pool, dense (relu, sigmoid, softmax), dropout.
const everyLayer = (optimizer: object) => ({
  name: 'cross-engine', seed: 7,
  data: { source: 'embedded-digits', trainLimit: 64, validationLimit: 32, testLimit: 32 },
  model: {
    kind: 'layers', l2: 0.001, init: 'he',
    layers: [
      { type: 'conv2d', filters: 6, kernel: 3, padding: 'same', activation: 'relu' }, { type: 'batchNorm' }, { type: 'maxPool', size: 2 },
      { type: 'conv2d', filters: 8, kernel: 3, stride: 2, padding: 'valid', activation: 'tanh' }, { type: 'flatten' },
      { type: 'dense', units: 24, activation: 'relu' }, { type: 'dropout', keep: 0.8 }, { type: 'dense', units: 16, activation: 'sigmoid' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
  },
  optimizer, training: { epochs: 1, batchSize: 32 },
});

test('native ≡ wasm: one seeded batch gives the same loss and per-layer gradients, every layer kind', (t) => {
  const env = nativeEnv(t);
  if (!env) return;
  const file = writeExperiment(tempDir(), everyLayer({ name: 'sgd', learningRate: 0.1 }));
  const profile = (engine: string) => {
    const r = runCli(['gradients', file, '--json'], { env: { ...env, GRADIENT_LAB_ENGINE: engine } });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { engine: string; loss: number; layers: { name: string; weightNorm: number; biasNorm: number }[] };
  };
  const [native, wasm] = [profile('cpu'), profile('wasm')];
  assert.deepEqual([native.engine, wasm.engine], ['cpu', 'wasm']);
  assert.ok(Math.abs(native.loss - wasm.loss) <= 1e-5 * Math.abs(wasm.loss), `loss ${native.loss} vs ${wasm.loss}`);
  assert.deepEqual(native.layers.map((l) => l.name), wasm.layers.map((l) => l.name));
  assert.ok(native.layers.length >= 5, `${native.layers.length} layers with weights`);
  for (const [i, l] of native.layers.entries()) {
    const w = wasm.layers[i];
    // float32 sums in another order: agreement to ~1e-6 relative; 1e-4 leaves room, a wrong kernel is off by far more
    assert.ok(Math.abs(l.weightNorm - w.weightNorm) <= 1e-4 * w.weightNorm, `${l.name} |∇W| ${l.weightNorm} vs ${w.weightNorm}`);
    assert.ok(Math.abs(l.biasNorm - w.biasNorm) <= 1e-4 * w.biasNorm + 1e-9, `${l.name} |∇b| ${l.biasNorm} vs ${w.biasNorm}`);
  }
});

test('native ≡ wasm: two seeded steps of every optimizer leave the same weights (checkpoints read back on the JS engine)', async (t) => {
  const env = nativeEnv(t);
  if (!env) return;
  await useBackend('cpu');
  const optimizers = [{ name: 'sgd', learningRate: 0.1 }, { name: 'momentum', learningRate: 0.05, momentum: 0.9 }, { name: 'nesterov', learningRate: 0.05, momentum: 0.9 }, { name: 'adam', learningRate: 0.001 }];
  for (const optimizer of optimizers) {
    const weights: tf.Tensor[][] = [];
    const losses: number[][] = [];
    for (const engine of ['cpu', 'wasm']) {
      const dir = tempDir();
      const r = runCli(['train', writeExperiment(dir, everyLayer(optimizer)), '--json', '--runs', join(dir, 'runs')], { cwd: dir, env: { ...env, GRADIENT_LAB_ENGINE: engine } });
      assert.equal(r.code, 0, r.stderr);
      const finished = lastLine(r.stdout) as RunFinishedEvent;
      assert.equal(finished.engine, engine);
      const folder = join(dir, 'runs', readdirSync(join(dir, 'runs'))[0]);
      losses.push(readEvents(folder).events.flatMap((e) => (e.type === 'batch' ? [e.loss] : [])));
      weights.push((await loadCheckpoint(join(folder, 'checkpoints'), 'last')).getWeights());
    }
    assert.equal(losses[0].length, 2, `${optimizer.name}: two steps`);
    losses[0].forEach((l, i) => assert.ok(Math.abs(l - losses[1][i]) <= 1e-4 * losses[1][i], `${optimizer.name} step ${i + 1} loss ${l} vs ${losses[1][i]}`));
    assert.equal(weights[0].length, weights[1].length);
    weights[0].forEach((w, i) => {
      const error = relativeError(w, weights[1][i]); // measured ≤ 2e-6 for all four; a wrong update is off by far more
      assert.ok(error <= 1e-4, `${optimizer.name}, weight ${i} (${w.shape}): relative error ${error}`);
    });
    t.diagnostic(`${optimizer.name}: ${weights[0].length} weight tensors agree; worst ${Math.max(...weights[0].map((w, i) => relativeError(w, weights[1][i]))).toExponential(1)}`);
  }
});

test('native: cancel keeps every reported step; kill -9 leaves readable metrics and a checkpoint the JS engine loads; the next look closes the run', async (t) => {
  const env = nativeEnv(t);
  if (!env) return;
  const runs = tempDir();
  const mlp = { name: 'digits mlp', seed: 3, data: { source: 'embedded-digits' }, model: { kind: 'mlp', dense: [64] }, optimizer: { name: 'adam', learningRate: 0.002 }, training: { epochs: 1, batchSize: 16, checkpointEvery: 5 } };
  const b = startBackend(env);
  try {
    const { runId, folder } = await b.connection.sendRequest(RunStartRequest.type, { experiment: mlp, runsFolder: runs });
    await b.waitFor((e) => e.type === 'batch' && e.step === 5);
    const seen = b.events.filter((e) => e.type === 'batch').length;
    await b.connection.sendRequest(RunCancelRequest.type, { runId });
    const finished = await b.waitFor((e): e is RunFinishedEvent => e.type === 'finished');
    const started = b.events.find((e): e is RunStartedEvent => e.type === 'started')!;
    assert.equal(finished.engine, 'cpu');
    assert.equal(finished.status, 'cancelled');
    assert.ok(finished.cancelledAfterStep! >= seen && finished.steps - finished.cancelledAfterStep! <= 1, `stopped at ${finished.steps}; the cancel arrived after ${finished.cancelledAfterStep}; ${seen} seen`);
    assert.ok(finished.steps < started.stepsPerEpoch, 'mid-epoch');
    assert.equal(readEvents(folder).events.filter((e) => e.type === 'batch').length, finished.steps);
  } finally {
    await b.stop();
  }

  const k = startBackend(env);
  const { folder } = await k.connection.sendRequest(RunStartRequest.type, { experiment: mlp, runsFolder: runs });
  await k.waitFor((e) => e.type === 'batch' && e.step === 23);
  k.proc.kill('SIGKILL');
  await k.exited;
  const { events, tornLines } = readEvents(folder);
  assert.equal(tornLines, 0);
  assert.ok(events.filter((e) => e.type === 'batch').length >= 23);
  const last = readPointer(join(folder, 'checkpoints'), 'last');
  assert.ok(last && last.step >= 20, `last checkpoint at step ${last?.step}`);
  await useBackend('cpu');
  const model = await loadCheckpoint(join(folder, 'checkpoints'), 'last');
  const data = await loadDataset({ source: 'embedded-digits' });
  const accuracy = tf.tidy(() => {
    const { xs, ys } = makeBatch(data.test, { height: 28, width: 28 }, identityRows(data.test.count), 0, data.test.count);
    return (model.predict(xs) as tf.Tensor).argMax(1).equal(ys).mean().dataSync()[0];
  });
  assert.ok(accuracy > 0.5, `the native checkpoint after ${last!.step} steps classifies ${accuracy} of the test digits on the JS engine`);
  const listed = runCli(['runs', '--runs', runs, '--json'], { env });
  assert.equal(listed.code, 0, listed.stderr);
  const killed = (JSON.parse(listed.stdout) as { folder?: string; runId: string; status: string }[]).find((r) => folder.endsWith(r.runId));
  assert.equal(killed?.status, 'failed');
});
