// The harmful cases a hostile user found (issue: "Hard to break"), one test each: what was lost, cut, hung or
// silently accepted before now fails safe with a message naming the file, line or field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BackendMemoryRequest } from '../../src/protocol/engine';
import { type RunFinishedEvent } from '../../src/protocol/runEvents';
import { ErrorCodes, RunCancelRequest, RunStartRequest, SweepStartRequest } from '../../src/protocol/training';
import { readEvents } from '../../src/runs/runFolder';
import { loadDataset } from '../../src/backend/data/datasets';
import { backendJs, runCli, startBackend } from '../helpers/backendProcess';
import { readGz, smallIdxFolder, tempDir, writeExperiment, writeGz } from '../helpers/fixtures';
import { withDeadline } from '../helpers/deadline';

const tiny = (training: Record<string, unknown> = {}, name = 'hardening') => ({
  name, seed: 1, data: { source: 'embedded-digits', trainLimit: 256, validationLimit: 64, testLimit: 64 },
  model: { kind: 'mlp', dense: [16] }, optimizer: { name: 'sgd', learningRate: 0.1 }, training: { epochs: 1, batchSize: 32, ...training },
});
const slow = (training: Record<string, unknown> = {}) => ({ ...tiny({ epochs: 50, batchSize: 8, ...training }), data: { source: 'embedded-digits' } });
/** A gradcheck block for a small logistic network, as the examples declare one. */
const block = '```gradcheck\nnetwork: 2-2-1\nhidden: sigmoid\noutput: linear\nloss: squared\n```\n';

const isFinished = (e: { type: string }): e is RunFinishedEvent => e.type === 'finished';
const noStack = (text: string) => assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+/, `a stack trace reached the user:\n${text}`);

