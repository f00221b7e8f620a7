// Commands on experiment files: train, sweep, a new experiment from a starter, the model summary, a gradient
// probe without training, an image-folder dataset, the examples.
import * as vscode from 'vscode';
import type { Lab } from '../context';
import { openExample } from '../examples';
import { pickExperiment } from '../experimentFiles';
import { createImageFolder } from '../imageFolders';
import { starters } from '../starterExperiments';
import { runSweep } from '../sweeps';
import { reportRejection, trainExperiment } from '../training';
import type { RunsNode } from '../runsTree';
import { join } from 'node:path';
import { formatModelSummary } from '../../runs/summaryText';
import type { CommandFactories } from './types';

/** The experiment given, or the one picked (open on screen, or chosen), as a document. */
async function openExperiment(given?: vscode.Uri): Promise<vscode.TextDocument | undefined> {
  const uri = await pickExperiment(given);
  return uri && vscode.workspace.openTextDocument(uri);
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** A starter written into the workspace and opened; `label` picks it without asking (a hover's link). */
async function newExperiment(label?: string): Promise<void> {
  const pick = starters.find((s) => s.label === label) ?? await vscode.window.showQuickPick(starters.map((s) => ({ ...s, description: s.fileName })), { placeHolder: 'Starter experiment' });
  if (!pick) return;
  const root = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = root ? vscode.Uri.joinPath(root, pick.fileName) : await vscode.window.showSaveDialog({ filters: { 'Experiment': ['experiment.json'] } });
  if (!target) return;
  let uri = target;
  for (let i = 2; await exists(uri); i++) uri = vscode.Uri.joinPath(target, '..', pick.fileName.replace('.experiment.json', `-${i}.experiment.json`));
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(pick.text));
  for (const c of pick.companions ?? []) {
    const companion = vscode.Uri.joinPath(uri, '..', c.fileName);
    if (!(await exists(companion))) await vscode.workspace.fs.writeFile(companion, new TextEncoder().encode(c.text));
  }
  await vscode.window.showTextDocument(uri);
}

/** A request about the experiment given (or picked), under a progress notice; a rejected experiment is marked in
 *  the Problems panel at its fields, as training marks it. */
async function onExperiment<T>(lab: Lab, given: vscode.Uri | undefined, task: { what: string; title: string; location: vscode.ProgressLocation }, request: (text: string, path: string) => Promise<T>): Promise<{ uri: vscode.Uri; result: T } | undefined> {
  const document = await openExperiment(given);
  if (!document) return undefined;
  try {
    const result = await vscode.window.withProgress({ location: task.location, title: `Gradient Lab: ${task.title}` }, () => request(document.getText(), document.uri.fsPath));
    return { uri: document.uri, result };
  } catch (e) {
    reportRejection(lab, document.uri, task.what, e);
    return undefined;
  }
}

async function probeGradients(lab: Lab, given?: vscode.Uri) {
  const done = await onExperiment(lab, given, { what: 'gradient probe', title: 'probing gradients (one batch)', location: vscode.ProgressLocation.Notification }, (text, path) => lab.client.probeGradients(text, path));
  if (!done) return undefined;
  const file = vscode.workspace.asRelativePath(done.uri);
  const runId = `probe:${file}:${Date.now()}`;
  lab.store.addView({ runId, name: `gradient probe of ${file}`, folder: '', status: 'completed', events: [{ type: 'gradients', runId, epoch: 0, step: 0, layers: done.result.layers }] });
  lab.showPanel(runId);
  return done.result;
}

async function showModelSummary(lab: Lab, given?: vscode.Uri) {
  const done = await onExperiment(lab, given, { what: 'model summary', title: 'building the model', location: vscode.ProgressLocation.Window }, (text, path) => lab.client.modelSummary(text, path));
  if (!done) return undefined;
  lab.log.appendLine(`\nmodel of ${vscode.workspace.asRelativePath(done.uri)}:\n${formatModelSummary(done.result)}`);
  lab.log.show(true);
  return done.result;
}

/** An experiment file, or a run (its experiment, and its trained weights when asked for), as a Keras script. */
async function exportKeras(lab: Lab, target?: vscode.Uri | RunsNode) {
  const run = target && !(target instanceof vscode.Uri) && target.kind === 'run' ? target.run : undefined;
  const uri = run ? vscode.Uri.file(join(run.folder, 'experiment.json')) : await pickExperiment(target instanceof vscode.Uri ? target : undefined);
  if (!uri) return undefined;
  let weightsFrom: string | undefined;
  if (run) {
    const pick = await vscode.window.showQuickPick([
      { label: 'Include trained weights', description: 'the run\'s best checkpoint, to load or save as a .keras model', weights: true },
      { label: 'Script only', description: 'train from the same initial weights', weights: false },
    ], { placeHolder: `Export ${run.name} as a Keras script` });
    if (!pick) return undefined;
    weightsFrom = pick.weights ? run.folder : undefined;
  } else await vscode.workspace.textDocuments.find((d) => d.uri.fsPath === uri.fsPath)?.save();
  try {
    const done = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Gradient Lab: exporting for Keras' }, () => lab.client.exportKeras({ experimentPath: uri.fsPath, weightsFrom }));
    done.notes.forEach((n) => lab.log.appendLine(`Keras export: ${n}`));
    const open = 'Open Script';
    void vscode.window.showInformationMessage(`Gradient Lab: exported to ${vscode.workspace.asRelativePath(done.folder)} — run python train_keras.py there.`, open)
      .then((a) => (a === open ? vscode.window.showTextDocument(vscode.Uri.file(join(done.folder, 'train_keras.py'))) : undefined));
    return done;
  } catch (e) {
    if (!run) reportRejection(lab, uri, 'Keras export', e);
    else lab.showFailure('Keras export', e);
    return undefined;
  }
}

export const experimentCommands: CommandFactories = {
  trainExperiment: (lab) => (uri?: vscode.Uri) => trainExperiment(lab, uri),
  runSweep: (lab) => (uri?: vscode.Uri) => runSweep(lab, uri),
  newExperiment: () => (label?: string) => newExperiment(typeof label === 'string' ? label : undefined),
  probeGradients: (lab) => (uri?: vscode.Uri) => probeGradients(lab, uri),
  showModelSummary: (lab) => (uri?: vscode.Uri) => showModelSummary(lab, uri),
  createImageFolder: (lab) => (given?: Parameters<typeof createImageFolder>[2]) => createImageFolder(lab.client, lab.log, given),
  openExample: (lab) => (file?: string) => openExample(lab.extension.extensionUri, file),
  exportKeras: (lab) => (target?: vscode.Uri | RunsNode) => exportKeras(lab, target),
};
