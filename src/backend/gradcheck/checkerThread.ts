// The backend's side of the checker thread (worker.ts): one worker, checks queued in order, each result handed on
// as soon as it is known. A check that runs past its limit ends the worker (a fresh one takes the next check).
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { distDir } from '../../paths';
import type { FileResult } from './checkFile';

export interface CheckRequest {
  id: number;
  text: string;
}
export interface CheckDone {
  results: FileResult[];
  suggestedBlock?: string;
  ms: number;
}
export type CheckerMessage = { id: number; result: FileResult } | { id: number; done: CheckDone } | { id: number; error: string };

/** Far beyond what the checker's own work limits allow for one file; only a defect gets here. */
export const checkLimitMs = 120_000;

interface Pending {
  onResult: (r: FileResult) => void;
  resolve: (d: CheckDone) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class CheckerThread {
  private worker: Worker | undefined;
  private next = 1;
  private readonly pending = new Map<number, Pending>();

  check(text: string, onResult: (r: FileResult) => void): Promise<CheckDone> {
    const id = this.next++;
    return new Promise<CheckDone>((resolve, reject) => {
      const timer = setTimeout(() => this.restart(new Error(`the derivation check took longer than ${checkLimitMs / 1000} s and was stopped`)), checkLimitMs);
      this.pending.set(id, { onResult, resolve, reject, timer });
      this.thread().postMessage({ id, text } satisfies CheckRequest);
    });
  }

  /** Stop the thread (the backend is leaving). */
  dispose(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(join(distDir(), 'gradcheckWorker.js'));
    worker.unref(); // an idle checker never keeps the backend alive
    worker.on('message', (m: CheckerMessage) => this.receive(m));
    worker.on('error', (e) => this.restart(e));
    worker.on('exit', () => worker === this.worker && this.restart(new Error('the derivation checker stopped unexpectedly')));
    return (this.worker = worker);
  }

  private receive(m: CheckerMessage): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if ('result' in m) return p.onResult(m.result);
    clearTimeout(p.timer);
    this.pending.delete(m.id);
    if ('done' in m) p.resolve(m.done);
    else p.reject(new Error(m.error));
  }

  /** Fail every waiting check with `why` and start afresh on the next one. */
  private restart(why: Error): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(why);
      this.pending.delete(id);
    }
  }
}
