// The engine choice, including the GPU path these machines cannot run: the selection logic is exercised with
// every combination of outcomes; the probes themselves are tested for real in test/integration/engines.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineUnavailableError, parseEngineName, selectEngine, type TryResult } from '../../src/backend/engines/engineSelect';
import { cudaLibraries, explainInstallFailure, explainNativeFailure, missingCudaLibraries } from '../../src/native/nativeProbe';
import type { EngineName } from '../../src/protocol/experiment';

const outcomes = (ok: Partial<Record<EngineName, boolean>>) => async (name: EngineName): Promise<TryResult> =>
  ok[name] ? { ok: true } : { ok: false, reason: `${name} failed` };

test('the first working engine in the order gpu → cpu → wasm → js is chosen', async () => {
  assert.equal((await selectEngine(outcomes({ gpu: true, cpu: true, wasm: true, js: true }))).engine, 'gpu');
  assert.equal((await selectEngine(outcomes({ cpu: true, wasm: true, js: true }))).engine, 'cpu');
  assert.equal((await selectEngine(outcomes({ wasm: true, js: true }))).engine, 'wasm');
  assert.equal((await selectEngine(outcomes({ js: true }))).engine, 'js');
});

test('every candidate is reported: why the ones before failed, and that later ones were not needed', async () => {
  const tried: EngineName[] = [];
  const { candidates } = await selectEngine(async (n) => (tried.push(n), outcomes({ wasm: true, js: true })(n)));
  assert.deepEqual(tried, ['gpu', 'cpu', 'wasm']);
  assert.deepEqual(candidates.map((c) => [c.name, c.status]), [['gpu', 'unavailable'], ['cpu', 'unavailable'], ['wasm', 'chosen'], ['js', 'skipped']]);
  assert.equal(candidates[0].reason, 'gpu failed');
  assert.match(candidates[3].reason!, /not needed/);
});

test('a forced engine is the only one tried; forcing an unavailable one is an error that says why', async () => {
  const tried: EngineName[] = [];
  const r = await selectEngine(async (n) => (tried.push(n), { ok: true }), { forced: 'js', forcedBy: 'GRADIENT_LAB_ENGINE' });
  assert.equal(r.engine, 'js');
  assert.deepEqual(tried, ['js']);
  await assert.rejects(
    selectEngine(outcomes({ wasm: true }), { forced: 'gpu', forcedBy: 'GRADIENT_LAB_ENGINE' }),
    (e: Error) => e instanceof EngineUnavailableError && /GRADIENT_LAB_ENGINE=gpu, but that engine is unavailable — gpu: gpu failed/.test(e.message),
  );
});

test('all mode (gradient-lab engines) tries every candidate', async () => {
  const { candidates } = await selectEngine(outcomes({ wasm: true, js: true }), { all: true });
  assert.deepEqual(candidates.map((c) => c.status), ['unavailable', 'unavailable', 'chosen', 'available']);
});

test('engine names from settings are checked', () => {
  assert.equal(parseEngineName('auto', 'x'), undefined);
  assert.equal(parseEngineName('wasm', 'x'), 'wasm');
  assert.throws(() => parseEngineName('cuda', 'gradientLab.engine'), /gradientLab\.engine: unknown engine 'cuda' \(expected one of: auto, gpu, cpu, wasm, js\)/);
});

test('native load failures are explained: missing addon, CUDA libraries of the wrong version', () => {
  assert.match(explainNativeFailure('cpu', "Cannot find module '/x/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node'"), /installed without its native addon/);
  const cuda = explainNativeFailure('gpu', 'libcudart.so.11.0: cannot open shared object file: No such file or directory');
  assert.match(cuda, /needs CUDA 11\.2 and cuDNN 8\.1/);
  assert.match(cuda, /libcudart\.so\.11\.0 was not found/);
  assert.match(explainNativeFailure('cpu', 'libtensorflow.so.2: cannot open shared object file'), /shared library libtensorflow\.so\.2 was not found/);
});

test('install failures and missing CUDA libraries are named', () => {
  assert.match(explainInstallFailure('npm error request to https://storage.googleapis.com/tf-builds/libtensorflow.tar.gz failed, reason: getaddrinfo ENOTFOUND storage.googleapis.com'),
    /the download failed \(ENOTFOUND storage\.googleapis\.com\)/);
  assert.match(explainInstallFailure('npm error code EACCES'), /not allowed to write/);
  const ldconfig = '\tlibcudart.so.11.0 (libc6,x86-64) => /usr/local/cuda-11.2/lib64/libcudart.so.11.0\n\tlibcublas.so.11 (libc6,x86-64) => /x\n';
  assert.deepEqual(missingCudaLibraries(ldconfig), ['libcublasLt.so.11', 'libcufft.so.10', 'libcurand.so.10', 'libcusolver.so.11', 'libcusparse.so.11', 'libcudnn.so.8']);
  assert.deepEqual(missingCudaLibraries(cudaLibraries.join('\n')), []);
});
