// Activation does no work beyond registering: the backend process starts on the first command that needs it.
import * as vscode from 'vscode';
import { readdirSync } from 'node:fs';
import type { CompareView } from '../protocol/compare';
import type { BackendClient } from './backendClient';
import { registerCommands } from './commands/registry';
import { affectsRestart, affectsRunsFolder, runsWatchPattern, workspaceRunsFolder } from './config';
import { Lab } from './context';
import { setContext } from './contextKeys';
import { TrainLensProvider } from './experimentFiles';
import { ComparePanel, comparePanelType } from './comparePanel';
import { ReportPanel, reportPanelType } from './reportPanel';
import type { RunStore } from './runStore';
import type { RunsTree } from './runsTree';
import { TrainingPanel, trainingPanelType } from './trainingPanel';

export interface GradientLabApi {
  store: RunStore;
  /** What the compare panel shows, if it is open. */
  comparedView(): CompareView | undefined;
  /** The run the training panel shows, if it is open and visible. */
  shownRun(): string | undefined;
  client: BackendClient;
  runsTree: RunsTree;
  /** Milliseconds activate() took. */
  activationMs: number;
}

export function activate(context: vscode.ExtensionContext): GradientLabApi {
  const t0 = performance.now();
  const lab = new Lab(context);
  const markdown = { language: 'markdown' };
  context.subscriptions.push(
    lab, ...registerCommands(lab), ...watchRuns(lab), ...restorePanels(lab),
    vscode.languages.registerCodeLensProvider(markdown, lab.derivations), vscode.languages.registerHoverProvider(markdown, lab.derivations),
    vscode.languages.registerCodeLensProvider({ pattern: '**/*.experiment.json' }, new TrainLensProvider()),
    lab.client.onEvent((e) => lab.store.add(e)),
    lab.client.onCrash((crash) => reportCrash(lab, crash)),
    // a new engine or Node takes effect with a fresh backend: now, or when the current run or sweep ends
    vscode.workspace.onDidChangeConfiguration((e) => affectsRestart(e) && void lab.restart.request()),
  );
  return { store: lab.store, client: lab.client, runsTree: lab.runsTree, comparedView: () => ComparePanel.shown, shownRun: () => TrainingPanel.visibleRunId, activationMs: performance.now() - t0 };
}

/** The runs view, refreshed when run files change in the configured runs folder (re-watched when it changes). */
function watchRuns(lab: Lab): vscode.Disposable[] {
  let watcher: vscode.FileSystemWatcher | undefined;
  const watch = () => {
    watcher?.dispose();
    watcher = vscode.workspace.createFileSystemWatcher(runsWatchPattern());
    const refresh = () => lab.runsTree.refresh();
    watcher.onDidCreate(refresh);
    watcher.onDidChange(refresh);
    watcher.onDidDelete(refresh);
  };
  watch();
  setContext('gradientLab.hasRuns', hasEntries(workspaceRunsFolder()));
  return [
    vscode.window.registerTreeDataProvider('gradientLab.runs', lab.runsTree),
    { dispose: () => watcher?.dispose() },
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!affectsRunsFolder(e)) return;
      watch();
      lab.runsTree.rewatch();
      lab.runsTree.refresh();
    }),
    lab.store.onDidChange(({ events }) => events.some((e) => e.type !== 'batch' && e.type !== 'gradients') && lab.runsTree.refresh()),
    lab.store.onDidChange(({ events }) => events.some((e) => e.type === 'started') && setContext('gradientLab.hasRuns', true)),
  ];
}

/** Panels open before a reload come back, each from the host's own record (never from the page's). */
function restorePanels(lab: Lab): vscode.Disposable[] {
  const context = lab.extension;
  const cancel = (runId: string) => void lab.client.cancel(runId);
  return [
    vscode.window.registerWebviewPanelSerializer(comparePanelType, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => ComparePanel.restore(panel, context, lab.store, lab.client),
    }),
    vscode.window.registerWebviewPanelSerializer(reportPanelType, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => ReportPanel.restore(panel, context),
    }),
    vscode.window.registerWebviewPanelSerializer(trainingPanelType, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => TrainingPanel.restore(panel, context, lab.store, cancel),
    }),
  ];
}

/** The backend died: a live run is marked failed (on disk too), and the user is told how it ends and restarts. */
function reportCrash(lab: Lab, { description, stderrTail }: { description: string; stderrTail: string }): void {
  const failed = lab.store.failLive(`the training backend stopped unexpectedly (${description})${stderrTail ? `; its last lines:\n${stderrTail}` : ''}. What was trained so far is in the run folder.`);
  lab.status.setEngine(undefined);
  lab.status.idle();
  void vscode.window.showErrorMessage(
    `Gradient Lab: the training backend ${description}${failed.length ? ' during a run' : ''}. It restarts on the next command.${stderrTail ? ` Last output: ${stderrTail.split('\n').at(-1)}` : ''}`,
    'Show Log',
  ).then((a) => a && lab.log.show());
}

export function deactivate(): void {
  // the client is disposed with the subscriptions: its backend gets stdin closed and exits cleanly
}

/** A folder with something in it (a runs folder at activation: one readdir, no run is read). */
function hasEntries(folder: string | undefined): boolean {
  try {
    return !!folder && readdirSync(folder).length > 0;
  } catch {
    return false;
  }
}
