// Dropout with a keep probability and reproducible masks. tf.layers.dropout with a fixed seed draws the same mask
// at every step, and without one it is not reproducible; this layer derives a new seed for every training call.
import * as tf from '@tensorflow/tfjs';

export interface KeepDropoutArgs {
  keep: number;
  seed: number;
  name?: string;
}

export class KeepDropout extends tf.layers.Layer {
  static className = 'GradientLabKeepDropout';
  readonly keep: number;
  readonly seed: number;
  private calls = 0;

  constructor(args: KeepDropoutArgs) {
    super({ name: args.name });
    this.keep = args.keep;
    this.seed = args.seed;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.keep >= 1) return x;
    const seed = this.seed * 1_000_003 + this.calls++;
    return tf.tidy(() => x.mul(tf.randomUniform(x.shape, 0, 1, 'float32', seed).less(this.keep).toFloat()).div(this.keep));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), keep: this.keep, seed: this.seed };
  }
}
tf.serialization.registerClass(KeepDropout);
