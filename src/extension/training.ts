// "Train Experiment…": save, send to the backend, then show progress (cancellable) in a notification, the status
// bar and the panel until the run ends. Rejections land in the Problems panel with their lines.
import * as vscode from 'vscode';
import { parse as parseJsonc } from 'jsonc-parser';
import { type RunEvent } from '../protocol/runEvents';
import { ErrorCodes, type InvalidExperimentData } from '../protocol/training';
import { progressLine, ProgressTracker } from '../runs/progress';
import { pickExperiment } from './experimentFiles';
import type { Lab } from './context';
import { Commands } from './commandIds';
import { runsFolderFor, workspaceFor } from './config';

type TrainingDeps = Lab;


/** The experiment's problems go to the Problems panel (with lines), the message to a notification and the log. */
export function reportRejection(deps: TrainingDeps, uri: vscode.Uri, what: string, e: unknown): void {
  const err = e as { code?: number; message: string; data?: InvalidExperimentData };
  const invalid = err.code === ErrorCodes.invalidExperiment;
  if (invalid && err.data?.problems) deps.diagnostics.set(uri, err.data.problems);
  const [first, ...rest] = err.message.split('\n');
  deps.showFailure(`${what} rejected`, invalid ? new Error([`${first} (see the Problems panel)`, ...rest].join('\n')) : e);
}

/** Trust, nothing else training, an experiment picked and saved: the document to send, or undefined. */
export async function readyToTrain(deps: TrainingDeps, given?: vscode.Uri): Promise<vscode.TextDocument | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('Gradient Lab: training is disabled in an untrusted workspace, because it reads data and writes run folders. Trust the workspace to train.', 'Manage Workspace Trust')
      .then((a) => a && vscode.commands.executeCommand('workbench.trust.manage'));
    return undefined;
  }
  const busy = deps.busy();
  if (busy) {
    const live = deps.store.liveRun();
    void vscode.window.showWarningMessage(`Gradient Lab: ${busy}: one run at a time.`, 'Stop Training', ...(live ? ['Show Panel'] : []))
      .then((a) => (a === 'Stop Training' ? vscode.commands.executeCommand(Commands.stopTraining) : a === 'Show Panel' && live ? deps.showPanel(live.runId) : undefined));
    return undefined;
  }
  const uri = await pickExperiment(given);
  if (!uri) return undefined;
  const document = await vscode.workspace.openTextDocument(uri);
  if (document.isDirty) await document.save();
  return document;
}

/** Returns the run id, or undefined when nothing was started (cancelled pick, untrusted, rejected). */
export async function trainExperiment(deps: TrainingDeps, given?: vscode.Uri): Promise<string | undefined> {
  const document = await readyToTrain(deps, given);
  if (!document) return undefined;
  const uri = document.uri;
  let started;
  try {
    // a base may download (once) and its images take a while to read: a notification says so, other runs use the status bar
    const location = /"base"\s*:/.test(document.getText()) ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window;
    started = await vscode.window.withProgress({ location, title: 'Gradient Lab: preparing the run' }, (progress) => {
      const listener = deps.client.onTaskProgress((p) => p.task === 'run' && progress.report({ message: p.message }));
      return deps.client.startRun({ experiment: document.getText(), experimentPath: uri.fsPath, runsFolder: runsFolderFor(uri), workspace: workspaceFor(uri) }).finally(() => listener.dispose());
    });
  } catch (e) {
    reportRejection(deps, uri, 'run/start', e);
    return undefined;
  }
  deps.diagnostics.clear(uri);
  // the experiment's name from the start, as the panel and status bar say it (the 'started' event confirms it)
  const name = (parseJsonc(document.getText()) as { name?: unknown } | undefined)?.name;
  deps.store.begin(started.runId, started.folder, typeof name === 'string' && name ? name : vscode.workspace.asRelativePath(uri));
  deps.showPanel(started.runId);
  void watchProgress(deps, started.runId);
  return started.runId;
}

function watchProgress(deps: TrainingDeps, runId: string): Thenable<void> {
  const run = deps.store.get(runId)!;
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Gradient Lab: ${run.name}`, cancellable: true },
    (progress, token) => new Promise<void>((resolve) => {
      const tracker = new ProgressTracker();
      let reported = 0;
      token.onCancellationRequested(() => void deps.client.cancel(runId));
      // the base's features are computed after the run starts and before its first step
      const preparing = deps.client.onTaskProgress((p) => p.task === 'run' && !reported && progress.report({ message: p.message }));
      const listener = deps.store.onDidChange(({ runId: id, events }) => {
        if (id !== runId) return;
        for (const e of events as RunEvent[]) {
          const at = tracker.update(e);
          if (e.type === 'started') {
            deps.status.setEngine(e.engine, e.tensorflow);
            deps.status.running(run, 'starting');
          } else if (e.type === 'batch') {
            const done = 100 * at!.fraction;
            const text = `${progressLine(at!)} · loss ${e.loss.toFixed(4)}`;
            progress.report({ message: text, increment: done - reported });
            reported = done;
            deps.status.running(run, text);
          } else if (e.type === 'features') {
            progress.report({ message: e.cache === 'hit' ? 'features read from the cache' : e.cache === 'miss' ? `features computed in ${e.seconds.toFixed(0)} s and cached` : 'training the head on the base\'s output' });
          } else if (e.type === 'finished' || e.type === 'failed') {
            listener.dispose();
            preparing.dispose();
            deps.status.idle();
            const act = (a: string | undefined) => (a === 'Open Report' ? vscode.commands.executeCommand(Commands.openReport, run.folder) : a === 'Show Panel' ? deps.showPanel(runId) : a === 'Show Log' ? deps.log.show() : undefined);
            if (e.type === 'failed') {
              void vscode.window.showErrorMessage(`Gradient Lab: "${run.name}" failed: ${e.message.split('\n')[0]}`, 'Show Panel', 'Show Log').then(act);
            } else if (e.status === 'completed' && e.test) {
              const hasReport = e.outputs?.some((f) => f.endsWith('report.html'));
              // short enough to read whole in a notification; the panel has the rest
              void vscode.window.showInformationMessage(
                `Gradient Lab: "${run.name}" — test accuracy ${(100 * e.test.accuracy).toFixed(2)}%${e.restoredEpoch !== undefined ? ` (best epoch ${e.restoredEpoch})` : ''}.`,
                'Show Panel', ...(hasReport ? ['Open Report'] : []),
              ).then(act);
            }
            resolve();
          }
        }
      });
    }),
  );
}
