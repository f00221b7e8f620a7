import * as tf from '@tensorflow/tfjs';
import type { OptimizerSpec } from '../../protocol/experiment';

export function makeOptimizer(spec: OptimizerSpec): tf.Optimizer {
  const m = spec.momentum ?? 0.9;
  switch (spec.name) {
    case 'sgd':
      return tf.train.sgd(spec.learningRate);
    case 'momentum':
      return tf.train.momentum(spec.learningRate, m, false);
    case 'nesterov':
      return tf.train.momentum(spec.learningRate, m, true);
    case 'adam':
      return tf.train.adam(spec.learningRate);
  }
}
