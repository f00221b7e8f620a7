// Sweeps from the CLI: a 2×2 grid on the embedded digits, its summary and best member; cancelling mid-sweep
// keeps the finished members; a sweep over a setting that does not exist is refused before anything trains.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '../../src/protocol/runEvents';
import { RunStartRequest, SweepCancelRequest, SweepProgressNotification, SweepStartRequest, type SweepSummary } from '../../src/protocol/training';
import { compareView } from '../../src/runs/compareRuns';
import { readEvents } from '../../src/runs/runFolder';
import { backendJs, runCli, startBackend } from '../helpers/backendProcess';
import { pollUntil, withDeadline } from '../helpers/deadline';
import { tempDir, writeExperiment } from '../helpers/fixtures';

const grid = (sweep: object, limit = 1000) => ({
  name: 'lr and keep', seed: 1, data: { source: 'embedded-digits', trainLimit: limit, validationLimit: 300, testLimit: 300 },
  model: { kind: 'mlp', dense: [64] }, optimizer: { name: 'sgd', learningRate: 0.1 }, training: { epochs: 1, batchSize: 32 }, sweep,
});

function sweepFolder(dir: string): string {
  const runs = join(dir, '.gradient-lab', 'runs');
  const [name] = readdirSync(runs).filter((f) => f.endsWith('-sweep'));
  return join(runs, name);
}

