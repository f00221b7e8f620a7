// TF.js for in-process tests: the engine code's own wasm path set-up, so tests load what the backend loads.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { join } from 'node:path';
import { distDir } from '../../src/paths';

tf.enableProdMode();

export async function useBackend(name: 'wasm' | 'cpu'): Promise<void> {
  if (name === 'wasm') setWasmPaths(join(distDir(), 'wasm') + '/');
  if (!(await tf.setBackend(name))) throw new Error(`could not start the ${name} backend`);
}

/** max |a-b| over max |b|: the error relative to the reference's scale (element-wise ratios explode near 0). */
export function relativeError(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  if (x.length !== y.length) throw new Error(`shape mismatch: ${a.shape} vs ${b.shape}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    num = Math.max(num, Math.abs(x[i] - y[i]));
    den = Math.max(den, Math.abs(y[i]));
  }
  return den === 0 ? num : num / den;
}

export { tf };
