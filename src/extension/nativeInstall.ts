// "Install Native TensorFlow Engine…": a .vsix cannot carry libtensorflow, so npm installs @tensorflow/tfjs-node
// (or -gpu) into the extension's global storage, where the backend also looks. Failures say what failed; wasm
// stays in use.
import * as vscode from 'vscode';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { explainInstallFailure, missingCudaLibraries } from '../backend/engines/nativeProbe';
import { BackendClient } from './backendClient';

export interface InstallOutcome {
  ok: boolean;
  message: string;
}

const choices = [
  { engine: 'cpu', label: 'CPU', description: '@tensorflow/tfjs-node', detail: 'libtensorflow on the CPU (with its own threads): usually several times faster than wasm', pkg: '@tensorflow/tfjs-node' },
  { engine: 'gpu', label: 'GPU (CUDA)', description: '@tensorflow/tfjs-node-gpu', detail: 'needs an NVIDIA GPU with CUDA 11.2 and cuDNN 8.1', pkg: '@tensorflow/tfjs-node-gpu' },
] as const;

/** `kind` skips the question (for keybindings and tests). */
export async function installNativeEngine(context: vscode.ExtensionContext, client: BackendClient, log: vscode.OutputChannel, restart: () => Promise<boolean>, kind?: 'cpu' | 'gpu'): Promise<InstallOutcome | undefined> {
  const pick = kind ? choices.find((c) => c.engine === kind) : await vscode.window.showQuickPick([...choices], { placeHolder: 'Native TensorFlow engine to install' });
  if (!pick) return undefined;
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
