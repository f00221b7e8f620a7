// Engine selection for real: native packages absent (as after npm ci here), and a real @tensorflow/tfjs-node
// installed with its install script skipped (the package is there, its addon is not).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineInfo } from '../../src/protocol/engine';
import { packageRoot } from '../../src/paths';
import { runCli } from '../helpers/backendProcess';
import { tempDir, writeExperiment } from '../helpers/fixtures';

const version = '4.22.0';

/** npm install --ignore-scripts of the real package, once per machine (cached in .cache/, git-ignored). */
function brokenNativeRoot(): string {
  const root = join(packageRoot(), '.cache', `broken-tfjs-node-${version}`);
  if (!existsSync(join(root, 'node_modules', '@tensorflow', 'tfjs-node', 'package.json'))) {
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'package.json'), '{ "name": "broken-native-fixture", "private": true }\n');
    execFileSync('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `@tensorflow/tfjs-node@${version}`], { cwd: root, stdio: 'ignore' });
  }
  return root;
}

const tiny = {
  name: 'engine test', data: { source: 'embedded-digits', trainLimit: 320, validationLimit: 50, testLimit: 100 },
  model: { kind: 'mlp', dense: [16] }, optimizer: { name: 'adam', learningRate: 0.01 }, training: { epochs: 1, batchSize: 32 },
};

function engines(env: NodeJS.ProcessEnv = {}): EngineInfo {
  const r = runCli(['engines', '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as EngineInfo;
}

test('with the native packages absent, wasm is chosen and each native engine says it is not installed', () => {
  const info = engines({ GRADIENT_LAB_NATIVE_DIRS: '' });
  assert.equal(info.engine, 'wasm');
  assert.deepEqual(info.candidates.map((c) => c.status), ['unavailable', 'unavailable', 'chosen', 'available']);
  assert.match(info.candidates[0].reason!, /tfjs-node-gpu is not installed/);
  assert.match(info.candidates[1].reason!, /tfjs-node is not installed/);
  const text = runCli(['engines']).stdout;
  assert.match(text, /✓ chosen\s+wasm/);
});

test('the real broken package really poisons a process that loads it (why the probe runs in a child)', () => {
  const root = brokenNativeRoot();
  const script = `
    let threw = false;
    try { require('@tensorflow/tfjs-node'); } catch (e) { threw = /tfjs_binding/.test(String(e.message)); }
    const tf = require('@tensorflow/tfjs');
    console.log(JSON.stringify({ threw, kernels: tf.getKernelsForBackend('tensorflow').length }));`;
  const out = JSON.parse(spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' }).stdout);
  assert.equal(out.threw, true);
  assert.ok(out.kernels > 100, `${out.kernels} kernels were registered before the throw`);
});

test('a broken native package falls through to wasm with the reason recorded, and training works', () => {
  const env = { GRADIENT_LAB_NATIVE_DIRS: brokenNativeRoot() };
  const info = engines(env);
  assert.equal(info.engine, 'wasm');
  assert.equal(info.candidates[1].status, 'unavailable');
  assert.match(info.candidates[1].reason!, /installed without its native addon \(lib\/napi-v\*\/tfjs_binding\.node is missing\)/);
  const dir = tempDir();
  const r = runCli(['train', writeExperiment(dir, tiny), '--json'], { cwd: dir, env });
  assert.equal(r.code, 0, r.stderr);
  const finished = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  assert.equal(finished.engine, 'wasm');
  assert.equal(finished.status, 'completed');
});

test('forcing an unavailable engine is a clear error; forcing an available one uses it', () => {
  const dir = tempDir();
  const file = writeExperiment(dir, tiny);
  const forcedCpu = runCli(['train', file], { cwd: dir, env: { GRADIENT_LAB_ENGINE: 'cpu', GRADIENT_LAB_NATIVE_DIRS: brokenNativeRoot() } });
  assert.equal(forcedCpu.code, 1);
  assert.match(forcedCpu.stderr, /GRADIENT_LAB_ENGINE=cpu, but that engine is unavailable — cpu: @tensorflow\/tfjs-node is installed without its native addon/);
  const viaFlag = runCli(['train', file, '--engine', 'gpu'], { cwd: dir });
  assert.equal(viaFlag.code, 1);
  assert.match(viaFlag.stderr, /--engine=gpu, but that engine is unavailable/);
  const js = runCli(['train', file, '--json'], { cwd: dir, env: { GRADIENT_LAB_ENGINE: 'js' } });
  assert.equal(js.code, 0, js.stderr);
  assert.equal(JSON.parse(js.stdout.trim().split('\n').at(-1)!).engine, 'js');
  const unknown = runCli(['train', file], { cwd: dir, env: { GRADIENT_LAB_ENGINE: 'tpu' } });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /GRADIENT_LAB_ENGINE: unknown engine 'tpu'/);
});

test('a native package whose load crashes the process (SIGSEGV) is reported unavailable with the signal; the backend is unharmed', () => {
  const root = tempDir();
  const pkg = join(root, 'node_modules', '@tensorflow', 'tfjs-node');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), '{ "name": "@tensorflow/tfjs-node", "version": "4.22.0", "main": "index.js" }\n');
  writeFileSync(join(pkg, 'index.js'), "process.kill(process.pid, 'SIGSEGV'); // a libtensorflow that takes the process down as it loads\n");
  const info = engines({ GRADIENT_LAB_NATIVE_DIRS: root });
  assert.equal(info.engine, 'wasm');
  assert.equal(info.candidates[1].status, 'unavailable');
  assert.match(info.candidates[1].reason!, /@tensorflow\/tfjs-node failed to load: the probe process crashed \(SIGSEGV\) loading it/);
});
