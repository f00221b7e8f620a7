// Milliseconds of single ops on wasm at the seed CNN's shapes (batch 64), to choose kernel replacements.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { join } from 'node:path';
import { distDir } from '../src/paths';

function time(name: string, f: () => tf.Tensor, reps = 5): void {
  tf.tidy(() => void f().dataSync());
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) tf.tidy(() => void f().dataSync());
  console.log(`${name.padEnd(48)} ${((performance.now() - t0) / reps).toFixed(1).padStart(7)} ms`);
}

async function main() {
  tf.enableProdMode();
  setWasmPaths(join(distDir(), 'wasm') + '/');
  await tf.setBackend(process.argv.includes('--cpu') ? 'cpu' : 'wasm');
  const x2 = tf.randomNormal([64, 14, 14, 32]) as tf.Tensor4D;
  const f2 = tf.randomNormal([5, 5, 32, 64]) as tf.Tensor4D;
  const x1 = tf.randomNormal([64, 28, 28, 1]) as tf.Tensor4D;
  const f1 = tf.randomNormal([5, 5, 1, 32]) as tf.Tensor4D;
  const a = tf.randomNormal([64, 3136]) as tf.Tensor2D;
  const w = tf.randomNormal([3136, 128]) as tf.Tensor2D;
  const dy = tf.randomNormal([64, 128]) as tf.Tensor2D;
  time('conv1 forward 64x28x28x1 * 5x5x1x32', () => tf.conv2d(x1, f1, 1, 'same'));
  time('conv2 forward 64x14x14x32 * 5x5x32x64', () => tf.conv2d(x2, f2, 1, 'same'));
  time('matmul 64x3136 * 3136x128', () => tf.matMul(a, w));
  time('matmul transposeA (dW = a^T dy)', () => tf.matMul(a, dy, true, false));
  time('transpose + matmul (dW)', () => tf.matMul(a.transpose(), dy));
  time('matmul transposeB (dx = dy W^T)', () => tf.matMul(dy, w, false, true));
  time('transpose + matmul (dx)', () => tf.matMul(dy, w.transpose()));
  const p = tf.randomNormal([64, 28, 28, 32]) as tf.Tensor4D;
  const pdy = tf.randomNormal([64, 14, 14, 32]) as tf.Tensor4D;
  time('maxPool 2x2 on 64x28x28x32', () => tf.maxPool(p, 2, 2, 'valid'));
  time('maxPoolGrad (own kernel)', () => tf.grad((x: tf.Tensor) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid').mul(pdy).sum())(p));
  time('maxPoolGrad as argMax one-hot', () => {
    const [n, h, ww, c] = p.shape;
    const win = p.reshape([n, h / 2, 2, ww / 2, 2, c]).transpose([0, 1, 3, 5, 2, 4]).reshape([n, h / 2, ww / 2, c, 4]);
    const mask = tf.oneHot(win.argMax(-1), 4);
    return mask.mul(pdy.expandDims(-1)).reshape([n, h / 2, ww / 2, c, 2, 2]).transpose([0, 1, 4, 2, 5, 3]).reshape([n, h, ww, c]);
  });
}
void main();

