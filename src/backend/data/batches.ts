// Mini-batches as tensors, made from the byte arrays on demand (a 60,000-image set stays 47 MB, not 188 MB).
import * as tf from '@tensorflow/tfjs';
import type { Split } from './datasets';

/** Deterministic PRNG (mulberry32): shuffles are the same for the same seed on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled(n: number, random: () => number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

export interface Batch {
  xs: tf.Tensor4D;
  ys: tf.Tensor1D;
  /** Per-image loss weights, when the split has them. */
  ws?: tf.Tensor1D;
}

/** Training-time augmentation: each image shifted by up to `shift` pixels each way (zeros fill in), and mirrored
 *  left–right with probability ½ when `flip` is set. Drawn from the run's seeded generator. */
export interface Augment {
  shift?: number;
  flip?: boolean;
  random: () => number;
}

/** Images rows[from..to) scaled to 0..1, shape [n, h, w, 1]; labels as int32. Call inside tf.tidy. */
export function makeBatch(split: Split, height: number, width: number, rows: ArrayLike<number>, from: number, to: number, augment?: Augment): Batch {
  const n = to - from;
  const pixels = height * width;
  const xs = new Float32Array(n * pixels);
  const ys = new Int32Array(n);
  const ws = split.weights ? new Float32Array(n) : undefined;
  for (let i = 0; i < n; i++) {
    const r = rows[from + i];
    const src = split.images.subarray(r * pixels, (r + 1) * pixels);
    if (augment) augmentInto(xs, i * pixels, src, height, width, augment);
    else for (let p = 0; p < pixels; p++) xs[i * pixels + p] = src[p] / 255;
    ys[i] = split.labels[r];
    if (ws) ws[i] = split.weights![r];
  }
  return { xs: tf.tensor4d(xs, [n, height, width, 1]), ys: tf.tensor1d(ys, 'int32'), ...(ws ? { ws: tf.tensor1d(ws) } : {}) };
}

export function identityRows(n: number): Int32Array {
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  return rows;
}

function augmentInto(out: Float32Array, at: number, src: Uint8Array, height: number, width: number, a: Augment): void {
  const k = a.shift ?? 0;
  const dy = k ? Math.floor(a.random() * (2 * k + 1)) - k : 0;
  const dx = k ? Math.floor(a.random() * (2 * k + 1)) - k : 0;
  const flip = a.flip && a.random() < 0.5;
  for (let y = 0; y < height; y++) {
    const sy = y - dy;
    for (let x = 0; x < width; x++) {
      const sx0 = x - dx;
      const sx = flip ? width - 1 - sx0 : sx0;
      out[at + y * width + x] = sy >= 0 && sy < height && sx0 >= 0 && sx0 < width ? src[sy * width + sx] / 255 : 0;
    }
  }
}