test('a 2×2 sweep gives 4 runs and a summary whose best member has the lowest validation loss', () => {
  const dir = tempDir();
  const r = runCli(['sweep', writeExperiment(dir, grid({ 'optimizer.learningRate': [0.3, 0.003], 'model.dropoutKeep': [1.0, 0.5] }))], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const folder = sweepFolder(dir);
  const summary = JSON.parse(readFileSync(join(folder, 'sweep.json'), 'utf8')) as SweepSummary;
  assert.equal(summary.status, 'completed');
  assert.equal(summary.members.length, 4);
  const runs = readdirSync(folder).filter((f) => existsSync(join(folder, f, 'summary.json')));
  assert.equal(runs.length, 4);
  const losses = runs.map((id) => [id, (JSON.parse(readFileSync(join(folder, id, 'summary.json'), 'utf8')) as RunSummary).bestValLoss!] as const);
  const lowest = losses.reduce((a, b) => (b[1] < a[1] ? b : a));
  assert.equal(summary.best, lowest[0]);
  const experiment = JSON.parse(readFileSync(join(folder, summary.members[3].runId!, 'experiment.json'), 'utf8'));
  assert.equal(experiment.optimizer.learningRate, 0.003);
  assert.equal(experiment.model.dropoutKeep, 0.5);
  assert.match(r.stdout, /★ /);
  const table = runCli(['compare', ...runs.map((id) => join(folder, id))]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout.split('\n')[0], /^run\s+.*model\.dropoutKeep\s+optimizer\.learningRate\s+status\s+best val loss\s+test acc/);
  assert.equal(table.stdout.trim().split('\n').length, 5);
});

test('cancelling mid-sweep leaves the finished members intact and says which did not run', async () => {
  const dir = tempDir();
  const file = writeExperiment(dir, grid({ 'optimizer.learningRate': [0.1, 0.01, 0.001] }, 4000));
  const child = spawn(process.execPath, [backendJs(), 'sweep', file, '--json'], { cwd: dir });
  let out = '';
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await withDeadline(new Promise<void>((resolve) => child.stdout.on('data', (d) => {
    out += d;
    // the first member has finished and the second is training
    if (/"type":"finished"[\s\S]*"type":"batch"/.test(out)) resolve();
  })), 300_000, 'the second member trains');
  child.kill('SIGINT');
  assert.equal(await withDeadline(exited, 60_000, 'the sweep exits after Ctrl-C'), 130);
  const folder = sweepFolder(dir);
  const summary = JSON.parse(readFileSync(join(folder, 'sweep.json'), 'utf8')) as SweepSummary;
  assert.equal(summary.status, 'cancelled');
  assert.deepEqual(summary.members.map((m) => m.status), ['completed', 'cancelled', 'not started']);
  const first = JSON.parse(readFileSync(join(folder, summary.members[0].runId!, 'summary.json'), 'utf8')) as RunSummary;
  assert.equal(first.status, 'completed');
  assert.ok(first.testAccuracy! > 0.5);
});

test('a sweep over a setting that does not exist is refused before anything trains', () => {
  const dir = tempDir();
  const r = runCli(['sweep', writeExperiment(dir, grid({ 'optimizer.learningRate': [0.1], 'modle.dropoutKeep': [0.5] }))], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /sweep\["modle\.dropoutKeep"\]: no such setting in the experiment/);
  assert.equal(existsSync(join(dir, '.gradient-lab')), false);
});

test('over JSON-RPC: sweep/start runs every member with the usual run events and reports each in sweep/progress', async () => {
  const dir = tempDir();
  const backend = startBackend();
  const progress: { folder: string; summary: SweepSummary }[] = [];
  backend.connection.onNotification(SweepProgressNotification, (p) => void progress.push(p));
  try {
    const experiment = JSON.stringify(grid({ 'optimizer.learningRate': [0.1, 0.01] }, 500));
    const started = await backend.connection.sendRequest(SweepStartRequest, { experiment, experimentPath: join(dir, 'x.experiment.json'), runsFolder: join(dir, 'runs') });
    assert.equal(started.members, 2);
    await assert.rejects(backend.connection.sendRequest(RunStartRequest, { experiment, runsFolder: join(dir, 'runs') }), /a sweep is running/);
    await pollUntil(() => progress.some((p) => p.summary.status === 'completed'), 120_000, 'the sweep finishes');
    const final = progress.at(-1)!;
    assert.equal(final.folder, started.folder);
    const finished = backend.events.filter((e) => e.type === 'finished');
    assert.deepEqual(finished.map((e) => e.runId), final.summary.members.map((m) => m.runId));
    assert.ok(progress.some((p) => p.summary.members[0].status === 'running'), 'a member is reported when it starts');
    // compare view from the members' own files: what differs, per-epoch curves, results
    const view = compareView('sweep', final.summary.members.map((m) => ({ folder: join(started.folder, m.runId!), events: readEvents(join(started.folder, m.runId!)).events })));
    assert.deepEqual(view.settings, ['optimizer.learningRate']);
    assert.deepEqual(view.runs.map((r) => r.values['optimizer.learningRate']), [0.1, 0.01]);
    assert.deepEqual(view.runs.map((r) => r.bestValLoss), final.summary.members.map((m) => m.bestValLoss));
    assert.ok(view.runs.every((r) => r.epochs.length === 1 && r.status === 'completed'));
    // a second sweep is cancelled as a whole through sweep/cancel
    const before = backend.events.length;
    const second = await backend.connection.sendRequest(SweepStartRequest, { experiment, runsFolder: join(dir, 'runs') });
    await backend.waitFor((e) => e.type === 'batch' && backend.events.indexOf(e) >= before);
    const secondRunIds = new Set(backend.events.slice(before).filter((e) => e.type === 'started').map((e) => e.runId));
    assert.ok([...secondRunIds].every((id) => !finished.some((f) => f.runId === id)), 'run ids stay unique across sweeps');
    assert.deepEqual(await backend.connection.sendRequest(SweepCancelRequest, { folder: second.folder }), { cancelled: true });
    await pollUntil(() => progress.some((p) => p.folder === second.folder && p.summary.status === 'cancelled'), 120_000, 'the cancelled sweep reports it');
    assert.deepEqual(progress.at(-1)!.summary.members.map((m) => m.status), ['cancelled', 'not started']);
  } finally {
    await backend.stop();
  }
});
