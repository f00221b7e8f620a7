// The real backend process over the real protocol: engines, bad messages, a real run, cancel, kill, exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineInfoRequest } from '../../src/protocol/engine';
import { type BatchEvent, type RunEvent, type RunFinishedEvent, type RunStartedEvent, type RunSummary } from '../../src/protocol/runEvents';
import { ErrorCodes, RunCancelRequest, RunStartRequest } from '../../src/protocol/training';
import { readEvents } from '../../src/runs/runFolder';
import { startBackend } from '../helpers/backendProcess';
import { assertKilledRunUsable } from '../helpers/killedRun';
import { fashionDir, requireFashion, tempDir } from '../helpers/fixtures';

const isBatch = (e: RunEvent): e is BatchEvent => e.type === 'batch';
const isFinished = (e: RunEvent): e is RunFinishedEvent => e.type === 'finished';

const digitsMlp = (training: object) => ({
  name: 'digits mlp', seed: 3, data: { source: 'embedded-digits' },
  model: { kind: 'mlp', dense: [64] }, optimizer: { name: 'adam', learningRate: 0.002 }, training: { epochs: 1, batchSize: 32, ...training },
});

test('engine/info: wasm runs here, and the native engines say why they do not', async () => {
  const b = startBackend();
  try {
    const info = await b.connection.sendRequest(EngineInfoRequest);
    assert.equal(info.engine, 'wasm');
    assert.equal(info.backend, 'wasm');
    const byName = Object.fromEntries(info.candidates.map((c) => [c.name, c]));
    assert.equal(byName.gpu.status, 'unavailable');
    assert.match(byName.gpu.reason!, /@tensorflow\/tfjs-node-gpu is not installed/);
    assert.equal(byName.cpu.status, 'unavailable');
    assert.equal(byName.wasm.status, 'chosen');
    assert.ok(info.patchedKernels.includes('Conv2DBackpropFilter'));
  } finally {
    await b.stop();
  }
});

test('malformed messages get JSON-RPC errors and the process carries on', async () => {
  const b = startBackend();
  try {
    const raw = (body: string) => b.proc.stdin!.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    raw('{"jsonrpc": "2.0", "id": 1, "method": ');
    raw('[1, 2, 3]');
    await assert.rejects(b.connection.sendRequest('nothing/here'), (e: { code: number }) => e.code === -32601);
    await assert.rejects(b.connection.sendRequest(RunStartRequest, 42 as never), (e: { code: number }) => e.code === -32602);
    const info = await b.connection.sendRequest(EngineInfoRequest); // still alive
    assert.equal(info.engine, 'wasm');
    const log = b.clientLog.join('\n');
    assert.match(log, /"code": -32700/);
    assert.match(log, /Parse error/);
    assert.match(log, /"code": -32600/);
  } finally {
    await b.stop();
  }
});

test('run/start rejects an invalid experiment with the JSON path, before any run folder exists', async () => {
  const b = startBackend();
  const runs = tempDir();
  try {
    const bad = digitsMlp({});
    (bad.model as Record<string, unknown>).dense = [64, -3];
    await assert.rejects(b.connection.sendRequest(RunStartRequest, { experiment: bad, runsFolder: runs }), (e: { code: number; message: string }) => {
      assert.equal(e.code, ErrorCodes.invalidExperiment);
      assert.match(e.message, /model\.dense\[1\]: must be >= 1, got -3/);
      return true;
    });
    await assert.rejects(
      b.connection.sendRequest(RunStartRequest, { experiment: { ...digitsMlp({}), data: { source: 'idx-folder', path: '/no/such/folder' } }, runsFolder: runs }),
      (e: { code: number; message: string }) => e.code === ErrorCodes.dataUnavailable && /dataset folder not found: \/no\/such\/folder/.test(e.message),
    );
    assert.deepEqual(existsSync(runs) ? readdirSync(runs) : [], [], 'no run folder of any name');
  } finally {
    await b.stop();
  }
});

