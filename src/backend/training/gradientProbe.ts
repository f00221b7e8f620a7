// Per-layer gradient magnitudes, from the very gradients the optimizer applies (no second backward pass): the
// L2 norm and mean |g| of each weight layer's kernel and bias gradient, and for ReLU layers the fraction of
// units dead for the whole batch — exactly those whose bias gradient is exactly 0.
import * as tf from '@tensorflow/tfjs';
import type { LayerGradient } from '../../protocol/runEvents';
import type { Experiment } from '../../protocol/experiment';

export interface ProbedLayer {
  name: string;
  activation: string;
  kernel: string;
  bias: string;
}

/** The layers with weights, input side first. */
export function weightLayers(model: tf.LayersModel): ProbedLayer[] {
  return model.layers.filter((l) => l.trainableWeights.length >= 2 && /kernel/.test(l.trainableWeights[0].name)).map((l) => {
    const config = l.getConfig() as { activation?: string };
    return { name: l.name, activation: config.activation ?? 'linear', kernel: (l.trainableWeights[0].read() as tf.Variable).name, bias: (l.trainableWeights[1].read() as tf.Variable).name };
  });
}

/** How often to probe: on by default for nets of up to 50 weight layers. */
export function probeEvery(experiment: Experiment, layers: number): number | undefined {
  const g = experiment.training.gradients;
  const enabled = g?.enabled ?? layers <= 50;
  return enabled ? g?.every ?? 10 : undefined;
}

const fieldsPerLayer = 5;

/** The statistics of every layer as one tensor (call inside tf.tidy; read it with the step's other numbers). */
export function gradientStats(grads: tf.NamedTensorMap, layers: ProbedLayer[]): tf.Tensor1D {
  return tf.concat(layers.map((l) => {
    const k = grads[l.kernel];
    const b = grads[l.bias];
    const dead = l.activation === 'relu' ? b.equal(0).toFloat().mean() : tf.scalar(-1);
    return tf.stack([k.square().sum().sqrt(), k.abs().mean(), b.square().sum().sqrt(), b.abs().mean(), dead]);
  })) as tf.Tensor1D;
}

export function decodeStats(values: ArrayLike<number>, layers: ProbedLayer[], offset = 0): LayerGradient[] {
  return layers.map((l, i) => {
    const v = (f: number) => values[offset + i * fieldsPerLayer + f];
    return {
      index: i + 1, name: l.name, activation: l.activation,
      weightNorm: v(0), weightMeanAbs: v(1), biasNorm: v(2), biasMeanAbs: v(3),
      ...(v(4) >= 0 ? { deadFraction: v(4) } : {}),
    };
  });
}
