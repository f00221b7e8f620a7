// "Probe gradients without training": build the experiment's net, take one training batch, and report the
// per-layer gradient magnitudes the trainer's probe would report at its first step.
import * as tf from '@tensorflow/tfjs';
import type { GradientProfile } from '../../protocol/runEvents';
import { makeBatch } from '../data/batches';
import { rng, shuffled } from '../data/random';
import { ExperimentError } from '../../experiment/validate';
import { decodeStats, gradientStats, weightLayers } from '../training/gradientProbe';
import { batchLoss } from '../training/objective';
import { prepare, type StartParams } from './prepare';

export async function gradientProfile(params: StartParams): Promise<GradientProfile> {
  const prep = await prepare(params);
  const { data, model, experiment } = prep;
  try {
    if (prep.fineTune) throw new ExperimentError([{ path: 'base', message: 'the gradient probe without training needs a "model"; a fine-tune\'s head is probed while it trains' }], params.experimentPath);
    const layers = weightLayers(model);
    const order = shuffled(data.train.count, rng(experiment.seed ?? 1));
    const batchSize = Math.min(experiment.training.batchSize, data.train.count);
    const values = tf.tidy(() => {
      const batch = makeBatch(data.train, data, order, 0, batchSize);
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(() => batchLoss(prep, prep.stage!, batch), variables);
      return tf.concat([value.reshape([1]), gradientStats(grads, layers)]).dataSync();
    });
    return { engine: prep.engine.engine, batchSize, loss: values[0], layers: decodeStats(values, layers, 1) };
  } finally {
    prep.dispose();
  }
}
