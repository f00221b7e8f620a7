// What a native engine would load, decided from what is on disk, free of I/O so every combination (GPU ones
// included, which these machines cannot run) is unit-tested: our addon with the TensorFlow found, else the npm package.
import type { TensorFlowFound, TensorFlowSearch } from './tensorflowLocate';

/** The native engines, each with the npm package that stands for it. */
export type NativeEngine = 'gpu' | 'cpu';
export const nativePackages: Record<NativeEngine, string> = { gpu: '@tensorflow/tfjs-node-gpu', cpu: '@tensorflow/tfjs-node' };

export interface NativeTarget {
  /** 'addon': the addon built from tfjs-node's sources with `tensorflow`; 'package': tfjs-node(-gpu) as npm installed it. */
  kind: 'addon' | 'package';
  /** The built package (kind 'addon') or the resolved entry of the npm package. */
  path: string;
  tensorflow?: TensorFlowFound;
}

export interface NativeInputs {
  /** The built tfjs-node package folder, when an addon was built. */
  builtAddon?: string;
  tensorflow: TensorFlowSearch;
  /** The resolved entry of @tensorflow/tfjs-node (cpu) or -gpu (gpu) in node_modules, when installed. */
  npmPackage?: string;
}

/** TensorFlow 2.x releases whose C API has everything tfjs-node 4.22's addon calls (it was made for 2.9). */
export function unsupportedVersion(version: string | undefined): string | undefined {
  const m = /^(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return undefined; // unknown: the probe decides
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major === 2 && minor >= 9) return undefined;
  return `TensorFlow ${version} is ${major < 2 || (major === 2 && minor < 9) ? 'too old' : 'newer than this addon knows'}: ` +
    `the native engine needs TensorFlow 2.9 or later 2.x (its C API)`;
}

export const describeTensorFlow = (t: TensorFlowFound) =>
  `TensorFlow ${t.version ?? '(version unknown)'}${t.distribution ? ` (${t.distribution})` : ''}${t.cuda ? `, CUDA ${t.cuda.cuda ?? '?'} build` : ', CPU build'} from ${t.from}: ${t.libDir}`;

function whyNoTensorFlow(search: TensorFlowSearch): string {
  return 'no TensorFlow was found to run it on — ' + search.skipped.map((s) => `${s.from}: ${s.reason}`).join('; ');
}

/** The target for one engine, or the reason there is none. */
export function chooseNativeTarget(engine: NativeEngine, inputs: NativeInputs): { target?: NativeTarget; reason?: string } {
  const tf = inputs.tensorflow.found;
  let addonReason: string | undefined;
  if (inputs.builtAddon) {
    if (!tf) addonReason = `the native addon is built, but ${whyNoTensorFlow(inputs.tensorflow)}`;
    else if (unsupportedVersion(tf.version)) addonReason = `${unsupportedVersion(tf.version)} (found at ${tf.libDir})`;
    else if (engine === 'gpu' && !tf.cuda) {
      addonReason = `${describeTensorFlow(tf)} — a CPU build, so there is no GPU engine; for one, install a CUDA build ` +
        `(pip install "tensorflow[and-cuda]" brings CUDA 12 and cuDNN as pip packages)`;
    } else return { target: { kind: 'addon', path: inputs.builtAddon, tensorflow: tf } };
  }
  if (inputs.npmPackage) return { target: { kind: 'package', path: inputs.npmPackage } };
  if (addonReason) return { reason: addonReason };
  const pkg = engine === 'gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  return {
    // said to a user, not a developer: what is missing and the one step that adds it
    reason: `${pkg} is not installed: the native TensorFlow engine is optional (it needs a TensorFlow library). ` +
      `To add it, run "Gradient Lab: Install Native TensorFlow Engine…"; until then training uses wasm`,
  };
}
