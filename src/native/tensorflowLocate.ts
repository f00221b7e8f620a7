// Where a TensorFlow library is on this machine, in the order the native engine takes one: the folder the user
// named, the TensorFlow of a Python environment, tfjs-node's own download, and Gradient Lab's storage venv.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { packageRoot } from '../paths';

/** A folder (site-packages, its tensorflow folder, a libtensorflow folder or its lib folder) named by the user. */
export const tensorflowEnvVar = 'GRADIENT_LAB_TENSORFLOW';
/** The Python interpreter to ask (the host sets it from the Python extension's choice); else python3 on PATH. */
export const pythonEnvVar = 'GRADIENT_LAB_PYTHON';
/** Gradient Lab's storage folders (path list; the host sets the extension's storage): python/venv, native/ below. */
export const storageEnvVar = 'GRADIENT_LAB_STORAGE';

/** The storage folders: those the variable names when it is set (even empty), else this checkout's .cache. */
export function defaultStorageRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const named = env[storageEnvVar];
  return named === undefined ? [join(packageRoot(), '.cache')] : named.split(delimiter).filter(Boolean);
}

export interface TensorFlowFound {
  /** Where the choice came from, said to a person. */
  from: string;
  /** The folder holding the C API library and libtensorflow_framework. */
  libDir: string;
  /** The file that exports the C API: libtensorflow_cc.so.2 in pip wheels, libtensorflow.so.2 in the C tarball. */
  library: string;
  /** The headers, when present (needed only to build the addon). */
  includeDir?: string;
  /** From the pip package's metadata; the probe replaces it with what the library itself says. */
  version?: string;
  /** The pip distribution, e.g. tensorflow-cpu, tensorflow. */
  distribution?: string;
  /** Set for a CUDA build, with the CUDA/cuDNN versions it was built for when known. */
  cuda?: { cuda?: string; cudnn?: string };
}

export interface TensorFlowSkipped {
  from: string;
  reason: string;
}

export interface TensorFlowSearch {
  found?: TensorFlowFound;
  skipped: TensorFlowSkipped[];
}

const libraryNames = process.platform === 'darwin'
  ? ['libtensorflow_cc.2.dylib', 'libtensorflow.2.dylib']
  : ['libtensorflow_cc.so.2', 'libtensorflow.so.2'];
const frameworkName = process.platform === 'darwin' ? 'libtensorflow_framework.2.dylib' : 'libtensorflow_framework.so.2';

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** The pip distribution that installed a site-packages/tensorflow folder, from its .dist-info folder name. */
export function pipDistribution(sitePackages: string): { distribution: string; version: string } | undefined {
  let names: string[];
  try {
    names = readdirSync(sitePackages);
  } catch {
    return undefined;
  }
  for (const n of names) {
    const m = /^(tensorflow(?:[_-](?:cpu|gpu|intel|macos|aarch64))?|tf[_-]nightly(?:[_-]cpu)?)-(\d[\w.+]*)\.dist-info$/i.exec(n);
    if (m) return { distribution: m[1].replace(/_/g, '-').toLowerCase(), version: m[2] };
  }
  return undefined;
}

/** A CUDA build says so in tensorflow/python/platform/build_info.py. */
export function cudaBuildInfo(text: string): TensorFlowFound['cuda'] {
  if (!/'is_cuda_build',\s*True/.test(text)) return undefined;
  const cuda = /'cuda_version',\s*'([^']+)'/.exec(text)?.[1];
  const cudnn = /'cudnn_version',\s*'([^']+)'/.exec(text)?.[1];
  return { cuda, cudnn };
}

