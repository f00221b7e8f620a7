// Commands on runs: the runs view's rows (open, compare, delete, reveal), the training panel, stop, reports.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../context';
import type { RunsNode } from '../runsTree';
import { ReportPanel } from '../reportPanel';
import { TrainingPanel } from '../trainingPanel';
import type { CommandFactories } from './types';

const folderOf = (node?: RunsNode) => (node?.kind === 'run' ? node.run.folder : node?.kind === 'sweep' ? node.folder : undefined);
/** The run folders of the clicked node and the selection (the runs view passes both). */
const runFolders = (node: RunsNode, selected?: RunsNode[]) => (selected ?? [node]).flatMap((n) => (n.kind === 'run' ? [n.run.folder] : []));

async function pickRuns(lab: Lab, placeHolder: string): Promise<string[] | undefined> {
  const picks = await vscode.window.showQuickPick(lab.workspaceRuns().map((r) => ({ label: r.name, description: `${r.status} · ${r.runId}`, folder: r.folder })), { canPickMany: true, placeHolder });
  return picks?.map((p) => p.folder);
}

async function pickRun(lab: Lab): Promise<string | undefined> {
  const runs = lab.workspaceRuns();
  if (!runs.length) return void vscode.window.showInformationMessage('Gradient Lab: no runs in this workspace yet.');
  const pick = await vscode.window.showQuickPick(runs.map((r) => ({
    label: r.name, description: `${r.status}${r.testAccuracy !== undefined ? ` · test ${(100 * r.testAccuracy).toFixed(2)}%` : ''} · ${r.engine ?? ''}`, detail: r.runId, folder: r.folder,
  })), { placeHolder: 'Run to open' });
  return pick?.folder;
}

export const runCommands: CommandFactories = {
  refreshRuns: (lab) => () => lab.runsTree.refresh(),
  deleteRun: (lab) => async (node?: RunsNode) => {
    const folder = folderOf(node);
    if (!folder) return;
    const yes = 'Delete';
    if ((await vscode.window.showWarningMessage(`Delete ${folder} and everything in it?`, { modal: true }, yes)) !== yes) return;
    await vscode.workspace.fs.delete(vscode.Uri.file(folder), { recursive: true, useTrash: true });
    lab.runsTree.refresh();
  },
  revealRun: () => (node?: RunsNode) => {
    const folder = folderOf(node);
    if (folder) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(folder));
  },
  compareRuns: (lab) => async (node?: RunsNode | string[], selected?: RunsNode[]) => {
    if (node && !Array.isArray(node) && node.kind === 'sweep') return void lab.showCompare({ sweepFolder: node.folder });
    const folders = Array.isArray(node) ? node : node ? runFolders(node, selected) : await pickRuns(lab, 'Runs to compare (for a sweep, use Compare on the sweep in the runs view)');
    if (!folders) return;
    if (folders.length < 2) return void vscode.window.showWarningMessage('Gradient Lab: pick two or more runs to compare.');
    lab.showCompare({ folders });
  },
  compareGradients: (lab) => async (node?: string[] | RunsNode, selected?: RunsNode[]) => {
    const folders = Array.isArray(node) ? node : node ? runFolders(node, selected) : await pickRuns(lab, 'Two runs to compare (e.g. sigmoid vs ReLU at the same depth)');
    if (!folders) return;
    if (folders.length !== 2) return void vscode.window.showWarningMessage('Gradient Lab: pick exactly two runs to compare.');
    lab.showPanel(lab.store.load(folders[0]).runId, lab.store.load(folders[1]).runId);
  },
  stopTraining: (lab) => async () => {
    const sweep = lab.store.runningSweep();
    if (sweep) return void (await lab.client.cancelSweep(sweep));
    const live = lab.store.liveRun();
    if (!live) return void vscode.window.showInformationMessage('Gradient Lab: nothing is training.');
    await lab.client.cancel(live.runId);
  },
  showTrainingPanel: (lab) => () => lab.showPanel(TrainingPanel.visibleRunId ?? lab.store.latest()?.runId),
  openRun: (lab) => async (given?: string) => {
    const folder = given ?? (await pickRun(lab));
    if (folder) lab.showPanel(lab.store.load(folder).runId);
  },
  openReport: (lab) => async (target?: string | RunsNode) => {
    let folder = typeof target === 'string' ? target : target?.kind === 'run' ? target.run.folder : undefined;
    if (!folder) {
      const runs = lab.workspaceRuns().filter((r) => existsSync(join(r.folder, 'report.html')));
      if (!runs.length) return void vscode.window.showInformationMessage('Gradient Lab: no run has a test report yet (fine-tunes and runs on image folders write one).');
      folder = (await vscode.window.showQuickPick(runs.map((r) => ({ label: r.name, description: r.runId, folder: r.folder })), { placeHolder: 'Run whose test report to open' }))?.folder;
    }
    return folder ? ReportPanel.show(folder, lab.extension) !== undefined : false;
  },
};
