// Native engines (libtensorflow through @tensorflow/tfjs-node[-gpu]) are probed in a child process first: a
// half-installed package registers its kernels in the shared registry and only then throws, which would leave
// this process's TF.js in a broken state.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { packageRoot } from '../paths';

export type NativeEngine = 'gpu' | 'cpu';
export const nativePackages: Record<NativeEngine, string> = { gpu: '@tensorflow/tfjs-node-gpu', cpu: '@tensorflow/tfjs-node' };

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

// Runs in the child: load the package, run one op, say which backend answered and what TensorFlow logged.
const probeScript = `
const t0 = Date.now();
try {
  const tf = require(process.argv[1]);
  const v = tf.tidy(() => tf.tensor1d([1, 2, 3]).square().sum().dataSync()[0]);
  if (v !== 14) throw new Error('the probe op returned ' + v + ' instead of 14');
  process.stdout.write(JSON.stringify({ ok: true, backend: tf.getBackend(), ms: Date.now() - t0 }));
} catch (e) {
  process.stdout.write(JSON.stringify({ ok: false, error: String((e && e.message) || e) }));
}`;

const cudaLib = /^lib(cudart|cudnn|cublas|cublasLt|cufft|curand|cusolver|cusparse|nvinfer)\b/;

/** Turn what a failed load said into what a person should do about it. */
export function explainNativeFailure(engine: NativeEngine, error: string): string {
  const pkg = nativePackages[engine];
  if (/tfjs_binding\.node/.test(error)) {
    return `${pkg} is installed without its native addon (lib/napi-v*/tfjs_binding.node is missing): the libtensorflow ` +
      `download during its install failed or was skipped. Reinstall it with network access, or run ` +
      `"Gradient Lab: Install Native TensorFlow Engine…".`;
  }
  const lib = /(lib[\w.+-]+\.so[\d.]*): cannot open shared object file/.exec(error)?.[1];
  if (lib && cudaLib.test(lib)) {
    return `${pkg} needs CUDA 11.2 and cuDNN 8.1 (it is built on libtensorflow 2.9.1), but ${lib} was not found. ` +
      `With CUDA 12 the libraries carry other version numbers: install the CUDA 11.2 / cuDNN 8.1 runtime beside it ` +
      `and add it to LD_LIBRARY_PATH, or use the CPU engine.`;
  }
  if (lib) return `${pkg} failed to load: the shared library ${lib} was not found.`;
  return `${pkg} failed to load: ${error.split('\n')[0]}`;
}

/** Probe one native engine in a child process; never throws. */
export function probeNative(engine: NativeEngine, options: { timeoutMs?: number; roots?: string[] } = {}): Promise<ProbeResult> {
  const pkg = nativePackages[engine];
  const path = resolveNative(pkg, options.roots);
  if (!path) {
    return Promise.resolve({
      ok: false,
      // said to a user, not a developer: what is missing and the one step that adds it
      reason: `${pkg} is not installed: the native TensorFlow engine is optional (it needs a TensorFlow library ` +
        `download). To add it, run "Gradient Lab: Install Native TensorFlow Engine…"; until then training uses wasm`,
    });
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve) => {
    execFile(
      process.execPath, ['-e', probeScript, path],
      { timeout: timeoutMs, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '0' }, maxBuffer: 4 << 20 },
      (err, stdout, stderr) => {
        const killed = err && (err as NodeJS.ErrnoException & { killed?: boolean }).killed;
        if (killed) return resolve({ ok: false, path, reason: `${pkg}: the probe did not answer within ${timeoutMs / 1000} s` });
        let answer: { ok: boolean; backend?: string; error?: string };
        try {
          answer = JSON.parse(stdout);
        } catch {
          return resolve({ ok: false, path, reason: explainNativeFailure(engine, `${stderr || stdout || err?.message}`.trim()) });
        }
        if (!answer.ok) return resolve({ ok: false, path, reason: explainNativeFailure(engine, answer.error ?? '') });
        if (answer.backend !== 'tensorflow') return resolve({ ok: false, path, reason: `${pkg} loaded but its backend is '${answer.backend}', not 'tensorflow'` });
        if (engine === 'gpu' && !/device:GPU:\d/.test(stderr)) {
          return resolve({
            ok: false, path,
            reason: `${pkg} loaded, but TensorFlow created no GPU device (no CUDA GPU or driver visible), so it ` +
              `would run on the CPU; the CPU engine is used instead`,
          });
        }
        resolve({ ok: true, path });
      },
    );
  });
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

