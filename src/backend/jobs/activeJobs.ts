// The one run or sweep the backend trains at a time: started, cancelled, a second one refused with the reason,
// and everything finished (folders complete, summaries written) when the host goes away or a signal arrives.
import type { RunEvent } from '../../protocol/runEvents';
import type { RunStartParams, RunStartResult, SweepStartResult, SweepSummary } from '../../protocol/training';
import { parseExperimentText } from '../../experiment/validate';
import { recoverInterrupted } from './interrupted';
import type { DownloadReport } from '../models/modelSource';
import { type SweepHandle, startSweep } from './sweep';
import { type RunHandle, startRun } from './trainRun';

export interface JobListeners {
  event: (e: RunEvent) => void;
  sweepProgress: (summary: SweepSummary, folder: string) => void;
  progress: (task: string) => DownloadReport;
}

export class ActiveJobs {
  private run: RunHandle | undefined;
  private sweep: SweepHandle | undefined;
  /** A run/start being prepared: a second one sent meanwhile must be refused, not started beside it. */
  private starting = false;

  constructor(private readonly on: JobListeners) {}

  /** Why nothing else may start now, or undefined when the backend is free. */
  busy(): string | undefined {
    if (this.sweep) return `a sweep is running (${this.sweep.folder}); cancel it or wait for it to finish`;
    if (this.run) return `run ${this.run.runId} is still training; cancel it or wait for it to finish`;
    return this.starting ? 'a run is being started; cancel it or wait for it to finish' : undefined;
  }

  async startRun(params: RunStartParams): Promise<RunStartResult> {
    this.refuseWhenBusy(params.runsFolder);
    this.starting = true;
    try {
      const handle = await startRun({ ...params, engine: undefined, onProgress: this.on.progress('run') }, this.on.event);
      this.run = handle;
      void handle.done.finally(() => {
        if (this.run === handle) this.run = undefined; // a finished run cannot be cancelled; its handle need not stay
      });
      return { runId: handle.runId, folder: handle.folder };
    } finally {
      this.starting = false;
    }
  }

  startSweep(params: RunStartParams & { experiment: string }): SweepStartResult {
    this.refuseWhenBusy(params.runsFolder);
    const { experiment } = parseExperimentText(params.experiment, params.experimentPath);
    const handle = startSweep({ ...params, experiment, engine: undefined, onProgress: this.on.progress('sweep') }, this.on.event, this.on.sweepProgress);
    this.sweep = handle;
    void handle.done.finally(() => {
      if (this.sweep === handle) this.sweep = undefined;
    });
    return { folder: handle.folder, members: handle.members };
  }

  cancelRun(runId: string | undefined): boolean {
    if (!this.run || this.run.runId !== runId) return false;
    this.run.cancel();
    return true;
  }

  cancelSweep(folder: string | undefined): boolean {
    if (!this.sweep || this.sweep.folder !== folder) return false;
    this.sweep.cancel();
    return true;
  }

  /** Cancel what trains and wait until its folders are complete (SIGTERM and a closed connection alike). */
  async finishAll(): Promise<void> {
    this.sweep?.cancel();
    this.run?.cancel();
    while (this.starting) await new Promise((r) => setTimeout(r, 50)); // a run being prepared is cancelled once it exists
    this.run?.cancel();
    await Promise.all([this.sweep?.done, this.run?.done].map((p) => p?.catch(() => undefined)));
  }

  /** Busy: refused with the reason. Free: runs a crash left "running" in this folder are marked interrupted. */
  private refuseWhenBusy(runsFolder: string): void {
    const reason = this.busy();
    if (reason) throw new BusyError(reason);
    recoverInterrupted(runsFolder);
  }
}

export class BusyError extends Error {}
