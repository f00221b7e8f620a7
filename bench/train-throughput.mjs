#!/usr/bin/env node
// Training throughput of every engine that loads here against PyTorch on the CPU, measured in the same run:
// the seed CNN (conv5x5x32, pool, conv5x5x64, pool, dense 128, dense 10) and an MLP (784-256-10), batch 64.
// Usage: npm run bench   (needs Debian's python3-torch and libopenblas0-pthread for the peer)
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const run = (args) => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
const node = (args) => JSON.parse(run(args).trim().split('\n').at(-1));

const engines = JSON.parse(run([join(root, 'dist/backend.js'), 'engines', '--json'])).candidates.filter((c) => c.status === 'chosen' || c.status === 'available').map((c) => c.name);
const steps = { cnn: { default: 30, js: 3 }, mlp: { default: 200, js: 50 } };
const python = '/usr/bin/python3';
const rows = [];
for (const model of ['cnn', 'mlp']) {
  const peers = {};
  if (existsSync(python)) {
    for (const threads of [2, 1]) {
      try {
        const r = JSON.parse(execFileSync(python, [join(root, 'bench/torch_peer.py'), '--model', model, '--steps', String(steps[model].default), '--threads', String(threads)], { cwd: root, encoding: 'utf8' }));
        peers[threads] = r.samplesPerSec;
        rows.push({ model, engine: r.engine, samplesPerSec: r.samplesPerSec });
      } catch (e) {
        console.error(`PyTorch peer failed (apt-get install python3-torch libopenblas0-pthread): ${e.message.split('\n')[0]}`);
      }
    }
  }
  for (const engine of engines) {
    const r = node([join(root, 'dist/bench/throughput.js'), '--engine', engine, '--model', model, '--steps', String(steps[model][engine] ?? steps[model].default)]);
    rows.push({ model, engine, samplesPerSec: r.samplesPerSec, vs2: peers[2] && r.samplesPerSec / peers[2], vs1: peers[1] && r.samplesPerSec / peers[1] });
  }
}
// The gradient probe's cost: the same training with it off, every 10 steps (the default) and every step.
const probeRows = [];
for (const model of ['deep', 'cnn']) {
  const off = node([join(root, 'dist/bench/throughput.js'), '--engine', 'wasm', '--model', model, '--steps', model === 'cnn' ? '30' : '200', '--probe', 'off']).samplesPerSec;
  for (const every of ['10', '1']) {
    const on = node([join(root, 'dist/bench/throughput.js'), '--engine', 'wasm', '--model', model, '--steps', model === 'cnn' ? '30' : '200', '--probe', every]).samplesPerSec;
    probeRows.push({ model, every, off, on });
  }
}

const fmt = (x) => (x === undefined ? '' : `${x.toFixed(3)}×`);
console.log(`\n${'model'.padEnd(6)}${'engine'.padEnd(12)}${'samples/s'.padStart(11)}  ${'÷ PyTorch 2 threads'.padStart(20)}  ${'÷ PyTorch 1 thread'.padStart(19)}`);
for (const r of rows) console.log(`${r.model.padEnd(6)}${r.engine.padEnd(12)}${r.samplesPerSec.toFixed(1).padStart(11)}  ${fmt(r.vs2).padStart(20)}  ${fmt(r.vs1).padStart(19)}`);
console.log(`\n${'model'.padEnd(6)}${'probe'.padEnd(14)}${'off samples/s'.padStart(14)}${'on samples/s'.padStart(14)}  on ÷ off`);
for (const r of probeRows) console.log(`${r.model.padEnd(6)}${`every ${r.every}`.padEnd(14)}${r.off.toFixed(1).padStart(14)}${r.on.toFixed(1).padStart(14)}  ${(r.on / r.off).toFixed(3)}`);
