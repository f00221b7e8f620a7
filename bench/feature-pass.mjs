#!/usr/bin/env node
// The fine-tune feature pass (a pretrained network's forward pass, batch 16) on every engine here and on Keras with the
// same TensorFlow, interleaved rounds, medians: MobileNetV2 at 224×224 and InceptionV3 at 299×299. ms per image.
// Usage: npm run bench:features [-- --rounds N]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const rounds = Number(process.argv.includes('--rounds') ? process.argv[process.argv.indexOf('--rounds') + 1] : '3');
const last = (out) => JSON.parse(out.trim().split('\n').at(-1));
const quiet = { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] };
const venvPython = join(root, '.cache/python/venv/bin/python');
const engines = JSON.parse(execFileSync(process.execPath, [join(root, 'dist/backend.js'), 'engines', '--json'], quiet)).candidates
  .filter((c) => (c.status === 'chosen' || c.status === 'available') && c.name !== 'js').map((c) => c.name);
const contenders = engines.map((engine) => ({ label: `Gradient Lab ${engine}`, run: (model) => last(execFileSync(process.execPath, [join(root, 'dist/bench/featurePass.js'), '--engine', engine, '--model', model], quiet)) }));
if (existsSync(venvPython)) contenders.push({ label: 'Keras on TF (venv)', run: (model) => last(execFileSync(venvPython, [join(root, 'bench/keras_features.py'), '--model', model], quiet)) });
else console.error('no Keras peer: .cache/python/venv is missing (npm run native makes it)');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const model of ['mobilenet_v2', 'inception_v3']) {
  const ms = new Map(contenders.map((c) => [c.label, []]));
  for (let r = 0; r < rounds; r++) {
    for (const c of contenders.map((_, i) => contenders[(i + r) % contenders.length])) {
      ms.get(c.label).push(c.run(model).msPerImage);
      process.stderr.write(`${model} round ${r + 1}: ${c.label} ${ms.get(c.label).at(-1).toFixed(1)} ms/image\n`);
    }
  }
  const keras = median(ms.get('Keras on TF (venv)') ?? [NaN]);
  console.log(`\n${model} (${model === 'inception_v3' ? 299 : 224}×${model === 'inception_v3' ? 299 : 224}, batch 16): ms per image, median of ${rounds} interleaved rounds`);
  for (const [label, xs] of ms) console.log(`${label.padEnd(24)}${median(xs).toFixed(1).padStart(9)}  ${Number.isNaN(keras) ? '' : `${(median(xs) / keras).toFixed(2)}× Keras's time`}`);
}
