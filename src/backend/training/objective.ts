// The training objective of a batch and the evaluation of a whole split, for whatever stage a run is in.
import * as tf from '@tensorflow/tfjs';
import { type Batch, identityRows, makeBatch } from '../data/batches';
import type { Split } from '../data/datasets';
import type { Stage } from '../models/stage';

/** What the loss needs beyond the stage: the classes, and the L2 penalty λ·½Σw² over the dense weights. */
export interface Objective {
  data: { classNames: string[] };
  l2: number;
  denseWeights: tf.LayerVariable[];
}

export function l2Sum(weights: tf.LayerVariable[]): tf.Scalar {
  return tf.addN(weights.map((w) => tf.sum(tf.square(w.read())))).mul(0.5) as tf.Scalar;
}

/** The training objective of one batch: softmax cross-entropy, plus λ·½Σw² on the dense layers. */
export function batchLoss(prep: Objective, stage: Stage, batch: Batch, onLogits?: (logits: tf.Tensor) => void): tf.Scalar {
  const logits = stage.forward(batch.xs, true);
  onLogits?.(logits);
  const oneHot = tf.oneHot(batch.ys, prep.data.classNames.length);
  // weighted images (pseudo-labels): Σ wᵢ·CEᵢ / n, so the labeled images weigh as they do without them
  const ce = batch.ws
    ? tf.losses.softmaxCrossEntropy(oneHot, logits, undefined, undefined, tf.Reduction.NONE).mul(batch.ws).mean()
    : tf.losses.softmaxCrossEntropy(oneHot, logits);
  const lambda = prep.l2;
  return (lambda > 0 ? ce.add(l2Sum(prep.denseWeights).mul(lambda)) : ce) as tf.Scalar;
}

export interface Evaluation {
  loss: number;
  accuracy: number;
  predicted: Int32Array;
  /** count × classes softmax probabilities. */
  probabilities: Float32Array;
}

/** Loss, accuracy, predictions over a whole split, in batches, without training behaviour (dropout off). */
export function evaluate(stage: Stage, split: Split): Evaluation {
  const classes = stage.data.classNames.length;
  const rows = identityRows(split.count);
  const predicted = new Int32Array(split.count);
  const probabilities = new Float32Array(split.count * classes);
  let lossSum = 0;
  let correct = 0;
  for (let from = 0; from < split.count; from += stage.evalBatch) {
    const to = Math.min(split.count, from + stage.evalBatch);
    const [l, p, probs] = tf.tidy(() => {
      const { xs, ys } = makeBatch(split, stage.data, rows, from, to);
      const logits = stage.forward(xs, false) as tf.Tensor2D;
      const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(ys, classes), logits, undefined, undefined, tf.Reduction.SUM);
      return [loss.dataSync()[0], logits.argMax(1).dataSync() as Int32Array, tf.softmax(logits).dataSync() as Float32Array];
    });
    lossSum += l;
    predicted.set(p, from);
    probabilities.set(probs, from * classes);
  }
  for (let i = 0; i < split.count; i++) if (predicted[i] === split.labels[i]) correct++;
  return { loss: lossSum / Math.max(1, split.count), accuracy: correct / Math.max(1, split.count), predicted, probabilities };
}
