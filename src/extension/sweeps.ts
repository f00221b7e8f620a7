// "Run Sweep…": every member of the experiment's "sweep", one after another in the backend, with one cancellable
// progress notification for the whole sweep and the compare panel filling in as members finish.
import * as vscode from 'vscode';
import type { RunEvent } from '../protocol/runEvents';
import type { SweepSummary } from '../protocol/training';
import { progressLine, ProgressTracker } from '../runs/progress';
import type { Lab } from './context';
import { runsFolderFor, workspaceFor } from './config';
import { readyToTrain, reportRejection } from './training';

/** Resolves with the sweep's folder once it has started (not when it ends), or undefined. */
export async function runSweep(deps: Lab, given?: vscode.Uri): Promise<string | undefined> {
  if (deps.store.runningSweep()) {
    void vscode.window.showWarningMessage('Gradient Lab: a sweep is still running. Stop it first (Gradient Lab: Stop Training).');
    return undefined;
  }
  const document = await readyToTrain(deps, given);
  if (!document) return undefined;
  let started;
  try {
    started = await deps.client.startSweep({ experiment: document.getText(), experimentPath: document.uri.fsPath, runsFolder: runsFolderFor(document.uri), workspace: workspaceFor(document.uri) });
  } catch (e) {
    reportRejection(deps, document.uri, 'sweep/start', e);
    return undefined;
  }
  deps.diagnostics.clear(document.uri);
  const { folder, members } = started;
  deps.store.setSweep(folder);
  deps.showCompare({ sweepFolder: folder });
  void Promise.resolve(watchSweep(deps, folder, members, vscode.workspace.asRelativePath(document.uri))).finally(() => deps.store.setSweep(undefined));
  return folder;
}

function watchSweep(deps: Lab, folder: string, members: number, name: string): Thenable<void> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Gradient Lab sweep: ${name}`, cancellable: true },
    (progress, token) => new Promise<void>((resolve) => {
      let member = 0;
      let tracker = new ProgressTracker();
      let reported = 0;
      token.onCancellationRequested(() => void deps.client.cancelSweep(folder));
      const events = deps.store.onDidChange(({ runId, events }) => {
        const run = deps.store.get(runId);
        if (!run?.folder.startsWith(folder)) return;
        for (const e of events as RunEvent[]) {
          if (e.type === 'started') {
            member++;
            tracker = new ProgressTracker();
            deps.status.setEngine(e.engine, e.tensorflow);
          }
          const at = tracker.update(e);
          if (at) {
            const done = (100 * (member - 1 + at.fraction)) / members;
            const text = `member ${member}/${members} · ${progressLine(at)}`;
            progress.report({ message: text, increment: done - reported });
            reported = done;
            deps.status.running(run, text);
          }
        }
      });
      const ended = deps.client.onSweepProgress(({ folder: f, summary }) => {
        if (f !== folder || summary.status === 'running') return;
        events.dispose();
        ended.dispose();
        crashed.dispose();
        deps.status.idle();
        void announce(deps, folder, summary);
        resolve();
      });
      // the backend died: the sweep ended with it (its members' folders keep what they trained)
      const crashed = deps.client.onCrash(() => {
        events.dispose();
        ended.dispose();
        crashed.dispose();
        resolve();
      });
    }),
  );
}

async function announce(deps: Lab, folder: string, summary: SweepSummary): Promise<void> {
  const done = summary.members.filter((m) => m.status === 'completed').length;
  const best = summary.members.find((m) => m.runId && m.runId === summary.best);
  const bestText = best ? ` Best: ${Object.entries(best.values).map(([k, v]) => `${k.split('.').at(-1)}=${JSON.stringify(v)}`).join(', ')}${best.bestValLoss !== undefined ? ` (val loss ${best.bestValLoss.toFixed(4)})` : ''}.` : '';
  const compare = 'Compare';
  const action = await vscode.window.showInformationMessage(`Gradient Lab: sweep "${summary.name}" ${summary.status} — ${done}/${summary.members.length} members completed.${bestText}`, compare);
  if (action === compare) deps.showCompare({ sweepFolder: folder });
}
