// Activation does no work beyond registering: the backend process starts on the first command that needs it.
import * as vscode from 'vscode';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PanelState } from '../protocol/webview';
import type { CompareView } from '../protocol/compare';
import { BackendClient } from './backendClient';
import { DerivationChecks, gradcheckTemplate } from './derivations';
import { ExperimentDiagnostics, pickExperiment, TrainLensProvider } from './experimentFiles';
import { installNativeEngine } from './nativeInstall';
import { listRuns } from '../runs/runFolder';
import { RunStore } from './runStore';
import { RunsNode, RunsTree } from './runsTree';
import { openExample } from './examples';
import { BackendRestart } from './backendRestart';
import { setContext } from './contextKeys';
import { starters } from './starterExperiments';
import { StatusBar } from './statusBar';
import { TrainingPanel, trainingPanelType } from './trainingPanel';
import { ComparePanel, comparePanelType } from './comparePanel';
import { runningSweep, runSweep } from './sweeps';
import { runsFolderFor, trainExperiment, TrainingDeps } from './training';
import { formatEngineReport } from '../native/engineReport';
import { ReportPanel, reportPanelType } from './reportPanel';
import { createImageFolder } from './imageFolders';
import { formatModelSummary } from '../runs/summaryText';

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
  const log = vscode.window.createOutputChannel('Gradient Lab');
  const store = new RunStore();
  const client = new BackendClient(context, log);
  const status = new StatusBar();
  const diagnostics = new ExperimentDiagnostics();
  const cancel = (runId: string) => void client.cancel(runId);
  const showPanel = (runId: string | undefined, compareId?: string) => TrainingPanel.show(context, store, cancel, runId, compareId);
  const deps: TrainingDeps = { client, store, status, diagnostics, log, showPanel };
  const command = (id: string, f: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, f));

  const restart = new BackendRestart(client, store, status);
  const runsTree = new RunsTree(workspaceRunsFolder, (id) => store.isLive(id));
  const watcher = vscode.workspace.createFileSystemWatcher('**/.gradient-lab/runs/**/{summary.json,sweep.json,experiment.json}');
  context.subscriptions.push(
    vscode.window.registerTreeDataProvider('gradientLab.runs', runsTree), runsTree, watcher,
    watcher.onDidCreate(() => runsTree.refresh()), watcher.onDidChange(() => runsTree.refresh()), watcher.onDidDelete(() => runsTree.refresh()),
    store.onDidChange(({ events }) => events.some((e) => e.type !== 'batch' && e.type !== 'gradients') && runsTree.refresh()),
    store.onDidChange(({ events }) => events.some((e) => e.type === 'started') && setContext('gradientLab.hasRuns', true)),
  );
  setContext('gradientLab.hasRuns', hasEntries(workspaceRunsFolder()));
  command('gradientLab.refreshRuns', () => runsTree.refresh());
  command('gradientLab.openExample', (file?: string) => openExample(context.extensionUri, file));
  command('gradientLab.openExampleDerivation', () => openExample(context.extensionUri, 'backprop-3-4-4-1.md'));
  command('gradientLab.deleteRun', async (node?: RunsNode) => {
    const folder = node?.kind === 'run' ? node.run.folder : node?.kind === 'sweep' ? node.folder : undefined;
    if (!folder) return;
    const yes = 'Delete';
    if ((await vscode.window.showWarningMessage(`Delete ${folder} and everything in it?`, { modal: true }, yes)) !== yes) return;
    await vscode.workspace.fs.delete(vscode.Uri.file(folder), { recursive: true, useTrash: true });
    runsTree.refresh();
  });
  command('gradientLab.revealRun', (node?: RunsNode) => {
    const folder = node?.kind === 'run' ? node.run.folder : node?.kind === 'sweep' ? node.folder : undefined;
    if (folder) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(folder));
  });

  client.onEvent((e) => store.add(e));
  client.onCrash(({ description, stderrTail }) => {
    const failed = store.failLive(`the training backend stopped unexpectedly (${description})${stderrTail ? `; its last lines:\n${stderrTail}` : ''}. What was trained so far is in the run folder.`);
    status.setEngine(undefined);
    status.idle();
    void vscode.window.showErrorMessage(
      `Gradient Lab: the training backend ${description}${failed.length ? ' during a run' : ''}. It restarts on the next command.${stderrTail ? ` Last output: ${stderrTail.split('\n').at(-1)}` : ''}`,
      'Show Log',
    ).then((a) => a && log.show());
  });

  command('gradientLab.trainExperiment', (uri?: vscode.Uri) => trainExperiment(deps, uri));
  const showCompare = (sweepFolder: string) => ComparePanel.show(context, store, client, { sweepFolder });
  command('gradientLab.runSweep', (uri?: vscode.Uri) => runSweep({ ...deps, showCompare }, uri));
  command('gradientLab.compareRuns', async (node?: RunsNode | string[], selected?: RunsNode[]) => {
    if (node && !Array.isArray(node) && node.kind === 'sweep') return void showCompare(node.folder);
    let folders = Array.isArray(node) ? node : node ? (selected ?? [node]).flatMap((n) => (n.kind === 'run' ? [n.run.folder] : [])) : undefined;
    if (!folders) {
      const runs = workspaceRuns();
      const picks = await vscode.window.showQuickPick(runs.map((r) => ({ label: r.name, description: `${r.status} · ${r.runId}`, folder: r.folder })), { canPickMany: true, placeHolder: 'Runs to compare (for a sweep, use Compare on the sweep in the runs view)' });
      if (!picks) return;
      folders = picks.map((p) => p.folder);
    }
    if (folders.length < 2) return void vscode.window.showWarningMessage('Gradient Lab: pick two or more runs to compare.');
    ComparePanel.show(context, store, client, { folders });
  });
  command('gradientLab.stopTraining', async () => {
    const sweep = runningSweep();
    if (sweep) return void (await client.cancelSweep(sweep));
    const live = store.liveRun();
    if (!live) return void vscode.window.showInformationMessage('Gradient Lab: nothing is training.');
    await client.cancel(live.runId);
  });
  command('gradientLab.showTrainingPanel', () => showPanel(TrainingPanel.visibleRunId ?? store.latest()?.runId));
  command('gradientLab.openRun', async (folder?: string) => {
    if (!folder) {
      const runs = workspaceRuns();
      if (!runs.length) return void vscode.window.showInformationMessage('Gradient Lab: no runs in this workspace yet.');
      const pick = await vscode.window.showQuickPick(runs.map((r) => ({
        label: r.name, description: `${r.status}${r.testAccuracy !== undefined ? ` · test ${(100 * r.testAccuracy).toFixed(2)}%` : ''} · ${r.engine ?? ''}`, detail: r.runId, folder: r.folder,
      })), { placeHolder: 'Run to open' });
      folder = pick?.folder;
    }
    if (folder) showPanel(store.load(folder).runId);
  });
  command('gradientLab.showEngineInfo', async () => {
    const info = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Gradient Lab: probing engines' }, () => client.engineInfo());
    status.setEngine(info.engine, info.tensorflow?.version);
    status.idle();
    log.appendLine(`TensorFlow.js ${info.tfjsVersion}\n${formatEngineReport(info)}`);
    const passedOver = info.candidates.filter((c) => c.status === 'unavailable').map((c) => c.name).join(', ');
    const action = await vscode.window.showInformationMessage(`Gradient Lab trains on ${info.engine}${passedOver ? ` (unavailable: ${passedOver})` : ''}.`, 'Details', 'Install Native Engine…');
    if (action === 'Details') log.show();
    if (action === 'Install Native Engine…') await vscode.commands.executeCommand('gradientLab.installNativeEngine');
  });
  command('gradientLab.newExperiment', async () => {
    const pick = await vscode.window.showQuickPick(starters.map((s) => ({ ...s, description: s.fileName })), { placeHolder: 'Starter experiment' });
    if (!pick) return;
    const root = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = root
      ? vscode.Uri.joinPath(root, pick.fileName)
      : await vscode.window.showSaveDialog({ filters: { 'Experiment': ['experiment.json'] } });
    if (!target) return;
    let uri = target;
    for (let i = 2; await exists(uri); i++) uri = vscode.Uri.joinPath(target, '..', pick.fileName.replace('.experiment.json', `-${i}.experiment.json`));
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(pick.text));
    for (const c of pick.companions ?? []) {
      const companion = vscode.Uri.joinPath(uri, '..', c.fileName);
      if (!(await exists(companion))) await vscode.workspace.fs.writeFile(companion, new TextEncoder().encode(c.text));
    }
    await vscode.window.showTextDocument(uri);
  });
  const derivations = new DerivationChecks(client, log);
  const markdown = { language: 'markdown' };
  context.subscriptions.push(derivations, vscode.languages.registerCodeLensProvider(markdown, derivations), vscode.languages.registerHoverProvider(markdown, derivations));
  command('gradientLab.checkDerivations', async (uri?: vscode.Uri) => {
    const document = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    if (!document || document.languageId !== 'markdown') return void vscode.window.showInformationMessage('Gradient Lab: open a Markdown file with derivations to check.');
    const entry = await derivations.check(document);
    const results = entry?.results ?? [];
    const count = (v: string) => results.filter((r) => r.verdict === v).length;
    if (!uri) {
      void vscode.window.showInformationMessage(results.length
        ? `Gradient Lab: ${results.length} claims — ${count('pass')} pass, ${count('fail')} fail, ${count('parse-error')} cannot parse, ${count('inconclusive')} inconclusive.`
        : 'Gradient Lab: no checked claims in this file (a claim is math with "=" below a gradcheck block).');
    }
    return results;
  });
  // a lens click opens the claim's hover: the message and the values of both sides in every draw
  command('gradientLab.showDerivationResult', async (uri: vscode.Uri, line: number, column: number) => {
    const editor = await vscode.window.showTextDocument(uri, { preserveFocus: false });
    const at = new vscode.Position(line - 1, column);
    editor.selection = new vscode.Selection(at, at);
    editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    await vscode.commands.executeCommand('editor.action.showHover');
  });
  command('gradientLab.insertGradcheckBlock', async () => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return;
    await editor.insertSnippet(new vscode.SnippetString(gradcheckTemplate.replace(/\$/g, '\\$')), new vscode.Position(editor.selection.active.line, 0));
  });
  command('gradientLab.declareNetwork', async (uri?: vscode.Uri) => {
    const document = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    if (!document) return;
    const block = derivations.suggestedBlock(document.uri) ?? (await derivations.check(document))?.suggestedBlock;
    if (!block) return void vscode.window.showInformationMessage('Gradient Lab: this file already declares its network (or has no claims).');
    // before the first line with math, so the block applies to all of it
    const first = document.getText().split('\n').findIndex((l) => l.includes('$'));
    const edit = new vscode.WorkspaceEdit();
    edit.insert(document.uri, new vscode.Position(Math.max(0, first), 0), block + '\n');
    await vscode.workspace.applyEdit(edit);
  });
  command('gradientLab.probeGradients', async (given?: vscode.Uri) => {
    const document = await openExperiment(given);
    if (!document) return undefined;
    const uri = document.uri;
    try {
      const profile = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Gradient Lab: probing gradients (one batch)' }, () => client.probeGradients(document.getText(), uri.fsPath));
      const runId = `probe:${vscode.workspace.asRelativePath(uri)}:${Date.now()}`;
      const name = `gradient probe of ${vscode.workspace.asRelativePath(uri)}`;
      store.addView({ runId, name, folder: '', status: 'completed', events: [{ type: 'gradients', runId, epoch: 0, step: 0, layers: profile.layers }] });
      showPanel(runId);
      return profile;
    } catch (e) {
      void vscode.window.showErrorMessage(`Gradient Lab: ${(e as Error).message.split('\n')[0]}`);
      return undefined;
    }
  });
  command('gradientLab.compareGradients', async (folders?: string[] | RunsNode, selected?: RunsNode[]) => {
    // from the runs tree: the clicked node and the selection
    if (folders && !Array.isArray(folders)) folders = (selected ?? [folders]).flatMap((n) => (n.kind === 'run' ? [n.run.folder] : []));
    if (!folders) {
      const runs = workspaceRuns();
      const picks = await vscode.window.showQuickPick(runs.map((r) => ({ label: r.name, description: `${r.status} · ${r.runId}`, folder: r.folder })), { canPickMany: true, placeHolder: 'Two runs to compare (e.g. sigmoid vs ReLU at the same depth)' });
      if (!picks) return;
      folders = picks.map((p) => p.folder);
    }
    if (folders.length !== 2) return void vscode.window.showWarningMessage('Gradient Lab: pick exactly two runs to compare.');
    showPanel(store.load(folders[0]).runId, store.load(folders[1]).runId);
  });
  command('gradientLab.openReport', async (target?: string | RunsNode) => {
    let folder = typeof target === 'string' ? target : target?.kind === 'run' ? target.run.folder : undefined;
    if (!folder) {
      const runs = workspaceRuns().filter((r) => existsSync(join(r.folder, 'report.html')));
      if (!runs.length) return void vscode.window.showInformationMessage('Gradient Lab: no run has a test report yet (fine-tunes and runs on image folders write one).');
      folder = (await vscode.window.showQuickPick(runs.map((r) => ({ label: r.name, description: r.runId, folder: r.folder })), { placeHolder: 'Run whose test report to open' }))?.folder;
    }
    return folder ? ReportPanel.show(folder) !== undefined : false;
  });
  command('gradientLab.showModelSummary', async (given?: vscode.Uri) => {
    const document = await openExperiment(given);
    if (!document) return undefined;
    const uri = document.uri;
    try {
      const summary = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Gradient Lab: building the model' }, () => client.modelSummary(document.getText(), uri.fsPath));
      log.appendLine(`\nmodel of ${vscode.workspace.asRelativePath(uri)}:\n${formatModelSummary(summary)}`);
      log.show(true);
      return summary;
    } catch (e) {
      void vscode.window.showErrorMessage(`Gradient Lab: ${(e as Error).message.split('\n')[0]}`);
      return undefined;
    }
  });
  command('gradientLab.createImageFolder', (given?: Parameters<typeof createImageFolder>[2]) => createImageFolder(client, log, given));
  command('gradientLab.installNativeEngine', (kind?: 'cpu' | 'gpu') => installNativeEngine(context, client, log, () => restart.request(), kind));

  context.subscriptions.push(
    log, store, client, status, diagnostics,
    vscode.languages.registerCodeLensProvider({ pattern: '**/*.experiment.json' }, new TrainLensProvider()),
    vscode.window.registerWebviewPanelSerializer(comparePanelType, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel) {
        ComparePanel.restore(panel, context, store, client);
      },
    }),
    vscode.window.registerWebviewPanelSerializer(reportPanelType, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: { folder?: string } | undefined) {
        if (state?.folder) ReportPanel.restore(panel, state.folder);
        else panel.dispose();
      },
    }),
    vscode.window.registerWebviewPanelSerializer(trainingPanelType, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PanelState | undefined) {
        TrainingPanel.restore(panel, context, store, cancel, state);
      },
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      // a new engine or Node takes effect with a fresh backend: now, or when the current run or sweep ends
      if (['engine', 'nodePath', 'tensorflowPath'].some((k) => e.affectsConfiguration(`gradientLab.${k}`))) void restart.request();
    }),
  );
  return { store, client, runsTree, comparedView: () => ComparePanel.shown, shownRun: () => TrainingPanel.visibleRunId, activationMs: performance.now() - t0 };
}

/** The first workspace folder's runs folder (gradientLab.runsFolder), if a folder is open. */
function workspaceRunsFolder(): string | undefined {
  const root = vscode.workspace.workspaceFolders?.[0];
  return root ? runsFolderFor(vscode.Uri.joinPath(root.uri, 'x')) : undefined;
}

function workspaceRuns() {
  const folder = workspaceRunsFolder();
  return folder ? listRuns(folder) : [];
}

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
