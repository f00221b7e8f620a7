// Native engines (libtensorflow through @tensorflow/tfjs-node[-gpu]) are probed in a child process first: a
// half-installed package registers its kernels in the shared registry and only then throws, which would leave
// this process's TF.js in a broken state.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { packageRoot } from '../paths';
import { findBuiltAddon } from './addonBuild';
import { addonViewFor } from './addonView';
import { chooseNativeTarget, describeTensorFlow, type NativeEngine, nativePackages } from './nativeTarget';
import { defaultStorageRoots, locateTensorFlow, pythonEnvVar, storageEnvVar, type TensorFlowFound, type TensorFlowSearch, tensorflowEnvVar } from './tensorflowLocate';


/** Env var with extra folders (path-list) whose node_modules may hold a native engine, e.g. the extension's storage. */
export const nativeDirsEnvVar = 'GRADIENT_LAB_NATIVE_DIRS';

export interface ProbeResult {
  ok: boolean;
  /** The resolved entry file of the package, when it is installed. */
  path?: string;
  reason?: string;
}

export function nativeSearchRoots(): string[] {
  const extra = (process.env[nativeDirsEnvVar] ?? '').split(delimiter).filter(Boolean);
  return [...extra, packageRoot()];
}

export function resolveNative(pkg: string, roots = nativeSearchRoots()): string | undefined {
  for (const root of roots) {
    try {
      return createRequire(join(root, 'noop.js')).resolve(pkg);
    } catch {
      // not in this root
    }
  }
  return undefined;
}

/**
 * tfjs-node 4.22 calls util.isNullOrUndefined and util.isArray, which Node 23 removed (code-server runs Node 24):
 * without them every op that takes a dtype throws. Put back before the package loads, in the probe and the backend.
 * Self-contained: the probe runs its source text.
 */
export function restoreNodeUtil(util: Record<string, unknown>): void {
  if (typeof util.isNullOrUndefined !== 'function') util.isNullOrUndefined = (v: unknown) => v === null || v === undefined;
  if (typeof util.isArray !== 'function') util.isArray = Array.isArray;
}

// Runs in the child: load the package, run one op, say which backend answered and what TensorFlow logged.
const probeScript = `(${restoreNodeUtil.toString()})(require('node:util'));
const t0 = Date.now();
try {
  const tf = require(process.argv[1]);
  const v = tf.tidy(() => tf.tensor1d([1, 2, 3]).square().sum().dataSync()[0]);
  if (v !== 14) throw new Error('the probe op returned ' + v + ' instead of 14');
  const binding = tf.backend().binding;
  process.stdout.write(JSON.stringify({ ok: true, backend: tf.getBackend(), tfVersion: binding && binding.TF_Version, ms: Date.now() - t0 }));
} catch (e) {
  process.stdout.write(JSON.stringify({ ok: false, error: String((e && e.message) || e) }));
}`;

/** The CUDA libraries TensorFlow loads, by name; and a shared library a dlopen could not find, from its message. */
const cudaLib = /^lib(cuda|cudart|cudnn|cublas|cublasLt|cufft|curand|cusolver|cusparse|nccl|nvinfer)\b/;
const notFound = /(lib[\w.+-]+\.so[\d.]*): cannot open shared object file/;

/** Turn what a failed load said into what a person should do about it. */
export function explainNativeFailure(engine: NativeEngine, error: string): string {
  const pkg = nativePackages[engine];
  if (/tfjs_binding\.node/.test(error)) {
    return `${pkg} is installed without its native addon (lib/napi-v*/tfjs_binding.node is missing): the libtensorflow ` +
      `download during its install failed or was skipped. Reinstall it with network access, or run ` +
      `"Gradient Lab: Install Native TensorFlow Engine…".`;
  }
  const lib = notFound.exec(error)?.[1];
  if (lib && cudaLib.test(lib)) {
    return `${pkg} needs CUDA 11.2 and cuDNN 8.1 (it is built on libtensorflow 2.9.1), but ${lib} was not found. ` +
      `With CUDA 12 the libraries carry other version numbers: install the CUDA 11.2 / cuDNN 8.1 runtime beside it ` +
      `and add it to LD_LIBRARY_PATH, or use the CPU engine.`;
  }
  if (lib) return `${pkg} failed to load: the shared library ${lib} was not found.`;
  return `${pkg} failed to load: ${error.split('\n')[0]}`;
}

export interface NativeProbe extends ProbeResult {
  /** What was loaded: the TensorFlow (its version as the library reports it) behind the engine. */
  tensorflow?: TensorFlowFound;
  device?: string;
}

let searched: { key: string; search: TensorFlowSearch } | undefined;

/** The TensorFlow search, once per process and environment (both native engines ask). */
export function tensorflowSearch(roots = nativeSearchRoots(), refresh = false): TensorFlowSearch {
  const key = [process.env[tensorflowEnvVar], process.env[pythonEnvVar], process.env[storageEnvVar], ...roots].join('\0');
  if (searched?.key !== key || refresh) searched = { key, search: locateTensorFlow({ nativeRoots: roots, storageRoots: defaultStorageRoots() }) };
  return searched.search;
}

/** Probe one native engine in a child process; never throws. */
export function probeNative(engine: NativeEngine, options: { timeoutMs?: number; roots?: string[] } = {}): Promise<NativeProbe> {
  const roots = options.roots ?? nativeSearchRoots();
  const npmPackage = resolveNative(nativePackages[engine], roots);
  const builtAddon = findBuiltAddon();
  const { target, reason } = chooseNativeTarget(engine, { builtAddon, npmPackage, tensorflow: builtAddon ? tensorflowSearch(roots) : { skipped: [] } });
  if (!target) return Promise.resolve({ ok: false, reason });
  let path = target.path;
  if (target.kind === 'addon') {
    try {
      path = entryOf(addonViewFor(target.path, target.tensorflow!));
    } catch (e) {
      return Promise.resolve({ ok: false, reason: `the native addon could not be set up for ${describeTensorFlow(target.tensorflow!)}: ${(e as Error).message}` });
    }
  }
  return runProbe(engine, path, target.tensorflow, options.timeoutMs ?? 60_000);
}

