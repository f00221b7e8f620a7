// The gradient probe during training: at the first step and every `every` steps, each weight layer's gradient
// magnitudes ride along with the step's one read of the loss and become a 'gradients' event.
import type * as tf from '@tensorflow/tfjs';
import { decodeStats, gradientStats, type ProbedLayer, probeEvery, weightLayers } from './gradientProbe';
import type { TrainState } from './trainState';

export class GradientHook {
  private readonly layers: ProbedLayer[];
  private readonly every: number | undefined;

  constructor(private readonly s: TrainState) {
    this.layers = weightLayers(s.prep.probeModel);
    this.every = probeEvery(s.experiment, this.layers.length);
  }

  /** Whether the step about to run (0-based count of steps done) is probed. */
  probesStep(done: number): boolean {
    return this.every !== undefined && (done === 0 || (done + 1) % this.every === 0);
  }

  /** The statistics to read with the step's loss (inside its tf.tidy). */
  stats(grads: tf.NamedTensorMap): tf.Tensor1D {
    return gradientStats(grads, this.layers);
  }

  emit(epoch: number, values: number[]): void {
    this.s.emit({ type: 'gradients', ...this.s.base, epoch, step: this.s.step, layers: decodeStats(values, this.layers) });
  }
}
