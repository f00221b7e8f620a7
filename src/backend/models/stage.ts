// What the training loop trains at a time: the data its batches come from, the forward pass, the variables — a
// plain model on its images, a fine-tune's head on cached features, or the base's top layers unfrozen.
import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/datasets';

export interface Stage {
  data: Dataset;
  forward(xs: tf.Tensor, training: boolean): tf.Tensor;
  variables(): tf.Variable[];
  /** Images per evaluation batch (large for vectors, small when a base runs on images). */
  evalBatch: number;
}

/** A plain model trained on its images. */
export function plainStage(model: tf.LayersModel, data: Dataset): Stage {
  return { data, forward: (xs, training) => model.apply(xs, { training }) as tf.Tensor, variables: () => model.trainableWeights.map((w) => w.read() as tf.Variable), evalBatch: 500 };
}
