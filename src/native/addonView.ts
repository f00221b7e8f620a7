// A view of the built tfjs-node package for one TensorFlow: its JS and addon copied, its deps/lib pointing at that
// TensorFlow's libraries. The addon finds libtensorflow through its rpath ($ORIGIN/../../deps/lib), so a process loads
// the TensorFlow it chose without LD_LIBRARY_PATH set before it started — the CLI, the probe and the backend alike.
import { createHash } from 'node:crypto';
import { accessSync, constants, cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TensorFlowFound } from './tensorflowLocate';

/** The names the addon may ask for (the soname of the library it was linked with) and the framework library. */
const linkNames = ['libtensorflow_cc.so.2', 'libtensorflow.so.2'];

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The view's tfjs-node package folder for `tensorflow`, made once. `pkg` is the built package
 * (<root>/node_modules/@tensorflow/tfjs-node); its siblings in <root>/node_modules are linked, not copied.
 */
export function addonViewFor(pkg: string, tensorflow: TensorFlowFound): string {
  const modules = dirname(dirname(pkg));
  const root = dirname(modules);
  const binding = statSync(join(pkg, 'lib', 'napi-v8', 'tfjs_binding.node'));
  const key = createHash('sha1').update(`${tensorflow.libDir}\0${tensorflow.library}\0${binding.size}\0${binding.mtimeMs}`).digest('hex').slice(0, 12);
  const viewsRoot = writable(root) ? join(root, 'views') : join(tmpdir(), 'gradient-lab-native-views');
  const view = join(viewsRoot, key);
  const viewPkg = join(view, 'node_modules', '@tensorflow', 'tfjs-node');
  if (existsSync(join(viewPkg, 'package.json'))) return viewPkg;

  const work = `${view}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  const workModules = join(work, 'node_modules');
  mkdirSync(join(workModules, '@tensorflow'), { recursive: true });
  for (const name of readdirSync(modules).filter((n) => n !== '@tensorflow' && !n.startsWith('.'))) symlinkSync(join(modules, name), join(workModules, name));
  for (const name of readdirSync(join(modules, '@tensorflow')).filter((n) => n !== 'tfjs-node')) {
    symlinkSync(join(modules, '@tensorflow', name), join(workModules, '@tensorflow', name));
  }
  // real copies: Node resolves a module to its real path, and the addon's $ORIGIN must be inside the view
  const workPkg = join(workModules, '@tensorflow', 'tfjs-node');
  mkdirSync(workPkg);
  for (const part of ['package.json', 'dist', 'lib']) cpSync(join(pkg, part), join(workPkg, part), { recursive: true });
  const libs = join(workPkg, 'deps', 'lib');
  mkdirSync(libs, { recursive: true });
  for (const name of linkNames) symlinkSync(join(tensorflow.libDir, tensorflow.library), join(libs, name));
  symlinkSync(join(tensorflow.libDir, 'libtensorflow_framework.so.2'), join(libs, 'libtensorflow_framework.so.2'));
  try {
    renameSync(work, view);
  } catch {
    rmSync(work, { recursive: true, force: true }); // another process made the same view first
  }
  return viewPkg;
}
