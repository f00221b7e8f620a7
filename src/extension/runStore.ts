// Every run the window knows about, and its events: the extension host owns this history, panels only draw it.
// A run is loaded from its folder when it is reopened, so nothing lives only in memory. It also knows whether
// anything trains (a live run, or a sweep this window started) and says when that stops.
import * as vscode from 'vscode';
import { appendFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RunEvent, RunFailedEvent } from '../protocol/runEvents';
import { type RunStatus, type RunView } from '../protocol/webview';
import { statusFromEvents } from '../runs/runStatus';
import { readEvents } from '../runs/runFolder';

export interface RunChange {
  runId: string;
  status: RunStatus;
  events: RunEvent[];
}

export class RunStore implements vscode.Disposable {
  private readonly runs = new Map<string, RunView>();
  private readonly live = new Set<string>();
  private readonly changed = new vscode.EventEmitter<RunChange>();
  readonly onDidChange = this.changed.event;
  private latestId: string | undefined;
  private sweep: string | undefined;
  private readonly idle = new vscode.EventEmitter<void>();
  /** Nothing trains any more: the last live run ended and no sweep is running. */
  readonly onDidBecomeIdle = this.idle.event;

  /** A run the backend has just started. */
  begin(runId: string, folder: string, name: string): void {
    this.latestId = runId;
    if (this.runs.has(runId)) return; // its 'started' event came first
    this.live.add(runId);
    this.runs.set(runId, { runId, folder, name, status: 'starting', events: [] });
  }

  add(event: RunEvent): void {
    // a sweep's members are started by the backend: their 'started' event is the first the host hears of them
    if (event.type === 'started' && !this.runs.has(event.runId)) this.begin(event.runId, event.folder, event.experiment.name);
    const run = this.runs.get(event.runId);
    if (!run) return; // an event of a run this window never saw start (it began before a reload)
    run.events.push(event);
    if (event.type === 'started') run.name = event.experiment.name;
    if (event.type === 'finished' || event.type === 'failed') this.live.delete(run.runId);
    run.status = statusFromEvents(run.events, this.live.has(run.runId));
    this.changed.fire({ runId: run.runId, status: run.status, events: [event] });
    if (!this.busy()) this.idle.fire();
  }

  /** A sweep this window started is running (its folder), or has ended (undefined). */
  setSweep(folder: string | undefined): void {
    this.sweep = folder;
    if (!this.busy()) this.idle.fire();
  }

  runningSweep(): string | undefined {
    return this.sweep;
  }

  /** Why nothing else may train now, or undefined. */
  busy(): string | undefined {
    const run = this.liveRun();
    if (this.sweep) return `a sweep is running (${this.sweep})`;
    return run ? `"${run.name}" is still training` : undefined;
  }

  /** The backend died under a live run: say so in the run's own record, on disk too, so a reopened panel shows it. */
  failLive(message: string): string[] {
    const failed = [...this.live];
    for (const runId of failed) {
      const run = this.runs.get(runId)!;
      const event: RunFailedEvent = { type: 'failed', runId, message };
      try {
        appendFileSync(join(run.folder, 'metrics.jsonl'), JSON.stringify(event) + '\n');
      } catch {
        // the folder may be gone; the panel still shows the failure
      }
      this.add(event);
    }
    return failed;
  }

  /** A view that is not a run on disk (a gradient probe without training): kept for this window only. */
  addView(view: RunView): void {
    this.runs.set(view.runId, view);
  }

  /** A run from its folder (reopening a finished run, or restoring a panel after a reload). */
  load(folder: string): RunView {
    const known = [...this.runs.values()].find((r) => r.folder === folder);
    if (known) return known;
    const { events } = readEvents(folder);
    const started = events.find((e) => e.type === 'started');
    const runId = started?.runId ?? basename(folder);
    const name = started?.type === 'started' ? started.experiment.name : runId;
    const run: RunView = { runId, folder, name, status: statusFromEvents(events, false), events };
    this.runs.set(runId, run);
    return run;
  }

  get(runId: string): RunView | undefined {
    return this.runs.get(runId);
  }

  latest(): RunView | undefined {
    return this.latestId ? this.runs.get(this.latestId) : undefined;
  }

  isLive(runId: string): boolean {
    return this.live.has(runId);
  }

  liveRun(): RunView | undefined {
    const [id] = this.live;
    return id ? this.runs.get(id) : undefined;
  }

  dispose(): void {
    this.changed.dispose();
    this.idle.dispose();
  }
}
