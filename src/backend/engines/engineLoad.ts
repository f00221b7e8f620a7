// Choose and start the TF.js engine for this process: probe native packages, fall back to wasm and pure JS,
// register replacement kernels, and report every candidate with the reason it was or was not used.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { EngineInfo } from '../../protocol/engine';
import type { EngineName } from '../../protocol/experiment';
import { distDir } from '../../paths';
import { engineEnvVar, EngineUnavailableError, parseEngineName, selectEngine, type TryResult } from './engineSelect';
import { patchKernels } from './kernelPatches';
import { patchNativeKernels } from './nativeKernels';
import { tfjsNodeVersion } from '../../native/addonBuild';
import { probeNative, restoreNodeUtil, tensorflowSearch } from '../../native/nativeProbe';
import { describeTensorFlow, type NativeEngine, nativePackages } from '../../native/nativeTarget';

tf.enableProdMode(); // no console banners: stdout may be the JSON-RPC channel

const backendOf: Record<EngineName, string> = { gpu: 'tensorflow', cpu: 'tensorflow', wasm: 'wasm', js: 'cpu' };

let current: EngineInfo | undefined;
let reporter: ((info: EngineInfo) => void) | undefined;

/** Told once, when the engine of this process has been chosen (the server logs the report for the host's log). */
export function onEngineLoaded(report: (info: EngineInfo) => void): void {
  reporter = report;
}
const nativePaths = new Map<EngineName, string>();
/** The native engine's package once loaded: what only it can do (TensorFlow SavedModels). */
let nativeModule: NativeNode | undefined;

/** tfjs-node's SavedModel API, as far as Gradient Lab uses it. */
export interface NativeNode {
  loadSavedModel(path: string, tags?: string[], signature?: string): Promise<{
    inputs: { name: string; shape?: number[]; dtype: string }[];
    outputs: { name: string; shape?: number[]; dtype: string }[];
    predict(x: tf.Tensor): tf.Tensor | tf.Tensor[] | Record<string, tf.Tensor>;
    dispose(): void;
  }>;
}

/** The native engine's SavedModel loader, or undefined when this process runs another engine. */
export function nativeNode(): NativeNode | undefined {
  return nativeModule;
}

async function tryWasm(): Promise<TryResult> {
  setWasmPaths(join(distDir(), 'wasm') + '/'); // the trailing '/' matters: without it the load fails quietly
  try {
    // setBackend's boolean is the truth: getBackend() can still say 'wasm' after a failed initialization.
    if (!(await tf.setBackend('wasm'))) return { ok: false, reason: 'the wasm backend failed to initialize' };
  } catch (e) {
    return { ok: false, reason: `the wasm backend failed to initialize: ${(e as Error).message}` };
  }
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return { ok: true, reason: simd ? 'SIMD, single thread (TF.js disables wasm threads in Node)' : 'no SIMD: slower' };
}

async function tryEngine(name: EngineName): Promise<TryResult> {
  if (name === 'wasm') return tryWasm();
  if (name === 'js') return { ok: true };
  const probe = await probeNative(name as NativeEngine);
  if (!probe.ok || !probe.path) return { ok: false, reason: probe.reason };
  nativePaths.set(name, probe.path);
  if (!probe.tensorflow) return { ok: true, reason: `${nativePackages[name as NativeEngine]} with the libtensorflow its installer downloaded` };
  const t = probe.tensorflow;
  const tensorflow = { version: t.version ?? 'unknown', path: t.libDir, from: t.from, build: t.cuda ? 'gpu' : 'cpu', cuda: t.cuda?.cuda, device: probe.device } as const;
  const skipped = tensorflowSearch().skipped.map((s) => `${s.from}: ${s.reason}`);
  return {
    ok: true, tensorflow,
    reason: `${describeTensorFlow(t)}${probe.device ? `, on ${probe.device}` : ''}; addon built from tfjs-node ${tfjsNodeVersion}'s sources` +
      (skipped.length ? ` (passed over — ${skipped.join('; ')})` : ''),
  };
}

async function activate(engine: EngineName): Promise<void> {
  if (engine === 'gpu' || engine === 'cpu') {
    restoreNodeUtil(createRequire(__filename)('node:util'));
    nativeModule = (createRequire(__filename)(nativePaths.get(engine)!) as { node: NativeNode }).node; // registers the 'tensorflow' backend
  }
  if (!(await tf.setBackend(backendOf[engine]))) {
    throw new EngineUnavailableError(`the ${engine} engine passed its probe but TF.js could not switch to it`, []);
  }
}

/** Replacement kernels: wasm's and pure JS's missing or slow gradients; TensorFlow's own ReLU gradient natively. */
function patchEngine(engine: EngineName): string[] {
  return engine === 'cpu' || engine === 'gpu' ? patchNativeKernels() : patchKernels(backendOf[engine]);
}

/** The engine asked for: an explicit request wins over the GRADIENT_LAB_ENGINE variable. */
export function requestedEngine(explicit?: { value?: string; from: string }): { forced?: EngineName; forcedBy?: string } {
  if (explicit?.value && explicit.value !== 'auto') return { forced: parseEngineName(explicit.value, explicit.from), forcedBy: explicit.from };
  const env = process.env[engineEnvVar];
  return { forced: parseEngineName(env, engineEnvVar), forcedBy: env ? engineEnvVar : undefined };
}

/**
 * Start an engine once per process (TF.js holds one global engine); later calls return the same report, and
 * fail if they ask for a different engine than the one running.
 */
export async function loadEngine(request: { forced?: EngineName; forcedBy?: string } = requestedEngine()): Promise<EngineInfo> {
  if (current) {
    if (request.forced && request.forced !== current.engine) {
      throw new EngineUnavailableError(`${request.forcedBy}=${request.forced}, but this backend process already runs ${current.engine}; restart it to switch`, current.candidates);
    }
    return current;
  }
  const { engine, candidates } = await selectEngine(tryEngine, request);
  await activate(engine);
  current = { ...engineInfo(engine, candidates), forcedBy: request.forced ? request.forcedBy : undefined };
  reporter?.(current);
  return current;
}

/** Every candidate tried, for `gradient-lab engines` (leaves the preferred one active). */
export async function surveyEngines(): Promise<EngineInfo> {
  const { engine, candidates } = await selectEngine(tryEngine, { ...requestedEngine(), all: true });
  await activate(engine);
  return engineInfo(engine, candidates);
}

/** The report of the engine now active, with its replacement kernels registered and its TensorFlow when native. */
function engineInfo(engine: EngineName, candidates: EngineInfo['candidates']): EngineInfo {
  const tensorflow = candidates.find((c) => c.status === 'chosen')?.tensorflow;
  return { engine, backend: tf.getBackend(), tfjsVersion: tf.version.tfjs, candidates, patchedKernels: patchEngine(engine), ...(tensorflow ? { tensorflow } : {}) };
}