test('a short run on Fashion-MNIST (Debian\'s files) reaches ≥ 80 % test accuracy; loss falls; every step is on disk', async () => {
  requireFashion();
  const b = startBackend();
  const runs = tempDir();
  try {
    const experiment = {
      name: 'fashion mlp', seed: 1,
      data: { source: 'idx-folder', path: fashionDir, trainLimit: 20000, validationLimit: 2000, testLimit: 5000 },
      model: { kind: 'mlp', dense: [256] }, optimizer: { name: 'adam', learningRate: 0.001 }, training: { epochs: 2, batchSize: 64 },
    };
    const { runId, folder } = await b.connection.sendRequest(RunStartRequest, { experiment, runsFolder: runs });
    const finished = await b.waitFor((e): e is RunFinishedEvent => isFinished(e) && e.runId === runId);
    assert.equal(finished.status, 'completed');
    console.log(`Fashion-MNIST (20,000 training images, 2 epochs, MLP 784-256-10): test accuracy ${finished.test!.accuracy} on ${finished.engine}`);
    assert.ok(finished.test!.accuracy >= 0.8, `test accuracy ${finished.test!.accuracy}`);
    assert.equal(finished.test!.confusion.flat().reduce((a, c) => a + c, 0), 5000);
    assert.equal(finished.test!.perClass[1].name, 'Trouser');
    const batches = b.events.filter(isBatch);
    assert.equal(batches.length, finished.steps);
    assert.equal(finished.steps, 2 * Math.ceil(20000 / 64));
    const mean = (xs: BatchEvent[]) => xs.reduce((s, e) => s + e.loss, 0) / xs.length;
    assert.ok(mean(batches.slice(-20)) < 0.6 * mean(batches.slice(0, 20)), `loss falls: ${mean(batches.slice(0, 20))} → ${mean(batches.slice(-20))}`);
    const onDisk = readEvents(folder);
    assert.equal(onDisk.tornLines, 0);
    assert.deepEqual(onDisk.events, b.events.filter((e) => e.runId === runId));
    const summary = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8')) as RunSummary;
    assert.equal(summary.testAccuracy, finished.test!.accuracy);
    assert.equal(summary.engine, 'wasm');
    assert.ok(summary.samplesPerSec > 0);
  } finally {
    await b.stop();
  }
});

test('run/cancel stops mid-epoch; the run keeps what it did', async () => {
  const b = startBackend();
  const runs = tempDir();
  try {
    const { runId, folder } = await b.connection.sendRequest(RunStartRequest, { experiment: digitsMlp({ batchSize: 16 }), runsFolder: runs });
    await b.waitFor((e) => isBatch(e) && e.step === 5);
    const seenAtCancel = b.events.filter(isBatch).length;
    assert.deepEqual(await b.connection.sendRequest(RunCancelRequest, { runId }), { cancelled: true });
    const finished = await b.waitFor(isFinished);
    assert.equal(finished.status, 'cancelled');
    // after the step the cancel interrupted, keeping every step reported before it (how many steps ran while the request
    // travelled depends on load: the run says where the request found it)
    const started = b.events.find((e): e is RunStartedEvent => e.type === 'started')!;
    const at = finished.cancelledAfterStep!;
    assert.ok(at >= seenAtCancel && finished.steps - at >= 0 && finished.steps - at <= 1, `stopped at step ${finished.steps}; the cancel arrived after ${at}; ${seenAtCancel} seen when it was sent`);
    assert.ok(finished.steps < started.stepsPerEpoch, 'mid-epoch');
    assert.equal(finished.epochsDone, 0);
    const summary = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8')) as RunSummary;
    assert.equal(summary.status, 'cancelled');
    assert.equal(readEvents(folder).events.filter(isBatch).length, finished.steps);
    assert.deepEqual(await b.connection.sendRequest(RunCancelRequest, { runId }), { cancelled: false });
  } finally {
    await b.stop();
  }
});

test('killing the backend mid-run leaves a readable metrics.jsonl and a loadable last checkpoint', async () => {
  const b = startBackend();
  const runs = tempDir();
  const { folder } = await b.connection.sendRequest(RunStartRequest, { experiment: digitsMlp({ checkpointEvery: 5 }), runsFolder: runs });
  await b.waitFor((e) => isBatch(e) && e.step === 23);
  b.proc.kill('SIGKILL');
  await b.exited;
  assert.equal(existsSync(join(folder, 'summary.json')), false);
  await assertKilledRunUsable(folder, 23);
});

test('the backend exits cleanly (code 0) when its stdin closes', async () => {
  const b = startBackend();
  await b.connection.sendRequest(EngineInfoRequest);
  b.proc.stdin!.end();
  const { code } = await b.exited;
  assert.equal(code, 0);
  b.connection.dispose();
});
