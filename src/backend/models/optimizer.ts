// The optimizer of an experiment: TF.js's own for SGD and momentum, Adam over all variables at once (flatAdam.ts).
import * as tf from '@tensorflow/tfjs';
import type { OptimizerSpec } from '../../protocol/experiment';
import { FlatAdam, type TrainingOptimizer } from './flatAdam';

export function makeOptimizer(spec: OptimizerSpec): TrainingOptimizer {
  const m = spec.momentum ?? 0.9;
  switch (spec.name) {
    case 'sgd':
      return tf.train.sgd(spec.learningRate);
    case 'momentum':
      return tf.train.momentum(spec.learningRate, m, false);
    case 'nesterov':
      return tf.train.momentum(spec.learningRate, m, true);
    case 'adam':
      return new FlatAdam(spec.learningRate);
  }
}
