// "Open an Example": a worked example from the extension's examples/ copied into the workspace (so it can be edited,
// trained and checked there) and opened. Offered by the empty Runs view.
import * as vscode from 'vscode';

const examples = [
  { file: 'backprop-3-4-4-1.md', label: 'Check a derivation: backpropagation through a 3-4-4-1 network', detail: 'Markdown with LaTeX; each claim gets a ✓ or ✗ lens as you type' },
  { file: 'digits-cnn.experiment.json', label: 'Train the seed CNN on the embedded digits', detail: 'the default experiment: ≥ 96 % test accuracy in 3 epochs, no download' },
  { file: 'fashion-mlp.experiment.json', label: 'Train an MLP on Fashion-MNIST', detail: 'downloads Fashion-MNIST once (or reads an IDX folder)' },
];

export async function openExample(extensionUri: vscode.Uri, which?: string): Promise<vscode.Uri | undefined> {
  const pick = which ? examples.find((e) => e.file === which) : await vscode.window.showQuickPick(examples, { placeHolder: 'Example to open' });
  if (!pick) return undefined;
  const source = vscode.Uri.joinPath(extensionUri, 'examples', pick.file);
  const root = vscode.workspace.workspaceFolders?.[0]?.uri;
  let target = source;
  if (root) {
    target = vscode.Uri.joinPath(root, pick.file);
    try {
      await vscode.workspace.fs.stat(target); // already there: open the user's copy as it is
    } catch {
      await vscode.workspace.fs.copy(source, target);
    }
  }
  await vscode.window.showTextDocument(target);
  return target;
}
