// Mini-batches as tensors, made from the byte arrays on demand (a 60,000-image set stays 47 MB, not 188 MB).
import * as tf from '@tensorflow/tfjs';
import type { Split } from './datasets';

export interface Batch {
  xs: tf.Tensor4D;
  ys: tf.Tensor1D;
  /** Per-image loss weights, when the split has them. */
  ws?: tf.Tensor1D;
}

/** Training-time augmentation: each image shifted by up to `shift` pixels each way (zeros fill in), mirrored
 *  left–right with probability ½ when `flip` is set, cropped by up to `crop` of its height and width and scaled
 *  back (a zoom), its brightness scaled by up to ±`brightness`. Drawn from the run's seeded generator. */
export interface Augment {
  shift?: number;
  flip?: boolean;
  crop?: number;
  brightness?: number;
  random: () => number;
}

export interface Shape {
  height: number;
  width: number;
  channels?: number;
}

/** Images rows[from..to) as [n, h, w, c]: bytes scaled to 0..1, floats (features) as they are; labels as int32.
 *  Call inside tf.tidy. */
export function makeBatch(split: Split, shape: Shape, rows: ArrayLike<number>, from: number, to: number, augment?: Augment): Batch {
  const { height, width } = shape;
  const channels = shape.channels ?? 1;
  const n = to - from;
  const pixels = height * width * channels;
  const xs = new Float32Array(n * pixels);
  const ys = new Int32Array(n);
  const ws = split.weights ? new Float32Array(n) : undefined;
  const scale = split.images instanceof Float32Array ? 1 : 1 / 255;
  for (let i = 0; i < n; i++) {
    const r = rows[from + i];
    const src = split.images.subarray(r * pixels, (r + 1) * pixels);
    if (augment) augmentInto(xs, i * pixels, src, height, width, channels, augment);
    else for (let p = 0; p < pixels; p++) xs[i * pixels + p] = src[p] * scale;
    ys[i] = split.labels[r];
    if (ws) ws[i] = split.weights![r];
  }
  return { xs: tf.tensor4d(xs, [n, height, width, channels]), ys: tf.tensor1d(ys, 'int32'), ...(ws ? { ws: tf.tensor1d(ws) } : {}) };
}

export function identityRows(n: number): Int32Array {
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  return rows;
}

/** One augmented copy of an image (bytes stay bytes): for caches that hold k augmented copies. */
export function augmentedCopy(src: Uint8Array, shape: Shape, a: Augment): Uint8Array {
  const out = new Float32Array(src.length);
  augmentInto(out, 0, src, shape.height, shape.width, shape.channels ?? 1, a);
  return Uint8Array.from(out, (v) => Math.round(v * 255));
}

function augmentInto(out: Float32Array, at: number, src: Uint8Array | Float32Array, height: number, width: number, channels: number, a: Augment): void {
  const k = a.shift ?? 0;
  const dy = k ? Math.floor(a.random() * (2 * k + 1)) - k : 0;
  const dx = k ? Math.floor(a.random() * (2 * k + 1)) - k : 0;
  const flip = a.flip && a.random() < 0.5;
  // the crop box (the whole image when crop is off), then nearest-neighbour back to full size
  const ch = a.crop ? Math.max(1, Math.round(height * (1 - a.random() * a.crop))) : height;
  const cw = a.crop ? Math.max(1, Math.round(width * (1 - a.random() * a.crop))) : width;
  const y0 = a.crop ? Math.floor(a.random() * (height - ch + 1)) : 0;
  const x0 = a.crop ? Math.floor(a.random() * (width - cw + 1)) : 0;
  const gain = (a.brightness ? 1 + (2 * a.random() - 1) * a.brightness : 1) / 255;
  for (let y = 0; y < height; y++) {
    const sy = y - dy;
    for (let x = 0; x < width; x++) {
      const sx0 = x - dx;
      const sx = flip ? width - 1 - sx0 : sx0;
      const inside = sy >= 0 && sy < height && sx0 >= 0 && sx0 < width;
      const from = ((y0 + Math.floor((sy * ch) / height)) * width + x0 + Math.floor((sx * cw) / width)) * channels;
      for (let c = 0; c < channels; c++) out[at + (y * width + x) * channels + c] = inside ? Math.min(1, src[from + c] * gain) : 0;
    }
  }
}