/** Read one candidate folder; a string is the reason it holds no usable TensorFlow. */
export function inspectTensorFlowDir(named: string, from: string): TensorFlowFound | string {
  const dir = resolve(named);
  if (!existsSync(dir)) return `${dir} does not exist`;
  const tries = [dir, join(dir, 'tensorflow'), join(dir, 'lib')];
  for (const libDir of tries) {
    const library = libraryNames.find((n) => existsSync(join(libDir, n)));
    if (!library) continue;
    if (!existsSync(join(libDir, frameworkName))) return `${libDir} has ${library} but not ${frameworkName}`;
    const found: TensorFlowFound = { from, libDir, library };
    const include = [join(libDir, 'include'), join(dirname(libDir), 'include')].find((d) => existsSync(join(d, 'tensorflow', 'c', 'c_api.h')));
    if (include) found.includeDir = include;
    if (basename(libDir) === 'tensorflow') {
      const pip = pipDistribution(dirname(libDir));
      if (pip) Object.assign(found, pip);
      const info = join(libDir, 'python', 'platform', 'build_info.py');
      if (existsSync(info)) found.cuda = cudaBuildInfo(readFileSync(info, 'utf8'));
      if (!found.cuda) delete found.cuda;
    }
    return found;
  }
  return `no ${libraryNames.join(' or ')} in ${dir}`;
}

// Asks Python where its tensorflow package is without importing it (an import takes seconds and logs).
const findSpecScript =
  "import importlib.util, json, sys\n" +
  "s = importlib.util.find_spec('tensorflow')\n" +
  "print(json.dumps({'exe': sys.executable, 'dir': list(s.submodule_search_locations)[0] if s and s.submodule_search_locations else None}))";

/** The tensorflow folder of a Python environment, or why there is none. */
export function askPython(python: string): { dir?: string; exe?: string; reason?: string } {
  try {
    const out = execFileSync(python, ['-c', findSpecScript], { encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const answer = JSON.parse(out.trim().split('\n').at(-1)!) as { exe: string; dir: string | null };
    if (!answer.dir) return { exe: answer.exe, reason: `${answer.exe} has no tensorflow package (pip install tensorflow adds it)` };
    return { dir: answer.dir, exe: answer.exe };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') return { reason: `${python} was not found` };
    return { reason: `${python} could not be asked: ${(err.stderr || err.message).toString().trim().split('\n').at(-1)}` };
  }
}

/** Gradient Lab's own venvs: <storage>/python/venv/lib/python3.*\/site-packages. */
function storageSitePackages(storageRoots: string[]): string[] {
  const out: string[] = [];
  for (const root of storageRoots) {
    const lib = join(root, 'python', 'venv', 'lib');
    if (!isDir(lib)) continue;
    for (const py of readdirSync(lib).filter((n) => n.startsWith('python')).sort().reverse()) out.push(join(lib, py, 'site-packages'));
  }
  return out;
}

export interface LocateOptions {
  env?: NodeJS.ProcessEnv;
  /** Folders whose node_modules may hold tfjs-node with the libtensorflow its installer downloaded. */
  nativeRoots: string[];
  /** Folders that may hold Gradient Lab's venv (python/venv). */
  storageRoots: string[];
}

/** Walk the sources in order; the first usable TensorFlow is `found`, and every other source says why not. */
export function locateTensorFlow(options: LocateOptions): TensorFlowSearch {
  const env = options.env ?? process.env;
  const skipped: TensorFlowSkipped[] = [];
  let found: TensorFlowFound | undefined;
  const consider = (dir: string, from: string) => {
    if (found) return;
    const r = inspectTensorFlowDir(dir, from);
    if (typeof r === 'string') skipped.push({ from, reason: r });
    else found = r;
  };
  const named = env[tensorflowEnvVar];
  if (named) consider(named, tensorflowEnvVar);
  if (!found) {
    const python = env[pythonEnvVar] || 'python3';
    const answer = askPython(python);
    if (answer.dir) consider(answer.dir, `Python (${answer.exe})`);
    else skipped.push({ from: `Python (${python})`, reason: answer.reason! });
  }
  for (const root of options.nativeRoots) {
    for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
      const lib = join(root, 'node_modules', pkg, 'deps');
      if (!found && existsSync(join(lib, 'lib'))) consider(lib, `${pkg}'s own download`);
    }
  }
  const storage = options.storageRoots;
  for (const site of storageSitePackages(storage)) consider(site, 'Gradient Lab\'s own TensorFlow');
  if (!found && !storageSitePackages(storage).length) {
    skipped.push({ from: 'Gradient Lab\'s own TensorFlow', reason: 'not installed ("Gradient Lab: Install Native TensorFlow Engine…" can install one)' });
  }
  return { found, skipped };
}
