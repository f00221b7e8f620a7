// The planned layers as a TF.js layers model. The output layer gives logits: softmax is applied by the loss
// (softmax cross-entropy, stable) and by predictions.
import * as tf from '@tensorflow/tfjs';
import type { Initializer } from '../../protocol/experiment';
import { KeepDropout } from './keepDropout';
import { ResidualDense } from './residualDense';
import { type InputShape, type PlannedLayer } from './layerPlan';

type Init = ReturnType<typeof tf.initializers.glorotUniform>;

function initializer(kind: Initializer, seed: number): Init {
  switch (kind) {
    case 'normal-1':
      return tf.initializers.randomNormal({ mean: 0, stddev: 1, seed });
    case 'xavier':
      return tf.initializers.glorotUniform({ seed });
    case 'he':
      return tf.initializers.heNormal({ seed });
    case 'normal-0.01':
      return tf.initializers.randomNormal({ mean: 0, stddev: 0.01, seed });
  }
}

export interface BuiltModel {
  model: tf.LayersModel;
  /** Weights and biases of the dense layers: what the L2 penalty covers. */
  denseWeights: tf.LayerVariable[];
}

/** tf.layers' name for an activation; leaky ReLU is a layer of its own there, added after a linear one. */
function tfActivation(a: string | undefined): 'relu' | 'sigmoid' | 'tanh' | 'linear' | 'softmax' {
  return a === 'leaky-relu' ? 'linear' : ((a ?? 'relu') as 'relu');
}

export function buildModel(plan: PlannedLayer[], input: InputShape, options: { init: Initializer; seed: number; biasInit?: number }): BuiltModel {
  const model = tf.sequential();
  const denseWeights: tf.LayerVariable[] = [];
  const dense: tf.layers.Layer[] = [];
  plan.forEach((l, i) => {
    const first = i === 0 ? { inputShape: [input.height, input.width, input.channels] } : {};
    const kernelInitializer = initializer(options.init, options.seed * 1000 + i);
    const s = l.spec;
    let layer: tf.layers.Layer;
    switch (s.type) {
      case 'conv2d':
        layer = tf.layers.conv2d({ ...first, filters: s.filters, kernelSize: s.kernel, strides: s.stride ?? 1, padding: s.padding ?? 'same', activation: tfActivation(s.activation), kernelInitializer });
        if (s.activation === 'leaky-relu') {
          model.add(layer);
          layer = tf.layers.leakyReLU({ alpha: 0.01 });
        }
        break;
      case 'maxPool':
        layer = tf.layers.maxPooling2d({ ...first, poolSize: s.size, strides: s.size });
        break;
      case 'batchNorm':
        layer = tf.layers.batchNormalization({ ...first, axis: -1 });
        break;
      case 'activation':
        layer = s.activation === 'leaky-relu' ? tf.layers.leakyReLU({ ...first, alpha: 0.01 }) : tf.layers.activation({ ...first, activation: s.activation });
        break;
      case 'flatten':
        layer = tf.layers.flatten(first);
        break;
      case 'dense':
        layer = tf.layers.dense({
          ...first, units: s.units, activation: tfActivation(s.activation), kernelInitializer,
          biasInitializer: options.biasInit ? tf.initializers.constant({ value: options.biasInit }) : 'zeros',
        });
        dense.push(layer);
        if (s.activation === 'leaky-relu') {
          model.add(layer);
          layer = tf.layers.leakyReLU({ alpha: 0.01 });
        }
        break;
      case 'output':
        layer = tf.layers.dense({ ...first, units: s.units, activation: 'linear', kernelInitializer: initializer('xavier', options.seed * 1000 + i), name: 'logits' });
        dense.push(layer);
        break;
      case 'dropout':
        layer = new KeepDropout({ keep: s.keep, seed: options.seed * 1000 + i });
        break;
      case 'residualDense':
        if (s.activation === 'leaky-relu') throw new Error('residual layers support relu, sigmoid and tanh');
        layer = new ResidualDense({ units: s.units, activation: s.activation ?? 'relu', seed: options.seed * 1000 + i, init: options.init, biasInit: options.biasInit });
        dense.push(layer);
        break;
    }
    model.add(layer);
  });
  for (const layer of dense) denseWeights.push(...layer.trainableWeights);
  return { model, denseWeights };
}
