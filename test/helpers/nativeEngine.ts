// The native engine for tests: this checkout's build (.cache/native) on its TensorFlow (.cache/python/venv), which
// .ci/run makes. Without it a test skips on a developer's machine, saying why — and fails on CI, which must have it.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { addonKey, addonRelative } from '../../src/native/addonBuild';
import { packageRoot } from '../../src/paths';

export const storage = () => join(packageRoot(), '.cache');

/** The venv's tensorflow folder, when there is one. */
export function venvTensorFlow(): string | undefined {
  const lib = join(storage(), 'python', 'venv', 'lib');
  if (!existsSync(lib)) return undefined;
  for (const py of readdirSync(lib)) {
    const dir = join(lib, py, 'site-packages', 'tensorflow');
    if (existsSync(join(dir, 'libtensorflow_cc.so.2'))) return dir;
  }
  return undefined;
}

const built = () => existsSync(join(storage(), 'native', addonKey(), ...addonRelative, 'lib', 'napi-v8', 'tfjs_binding.node'));

/** The env that makes a backend use this checkout's native engine; undefined after t.skip (never on CI). */
export function nativeEnv(t: TestContext): NodeJS.ProcessEnv | undefined {
  const missing = !venvTensorFlow() ? 'no TensorFlow in .cache/python/venv' : !built() ? `no addon in .cache/native/${addonKey()}` : undefined;
  if (!missing) return { GRADIENT_LAB_STORAGE: storage(), GRADIENT_LAB_ENGINE: 'cpu' };
  const how = 'set it up as .ci/run does: python3 -m venv .cache/python/venv && .cache/python/venv/bin/pip install tensorflow-cpu, then node dist/backend.js native-build';
  if (process.env.CI) throw new Error(`the native engine is missing on CI (${missing}): ${how}`);
  t.skip(`native engine not set up here (${missing}); ${how}`);
  return undefined;
}

/** Backends in the rest of the suite run on wasm whatever this machine has: no storage, so no native engine. */
export const wasmOnly: NodeJS.ProcessEnv = { GRADIENT_LAB_STORAGE: '' };