/** Every file under dir (relative paths), to show that nothing was deleted. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => !f.startsWith('.gradient-lab')).sort();
}

test('saveModel cannot delete or replace the workspace, the experiment file, runs, or anything it did not write', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'notes.md'), 'my notes');
  mkdirSync(join(dir, 'mine'));
  writeFileSync(join(dir, 'mine', 'data.txt'), 'not a model');
  const before = [...tree(dir), 'x.experiment.json'].sort();
  const targets: [string, RegExp][] = [
    ['.', /training\.saveModel: .* is or holds .*: saving the model there would replace it/],
    ['x.experiment.json', /training\.saveModel: .*x\.experiment\.json is or holds/],
    ['..', /training\.saveModel: .* is or holds/],
    ['../elsewhere', /training\.saveModel: .* is outside the workspace/],
    ['/proc/gradient-lab-model', /training\.saveModel: \/proc\/gradient-lab-model is outside the workspace/],
    ['mine', /training\.saveModel: .*mine already exists and is not a model folder written by Gradient Lab/],
    ['.gradient-lab', /training\.saveModel: .* is or holds .*runs/],
  ];
  for (const [target, message] of targets) {
    const file = writeExperiment(dir, tiny({ saveModel: target }), 'x.experiment.json');
    const r = runCli(['train', file], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(r.code, 1, `saveModel ${target}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /x\.experiment\.json:\d+:\d+ training\.saveModel/, 'the message names the file, line and field');
    noStack(r.stderr);
    assert.deepEqual(tree(dir), before, `saveModel ${target}: nothing deleted or replaced`);
    assert.ok(statSync(file).isFile());
  }
  assert.equal(existsSync(join(dir, '..', 'elsewhere')), false);
  // a new folder inside the workspace works, and a second run replaces the model it wrote itself
  const file = writeExperiment(dir, tiny({ saveModel: 'models/m' }), 'x.experiment.json');
  for (let i = 0; i < 2; i++) {
    const r = runCli(['train', file], { cwd: dir, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(join(dir, 'models', 'm')).sort(), ['model.json', 'weights.bin']);
  }
  assert.deepEqual(tree(dir).filter((f) => !f.startsWith('models')), before);
});

test('saveModel over JSON-RPC stays inside the workspace the editor names', async () => {
  const dir = tempDir();
  const b = startBackend();
  try {
    const experimentPath = join(dir, 'sub', 'x.experiment.json');
    await assert.rejects(
      b.connection.sendRequest(RunStartRequest, { experiment: tiny({ saveModel: '../../outside' }), experimentPath, runsFolder: join(dir, '.gradient-lab', 'runs'), workspace: dir }),
      (e: { code: number; message: string }) => e.code === ErrorCodes.invalidExperiment && /training\.saveModel: .*outside is outside the workspace/.test(e.message),
    );
    assert.equal(existsSync(join(dir, '.gradient-lab', 'runs')) ? readdirSync(join(dir, '.gradient-lab', 'runs')).length : 0, 0, 'no run folder was made');
  } finally {
    await b.stop();
  }
});

test('output through a slow pipe is complete: check --json of 3,000 claims is valid JSON, as long as written to a file', () => {
  const dir = tempDir();
  const claims = Array.from({ length: 3000 }, (_, i) => `Claim ${i}: $$\\frac{\\partial E}{\\partial a_1^{(3)}} = y_1 - t_1$$\n`).join('\n');
  writeFileSync(join(dir, 'm.md'), `# many claims\n\n${block}\n${claims}`);
  const toFile = runCli(['check', 'm.md', '--json'], { cwd: dir, timeoutMs: 300_000 });
  const results = JSON.parse(toFile.stdout) as unknown[];
  assert.equal(results.length, 3000);
  assert.ok(toFile.stdout.length > 65_536, `${toFile.stdout.length} bytes: more than a pipe holds at once`);
  // a reader that starts late (the pipe fills) still gets every byte
  const piped = execFileSync('bash', ['-c', `node ${JSON.stringify(backendJs())} check m.md --json | (sleep 1; cat) | wc -c`], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  assert.equal(Number(piped.trim()), Buffer.byteLength(toFile.stdout));
});

test('a sweep piped into head stops quietly (no EPIPE stack trace) and leaves its sweep marked', () => {
  const dir = tempDir();
  const file = writeExperiment(dir, { ...tiny({ epochs: 3 }), sweep: { 'optimizer.learningRate': [0.1, 0.05, 0.02, 0.01] } });
  const r = spawnSync('bash', ['-c', `node ${JSON.stringify(backendJs())} sweep ${JSON.stringify(file)} | head -c 100 >/dev/null; echo "exit \${PIPESTATUS[0]}" >&2`], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  noStack(r.stderr);
  assert.doesNotMatch(r.stderr, /EPIPE/);
  assert.match(r.stderr, /exit 130\n/, 'the reader going away cancels the sweep, as Ctrl-C does');
  const runs = join(dir, '.gradient-lab', 'runs');
  const sweepDir = readdirSync(runs).find((f) => f.endsWith('-sweep'))!;
  const sweep = JSON.parse(readFileSync(join(runs, sweepDir, 'sweep.json'), 'utf8'));
  assert.equal(sweep.status, 'cancelled', 'the sweep is closed as cancelled, not left running or run to the end');
});

test('two run/start sent back to back: one starts, the other is refused, and the one running can be cancelled', async () => {
  const b = startBackend();
  const runs = tempDir();
  try {
    const both = await Promise.allSettled([0, 1].map(() => b.connection.sendRequest(RunStartRequest, { experiment: slow(), runsFolder: runs })));
    const started = both.filter((r) => r.status === 'fulfilled');
    const refused = both.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(started.length, 1);
    assert.equal(refused.length, 1);
    assert.match(String(refused[0].reason.message), /is being started|still training/);
    assert.equal(readdirSync(runs).length, 1, 'one run folder');
    const { runId } = (started[0] as PromiseFulfilledResult<{ runId: string }>).value;
    await b.waitFor((e) => e.type === 'batch' && e.runId === runId, 120_000);
    assert.deepEqual(await b.connection.sendRequest(RunCancelRequest, { runId }), { cancelled: true });
    const finished = await b.waitFor((e): e is RunFinishedEvent => isFinished(e) && e.runId === runId, 120_000);
    assert.equal(finished.status, 'cancelled');
  } finally {
    await b.stop();
  }
});

test('finished runs let go of their data: six runs on the digits leave the backend\'s array buffers where they were', async () => {
  const b = startBackend({ NODE_OPTIONS: '--expose-gc' });
  const runs = tempDir();
  const memory = () => b.connection.sendRequest(BackendMemoryRequest);
  try {
    const oneRun = async () => {
      const { runId } = await b.connection.sendRequest(RunStartRequest, { experiment: slow(), runsFolder: runs });
      await b.waitFor((e) => e.type === 'batch' && e.runId === runId, 120_000);
      await b.connection.sendRequest(RunCancelRequest, { runId });
      await b.waitFor((e) => isFinished(e) && e.runId === runId, 120_000);
      await new Promise((r) => setImmediate(r));
    };
    // what stays held: the least of a few samples (each after a full GC), so a run still closing does not count
    const settled = async () => {
      const samples = [];
      for (let i = 0; i < 5; i++) {
        samples.push(await memory());
        await new Promise((r) => setTimeout(r, 200));
      }
      return { ...samples.at(-1)!, arrayBufferBytes: Math.min(...samples.map((m) => m.arrayBufferBytes)) };
    };
    await oneRun();
    const after1 = await settled();
    for (let i = 0; i < 5; i++) await oneRun();
    const after6 = await settled();
    // each run holds 8,000 training digits (6 MB) and more: five more runs kept alive would add ≥ 30 MB
    assert.ok(after6.arrayBufferBytes - after1.arrayBufferBytes < 10 * 2 ** 20, `array buffers ${after1.arrayBufferBytes} → ${after6.arrayBufferBytes} bytes`);
    assert.equal(after6.numTensors, after1.numTensors);
    assert.equal(after6.numDataIds, after1.numDataIds);
  } finally {
    await b.stop();
  }
});

/** The editor goes away (a reload) three steps into training: the backend must exit 0, quietly. */
async function closeStdinMidRun(b: ReturnType<typeof startBackend>): Promise<void> {
  await b.waitFor((e) => e.type === 'batch' && e.step >= 3, 120_000);
  b.connection.dispose();
  b.proc.stdin!.end();
  const { code } = await withDeadline(b.exited, 60_000, 'the backend exits after its stdin closes');
  assert.equal(code, 0, b.stderr());
  noStack(b.stderr());
}

