// `gradient-lab native-build` / `native-setup`: compile the native engine's addon against the TensorFlow found here
// (or named), once; native-setup first installs Gradient Lab's own TensorFlow when the machine has none.
import { join } from 'node:path';
import { addonCacheRoots, buildAddon, findBuiltAddon } from '../../native/addonBuild';
import { EngineUnavailableError } from '../engines/engineSelect';
import { describeTensorFlow } from '../../native/nativeTarget';
import { tensorflowSearch } from '../../native/nativeProbe';
import { installTensorFlow, TensorFlowInstallError } from '../../native/tensorflowInstall';
import { defaultStorageRoots, inspectTensorFlowDir, type TensorFlowFound } from '../../native/tensorflowLocate';

const say = (line: string) => process.stderr.write(`${line}\n`);

function storageRoot(): string {
  const storage = defaultStorageRoots()[0];
  if (!storage) throw new EngineUnavailableError('GRADIENT_LAB_STORAGE is empty: name a folder for the native engine', []);
  return storage;
}

function build(tensorflow: TensorFlowFound, out: string, force: boolean): number {
  const pkg = findBuiltAddon([out, ...addonCacheRoots()]);
  if (pkg && !force) {
    process.stdout.write(`native addon already built: ${pkg} (--force rebuilds it); TensorFlow: ${describeTensorFlow(tensorflow)}\n`);
    return 0;
  }
  say(`building against ${describeTensorFlow(tensorflow)}`);
  process.stdout.write(`built: ${buildAddon(tensorflow, out, say)}\n`);
  return 0;
}

export function nativeBuild(options: { tensorflow?: string; out?: string; force: boolean }): number {
  const named = options.tensorflow ? inspectTensorFlowDir(options.tensorflow, '--tensorflow') : undefined;
  if (typeof named === 'string') throw new EngineUnavailableError(`--tensorflow: ${named}`, []);
  const search = tensorflowSearch();
  const tensorflow = named ?? search.found;
  if (!tensorflow) {
    throw new EngineUnavailableError(`no TensorFlow to build the native addon against — ${search.skipped.map((s) => `${s.from}: ${s.reason}`).join('; ')}`, []);
  }
  return build(tensorflow, options.out ?? join(storageRoot(), 'native'), options.force);
}

/** Use the TensorFlow this machine has, else install one into the storage venv; then build. */
export function nativeSetup(options: { python?: string; force: boolean }): number {
  const storage = storageRoot();
  let tensorflow = tensorflowSearch().found;
  if (!tensorflow) {
    let venv: string;
    try {
      venv = installTensorFlow(storage, { python: options.python, log: say });
    } catch (e) {
      if (process.env.CI || !(e instanceof TensorFlowInstallError)) throw e; // CI must have the native engine
      say(`the native engine is not set up: ${e.message}. Training uses wasm; see README, "Engines".`);
      return 0;
    }
    tensorflow = tensorflowSearch(undefined, true).found;
    if (!tensorflow) throw new EngineUnavailableError(`TensorFlow was installed in ${venv} but is not usable there`, []);
  }
  return build(tensorflow, join(storage, 'native'), options.force);
}
