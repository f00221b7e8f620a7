// The native engine on the TensorFlow a user has: point Gradient Lab at a Python environment's TensorFlow, or (with
// consent) pip-install one into the extension's storage; the backend's `native-setup` does the work, shown as progress.
import * as vscode from 'vscode';
import { setTensorflowPath } from './config';
import { spawn } from 'node:child_process';
import { tensorflowRequirement } from '../native/tensorflowInstall';
import { askPython } from '../native/tensorflowLocate';
import { backendLaunch, pythonInterpreter } from './backendClient';

/** Run `gradient-lab native-setup` with the backend's runtime and env, lines to the log; resolves with the exit code. */
function runNativeSetup(context: vscode.ExtensionContext, log: vscode.OutputChannel, args: string[], title: string): Thenable<{ code: number | null; lastLine: string }> {
  const { command, backendJs, env } = backendLaunch(context);
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) =>
    new Promise((resolve) => {
      let lastLine = '';
      const child = spawn(command, [backendJs, 'native-setup', ...args], { env });
      const onData = (d: Buffer) => {
        const text = d.toString();
        log.append(text);
        lastLine = text.trim().split('\n').at(-1) ?? lastLine;
        progress.report({ message: lastLine.slice(0, 120) });
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', (e) => resolve({ code: -1, lastLine: e.message }));
      child.on('exit', (code) => resolve({ code, lastLine }));
      token.onCancellationRequested(() => child.kill());
    }));
}

/** "Use TensorFlow from a Python environment…": the interpreter's tensorflow folder becomes gradientLab.tensorflowPath. */
export async function useTensorFlowFromPython(context: vscode.ExtensionContext, log: vscode.OutputChannel): Promise<string | undefined> {
  const python = await vscode.window.showInputBox({
    title: 'Python interpreter whose TensorFlow the native engine uses',
    value: pythonInterpreter() ?? 'python3',
    prompt: 'A Python with TensorFlow 2.9 or later (pip install tensorflow)',
  });
  if (!python) return undefined;
  const answer = askPython(python);
  if (!answer.dir) {
    const install = 'Install TensorFlow for Gradient Lab…';
    const action = await vscode.window.showErrorMessage(`Gradient Lab: ${answer.reason}.`, install);
    if (action === install) return installTensorFlowForGradientLab(context, log);
    return undefined;
  }
  await setTensorflowPath(answer.dir);
  // builds the addon only when no built one is at hand (the packaged extension carries one for linux-x64)
  const { code, lastLine } = await runNativeSetup(context, log, [], 'Gradient Lab: setting up the native engine');
  if (code !== 0) void vscode.window.showErrorMessage(`Gradient Lab: the native engine could not be set up: ${lastLine}`, 'Show Log').then((a) => a && log.show());
  else void vscode.window.showInformationMessage(`Gradient Lab: the native engine uses the TensorFlow in ${answer.dir}.`);
  return answer.dir;
}

/** "Install TensorFlow for Gradient Lab…": pip's tensorflow-cpu into a venv in the extension's storage, after asking. */
export async function installTensorFlowForGradientLab(context: vscode.ExtensionContext, log: vscode.OutputChannel): Promise<string | undefined> {
  const ok = 'Install';
  const consent = await vscode.window.showWarningMessage(
    `Install ${tensorflowRequirement} with pip into a Python environment in Gradient Lab's storage (about 250 MB download, 1.5 GB on disk)?`,
    { modal: true, detail: `Folder: ${context.globalStorageUri.fsPath}. Needs Python 3 with venv. Nothing outside that folder changes.` }, ok);
  if (consent !== ok) return undefined;
  log.show(true);
  const { code, lastLine } = await runNativeSetup(context, log, ['--python', pythonInterpreter() ?? 'python3'], `Gradient Lab: installing ${tensorflowRequirement}`);
  if (code !== 0) {
    void vscode.window.showErrorMessage(`Gradient Lab: installing TensorFlow failed: ${lastLine}. Training stays on wasm.`, 'Show Log').then((a) => a && log.show());
    return undefined;
  }
  void vscode.window.showInformationMessage('Gradient Lab: TensorFlow is installed; the native engine is used from the next backend start.');
  return context.globalStorageUri.fsPath;
}
