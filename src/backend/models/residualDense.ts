// A residual dense layer, x + h(x·W + b): the skip path carries the gradient past h' and W, which is why deep
// residual stacks train where plain ones vanish. Its weights are named kernel and bias like a dense layer's, so
// the gradient probe and checkpoints treat it the same.
import * as tf from '@tensorflow/tfjs';

export interface ResidualDenseArgs {
  units: number;
  activation: 'relu' | 'sigmoid' | 'tanh' | 'linear';
  seed: number;
  init: 'xavier' | 'he' | 'normal-0.01' | 'normal-1';
  biasInit?: number;
  name?: string;
}

export class ResidualDense extends tf.layers.Layer {
  static className = 'GradientLabResidualDense';
  private kernel!: tf.LayerVariable;
  private bias!: tf.LayerVariable;

  constructor(readonly args: ResidualDenseArgs) {
    super({ name: args.name });
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const fanIn = shape[shape.length - 1]!;
    if (fanIn !== this.args.units) throw new Error(`a residual layer needs its input width (${fanIn}) to equal its units (${this.args.units})`);
    const { init, seed } = this.args;
    const initializer = init === 'he' ? tf.initializers.heNormal({ seed }) : init === 'normal-0.01' ? tf.initializers.randomNormal({ mean: 0, stddev: 0.01, seed })
      : init === 'normal-1' ? tf.initializers.randomNormal({ mean: 0, stddev: 1, seed }) : tf.initializers.glorotUniform({ seed });
    this.kernel = this.addWeight('kernel', [fanIn, this.args.units], 'float32', initializer);
    this.bias = this.addWeight('bias', [this.args.units], 'float32', tf.initializers.constant({ value: this.args.biasInit ?? 0 }));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
    return tf.tidy(() => {
      const a = tf.matMul(x, this.kernel.read() as tf.Tensor2D).add(this.bias.read());
      const h = this.args.activation === 'relu' ? a.relu() : this.args.activation === 'sigmoid' ? a.sigmoid() : this.args.activation === 'tanh' ? a.tanh() : a;
      return x.add(h);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.args } as unknown as tf.serialization.ConfigDict;
  }

  static override fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new cls(config as never);
  }
}
tf.serialization.registerClass(ResidualDense);
