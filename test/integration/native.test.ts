// The native engine for real: TensorFlow 2.x from pip (.cache/python/venv) through the addon built from tfjs-node's
// sources (.cache/native), as .ci/run sets them up. Every test here fails on CI when they are missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type EngineInfo } from '../../src/protocol/engine';
import { type RunFinishedEvent, type RunStartedEvent } from '../../src/protocol/runEvents';
import { RunCancelRequest, RunStartRequest } from '../../src/protocol/training';
import { loadCheckpoint } from '../../src/backend/training/checkpoint';
import { readEvents } from '../../src/runs/runFolder';
import { packageRoot } from '../../src/paths';
import { probeNative, restoreNodeUtil } from '../../src/native/nativeProbe';
import { patchKernels, unpatchKernels } from '../../src/backend/engines/kernelPatches';
import { runCli, startBackend } from '../helpers/backendProcess';
import { assertKilledRunUsable } from '../helpers/killedRun';
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
    const { runId, folder } = await b.connection.sendRequest(RunStartRequest, { experiment: mlp, runsFolder: runs });
    await b.waitFor((e) => e.type === 'batch' && e.step === 5);
    const seen = b.events.filter((e) => e.type === 'batch').length;
    await b.connection.sendRequest(RunCancelRequest, { runId });
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
  const { folder } = await k.connection.sendRequest(RunStartRequest, { experiment: mlp, runsFolder: runs });
  await k.waitFor((e) => e.type === 'batch' && e.step === 23);
  k.proc.kill('SIGKILL');
  await k.exited;
  await assertKilledRunUsable(folder, 23);
  const listed = runCli(['runs', '--runs', runs, '--json'], { env });
  assert.equal(listed.code, 0, listed.stderr);
  const killed = (JSON.parse(listed.stdout) as { folder?: string; runId: string; status: string }[]).find((r) => folder.endsWith(r.runId));
  assert.equal(killed?.status, 'failed');
});

test('native ≡ wasm, kernel by kernel in one process: conv (same, strided), depthwise conv, max pool, batch norm, fused dense — outputs and gradients', async (t) => {
  const env = nativeEnv(t);
  if (!env) return;
  // the engine's own probe finds the addon and makes its view; loading it here adds the 'tensorflow' backend
  process.env.GRADIENT_LAB_STORAGE = env.GRADIENT_LAB_STORAGE;
  const probe = await probeNative('cpu');
  assert.ok(probe.ok, probe.reason);
  restoreNodeUtil(createRequire(__filename)('node:util'));
  createRequire(__filename)(probe.path!);
  const x = tf.randomNormal([4, 12, 12, 3], 0, 1, 'float32', 1).arraySync() as number[][][][];
  const f = tf.randomNormal([3, 3, 3, 5], 0, 1, 'float32', 2).arraySync() as number[][][][];
  const dw = tf.randomNormal([3, 3, 3, 2], 0, 1, 'float32', 3).arraySync() as number[][][][];
  const m = tf.randomNormal([8, 20], 0, 1, 'float32', 4).arraySync() as number[][];
  const w = tf.randomNormal([20, 6], 0, 1, 'float32', 5).arraySync() as number[][];
  const cases: Record<string, () => tf.Tensor[]> = {
    'conv2d same': () => grads((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), tf.tensor4d(x), tf.tensor4d(f)),
    'conv2d stride 2 valid': () => grads((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'valid'), tf.tensor4d(x), tf.tensor4d(f)),
    'depthwise same': () => grads((a, b) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), tf.tensor4d(x), tf.tensor4d(dw)),
    'depthwise stride 2 valid': () => grads((a, b) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'valid'), tf.tensor4d(x), tf.tensor4d(dw)),
    'max pool 2': () => grads((a) => tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), tf.tensor4d(x)),
    'batch norm': () => grads((a, s, o) => tf.batchNorm(a, a.mean([0, 1, 2]), a.sub(a.mean([0, 1, 2])).square().mean([0, 1, 2]), o, s, 1e-3), tf.tensor4d(x), tf.tensor1d([0.5, 1.5, 2]), tf.tensor1d([0.1, -0.2, 0.3])),
    'dense relu (fused)': () => grads((a, b) => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: tf.ones([6]), activation: 'relu' }), tf.tensor2d(m), tf.tensor2d(w)),
  };
  const run = async (backend: string) => {
    if (backend === 'wasm') {
      await useBackend('wasm');
      patchKernels('wasm'); // as the wasm engine runs: with the gradient kernels it lacks
    } else assert.ok(await tf.setBackend(backend));
    return Object.fromEntries(Object.entries(cases).map(([name, c]) => {
      try {
        return [name, tf.tidy(() => c().map((r) => r.arraySync()))];
      } catch (e) {
        throw new Error(`${name} on ${backend}: ${(e as Error).message}`);
      }
    }));
  };
  const native = await run('tensorflow');
  const wasm = await run('wasm');
  for (const name of Object.keys(cases)) {
    native[name].forEach((a, i) => {
      const e = relativeError(tf.tensor(a as number[]), tf.tensor(wasm[name][i] as number[]));
      assert.ok(e <= 1e-4, `${name}, ${i === 0 ? 'output' : `gradient ${i}`}: relative error ${e}`);
    });
  }
  unpatchKernels('wasm');
  await useBackend('cpu');
});

/** The output of f and its gradients with respect to each input, for a fixed random upstream gradient. */
function grads(f: (...xs: tf.Tensor[]) => tf.Tensor, ...inputs: tf.Tensor[]): tf.Tensor[] {
  const y = f(...inputs);
  const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 9);
  return [y, ...tf.grads((...xs: tf.Tensor[]) => f(...xs).mul(dy).sum())(inputs)];
}
