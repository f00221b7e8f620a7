// Experiment files: every example is valid; each kind of mistake is reported with file, line and JSON path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExperimentError, parseExperimentText } from '../../src/experiment/validate';
import { planLayers, parameterCount } from '../../src/backend/models/layerPlan';
import { packageRoot } from '../../src/paths';
import { tfjsNodeVersion } from '../../src/native/addonBuild';
import { starters } from '../../src/extension/starterExperiments';
import { expandSweep } from '../../src/backend/jobs/sweep';

const examples = join(packageRoot(), 'examples');
const seed = readFileSync(join(examples, 'digits-cnn.experiment.json'), 'utf8');

function problemsOf(text: string): string[] {
  try {
    parseExperimentText(text, '/work/x/bad.experiment.json');
  } catch (e) {
    assert.ok(e instanceof ExperimentError);
    return e.message.split('\n');
  }
  assert.fail('expected the experiment to be rejected');
}

test('every example experiment is valid', () => {
  const files = readdirSync(examples).filter((f) => f.endsWith('.experiment.json'));
  assert.ok(files.length >= 2);
  for (const f of files) parseExperimentText(readFileSync(join(examples, f), 'utf8'), f);
});

test('every starter of "New Experiment…" is valid, and so is every member of its sweep', () => {
  assert.ok(starters.length >= 5);
  for (const s of [...starters, ...starters.flatMap((s) => s.companions ?? [])]) {
    const { experiment } = parseExperimentText(s.text, s.fileName);
    if (experiment.sweep) assert.ok(expandSweep(experiment, s.fileName).length >= 2, s.fileName);
  }
});

test('malformed JSON: file, line and column of the first error', () => {
  const broken = seed.replace('"seed": 1,', '"seed": 1');
  const [first] = problemsOf(broken);
  assert.match(first, /^bad\.experiment\.json:6:\d+ invalid JSON: expected ','/);
});

test('an unknown field names its path and the fields that are allowed', () => {
  const problems = problemsOf(seed.replace('"filters": 32, "kernel": 5', '"filters": 32, "kernal": 5'));
  assert.ok(problems.some((p) => /bad\.experiment\.json:10:\d+ model\.conv\[0\]\.kernal: unknown field "kernal" \(expected one of: filters, kernel, batchNorm, pool\)/.test(p)), problems.join('\n'));
});

test('a wrong type and an out-of-range value', () => {
  const problems = problemsOf(seed.replace('"epochs": 3', '"epochs": "three"').replace('"dropoutKeep": 0.5', '"dropoutKeep": 1.5'));
  assert.ok(problems.some((p) => /training\.epochs: must be a whole number, got "three"/.test(p)), problems.join('\n'));
  assert.ok(problems.some((p) => /model\.dropoutKeep: must be <= 1, got 1\.5/.test(p)), problems.join('\n'));
});

test('an unknown layer type lists the known ones', () => {
  const text = JSON.stringify({
    name: 'x', data: { source: 'embedded-digits' }, optimizer: { name: 'sgd', learningRate: 0.1 }, training: { epochs: 1, batchSize: 8 },
    model: { kind: 'layers', layers: [{ type: 'conv2d', filters: 4, kernel: 3 }, { type: 'conv3d', filters: 4 }] },
  }, null, 2);
  const problems = problemsOf(text);
  assert.ok(problems.some((p) => /model\.layers\[1\]\.type: unknown layer type "conv3d" \(expected one of: "conv2d", "maxPool"/.test(p)), problems.join('\n'));
});

test('a data source without what it needs', () => {
  const problems = problemsOf(seed.replace('{ "source": "embedded-digits" }', '{ "source": "idx-folder" }'));
  assert.ok(problems.some((p) => /data: missing required field "path"/.test(p)), problems.join('\n'));
});

test('impossible shapes: a kernel larger than the image, a pool too large, conv after dense', () => {
  const input = { height: 28, width: 28, channels: 1 };
  assert.throws(() => planLayers({ kind: 'cnn', conv: [{ filters: 8, kernel: 31 }] }, input, 10), /model\.conv\[0\]\.kernel: kernel 31×31 is larger than the 28×28 input of this layer/);
  const deep = [1, 2, 3, 4].map(() => ({ filters: 8, kernel: 5 })); // 28 → 14 → 7 → 3: the fourth 5×5 does not fit
  assert.throws(() => planLayers({ kind: 'cnn', conv: deep }, input, 10), /model\.conv\[3\]\.kernel: kernel 5×5 is larger than the 3×3 input of this layer/);
  assert.throws(() => planLayers({ kind: 'layers', layers: [{ type: 'maxPool', size: 29 }] }, input, 10), /model\.layers\[0\]: pool 29×29 is larger than the 28×28 input/);
  assert.throws(() => planLayers({ kind: 'layers', layers: [{ type: 'dense', units: 8 }, { type: 'conv2d', filters: 4, kernel: 3 }] }, input, 10), /model\.layers\[1\]: conv2d needs an image input/);
});

test('the seed CNN has the parameter count of conv5x5x32-pool-conv5x5x64-pool-dense128-dense10', () => {
  const plan = planLayers({ kind: 'cnn', conv: [{ filters: 32, kernel: 5 }, { filters: 64, kernel: 5 }], dense: [128], dropoutKeep: 0.5 }, { height: 28, width: 28, channels: 1 }, 10);
  assert.deepEqual(plan.map((l) => l.spec.type), ['conv2d', 'maxPool', 'conv2d', 'maxPool', 'flatten', 'dense', 'dropout', 'output']);
  assert.deepEqual(plan[4].outShape, [7 * 7 * 64]);
  assert.equal(parameterCount(plan, { height: 28, width: 28, channels: 1 }), 832 + 51264 + 401536 + 1290);
});

test('the native packages are pinned to the version of @tensorflow/tfjs (they share its kernel registry)', () => {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8'));
  const tfjs = pkg.dependencies['@tensorflow/tfjs'];
  assert.match(tfjs, /^\d+\.\d+\.\d+$/, 'an exact version, not a range');
  assert.deepEqual(pkg.optionalDependencies, { '@tensorflow/tfjs-node': tfjs, '@tensorflow/tfjs-node-gpu': tfjs });
  assert.equal(pkg.dependencies['@tensorflow/tfjs-backend-wasm'], tfjs);
  assert.equal(tfjsNodeVersion, tfjs, 'the addon is built from the same tfjs-node version');
});
