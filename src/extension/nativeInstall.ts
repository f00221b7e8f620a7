// "Install Native TensorFlow Engine…": a .vsix cannot carry libtensorflow, so npm installs @tensorflow/tfjs-node
// (or -gpu) into the extension's global storage, where the backend also looks. Failures say what failed; wasm
// stays in use.
import * as vscode from 'vscode';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BackendClient } from './backendClient';

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

export async function installNativeEngine(context: vscode.ExtensionContext, client: BackendClient, log: vscode.OutputChannel): Promise<void> {
  const pick = await vscode.window.showQuickPick([
    { label: 'CPU', description: '@tensorflow/tfjs-node', detail: 'libtensorflow on the CPU (with its own threads): usually several times faster than wasm', pkg: '@tensorflow/tfjs-node' },
    { label: 'GPU (CUDA)', description: '@tensorflow/tfjs-node-gpu', detail: 'needs an NVIDIA GPU with CUDA 11.2 and cuDNN 8.1', pkg: '@tensorflow/tfjs-node-gpu' },
  ], { placeHolder: 'Native TensorFlow engine to install' });
  if (!pick) return;
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
    void vscode.window.showErrorMessage(`Gradient Lab: installing ${pick.pkg} failed: ${why}. The wasm engine stays in use.`, 'Show Log').then((a) => a && log.show());
    return;
  }
  if (pick.pkg.endsWith('-gpu') && process.platform === 'linux') {
    const ldconfig = await new Promise<string>((resolve) => execFile('ldconfig', ['-p'], (_e, out) => resolve(out ?? '')));
    const missing = missingCudaLibraries(ldconfig);
    if (missing.length) {
      void vscode.window.showWarningMessage(`Gradient Lab: ${pick.pkg} is installed, but these CUDA 11.2 / cuDNN 8.1 libraries are missing: ${missing.join(', ')}. The GPU engine will not load until they are on the library path.`);
    }
  }
  await client.stop(); // the next backend probes the new package
  const info = await client.engineInfo();
  void vscode.window.showInformationMessage(`Gradient Lab: ${pick.pkg} installed; the backend now trains on ${info.engine}.`);
}
