// Builds tfjs-node's N-API addon from the npm package's own sources against a TensorFlow found on this machine, once,
// into a cache keyed by versions. The addon links TensorFlow's stable C API by soname, so one build serves any
// compatible TensorFlow 2.x: a per-TensorFlow view supplies the libraries at load time (addonView.ts).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { distDir } from '../paths';
import { defaultStorageRoots, type TensorFlowFound } from './tensorflowLocate';

/** The tfjs-node whose sources are built: the same version as the TF.js we bundle (their kernels share a registry). */
export const tfjsNodeVersion = '4.22.0';
export const napiVersion = 8;
export const addonKey = () => `tfjs-node-${tfjsNodeVersion}-napi${napiVersion}-${process.platform}-${process.arch}`;
export const addonRelative = ['node_modules', '@tensorflow', 'tfjs-node'];
const bindingRelative = ['lib', `napi-v${napiVersion}`, 'tfjs_binding.node'];

/** Folders that may hold built addons: <storage>/native (the extension's storage, or this checkout's .cache), the package's own. */
export function addonCacheRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  return [...defaultStorageRoots(env).map((s) => join(s, 'native')), join(distDir(), 'native')];
}

/** The tfjs-node package folder of a built addon, if one is in any cache root. */
export function findBuiltAddon(roots = addonCacheRoots()): string | undefined {
  for (const root of roots) {
    const pkg = join(root, addonKey(), ...addonRelative);
    if (existsSync(join(pkg, ...bindingRelative))) return pkg;
  }
  return undefined;
}

export class AddonBuildError extends Error {}

/** node-gyp as bundled with npm: no download, no global install. */
function nodeGypScript(): string {
  const npmCli = process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath)
    ? process.env.npm_execpath
    : realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  const script = join(dirname(npmCli), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (!existsSync(script)) throw new Error(`node-gyp was not found beside npm (${script})`);
  return script;
}

/** Node's headers where they were installed with it (offline node-gyp cannot download them). */
function nodeHeadersDir(): string | undefined {
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

/**
 * Fetch tfjs-node's sources with npm (its install script, which downloads libtensorflow 2.9.1, skipped), compile its
 * addon against `tensorflow`, and leave the package with an empty deps/lib in <outRoot>/<addonKey>. Returns the
 * package folder. Throws with the step that failed.
 */
export function buildAddon(tensorflow: TensorFlowFound, outRoot: string, log: (line: string) => void = () => {}): string {
  if (!tensorflow.includeDir) throw new Error(`TensorFlow at ${tensorflow.libDir} has no C headers (include/tensorflow/c/c_api.h): it cannot be built against`);
  const root = join(outRoot, addonKey());
  const work = `${root}.building-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    writeFileSync(join(work, 'package.json'), '{ "name": "gradient-lab-native-engine", "private": true }\n');
    log(`fetching @tensorflow/tfjs-node@${tfjsNodeVersion}'s sources with npm (install script skipped)`);
    execFileSync('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', '--omit=dev', `@tensorflow/tfjs-node@${tfjsNodeVersion}`], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
    const pkg = join(work, ...addonRelative);
    const libs = join(pkg, 'deps', 'lib');
    mkdirSync(libs, { recursive: true });
    symlinkSync(tensorflow.includeDir, join(pkg, 'deps', 'include'));
    symlinkSync(join(tensorflow.libDir, tensorflow.library), join(libs, 'libtensorflow.so'));
    symlinkSync(join(tensorflow.libDir, 'libtensorflow_framework.so.2'), join(libs, 'libtensorflow_framework.so'));
    log(`compiling the N-API addon against TensorFlow ${tensorflow.version ?? ''} in ${tensorflow.libDir}`);
    const headers = nodeHeadersDir();
    execFileSync(process.execPath, [
      nodeGypScript(), 'rebuild', ...(headers ? [`--nodedir=${headers}`] : []),
      '--module_name=tfjs_binding', `--module_path=lib/napi-v${napiVersion}`, `--napi_build_version=${napiVersion}`,
    ], { cwd: pkg, stdio: ['ignore', 'ignore', 'pipe'] });
    mkdirSync(join(pkg, ...bindingRelative.slice(0, -1)), { recursive: true });
    copyFileSync(join(pkg, 'build', 'Release', 'tfjs_binding.node'), join(pkg, ...bindingRelative));
    // what the addon was built against stays out of the package: each view links the TensorFlow it was made for
    for (const f of ['build', join('deps', 'include')]) rmSync(join(pkg, f), { recursive: true, force: true });
    for (const f of readdirSync(libs)) rmSync(join(libs, f));
    writeFileSync(join(work, 'built.json'), JSON.stringify({
      tfjsNode: tfjsNodeVersion, napi: napiVersion, node: process.version, builtAgainst: { libDir: tensorflow.libDir, version: tensorflow.version }, at: new Date().toISOString(),
    }, null, 2) + '\n');
    rmSync(root, { recursive: true, force: true });
    renameSync(work, root);
    return join(root, ...addonRelative);
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    const err = e as Error & { stderr?: Buffer | string };
    const lines = err.stderr ? String(err.stderr).trim().split('\n') : [err.message];
    const errors = lines.filter((l) => /error|not found|No such file/i.test(l) && !/^gyp ERR! (stack|System|command|cwd|node)/.test(l));
    throw new AddonBuildError(`building the native addon failed: ${(errors.length ? errors : lines).slice(0, 6).join('\n')}`);
  }
}