/** The entry file of a tfjs-node package folder (what require() loads). */
function entryOf(pkg: string): string {
  return createRequire(join(dirname(dirname(dirname(pkg))), 'noop.js')).resolve('@tensorflow/tfjs-node');
}

function runProbe(engine: NativeEngine, path: string, tensorflow: TensorFlowFound | undefined, timeoutMs: number): Promise<NativeProbe> {
  const pkg = nativePackages[engine];
  const explain = (error: string) => (tensorflow ? explainTensorFlowFailure(tensorflow, error) : explainNativeFailure(engine, error));
  return new Promise((resolve) => {
    execFile(
      process.execPath, ['-e', probeScript, path],
      { timeout: timeoutMs, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '0' }, maxBuffer: 4 << 20 },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { killed?: boolean; signal?: string }) | null;
        if (e?.killed && e.signal === 'SIGTERM') return resolve({ ok: false, path, reason: `${pkg}: the probe did not answer within ${timeoutMs / 1000} s` });
        if (e?.signal) return resolve({ ok: false, path, reason: explain(`the probe process crashed (${e.signal}) loading it`) });
        let answer: { ok: boolean; backend?: string; error?: string; tfVersion?: string };
        try {
          answer = JSON.parse(stdout);
        } catch {
          return resolve({ ok: false, path, reason: explain(`${stderr || stdout || err?.message}`.trim()) });
        }
        if (!answer.ok) return resolve({ ok: false, path, reason: explain(answer.error ?? '') });
        if (answer.backend !== 'tensorflow') return resolve({ ok: false, path, reason: `${pkg} loaded but its backend is '${answer.backend}', not 'tensorflow'` });
        const loaded = tensorflow ? { ...tensorflow, version: answer.tfVersion ?? tensorflow.version } : undefined;
        const device = gpuDeviceName(stderr);
        if (engine === 'gpu' && !device) {
          return resolve({
            ok: false, path,
            reason: `${loaded ? describeTensorFlow(loaded) : pkg} loaded, but TensorFlow created no GPU device (no CUDA GPU ` +
              `or driver visible${missingLibraryIn(stderr) ? `; it could not load ${missingLibraryIn(stderr)}` : ''}), so it would run on the CPU; the CPU engine is used instead`,
          });
        }
        resolve({ ok: true, path, tensorflow: loaded, device });
      },
    );
  });
}

/** "Created device /job:localhost/replica:0/task:0/device:GPU:0 with … -> device: 0, name: NVIDIA A100, pci bus id …" */
export function gpuDeviceName(log: string): string | undefined {
  if (!/device:GPU:\d/.test(log)) return undefined;
  return /device:GPU:\d[^\n]*?name: ([^,\n]+)/.exec(log)?.[1]?.trim() ?? 'GPU:0';
}

/** TensorFlow's "Could not load dynamic library 'libcudnn.so.9'" / dlopen messages name the missing CUDA piece. */
export function missingLibraryIn(log: string): string | undefined {
  const unloaded = /Could not (?:load|find) (?:dynamic library|cuda drivers)?\s*'?(lib[\w.+-]+\.so[\d.]*)/i.exec(log)?.[1];
  const missing = notFound.exec(log)?.[1];
  return unloaded ?? (missing && cudaLib.test(missing) ? missing : undefined);
}

/** A failure of our addon with a located TensorFlow, said in terms of that TensorFlow. */
export function explainTensorFlowFailure(tensorflow: TensorFlowFound, error: string): string {
  const what = describeTensorFlow(tensorflow);
  const symbol = /undefined symbol: (\w+)/.exec(error)?.[1];
  if (symbol) return `${what} lacks ${symbol}, which the native addon calls: this TensorFlow's C API is too old or too different (TensorFlow 2.9 or later 2.x works)`;
  const lib = notFound.exec(error)?.[1];
  if (lib) return `${what} failed to load: the shared library ${lib} was not found${cudaLib.test(lib) ? ' (a CUDA library: pip install "tensorflow[and-cuda]" brings them)' : ''}`;
  return `${what} failed to load: ${error.split('\n')[0]}`;
}

/** The CUDA 11.2 / cuDNN 8.1 libraries libtensorflow 2.9 (tfjs-node-gpu 4.x) loads. */
export const cudaLibraries = ['libcudart.so.11.0', 'libcublas.so.11', 'libcublasLt.so.11', 'libcufft.so.10', 'libcurand.so.10', 'libcusolver.so.11', 'libcusparse.so.11', 'libcudnn.so.8'];

export function missingCudaLibraries(ldconfigOutput: string): string[] {
  return cudaLibraries.filter((lib) => !ldconfigOutput.includes(lib));
}

/** The reason an npm install of a native engine failed, from its log. */
export function explainInstallFailure(log: string): string {
  const host = /(ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN)\s+([\w.-]+)/.exec(log);
  if (host) return `the download failed (${host[1]} ${host[2]}): no network access to it from this machine`;
  if (/libtensorflow/i.test(log) && /(404|403)/.test(log)) return 'the libtensorflow download was refused by its server (HTTP 403/404)';
  if (/EACCES|EPERM/.test(log)) return 'npm was not allowed to write to the extension storage folder';
  const err = log.split('\n').filter((l) => /npm (error|ERR!)/.test(l)).slice(0, 3).join(' ');
  return err || 'npm failed (see the log)';
}