test('stdin closing mid-run (the editor reloads): the run ends cancelled with its summary, no "failed" line', async () => {
  const b = startBackend();
  const runs = tempDir();
  const { folder } = await b.connection.sendRequest(RunStartRequest, { experiment: slow(), runsFolder: runs });
  await closeStdinMidRun(b);
  const summary = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8'));
  assert.equal(summary.status, 'cancelled');
  const { events, tornLines } = readEvents(folder);
  assert.equal(tornLines, 0);
  assert.equal(events.filter((e) => e.type === 'failed').length, 0);
  assert.equal(events.at(-1)!.type, 'finished');
});

test('stdin closing mid-sweep: exit 0, the sweep is marked cancelled and its member has a summary', async () => {
  const b = startBackend();
  const runs = tempDir();
  const text = JSON.stringify({ ...slow(), sweep: { 'optimizer.learningRate': [0.1, 0.05] } });
  const { folder } = await b.connection.sendRequest(SweepStartRequest, { experiment: text, runsFolder: runs });
  await closeStdinMidRun(b);
  assert.equal(JSON.parse(readFileSync(join(folder, 'sweep.json'), 'utf8')).status, 'cancelled');
  const member = readdirSync(folder).find((f) => existsSync(join(folder, f, 'metrics.jsonl')))!;
  assert.equal(JSON.parse(readFileSync(join(folder, member, 'summary.json'), 'utf8')).status, 'cancelled');
});

