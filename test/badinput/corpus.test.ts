// Runs the bad-input corpus (cases.ts) against the real CLI and the real `serve` process and classifies each
// outcome: good (the expected exit code and message), poor (handled, but not as well as it should be), harmful
// (a hang, a crash by signal, a user's file lost or changed, or bad input silently accepted), and whether a stack
// trace reached the user. Prints the figure; fails on any harmful outcome or stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backendJs, runCli } from '../helpers/backendProcess';
import { requireFashion, tempDir } from '../helpers/fixtures';
import { allCases, type Case, type CliCase, type ProtocolCase, setRunTemplate } from './cases';

type Verdict = 'good' | 'poor' | 'harmful';
interface Outcome {
  c: Case;
  verdict: Verdict;
  stack: boolean;
  why: string;
}

const stackTrace = /\n\s+at .+:\d+:\d+\)?/;

/** Every file under dir with a hash of its content (the runs folder aside: commands may add to it). */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const p = join(dir, f);
    try {
      if (!statSync(p).isFile()) continue;
      out.set(f, createHash('sha256').update(readFileSync(p)).digest('hex'));
    } catch {
      out.set(f, 'unreadable'); // a symlink loop the case made on purpose
    }
  }
  return out;
}

function runCliCase(c: CliCase): Outcome {
  const dir = tempDir('gl-corpus-');
  for (const [name, content] of Object.entries(c.files ?? {})) writeFileSync(join(dir, name), content);
  c.setup?.(dir);
  const before = snapshot(dir);
  const r = spawnSync(process.execPath, [backendJs(), ...c.args], { cwd: dir, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const stack = stackTrace.test(output);
  const after = snapshot(dir);
  const lost = [...before].filter(([f, hash]) => after.get(f) !== hash && !f.startsWith('.gradient-lab/runs/r1/metrics.csv'));
  const harm = r.error ? `no answer within 120 s (${r.error.message})`
    : r.signal ? `killed by ${r.signal}`
      : lost.length ? `lost or changed: ${lost.map(([f]) => f).join(', ')}`
        : c.code !== 0 && r.status === 0 ? 'bad input accepted: exit 0' : '';
  if (harm) return { c, verdict: 'harmful', stack, why: harm };
  if (r.status === c.code && c.message.test(output)) return { c, verdict: 'good', stack, why: '' };
  return { c, verdict: 'poor', stack, why: `exit ${r.status} (expected ${c.code}); said: ${output.trim().slice(0, 300)}` };
}

/** Send the case's bytes to a fresh `serve`, then a good request: it must still be answered. */
async function runProtocolCase(c: ProtocolCase): Promise<Outcome> {
  const proc = spawn(process.execPath, [backendJs(), 'serve'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  proc.stdin.on('error', () => undefined);
  proc.stdin.write(c.raw);
  const probe = JSON.stringify({ jsonrpc: '2.0', id: 'probe', method: 'gradcheck/file', params: { uri: 'p', version: 1, text: '' } });
  await new Promise((r) => setTimeout(r, 100));
  proc.stdin.write(`Content-Length: ${Buffer.byteLength(probe)}\r\n\r\n${probe}`);
  const deadline = Date.now() + 30_000;
  while (!out.includes('"id":"probe"') && Date.now() < deadline && proc.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  const answered = out.includes('"id":"probe"');
  proc.stdin.end();
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  const code = await exited;
  clearTimeout(timer);
  const stack = stackTrace.test(err) || stackTrace.test(out);
  if (!answered) return { c, verdict: 'harmful', stack, why: `deaf afterwards (exit ${code}); said: ${(out + err).slice(0, 300)}` };
  if (code !== 0) return { c, verdict: 'poor', stack, why: `exit ${code} when stdin closed` };
  return c.message.test(out) ? { c, verdict: 'good', stack, why: '' } : { c, verdict: 'poor', stack, why: `answered ${out.slice(0, 300)}` };
}

test('the bad-input corpus: ≥ 150 cases in five families, no harmful outcome, no stack trace', { timeout: 1_800_000 }, async () => {
  requireFashion();
  // one real trained run, copied and damaged by the run-folder cases
  const home = tempDir('gl-corpus-run-');
  writeFileSync(join(home, 'r.experiment.json'), JSON.stringify({
    name: 'corpus run', seed: 1, data: { source: 'embedded-digits', trainLimit: 64, validationLimit: 32, testLimit: 32 },
    model: { kind: 'mlp', dense: [8] }, optimizer: { name: 'sgd', learningRate: 0.1 }, training: { epochs: 1, batchSize: 32, checkpointEvery: 1 },
  }));
  assert.equal(runCli(['train', 'r.experiment.json'], { cwd: home }).code, 0);
  const runs = join(home, '.gradient-lab', 'runs');
  setRunTemplate({ folder: join(runs, readdirSync(runs)[0]) });

  const cases = allCases();
  const outcomes: Outcome[] = [];
  for (const c of cases) outcomes.push(c.family === 'protocol' ? await runProtocolCase(c) : runCliCase(c));
  const count = (f: (o: Outcome) => boolean) => outcomes.filter(f).length;
  const families = [...new Set(cases.map((c) => c.family))];
  console.log(`bad-input corpus: ${cases.length} cases — ${count((o) => o.verdict === 'good')} good, ${count((o) => o.verdict === 'poor')} poor, ` +
    `${count((o) => o.verdict === 'harmful')} harmful; ${count((o) => o.stack)} stack traces`);
  for (const f of families) {
    const of = outcomes.filter((o) => o.c.family === f);
    console.log(`  ${f.padEnd(11)} ${String(of.length).padStart(3)} cases: ${of.filter((o) => o.verdict === 'good').length} good, ${of.filter((o) => o.verdict === 'poor').length} poor, ${of.filter((o) => o.verdict === 'harmful').length} harmful`);
  }
  for (const o of outcomes.filter((x) => x.verdict !== 'good' || x.stack)) console.log(`  ${o.verdict}${o.stack ? ' + stack trace' : ''} — ${o.c.family}: ${o.c.name}: ${o.why}`);
  assert.ok(cases.length >= 150, `${cases.length} cases`);
  assert.equal(families.length, 5);
  assert.deepEqual(outcomes.filter((o) => o.verdict === 'harmful').map((o) => `${o.c.name}: ${o.why}`), []);
  assert.deepEqual(outcomes.filter((o) => o.stack).map((o) => o.c.name), []);
});
