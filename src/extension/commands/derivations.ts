// Commands on Markdown derivations: check a file, open a claim's hover from its lens, insert a gradcheck block,
// declare the network from the indices the math uses, open the worked example.
import * as vscode from 'vscode';
import type { Lab } from '../context';
import { gradcheckTemplate } from '../derivations';
import { openExample } from '../examples';
import type { CommandFactories } from './types';

async function checkDerivations(lab: Lab, uri?: vscode.Uri) {
  const document = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
  if (!document || document.languageId !== 'markdown') return void vscode.window.showInformationMessage('Gradient Lab: open a Markdown file with derivations to check.');
  const results = (await lab.derivations.check(document))?.results ?? [];
  const count = (v: string) => results.filter((r) => r.verdict === v).length;
  if (!uri) {
    void vscode.window.showInformationMessage(results.length
      ? `Gradient Lab: ${results.length} claims — ${count('pass')} pass, ${count('fail')} fail, ${count('parse-error')} cannot parse, ${count('inconclusive')} inconclusive.`
      : 'Gradient Lab: no checked claims in this file (a claim is math with "=" below a gradcheck block).');
  }
  return results;
}

/** A lens click opens the claim's hover: the message and the values of both sides in every draw. */
async function showDerivationResult(uri: vscode.Uri, line: number, column: number): Promise<void> {
  const editor = await vscode.window.showTextDocument(uri, { preserveFocus: false });
  const at = new vscode.Position(line - 1, column);
  editor.selection = new vscode.Selection(at, at);
  editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  await vscode.commands.executeCommand('editor.action.showHover');
}

async function declareNetwork(lab: Lab, uri?: vscode.Uri): Promise<void> {
  const document = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
  if (!document) return;
  const block = lab.derivations.suggestedBlock(document.uri) ?? (await lab.derivations.check(document))?.suggestedBlock;
  if (!block) return void vscode.window.showInformationMessage('Gradient Lab: this file already declares its network (or has no claims).');
  // before the first line with math, so the block applies to all of it
  const first = document.getText().split('\n').findIndex((l) => l.includes('$'));
  const edit = new vscode.WorkspaceEdit();
  edit.insert(document.uri, new vscode.Position(Math.max(0, first), 0), block + '\n');
  await vscode.workspace.applyEdit(edit);
}

export const derivationCommands: CommandFactories = {
  checkDerivations: (lab) => (uri?: vscode.Uri) => checkDerivations(lab, uri),
  showDerivationResult: () => showDerivationResult,
  insertGradcheckBlock: () => async () => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return;
    await editor.insertSnippet(new vscode.SnippetString(gradcheckTemplate.replace(/\$/g, '\\$')), new vscode.Position(editor.selection.active.line, 0));
  },
  declareNetwork: (lab) => (uri?: vscode.Uri) => declareNetwork(lab, uri),
  openExampleDerivation: (lab) => () => openExample(lab.extension.extensionUri, 'backprop-3-4-4-1.md'),
};