test('SIGTERM finishes like Ctrl-C: the CLI run and a serve run end cancelled with their summaries', async () => {
  const dir = tempDir();
  const file = writeExperiment(dir, slow());
  const child = spawn(process.execPath, [backendJs(), 'train', file, '--json'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await withDeadline(new Promise<void>((resolve) => child.stdout.on('data', (d) => ((out += d), /"type":"batch"/.test(out) && resolve()))), 120_000, 'the CLI run trains');
  child.kill('SIGTERM');
  assert.equal(await withDeadline(exited, 60_000, 'the CLI exits after SIGTERM'), 130, err);
  const runs = join(dir, '.gradient-lab', 'runs');
  assert.equal(JSON.parse(readFileSync(join(runs, readdirSync(runs)[0], 'summary.json'), 'utf8')).status, 'cancelled');

  const b = startBackend();
  const { folder } = await b.connection.sendRequest(RunStartRequest, { experiment: slow(), runsFolder: tempDir() });
  await b.waitFor((e) => e.type === 'batch', 120_000);
  b.proc.kill('SIGTERM');
  await withDeadline(b.exited, 60_000, 'serve exits after SIGTERM');
  assert.equal(JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8')).status, 'cancelled');
  b.connection.dispose();
});

test('kill -9 mid-run and mid-sweep: the next start (or gradient-lab runs) closes them as failed / cancelled, with the reason', async () => {
  const dir = tempDir();
  const file = writeExperiment(dir, slow());
  const sweepFile = writeExperiment(dir, { ...slow(), sweep: { 'optimizer.learningRate': [0.1, 0.05] } }, 's.experiment.json');
  for (const args of [['train', file, '--json'], ['sweep', sweepFile, '--json']]) {
    const child = spawn(process.execPath, [backendJs(), ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    await withDeadline(new Promise<void>((resolve) => child.stdout.on('data', (d) => ((out += d), /"type":"batch"/.test(out) && resolve()))), 120_000, `${args[0]} trains`);
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
  const runs = join(dir, '.gradient-lab', 'runs');
  const list = runCli(['runs'], { cwd: dir });
  assert.equal(list.code, 0, list.stderr);
  const run = join(runs, readdirSync(runs).find((f) => !f.endsWith('-sweep'))!);
  const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
  assert.equal(summary.status, 'failed');
  assert.match(summary.message, /the training process \(pid \d+\) ended without finishing this run/);
  const { events, tornLines } = readEvents(run);
  assert.equal(tornLines, 0);
  assert.equal(events.at(-1)!.type, 'failed');
  assert.equal(summary.steps, events.filter((e) => e.type === 'batch').length);
  assert.match(list.stdout, /failed/);
  const sweepDir = join(runs, readdirSync(runs).find((f) => f.endsWith('-sweep'))!);
  const sweep = JSON.parse(readFileSync(join(sweepDir, 'sweep.json'), 'utf8'));
  assert.equal(sweep.status, 'cancelled');
  assert.equal(sweep.members[0].status, 'failed');
  const member = readdirSync(sweepDir).find((f) => existsSync(join(sweepDir, f, 'metrics.jsonl')))!;
  assert.equal(JSON.parse(readFileSync(join(sweepDir, member, 'summary.json'), 'utf8')).status, 'failed');
  assert.equal(existsSync(join(run, 'owner.json')), false);
});

test('a read-only runs folder: the run is refused with the folder named, nothing half-made', { skip: tmpfsSkip() }, () => {
  const dir = tempDir();
  onTmpfs(join(dir, 'ro'), 'ro,size=64k', (runs) => {
    const file = writeExperiment(dir, tiny());
    const r = runCli(['train', file, '--runs', runs], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /EROFS.*ro/);
    noStack(r.stderr);
    assert.deepEqual(readdirSync(runs), []);
  });
});

test('a huge \\sum range does not hang the checker: "cannot check", quickly, in the CLI and over serve', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 's.md'), block + '\n$$\\sum_{k=1}^{1000000000} 0 = 0$$\n\n$$\\sum_{k=1}^{100000000} k = 0$$\n');
  const r = runCli(['check', 's.md', '--json'], { cwd: dir, timeoutMs: 60_000 });
  assert.notEqual(r.code, null, 'the check finished within a minute');
  const results = JSON.parse(r.stdout) as { verdict: string; message: string }[];
  assert.deepEqual(results.map((x) => x.verdict), ['inconclusive', 'inconclusive']);
  assert.match(results[0].message, /cannot check: .*1,000,000,000 terms/);
  const b = startBackend();
  try {
    const answer = await withDeadline(b.connection.sendRequest('gradcheck/file', { uri: 'x', version: 1, text: readFileSync(join(dir, 's.md'), 'utf8') }), 60_000, 'serve answers') as { results: { verdict: string }[] };
    assert.deepEqual(answer.results.map((x) => x.verdict), ['inconclusive', 'inconclusive']);
  } finally {
    await b.stop();
  }
});

test('derivations are checked off the training thread: a slow file over serve does not stall the run', async () => {
  const b = startBackend();
  try {
    const { runId } = await b.connection.sendRequest(RunStartRequest, { experiment: slow(), runsFolder: tempDir() });
    await b.waitFor((e) => e.type === 'batch' && e.runId === runId, 120_000);
    // each claim evaluates about 1.5 million terms (within the work limit): seconds of checking in all
    const heavy = Array.from({ length: 6 }, (_, i) => `$$\\sum_{j=1}^{700}\\sum_{k=1}^{700} ${i + 1} = ${(i + 1) * 700 * 700}$$`).join('\n\n');
    const batches = () => b.events.filter((e) => e.type === 'batch').length;
    const before = batches();
    const answer = await withDeadline(b.connection.sendRequest('gradcheck/file', { uri: 'h', version: 1, text: `${block}\n${heavy}\n` }), 300_000, 'the heavy check') as { results: { verdict: string }[] };
    assert.deepEqual(answer.results.map((r) => r.verdict), Array(6).fill('pass'));
    const during = batches() - before;
    assert.ok(during >= 3, `training went on while the file was checked: ${during} steps`);
    assert.deepEqual(await b.connection.sendRequest(RunCancelRequest, { runId }), { cancelled: true });
  } finally {
    await b.stop();
  }
});

test('claims that overflow float64 or nest too deeply are "cannot check", never ✗', () => {
  const dir = tempDir();
  const deep = `${'{'.repeat(10_000)}x${'}'.repeat(10_000)}`;
  writeFileSync(join(dir, 'o.md'), `${block}\n$$e^{1000} e^{-1000} = 1$$\n\n$$${deep} = 1$$\n\n$$e^{2} e^{-2} = 1$$\n\n$$e^{2} e^{-2} = 2$$\n`);
  const r = runCli(['check', 'o.md', '--json'], { cwd: dir, timeoutMs: 60_000 });
  noStack(r.stderr);
  const results = JSON.parse(r.stdout) as { verdict: string; message: string }[];
  assert.deepEqual(results.map((x) => x.verdict), ['inconclusive', 'parse-error', 'pass', 'fail']);
  assert.match(results[0].message, /cannot check: .*float64/);
  assert.match(results[1].message, /nested too deeply/);
});

/** A PNG of `bytes` total length whose header claims width × height (no image data follows). */
function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    return Buffer.concat([len, Buffer.from(type), data, Buffer.alloc(4)]); // CRC left zero: the size check comes first
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IEND', Buffer.alloc(0))]);
}

test('image folders: a header claiming 20000×20000 pixels is skipped by name; a huge first image does not upsize the rest', async () => {
  const dir = tempDir();
  const r = runCli(['image-folder', '--digits', '--out', 'd', '--train', '20', '--validation', '10', '--test', '10'], { cwd: dir, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const bomb = pngHeaderOnly(20000, 20000);
  assert.ok(bomb.length < 100);
  writeFileSync(join(dir, 'd', 'train', '0', 'bomb.png'), bomb);
  const data = await loadDataset({ source: 'image-folder', path: join(dir, 'd') });
  assert.equal(data.height, 28);
  assert.match(data.warnings!.join('\n'), /train\/0\/bomb\.png: 20000×20000 pixels, more than the 16,777,216/);
  // a 3000×3000 first image: the others are not upsized to it
  const { encodePng } = await import('../../src/backend/data/imageCodec');
  writeFileSync(join(dir, 'd', 'train', '0', '0000-big.png'), encodePng(new Uint8Array(3000 * 3000), 3000, 3000, 1));
  const big = await loadDataset({ source: 'image-folder', path: join(dir, 'd') });
  assert.deepEqual([big.height, big.width], [512, 512]);
  assert.match(big.warnings!.join('\n'), /first training image is 3000×3000: images are resized to 512×512; set data\.imageSize/);
});

test('bad data fails instead of "completing": 0 images, 0×28 images, a stray label 255, one class', async () => {
  const cases: [string, (dir: string) => void, RegExp][] = [
    ['a header count of 0', (dir) => {
      const img = readGz(join(dir, 'train-images-idx3-ubyte.gz'));
      const lbl = readGz(join(dir, 'train-labels-idx1-ubyte.gz'));
      img.writeUInt32BE(0, 4);
      lbl.writeUInt32BE(0, 4);
      writeGz(join(dir, 'train-images-idx3-ubyte.gz'), img.subarray(0, 16));
      writeGz(join(dir, 'train-labels-idx1-ubyte.gz'), lbl.subarray(0, 8));
    }, /train-images-idx3-ubyte\.gz: the header declares 0 images/],
    ['0×28 images', (dir) => {
      const img = readGz(join(dir, 'train-images-idx3-ubyte.gz'));
      img.writeUInt32BE(0, 8);
      writeGz(join(dir, 'train-images-idx3-ubyte.gz'), img.subarray(0, 16));
    }, /train-images-idx3-ubyte\.gz: the header declares images of 0×28 pixels/],
    ['one label 255', (dir) => {
      const lbl = readGz(join(dir, 'train-labels-idx1-ubyte.gz'));
      lbl[8 + 17] = 255;
      writeGz(join(dir, 'train-labels-idx1-ubyte.gz'), lbl);
    }, /train-labels-idx1-ubyte\.gz: labels run up to 255 \(first at index 17\), but 245 of the classes 0–255 never occur/],
  ];
  for (const [what, damage, message] of cases) {
    const data = smallIdxFolder();
    damage(data);
    const dir = tempDir();
    const file = writeExperiment(dir, { ...tiny(), data: { source: 'idx-folder', path: data, trainLimit: 200 } });
    const r = runCli(['train', file], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(r.code, 1, `${what}: ${r.stdout}`);
    assert.match(r.stderr, message, what);
    noStack(r.stderr);
    assert.ok(!existsSync(join(dir, '.gradient-lab')), `${what}: no run folder`);
  }
  const one = tempDir();
  runCli(['image-folder', '--digits', '--out', 'd', '--train', '20', '--validation', '0', '--test', '0'], { cwd: one, timeoutMs: 60_000 });
  for (const c of readdirSync(join(one, 'd', 'train'))) if (c !== '3') execFileSync('rm', ['-r', join(one, 'd', 'train', c)]);
  await assert.rejects(loadDataset({ source: 'image-folder', path: join(one, 'd') }), /only one class folder \(3\); a classifier needs two or more/);
});

test('damaged run folders: runs lists the rest, compare and export carry on, evaluate follows no pointer outside', () => {
  const dir = tempDir();
  const file = writeExperiment(dir, tiny({ checkpointEvery: 4 }));
  for (let i = 0; i < 3; i++) assert.equal(runCli(['train', file], { cwd: dir, timeoutMs: 120_000 }).code, 0);
  const runs = join(dir, '.gradient-lab', 'runs');
  const [a, b, c] = readdirSync(runs).map((r) => join(runs, r));
  writeFileSync(join(a, 'summary.json'), '{ "status": "compl');
  writeFileSync(join(b, 'summary.json'), '[1, 2]');
  writeFileSync(join(c, 'metrics.jsonl'), `null\n${readFileSync(join(c, 'metrics.jsonl'), 'utf8')}{"type":"batch","step":"x"}\n`);
  const list = runCli(['runs'], { cwd: dir });
  assert.equal(list.code, 0, list.stderr);
  assert.equal(list.stdout.trim().split('\n').length, 3, list.stdout);
  assert.match(list.stdout, /incomplete .*summary\.json is damaged/);
  noStack(list.stderr);
  const compare = runCli(['compare', a, b, c], { cwd: dir });
  assert.equal(compare.code, 0, compare.stderr);
  assert.equal((compare.stdout.match(/damaged/g) ?? []).length, 2);
  noStack(compare.stderr);
  const exported = runCli(['export', c], { cwd: dir });
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(readFileSync(join(c, 'metrics.csv'), 'utf8'), /^step,epoch/);
  writeFileSync(join(c, 'checkpoints', 'best.json'), JSON.stringify({ dir: '../../..', epoch: 1, step: 1 }));
  const evaluated = runCli(['evaluate', c], { cwd: dir, timeoutMs: 120_000 });
  assert.equal(evaluated.code, 1);
  assert.match(evaluated.stderr, /best\.json is damaged/);
  noStack(evaluated.stderr);
});

test('models too large for memory are refused at validation, naming the setting', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ kind: 'deep-mlp', depth: 200, width: 4096 }, /model\.depth: the model needs about \d+\.\d GB to train/],
    [{ kind: 'mlp', dense: [100000, 100000] }, /model\.dense\[1\]: this layer alone has 10,000,100,000 weights/],
  ];
  for (const [model, message] of cases) {
    const dir = tempDir();
    const file = writeExperiment(dir, { ...tiny(), model });
    const r = runCli(['train', file], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /test\.experiment\.json:\d+:\d+ model/);
    noStack(r.stderr);
  }
});

test('small train prefixes hold every class: image-folder --train 30 and trainLimit 30', async () => {
  const dir = tempDir();
  assert.equal(runCli(['image-folder', '--digits', '--out', 'd', '--train', '30', '--validation', '10', '--test', '10'], { cwd: dir, timeoutMs: 60_000 }).code, 0);
  for (let c = 0; c <= 9; c++) assert.equal(readdirSync(join(dir, 'd', 'train', String(c))).length, 3, `class ${c}`);
  const data = await loadDataset({ source: 'embedded-digits', trainLimit: 30 });
  assert.deepEqual([...new Set(data.train.labels)].sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('protocol framing: Content-Length abc, -5 and too large get errors, and the next message is still answered', async () => {
  for (const bad of ['Content-Length: abc\r\n\r\n{}', 'Content-Length: -5\r\n\r\n{}', 'Content-Length: 100\r\n\r\n{"jsonrpc":"2.0"}']) {
    const b = startBackend();
    try {
      b.proc.stdin!.write(bad);
      const answer = await withDeadline(b.connection.sendRequest('gradcheck/file', { uri: 'x', version: 1, text: '' }), 30_000, `answered after ${JSON.stringify(bad)}`);
      assert.deepEqual((answer as { results: unknown[] }).results, []);
      assert.match(b.clientLog.join('\n'), /"code": -32700/);
    } finally {
      await b.stop();
    }
  }
});

test('an experiment file with a UTF-8 byte-order mark is read; a 50 MB name is refused at its line', () => {
  const dir = tempDir();
  const file = writeExperiment(dir, `\uFEFF${JSON.stringify(tiny())}`);
  const r = runCli(['summary', file], { cwd: dir, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const long = writeExperiment(dir, { ...tiny(), name: 'n'.repeat(50 * 1024 * 1024) }, 'long.experiment.json');
  const l = runCli(['train', long], { cwd: dir, timeoutMs: 60_000 });
  assert.equal(l.code, 1);
  assert.match(l.stderr, /long\.experiment\.json:\d+:\d+ name: must NOT have more than 200 characters, got "n+… \(52,428,802 characters\)/);
  assert.ok(l.stderr.length < 2000, 'the name is not echoed back');
  assert.ok(!existsSync(join(dir, '.gradient-lab')));
});

test('a full disk: the run fails with a clear message and leaves no .tmp files behind', { skip: tmpfsSkip() }, () => {
  const dir = tempDir();
  onTmpfs(join(dir, 'full'), 'size=600k', (runs) => {
    const file = writeExperiment(dir, { ...tiny({ checkpointEvery: 1, epochs: 3 }), model: { kind: 'mlp', dense: [64] } });
    const r = runCli(['train', file, '--runs', runs], { cwd: dir, timeoutMs: 120_000 });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout + r.stderr, /ENOSPC|no space left/i);
    noStack(r.stderr);
    const leftovers = readdirSync(runs, { recursive: true, encoding: 'utf8' }).filter((f) => f.includes('.tmp-'));
    assert.deepEqual(leftovers, []);
  });
});

/** Run `f` with a small tmpfs mounted at `dir` (a full or read-only disk, for real), unmounted afterwards. */
function onTmpfs(dir: string, options: string, f: (dir: string) => void): void {
  mkdirSync(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  try {
    f(dir);
  } finally {
    execFileSync('umount', [dir]);
  }
}

/** Why a disk-fault test skips here (it needs root to mount), or false. On CI it never skips: it fails instead. */
function tmpfsSkip(): string | false {
  return !process.env.CI && !canMountTmpfs() && 'cannot mount a tmpfs here (needs root)';
}

function canMountTmpfs(): boolean {
  const probe = tempDir();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe]);
    return true;
  } catch {
    return false;
  }
}
