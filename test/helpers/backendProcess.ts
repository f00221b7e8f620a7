// The real backend process (dist/backend.js serve), spoken to over the real protocol.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createMessageConnection, type MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { type RunEvent } from '../../src/protocol/runEvents';
import { runEventNotifications } from '../../src/protocol/training';
import { distDir } from '../../src/paths';
import { wasmOnly } from './nativeEngine';

export const backendJs = () => join(distDir(), 'backend.js');

export interface Backend {
  proc: ChildProcess;
  connection: MessageConnection;
  events: RunEvent[];
  stderr: () => string;
  /** What the client's JSON-RPC logger was told (e.g. error responses without an id). */
  clientLog: string[];
  /** Resolves with the first event that matches. */
  waitFor<T extends RunEvent>(match: (e: RunEvent) => e is T, timeoutMs?: number): Promise<T>;
  waitFor(match: (e: RunEvent) => boolean, timeoutMs?: number): Promise<RunEvent>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export function startBackend(env: NodeJS.ProcessEnv = {}): Backend {
  const proc = spawn(process.execPath, [backendJs(), 'serve'], { env: { ...process.env, ...wasmOnly, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  const clientLog: string[] = [];
  const log = (m: string) => void clientLog.push(m);
  const connection = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!), { error: log, warn: log, info: log, log });
  const events: RunEvent[] = [];
  const waiters: { match: (e: RunEvent) => boolean; resolve: (e: RunEvent) => void }[] = [];
  for (const n of Object.values(runEventNotifications)) {
    connection.onNotification(n.method, (e: RunEvent) => {
      events.push(e);
      for (const w of [...waiters]) if (w.match(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    });
  }
  connection.listen();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    proc, connection, events, exited, clientLog,
    stderr: () => stderr,
    waitFor: ((match: (e: RunEvent) => boolean, timeoutMs = 300_000) => {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise<RunEvent>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs);
        waiters.push({ match, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    }) as Backend['waitFor'],
    async stop() {
      connection.dispose();
      proc.stdin!.end();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Run the CLI to completion (on wasm unless the env says otherwise: see nativeEngine.ts). */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
  const r = spawnSync(process.execPath, [backendJs(), ...args], { cwd: options.cwd, env: { ...process.env, ...wasmOnly, ...options.env }, encoding: 'utf8', timeout: options.timeoutMs ?? 600_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
