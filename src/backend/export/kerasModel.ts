// An experiment's planned layers as Keras 3 code, layer for layer as buildModel.ts makes them in TF.js: the same
// shapes, activations, initializer schemes and seeds, dropout as 1 − keep, and Gradient Lab's λ·½Σw² on the
// dense weights and biases as Keras' L2(λ/2). What has no exact Keras counterpart is refused with the reason.
import type { Experiment, Initializer } from '../../protocol/experiment';
import { ExperimentError, type Problem } from '../../experiment/validate';
import type { PlannedLayer } from '../models/layerPlan';

const py = (v: unknown) => JSON.stringify(v).replace(/^true$/, 'True').replace(/^false$/, 'False');

function initializer(kind: Initializer, seed: number): string {
  switch (kind) {
    case 'he': return `keras.initializers.HeNormal(seed=${seed})`;
    case 'xavier': return `keras.initializers.GlorotUniform(seed=${seed})`;
    case 'normal-1': return `keras.initializers.RandomNormal(0.0, 1.0, seed=${seed})`;
    case 'normal-0.01': return `keras.initializers.RandomNormal(0.0, 0.01, seed=${seed})`;
  }
}

/** Keras' name for an activation; leaky ReLU is a layer after a linear one, as in TF.js. */
const activation = (a: string | undefined) => (a === 'leaky-relu' ? 'linear' : a ?? 'relu');
const leaky = 'keras.layers.LeakyReLU(negative_slope=0.01)';

/** The lines inside keras.Sequential([...]) for a planned model with this input. */
export function kerasLayers(plan: PlannedLayer[], input: [number, number, number], experiment: Experiment): string[] {
  const seed = experiment.seed ?? 1;
  const init = experiment.model?.init ?? 'he';
  const lambda = experiment.model?.l2 ?? 0;
  const regularized = lambda > 0 ? `, kernel_regularizer=l2(${lambda / 2}), bias_regularizer=l2(${lambda / 2})` : '';
  const bias = experiment.model?.biasInit ? `, bias_initializer=keras.initializers.Constant(${experiment.model.biasInit})` : '';
  const lines = [`keras.Input(shape=(${input.join(', ')})),`];
  plan.forEach((l, i) => {
    const s = l.spec;
    const kernel = `kernel_initializer=${initializer(init, seed * 1000 + i)}`;
    switch (s.type) {
      case 'conv2d':
        lines.push(`keras.layers.Conv2D(${s.filters}, ${s.kernel}, strides=${s.stride ?? 1}, padding=${py(s.padding ?? 'same')}, activation=${py(activation(s.activation))}, ${kernel}),`);
        if (s.activation === 'leaky-relu') lines.push(`${leaky},`);
        break;
      case 'maxPool': lines.push(`keras.layers.MaxPooling2D(${s.size}, strides=${s.size}),`); break;
      case 'batchNorm': lines.push('keras.layers.BatchNormalization(axis=-1, momentum=0.99, epsilon=1e-3),'); break;
      case 'activation': lines.push(s.activation === 'leaky-relu' ? `${leaky},` : `keras.layers.Activation(${py(s.activation)}),`); break;
      case 'flatten': lines.push('keras.layers.Flatten(),'); break;
      case 'dense':
        lines.push(`keras.layers.Dense(${s.units}, activation=${py(activation(s.activation))}, ${kernel}${bias}${regularized}),`);
        if (s.activation === 'leaky-relu') lines.push(`${leaky},`);
        break;
      case 'output':
        lines.push(`keras.layers.Dense(${s.units}, kernel_initializer=${initializer('xavier', seed * 1000 + i)}${regularized}, name="logits"),  # logits: softmax is in the loss`);
        break;
      case 'dropout': lines.push(`keras.layers.Dropout(${Number((1 - s.keep).toPrecision(12))}, seed=${seed * 1000 + i}),  # keep ${s.keep}`); break;
      case 'residualDense':
        throw new ExperimentError([{ path: l.from.join('.'), message: 'residual layers are Gradient Lab\'s own layer (x + h(Wx + b)); the Keras export does not write custom layers yet' }]);
    }
  });
  return lines;
}

/** What the Keras export cannot reproduce exactly: each refused with where it is set and why. */
export function unexportable(experiment: Experiment): Problem[] {
  const problems: Problem[] = [];
  if (experiment.semiSupervised) problems.push({ path: 'semiSupervised', message: 'pseudo-labelling rounds are not exported yet' });
  const a = experiment.training.augment;
  if (a && (a.shift || a.flip || a.crop || a.brightness)) problems.push({ path: 'training.augment', message: 'Gradient Lab\'s augmentation draws from its own generator; the export does not reproduce it yet' });
  return problems;
}

/** What the script leaves out on purpose, said when exporting (nothing that changes what is trained). */
export function exportNotes(experiment: Experiment): string[] {
  const notes: string[] = [];
  if (experiment.training.saveModel) notes.push('training.saveModel (a TF.js model folder) is not written; save the Keras model with model.save(...)');
  if (experiment.training.checkpointEvery) notes.push('checkpoints are written each epoch (training.checkpointEvery is per step in Gradient Lab)');
  if (experiment.training.gradients?.enabled !== false) notes.push('the per-layer gradient probe is not part of the script (its runs have no gradient panel)');
  if (experiment.engine && experiment.engine !== 'auto') notes.push(`"engine": ${experiment.engine} does not apply: Keras runs on TensorFlow's CPU or GPU devices`);
  return notes;
}
