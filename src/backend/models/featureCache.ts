// The frozen base's outputs for every image, computed once and kept on disk: the head then trains on vectors,
// and the base (nearly all of the compute) never runs again for the same images. Keyed by the base's bytes, cut,
// input size and scaling, and by the images (their files' sizes and times for image folders, and the decoded
// pixels), so any change makes a new entry instead of stale features.
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { augmentedCopy, type Augment, identityRows, makeBatch, type Shape } from '../data/batches';
import type { Dataset, Split } from '../data/datasets';
import type { LoadedBase } from './pretrained';

const splitKeys = ['train', 'validation', 'test'] as const;

/** Training images plus `copies` augmented copies of each (drawn once, here, from the seeded generator). */
export function withAugmentedCopies(split: Split, shape: Shape, copies: number, augment: Augment): Split {
  if (!copies) return split;
  const pixels = shape.height * shape.width * (shape.channels ?? 1);
  const n = split.count * (copies + 1);
  const images = new Uint8Array(n * pixels);
  images.set(split.images as Uint8Array);
  const labels = new Uint8Array(n);
  const files: string[] = [];
  for (let k = 0; k <= copies; k++) {
    labels.set(split.labels, k * split.count);
    if (split.files) files.push(...(k ? split.files.map((f) => `${f}#copy${k}`) : split.files));
  }
  for (let k = 1; k <= copies; k++) {
    for (let i = 0; i < split.count; i++) {
      const src = (split.images as Uint8Array).subarray(i * pixels, (i + 1) * pixels);
      images.set(augmentedCopy(src, shape, augment), (k * split.count + i) * pixels);
    }
  }
  return { images, labels, count: n, ...(split.files ? { files } : {}) };
}

export function cacheKey(base: LoadedBase, data: Dataset, extra: object): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ base: base.fingerprint, extra, height: data.height, width: data.width, channels: data.channels ?? 1 }));
  for (const s of splitKeys) {
    hash.update(`${s}:${data[s].count}`);
    hash.update(data[s].images);
    hash.update(data[s].labels);
  }
  return hash.digest('hex').slice(0, 24);
}

/** Thrown when the run is cancelled while the base computes features (nothing is cached then). */
export class FeaturesCancelled extends Error {}

async function featuresOf(base: LoadedBase, split: Split, shape: Shape, onImages: (n: number) => void, isCancelled: () => boolean): Promise<Float32Array> {
  const out = new Float32Array(split.count * base.featureDim);
  const rows = identityRows(split.count);
  for (let from = 0; from < split.count; from += 32) {
    if (isCancelled()) throw new FeaturesCancelled();
    const to = Math.min(split.count, from + 32);
    const f = tf.tidy(() => base.features(makeBatch(split, shape, rows, from, to).xs).dataSync() as Float32Array);
    out.set(f, from * base.featureDim);
    onImages(to - from);
    await new Promise((r) => setImmediate(r)); // progress reaches the editor, a cancel request gets in
  }
  return out;
}

export interface CachedFeatures {
  data: Dataset;
  hit: boolean;
  folder?: string;
  seconds: number;
}

/** The dataset as features: [1, 1, dim] "images" of floats, the labels and file names unchanged. */
export async function baseFeatures(base: LoadedBase, data: Dataset, options: { cacheDir?: string; key: string; onImages?: (done: number, total: number) => void; isCancelled?: () => boolean }): Promise<CachedFeatures> {
  const t0 = performance.now();
  const folder = options.cacheDir ? join(options.cacheDir, options.key) : undefined;
  const asDataset = (arrays: Record<(typeof splitKeys)[number], Float32Array>): Dataset => ({
    ...data, height: 1, width: 1, channels: base.featureDim,
    ...Object.fromEntries(splitKeys.map((s) => [s, { ...data[s], images: arrays[s] }])),
  });
  if (folder && existsSync(join(folder, 'meta.json'))) {
    try {
      const meta = JSON.parse(readFileSync(join(folder, 'meta.json'), 'utf8')) as { dim: number; counts: Record<string, number> };
      const arrays = Object.fromEntries(splitKeys.map((s) => {
        const bytes = readFileSync(join(folder, `${s}.f32`));
        const a = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        if (meta.dim !== base.featureDim || a.length !== data[s].count * base.featureDim) throw new Error('size mismatch');
        return [s, a];
      })) as Record<(typeof splitKeys)[number], Float32Array>;
      return { data: asDataset(arrays), hit: true, folder, seconds: (performance.now() - t0) / 1000 };
    } catch {
      rmSync(folder, { recursive: true, force: true }); // damaged: compute again
    }
  }
  const total = splitKeys.reduce((n, s) => n + data[s].count, 0);
  let done = 0;
  const arrays = {} as Record<(typeof splitKeys)[number], Float32Array>;
  for (const s of splitKeys) arrays[s] = await featuresOf(base, data[s], data, (n) => options.onImages?.((done += n), total), options.isCancelled ?? (() => false));
  if (folder) {
    const tmp = `${folder}.tmp-${process.pid}`;
    mkdirSync(tmp, { recursive: true });
    for (const s of splitKeys) writeFileSync(join(tmp, `${s}.f32`), new Uint8Array(arrays[s].buffer, arrays[s].byteOffset, arrays[s].byteLength));
    writeFileSync(join(tmp, 'meta.json'), JSON.stringify({ dim: base.featureDim, counts: Object.fromEntries(splitKeys.map((s) => [s, data[s].count])), base: base.file, cutAt: base.cutAt, input: base.input, created: new Date().toISOString() }, null, 2));
    rmSync(folder, { recursive: true, force: true });
    renameSync(tmp, folder);
  }
  return { data: asDataset(arrays), hit: false, folder, seconds: (performance.now() - t0) / 1000 };
}
