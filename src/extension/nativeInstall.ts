// "Install Native TensorFlow Engine…": the TensorFlow of a Python environment or one pip installs for Gradient Lab
// (nativeSetup.ts), or npm's @tensorflow/tfjs-node(-gpu) with its own libtensorflow download into the extension's
// storage. Failures say what failed; wasm stays in use.
import * as vscode from 'vscode';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { explainInstallFailure, missingCudaLibraries } from '../native/nativeProbe';
import { type BackendClient } from './backendClient';
import { installTensorFlowForGradientLab, useTensorFlowFromPython } from './nativeSetup';

export interface InstallOutcome {
  ok: boolean;
  message: string;
}

const choices = [
  { engine: 'cpu', label: 'CPU from npm', description: '@tensorflow/tfjs-node', detail: 'downloads libtensorflow 2.9.1 (needs access to storage.googleapis.com)', pkg: '@tensorflow/tfjs-node' },
  { engine: 'gpu', label: 'GPU from npm (CUDA 11.2)', description: '@tensorflow/tfjs-node-gpu', detail: 'libtensorflow 2.9.1: needs CUDA 11.2 and cuDNN 8.1 (not CUDA 12)', pkg: '@tensorflow/tfjs-node-gpu' },
] as const;

const tensorflowChoices = [
  { id: 'python', label: '$(snake) Use TensorFlow from a Python environment…', detail: 'the TensorFlow 2.x you already have (pip install tensorflow); a CUDA build gives the GPU engine' },
  { id: 'pip', label: '$(cloud-download) Install TensorFlow for Gradient Lab…', detail: 'pip installs tensorflow-cpu into a Python environment in Gradient Lab\'s storage (asks first)' },
] as const;

/** `kind` skips the question (for keybindings and tests). */
export async function installNativeEngine(context: vscode.ExtensionContext, client: BackendClient, log: vscode.OutputChannel, restart: () => Promise<boolean>, kind?: 'cpu' | 'gpu'): Promise<InstallOutcome | undefined> {
  const pick = kind ? choices.find((c) => c.engine === kind) : await vscode.window.showQuickPick([...tensorflowChoices, ...choices], { placeHolder: 'How to get the native TensorFlow engine' });
  if (!pick) return undefined;
  if ('id' in pick) {
    const done = pick.id === 'python' ? await useTensorFlowFromPython(context, log) : await installTensorFlowForGradientLab(context, log);
    if (!done) return undefined;
    if (!(await restart())) return { ok: true, message: 'TensorFlow is set up; the native engine is used from the next backend start, once the current training ends' };
    const info = await client.engineInfo();
    return { ok: info.engine === 'cpu' || info.engine === 'gpu', message: `the backend now trains on ${info.engine}${info.tensorflow ? ` (TensorFlow ${info.tensorflow.version})` : ''}` };
  }
  const version: string = context.extension.packageJSON.dependencies['@tensorflow/tfjs'];
  const dir = join(context.globalStorageUri.fsPath, 'native');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'gradient-lab-native-engines', private: true, allowScripts: { [pick.pkg]: true } }, null, 2));
  log.show(true);
  log.appendLine(`installing ${pick.pkg}@${version} into ${dir}`);
  let output = '';
  const code = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Gradient Lab: installing ${pick.pkg}`, cancellable: true },
    (progress, token) => new Promise<number | null>((resolve) => {
      const npm = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['install', '--no-audit', '--no-fund', `${pick.pkg}@${version}`], { cwd: dir, env: process.env });
      const onData = (d: Buffer) => {
        const text = d.toString();
        output += text;
        log.append(text);
        const last = text.trim().split('\n').at(-1);
        if (last) progress.report({ message: last.slice(0, 100) });
      };
      npm.stdout.on('data', onData);
      npm.stderr.on('data', onData);
      npm.on('error', (e) => {
        output += `\nnpm could not be started: ${e.message}`;
        resolve(-1);
      });
      npm.on('exit', (c) => resolve(c));
      token.onCancellationRequested(() => npm.kill());
    }),
  );
  if (code !== 0) {
    const why = code === -1 ? 'npm was not found on the PATH of the extension host' : explainInstallFailure(output);
    const engine = (await client.engineInfo().catch(() => undefined))?.engine ?? 'wasm';
    const message = `installing ${pick.pkg} failed: ${why}. The ${engine} engine stays in use.`;
    log.appendLine(message);
    void vscode.window.showErrorMessage(`Gradient Lab: ${message}`, 'Show Log').then((a) => a && log.show());
    return { ok: false, message };
  }
  if (pick.pkg.endsWith('-gpu') && process.platform === 'linux') {
    const ldconfig = await new Promise<string>((resolve) => execFile('ldconfig', ['-p'], (_e, out) => resolve(out ?? '')));
    const missing = missingCudaLibraries(ldconfig);
    if (missing.length) {
      void vscode.window.showWarningMessage(`Gradient Lab: ${pick.pkg} is installed, but these CUDA 11.2 / cuDNN 8.1 libraries are missing: ${missing.join(', ')}. The GPU engine will not load until they are on the library path.`);
    }
  }
  // the next backend probes the new package; a run or sweep in progress finishes on the current one first
  if (!(await restart())) {
    const message = `${pick.pkg} installed; it is used from the next backend start, once the current training ends.`;
    void vscode.window.showInformationMessage(`Gradient Lab: ${message}`);
    return { ok: true, message };
  }
  const info = await client.engineInfo();
  const message = `${pick.pkg} installed; the backend now trains on ${info.engine}.`;
  void vscode.window.showInformationMessage(`Gradient Lab: ${message}`);
  return { ok: true, message };
}
