// Where a training step of the seed CNN spends its time, per kernel (wasm unless --cpu, or --native: TensorFlow).
// node dist/bench/profileStep.js [--cpu | --native] [--mlp] [--own-input-grad]
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { join } from 'node:path';
import { loadEngine } from '../src/backend/engines/engineLoad';
import { patchKernels } from '../src/backend/engines/kernelPatches';
import { buildModel } from '../src/backend/models/buildModel';
import { planLayers } from '../src/backend/models/layerPlan';
import { FlatAdam, type TrainingOptimizer } from '../src/backend/models/flatAdam';
import { distDir } from '../src/paths';
import type { ModelSpec } from '../src/protocol/experiment';

async function main() {
  tf.enableProdMode();
  const backend = process.argv.includes('--native') ? 'tensorflow' : process.argv.includes('--cpu') ? 'cpu' : 'wasm';
  if (backend === 'tensorflow') {
    await loadEngine({ forced: 'cpu', forcedBy: '--native' }); // the engine's own set-up, its patches included
    const extra = process.argv.find((a) => a.startsWith('--patch='))?.slice('--patch='.length);
    if (extra) patchKernels('tensorflow', extra.split(',')); // try a wasm replacement on TensorFlow
  } else {
    setWasmPaths(join(distDir(), 'wasm') + '/');
    await tf.setBackend(backend);
    patchKernels(backend, process.argv.includes('--own-input-grad') ? ['Conv2DBackpropFilter'] : undefined);
  }
  const input = { height: 28, width: 28, channels: 1 };
  const spec: ModelSpec = process.argv.includes('--mlp') ? { kind: 'mlp', dense: [256] } : { kind: 'cnn', conv: [{ filters: 32, kernel: 5 }, { filters: 64, kernel: 5 }], dense: [128], dropoutKeep: 0.5 };
  const plan = planLayers(spec, input, 10);
  const { model } = buildModel(plan, input, { init: 'he', seed: 1 });
  const opt: TrainingOptimizer = process.argv.includes('--tfjs-adam') ? tf.train.adam(0.001) : new FlatAdam(0.001);
  const xs = tf.randomUniform([64, 28, 28, 1]);
  const ys = tf.oneHot(tf.randomUniform([64], 0, 10, 'int32') as tf.Tensor1D, 10);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const step = () => tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar, vars);
    opt.applyGradients(grads);
    return value.dataSync()[0];
  });
  step();
  const t0 = performance.now();
  const n = process.argv.includes('--mlp') ? 100 : 5;
  for (let i = 0; i < n; i++) step();
  const ms = (performance.now() - t0) / n;
  console.log(`${backend}: ${ms.toFixed(1)} ms/step = ${((64 * 1000) / ms).toFixed(0)} samples/s`);
  const profile = await tf.profile(() => void step());
  const byKernel = new Map<string, number>();
  for (const k of profile.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  const total = [...byKernel.values()].reduce((a, b) => a + b, 0);
  console.log(`${profile.kernels.length} kernels per step, ${total.toFixed(1)} ms in kernels`);
  for (const [name, t] of [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log(`${name.padEnd(28)} ${t.toFixed(1).padStart(7)} ms ${((100 * t) / total).toFixed(0).padStart(3)}%`);
}
void main();
