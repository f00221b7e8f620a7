// A soak of `gradient-lab serve`: for N minutes (default 30), cycles of train / cancel / kill -9 / stdin closed
// (an editor reload) / a second run/start while busy / derivation checks, with garbage frames mixed in. Prints the
// long-lived backend's memory (RSS, tensors, backend data) over time and checks every run folder it leaves.
// Run: npm run build && node dist/bench/soak.js [--minutes 30]
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMessageConnection, type MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { type BackendMemory, BackendMemoryRequest } from '../src/protocol/engine';
import { type RunEvent } from '../src/protocol/runEvents';
import { RunCancelRequest, runEventNotifications, RunStartRequest } from '../src/protocol/training';
import { readEvents, readSummary } from '../src/runs/runFolder';
import { distDir } from '../src/paths';

const minutes = Number(process.argv[process.argv.indexOf('--minutes') + 1]) || 30;
const backendJs = join(distDir(), 'backend.js');
const runs = join(mkdtempSync(join(tmpdir(), 'gl-soak-')), 'runs');
const tiny = { name: 'soak tiny', seed: 1, data: { source: 'embedded-digits', trainLimit: 256, validationLimit: 64, testLimit: 64 }, model: { kind: 'mlp', dense: [32] }, optimizer: { name: 'adam', learningRate: 0.003 }, training: { epochs: 1, batchSize: 32, checkpointEvery: 3 } };
const slow = { ...tiny, name: 'soak slow', data: { source: 'embedded-digits' }, model: { kind: 'cnn', conv: [{ filters: 8, kernel: 5 }], dense: [32] }, training: { epochs: 5, batchSize: 16, checkpointEvery: 5 } };
const garbage = ['Content-Length: abc\r\n\r\n{}', 'Content-Length: 12\r\n\r\nnot json at', 'Content-Length: 7\r\n\r\n[1,2,3]', 'x'.repeat(9000), 'Content-Length: 40\r\n\r\n{"jsonrpc":"2.0"}'];

interface Backend {
  proc: ChildProcess;
  rpc: MessageConnection;
  events: RunEvent[];
  exited: Promise<number | null>;
}

function start(): Backend {
  const proc = spawn(process.execPath, [backendJs, 'serve'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const rpc = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!), { error: () => undefined, warn: () => undefined, info: () => undefined, log: () => undefined });
  const events: RunEvent[] = [];
  for (const n of Object.values(runEventNotifications)) rpc.onNotification(n.method, (e: RunEvent) => void events.push(e));
  rpc.listen();
  proc.stdin!.on('error', () => undefined);
  return { proc, rpc, events, exited: new Promise((r) => proc.on('exit', (code) => r(code))) };
}

async function until(f: () => boolean, ms = 300_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('soak: waited too long');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const batches = (b: Backend, runId: string) => b.events.filter((e) => e.type === 'batch' && e.runId === runId).length;
const finished = (b: Backend, runId: string) => b.events.some((e) => e.type === 'finished' && e.runId === runId) || b.events.some((e) => e.type === 'failed' && e.runId === runId);

async function cycle(kind: number, b: Backend): Promise<Backend> {
  b.proc.stdin!.write(garbage[kind % garbage.length]);
  if (kind === 0) {
    const { runId } = await b.rpc.sendRequest(RunStartRequest, { experiment: tiny, runsFolder: runs });
    await until(() => finished(b, runId));
  } else if (kind === 1 || kind === 4) {
    const { runId } = await b.rpc.sendRequest(RunStartRequest, { experiment: slow, runsFolder: runs });
    await until(() => batches(b, runId) >= 3);
    if (kind === 4) {
      await b.rpc.sendRequest(RunStartRequest, { experiment: tiny, runsFolder: runs }).then(() => { throw new Error('soak: a second run started beside the first'); }, () => undefined);
      await b.rpc.sendRequest('gradcheck/file', { uri: 's', version: kind, text: '```gradcheck\nnetwork: 3-4-4-1\n```\n\n$$\\delta_1^{(4)} = y - t_n$$\n\n$$\\sum_{k=1}^{1000000000} 0 = 0$$\n' });
    }
    await b.rpc.sendRequest(RunCancelRequest, { runId });
    await until(() => finished(b, runId));
  } else {
    // a throwaway backend: killed, or its editor reloads (stdin closed)
    const t = start();
    const { runId } = await t.rpc.sendRequest(RunStartRequest, { experiment: slow, runsFolder: runs });
    await until(() => batches(t, runId) >= 2);
    if (kind === 2) t.proc.kill('SIGKILL');
    else {
      t.rpc.dispose();
      t.proc.stdin!.end();
    }
    const code = await t.exited;
    if (kind === 3 && code !== 0) throw new Error(`soak: the backend exited ${code} when its stdin closed`);
  }
  return b;
}

async function main(): Promise<void> {
  const end = Date.now() + minutes * 60_000;
  let b = start();
  const samples: (BackendMemory & { cycle: number })[] = [];
  const counts = [0, 0, 0, 0, 0];
  for (let i = 0; Date.now() < end; i++) {
    const kind = i % 5;
    b = await cycle(kind, b);
    counts[kind]++;
    if (kind === 0 || kind === 1) samples.push({ ...(await b.rpc.sendRequest(BackendMemoryRequest)), cycle: i });
  }
  b.rpc.dispose();
  b.proc.stdin!.end();
  await b.exited;
  spawnSync(process.execPath, [backendJs, 'runs', '--runs', runs]); // closes the runs of killed backends
  const mb = (n: number) => (n / 2 ** 20).toFixed(1);
  console.log(`soak: ${minutes} min, cycles — trained ${counts[0]}, cancelled ${counts[1]}, killed -9 ${counts[2]}, stdin closed ${counts[3]}, busy+check ${counts[4]}`);
  const tenth = Math.max(1, Math.floor(samples.length / 10));
  for (let i = 0; i < samples.length; i += tenth) {
    const s = samples[i];
    console.log(`  cycle ${String(s.cycle).padStart(5)}: RSS ${mb(s.rssBytes).padStart(7)} MB  heap ${mb(s.heapUsedBytes).padStart(6)} MB  array buffers ${mb(s.arrayBufferBytes).padStart(6)} MB  wasm ${mb(s.wasmHeapBytes).padStart(6)} MB  tensors ${s.numTensors}  backend data ${s.numDataIds}`);
  }
  const last = samples.at(-1)!;
  console.log(`  last       : RSS ${mb(last.rssBytes).padStart(7)} MB  heap ${mb(last.heapUsedBytes).padStart(6)} MB  tensors ${last.numTensors}  backend data ${last.numDataIds}`);
  const tally = new Map<string, number>();
  for (const name of readdirSync(runs)) {
    const folder = join(runs, name);
    let state: string;
    try {
      const s = readSummary(folder);
      const torn = readEvents(folder).tornLines;
      state = !s ? 'INCONSISTENT: no summary' : s.status === 'failed' && !s.message ? 'INCONSISTENT: failed without a reason' : `${s.status}${torn ? ` (${torn} torn line)` : ''}`;
    } catch (e) {
      state = `INCONSISTENT: ${(e as Error).message}`;
    }
    tally.set(state, (tally.get(state) ?? 0) + 1);
  }
  console.log(`  run folders: ${[...tally].map(([k, n]) => `${n} ${k}`).join(', ')}`);
}

void main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
