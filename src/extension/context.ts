// The host's context: the one object every command, panel and provider is given — the backend client, the run
// store, the status bar, the log, the Problems entries, the runs view — and the few things they all do with it
// (show a run, show a failure, ask whether something trains).
import * as vscode from 'vscode';
import { ComparePanel, type CompareSource } from './comparePanel';
import { BackendClient } from './backendClient';
import { BackendRestart } from './backendRestart';
import { workspaceRunsFolder } from './config';
import { DerivationChecks } from './derivations';
import { ExperimentDiagnostics } from './experimentFiles';
import { RunStore } from './runStore';
import { RunsTree } from './runsTree';
import { StatusBar } from './statusBar';
import { TrainingPanel } from './trainingPanel';
import { listRuns, type RunListing } from '../runs/runFolder';

export class Lab implements vscode.Disposable {
  readonly log = vscode.window.createOutputChannel('Gradient Lab');
  readonly store = new RunStore();
  readonly status = new StatusBar();
  readonly diagnostics = new ExperimentDiagnostics();
  readonly client: BackendClient;
  readonly restart: BackendRestart;
  readonly runsTree: RunsTree;
  readonly derivations: DerivationChecks;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.client = new BackendClient(extension, this.log);
    this.restart = new BackendRestart(this.client, this.store, this.status);
    this.runsTree = new RunsTree(workspaceRunsFolder, (id) => this.store.isLive(id));
    this.derivations = new DerivationChecks(this.client, this.log);
  }

  /** Why nothing else may train now (a live run or sweep), or undefined. */
  busy(): string | undefined {
    return this.store.busy();
  }

  showPanel(runId: string | undefined, compareId?: string): void {
    TrainingPanel.show(this.extension, this.store, (id) => void this.client.cancel(id), runId, compareId);
  }

  showCompare(target: CompareSource): void {
    ComparePanel.show(this.extension, this.store, this.client, target);
  }

  /** The one way a failure reaches the user: its first line in a notification, the whole of it in the log. */
  showFailure(what: string, e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    this.log.appendLine(`${what}: ${message}`);
    void vscode.window.showErrorMessage(`Gradient Lab: ${message.split('\n')[0]}`, 'Show Log').then((a) => a && this.log.show());
  }

  /** The runs of the first workspace folder's runs folder, newest first. */
  workspaceRuns(): RunListing[] {
    const folder = workspaceRunsFolder();
    return folder ? listRuns(folder) : [];
  }

  dispose(): void {
    for (const d of [this.derivations, this.runsTree, this.log, this.store, this.client, this.status, this.diagnostics]) d.dispose();
  }
}
