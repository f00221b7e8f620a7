// "Create Image-Folder Dataset from IDX…": the embedded digits, Debian's Fashion-MNIST or any IDX folder written
// as train/ validation/ test/ <class>/*.png in the workspace — a real image folder to fine-tune on, offline.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendClient } from './backendClient';

const debianFashion = '/usr/share/datasets/fashion-mnist';

export async function createImageFolder(client: BackendClient, log: vscode.OutputChannel, given?: { source: 'embedded-digits' | 'idx-folder'; path?: string; counts?: string; out?: string }): Promise<string | undefined> {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!root) return void vscode.window.showInformationMessage('Gradient Lab: open a folder first; the image folder is written into it.');
  let choice = given;
  if (!choice) {
    const picks = [
      { label: 'Embedded MNIST digits', description: '10,000 real digits shipped with Gradient Lab', source: 'embedded-digits' as const, name: 'digits' },
      ...(existsSync(debianFashion) ? [{ label: 'Fashion-MNIST', description: debianFashion, source: 'idx-folder' as const, path: debianFashion, name: 'fashion' }] : []),
      { label: 'Choose an IDX folder…', description: 'train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-…', source: 'idx-folder' as const, name: '' },
    ];
    const pick = await vscode.window.showQuickPick(picks, { placeHolder: 'Dataset to write as an image folder' });
    if (!pick) return undefined;
    let path = 'path' in pick ? pick.path : undefined;
    let name = pick.name;
    if (pick.source === 'idx-folder' && !path) {
      const folder = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use this IDX folder' });
      if (!folder?.[0]) return undefined;
      path = folder[0].fsPath;
      name = folder[0].path.split('/').filter(Boolean).at(-1) ?? 'idx';
    }
    const counts = await vscode.window.showInputBox({
      prompt: 'Images per split (train / validation / test)', value: '1000 / 200 / 500',
      validateInput: (v) => (/^\s*\d+\s*\/\s*\d+\s*\/\s*\d+\s*$/.test(v) ? undefined : 'three whole numbers: train / validation / test'),
    });
    if (!counts) return undefined;
    let out = join(root, 'datasets', `${name}-images`);
    for (let i = 2; existsSync(out); i++) out = join(root, 'datasets', `${name}-images-${i}`);
    choice = { source: pick.source, path, counts, out };
  }
  const [train, validation, test] = (choice.counts ?? '1000/200/500').split('/').map((n) => Number(n.trim()));
  const out = choice.out ?? join(root, 'datasets', 'images');
  try {
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Gradient Lab: writing the image folder' }, (progress) => {
      const listener = client.onTaskProgress((p) => p.task === 'imageFolder' && progress.report({ message: p.message }));
      return client.writeImageFolder({ source: choice!.source, path: choice!.path, out, counts: { train, validation, test } }).finally(() => listener.dispose());
    });
    const n = result.written.train + result.written.validation + result.written.test;
    log.appendLine(`image folder ${result.out}: ${result.written.train} train, ${result.written.validation} validation, ${result.written.test} test images; classes ${result.classNames.join(', ')}`);
    void vscode.window.showInformationMessage(`Gradient Lab: wrote ${n} images in ${result.classNames.length} classes to ${vscode.workspace.asRelativePath(result.out)}. Use it with "data": { "source": "image-folder", "path": "${vscode.workspace.asRelativePath(result.out)}" }.`, 'Reveal in Explorer')
      .then((a) => a && vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(result.out)));
    return result.out;
  } catch (e) {
    void vscode.window.showErrorMessage(`Gradient Lab: ${(e as Error).message}`);
    return undefined;
  }
}
