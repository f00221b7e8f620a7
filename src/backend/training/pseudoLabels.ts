// Semi-supervised training by pseudo-labels: a stratified labeled subset, then rounds that label the unlabeled
// images the model is sure of. The unlabeled images' true labels are never trained on; they are only counted, to
// report how many pseudo-labels were right.
import * as tf from '@tensorflow/tfjs';
import type { SemiSupervisedSpec } from '../../protocol/experiment';
import { identityRows, makeBatch, type Shape } from '../data/batches';
import { DataError } from '../data/idxReader';
import { type Split, subset } from '../data/datasets';

export const semiDefaults = { threshold: 0.95, rounds: 3, epochsPerRound: 1, maxWeight: 1 };

/** The first rows of each class, in file order, in proportion to the class sizes (largest remainders), n in all. */
export function stratifiedRows(labels: Uint8Array, n: number, classes: number): { labeled: number[]; unlabeled: number[] } {
  if (n > labels.length) throw new DataError(`semiSupervised.labeled is ${n}, but the training set has only ${labels.length} images`);
  const counts = new Array<number>(classes).fill(0);
  for (const l of labels) counts[l]++;
  const exact = counts.map((c) => (n * c) / labels.length);
  const quota = exact.map(Math.floor);
  const byRemainder = exact.map((e, c) => [e - Math.floor(e), c]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; quota.reduce((a, b) => a + b, 0) < n; k++) quota[byRemainder[k][1]]++;
  const labeled: number[] = [];
  const unlabeled: number[] = [];
  labels.forEach((l, i) => (quota[l]-- > 0 ? labeled : unlabeled).push(i));
  return { labeled, unlabeled };
}

export function splitLabeled(train: Split, spec: SemiSupervisedSpec, classes: number, pixels: number): { labeled: Split; unlabeled: Split } {
  const { labeled, unlabeled } = stratifiedRows(train.labels, spec.labeled, classes);
  const images = train.images as Uint8Array; // semi-supervised runs hold images, not features
  return { labeled: subset(images, train.labels, pixels, labeled), unlabeled: subset(images, train.labels, pixels, unlabeled) };
}

export interface PseudoLabelRound {
  /** The labeled images plus the confident unlabeled ones, with their weights. */
  train: Split;
  pseudoLabels: number;
  /** How many of the pseudo-labels match the hidden true labels (reported, never trained on). */
  pseudoCorrect: number;
}

/** Predict the unlabeled images (no dropout) and keep those whose top probability reaches the threshold. */
export function pseudoLabelRound(model: tf.LayersModel, labeled: Split, unlabeled: Split, shape: Shape, threshold: number, weight: number): PseudoLabelRound {
  const picked: number[] = [];
  const guesses: number[] = [];
  const rows = identityRows(unlabeled.count);
  for (let from = 0; from < unlabeled.count; from += 500) {
    const to = Math.min(unlabeled.count, from + 500);
    const [p, c] = tf.tidy(() => {
      const probs = tf.softmax(model.apply(makeBatch(unlabeled, shape, rows, from, to).xs, { training: false }) as tf.Tensor2D);
      return [probs.max(1).dataSync(), probs.argMax(1).dataSync()];
    });
    for (let i = 0; i < to - from; i++) {
      if (p[i] >= threshold) {
        picked.push(from + i);
        guesses.push(c[i]);
      }
    }
  }
  const pixels = shape.height * shape.width * (shape.channels ?? 1);
  const n = labeled.count + picked.length;
  const images = new Uint8Array(n * pixels); // semi-supervised runs train on images (bytes), never on features
  images.set(labeled.images.subarray(0, labeled.count * pixels));
  const labels = new Uint8Array(n);
  labels.set(labeled.labels.subarray(0, labeled.count));
  const weights = new Float32Array(n).fill(1);
  let pseudoCorrect = 0;
  picked.forEach((r, k) => {
    const at = labeled.count + k;
    images.set(unlabeled.images.subarray(r * pixels, (r + 1) * pixels), at * pixels);
    labels[at] = guesses[k];
    weights[at] = weight;
    if (guesses[k] === unlabeled.labels[r]) pseudoCorrect++;
  });
  return { train: { images, labels, count: n, weights }, pseudoLabels: picked.length, pseudoCorrect };
}
