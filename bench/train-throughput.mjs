#!/usr/bin/env node
// Training throughput of Gradient Lab's engines against PyTorch and Keras, measured in the same run, interleaved
// (each round runs every contender once, in a rotated order), medians of the rounds: the seed CNN (conv5x5x32, pool,
// conv5x5x64, pool, dense 128, dropout, dense 10) and an MLP (784-256-10), batch 64, Adam, 2 threads.
// Usage: npm run bench [-- --rounds N --models cnn,mlp --probe]
// Peers: Keras and PyTorch 2.x from .cache/python/venv (.ci/run's TensorFlow; `pip install torch` there), Debian's
// PyTorch 1.13 (apt-get install python3-torch libopenblas0-pthread). A missing peer is said and left out.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const rounds = Number(arg('--rounds', '3'));
const models = arg('--models', 'cnn,mlp').split(',');
const steps = { cnn: 30, mlp: 200 };
const lastJson = (out) => JSON.parse(out.trim().split('\n').at(-1));
const venvPython = join(root, '.cache/python/venv/bin/python');

function pythonHas(python, module) {
  try {
    execFileSync(python, ['-c', `import ${module}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const contenders = [];
const python = (label, py, script, extra = []) => ({ label, run: (model) => lastJson(execFileSync(py, [join(root, 'bench', script), '--model', model, '--steps', String(steps[model]), '--threads', '2', ...extra], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) });
if (existsSync(venvPython) && pythonHas(venvPython, 'tensorflow')) contenders.push(python('Keras on TF (venv)', venvPython, 'keras_peer.py'));
else console.error('no Keras peer: .cache/python/venv has no TensorFlow (npm run native makes it)');
if (existsSync(venvPython) && pythonHas(venvPython, 'torch')) contenders.push(python('PyTorch (venv)', venvPython, 'torch_peer.py'));
else console.error('no PyTorch 2 peer: .cache/python/venv/bin/pip install torch');
if (existsSync('/usr/bin/python3') && pythonHas('/usr/bin/python3', 'torch')) contenders.push(python('PyTorch (Debian)', '/usr/bin/python3', 'torch_peer.py'));
else console.error('no Debian PyTorch peer: apt-get install python3-torch libopenblas0-pthread');
const engines = JSON.parse(execFileSync(process.execPath, [join(root, 'dist/backend.js'), 'engines', '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
const usable = engines.candidates.filter((c) => (c.status === 'chosen' || c.status === 'available') && c.name !== 'js').map((c) => c.name);
for (const engine of usable) {
  const label = `Gradient Lab ${engine}${engine === 'cpu' || engine === 'gpu' ? ` (TF ${engines.candidates.find((c) => c.name === engine).tensorflow?.version ?? '?'})` : ''}`;
  contenders.push({ label, run: (model) => lastJson(execFileSync(process.execPath, [join(root, 'dist/bench/throughput.js'), '--engine', engine, '--model', model, '--steps', String(steps[model])], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const model of models) {
  const samples = new Map(contenders.map((c) => [c.label, []]));
  const names = new Map();
  for (let r = 0; r < rounds; r++) {
    const order = contenders.map((_, i) => contenders[(i + r) % contenders.length]);
    for (const c of order) {
      const out = c.run(model);
      samples.get(c.label).push(out.samplesPerSec);
      names.set(c.label, out.engine);
      process.stderr.write(`${model} round ${r + 1}: ${c.label} ${out.samplesPerSec.toFixed(0)} samples/s\n`);
    }
  }
  const med = new Map([...samples].map(([k, v]) => [k, median(v)]));
  const torch2 = [...med].find(([k]) => k === 'PyTorch (venv)')?.[1];
  const keras = [...med].find(([k]) => k.startsWith('Keras'))?.[1];
  const ratio = (x, of) => (of ? `${(x / of).toFixed(2)}×` : '–');
  console.log(`\n${model}: samples/s, median of ${rounds} interleaved rounds (batch 64, Adam, 2 threads)`);
  console.log(`${'contender'.padEnd(34)}${'samples/s'.padStart(10)}${'range'.padStart(16)}${'÷ PyTorch 2'.padStart(13)}${'÷ Keras'.padStart(10)}`);
  for (const [label, v] of [...med].sort((a, b) => b[1] - a[1])) {
    const all = samples.get(label);
    const name = `${label}${names.get(label) && label.startsWith('PyTorch') ? ` ${names.get(label)}` : ''}`;
    console.log(`${name.padEnd(34)}${v.toFixed(0).padStart(10)}${`${Math.min(...all).toFixed(0)}–${Math.max(...all).toFixed(0)}`.padStart(16)}${ratio(v, torch2).padStart(13)}${ratio(v, keras).padStart(10)}`);
  }
}

// --probe: the gradient probe's cost, the same training with it off, every 10 steps (the default) and every step
if (process.argv.includes('--probe')) {
  const engine = usable[0];
  const sps = (model, probe) => lastJson(execFileSync(process.execPath, [join(root, 'dist/bench/throughput.js'), '--engine', engine, '--model', model, '--steps', model === 'cnn' ? '30' : '200', '--probe', probe], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })).samplesPerSec;
  console.log(`\ngradient probe on ${engine}: ${'model'.padEnd(6)}${'probe'.padEnd(10)}${'off'.padStart(10)}${'on'.padStart(10)}  on ÷ off`);
  for (const model of ['deep', 'cnn']) {
    for (const every of ['10', '1']) {
      const [off, on] = [sps(model, 'off'), sps(model, every)];
      console.log(`${''.padEnd(26)}${model.padEnd(6)}${`every ${every}`.padEnd(10)}${off.toFixed(0).padStart(10)}${on.toFixed(0).padStart(10)}  ${(on / off).toFixed(3)}`);
    }
  }
}
