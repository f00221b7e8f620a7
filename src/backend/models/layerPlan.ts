// Every model kind becomes one list of layers with its output shape, checked against the data before any
// TF.js code runs, so an impossible shape is reported with the JSON path of the setting that causes it.
import type { Activation, LayerSpec, ModelSpec } from '../../protocol/experiment';
import { dotted, ExperimentError, type Problem } from '../../experiment/validate';

export type PlannedSpec = LayerSpec | { type: 'activation'; activation: Activation } | { type: 'output'; units: number };

export interface PlannedLayer {
  spec: PlannedSpec;
  /** The experiment setting this layer comes from, for messages. */
  from: (string | number)[];
  outShape: number[];
}

export interface InputShape {
  height: number;
  width: number;
  channels: number;
}

function expand(model: ModelSpec): { spec: PlannedSpec; from: (string | number)[] }[] {
  const act = model.activation ?? 'relu';
  const out: { spec: PlannedSpec; from: (string | number)[] }[] = [];
  if (model.kind === 'layers') {
    model.layers!.forEach((spec, i) => out.push({ spec, from: ['model', 'layers', i] }));
    return out;
  }
  if (model.kind === 'deep-mlp') {
    out.push({ spec: { type: 'flatten' }, from: ['model'] });
    for (let i = 0; i < model.depth!; i++) {
      // dense → (batch norm → activation); without batch norm the activation is the dense layer's own
      if (model.batchNorm) {
        out.push({ spec: { type: 'dense', units: model.width!, activation: 'linear' }, from: ['model', 'depth'] });
        out.push({ spec: { type: 'batchNorm' }, from: ['model', 'batchNorm'] });
        out.push({ spec: { type: 'activation', activation: act }, from: ['model', 'activation'] });
      } else if (model.residual && i > 0) {
        out.push({ spec: { type: 'residualDense', units: model.width!, activation: act }, from: ['model', 'residual'] });
      } else out.push({ spec: { type: 'dense', units: model.width!, activation: act }, from: ['model', 'depth'] });
    }
    if ((model.dropoutKeep ?? 1) < 1) out.push({ spec: { type: 'dropout', keep: model.dropoutKeep! }, from: ['model', 'dropoutKeep'] });
    return out;
  }
  if (model.kind === 'cnn') {
    model.conv!.forEach((c, i) => {
      const from = ['model', 'conv', i];
      // conv → (batch norm) → activation → max-pool
      out.push({ spec: { type: 'conv2d', filters: c.filters, kernel: c.kernel, padding: 'same', activation: c.batchNorm ? 'linear' : act }, from: [...from, 'kernel'] });
      if (c.batchNorm) {
        out.push({ spec: { type: 'batchNorm' }, from: [...from, 'batchNorm'] });
        out.push({ spec: { type: 'activation', activation: act }, from });
      }
      if ((c.pool ?? 2) > 1) out.push({ spec: { type: 'maxPool', size: c.pool ?? 2 }, from: [...from, 'pool'] });
    });
  }
  out.push({ spec: { type: 'flatten' }, from: ['model'] });
  (model.dense ?? []).forEach((units, i) => out.push({ spec: { type: 'dense', units, activation: act }, from: ['model', 'dense', i] }));
  if ((model.dropoutKeep ?? 1) < 1) out.push({ spec: { type: 'dropout', keep: model.dropoutKeep! }, from: ['model', 'dropoutKeep'] });
  return out;
}

/** The layers of the model, ending in the output layer (logits; softmax is applied by the loss and predictions). */
export function planLayers(model: ModelSpec, input: InputShape, numClasses: number): PlannedLayer[] {
  const problems: Problem[] = [];
  let shape = [input.height, input.width, input.channels];
  const plan: PlannedLayer[] = [];
  const add = (spec: PlannedSpec, from: (string | number)[]) => plan.push({ spec, from, outShape: (shape = nextShape(spec, shape, from, problems) ?? shape) });
  for (const { spec, from } of expand(model)) {
    if (spec.type === 'dense' && shape.length === 3) add({ type: 'flatten' }, from);
    add(spec, from);
  }
  if (shape.length === 3) add({ type: 'flatten' }, ['model']);
  add({ type: 'output', units: numClasses }, ['model']);
  if (problems.length) throw new ExperimentError(problems);
  return plan;
}

function nextShape(spec: PlannedSpec, shape: number[], from: (string | number)[], problems: Problem[]): number[] | undefined {
  const fail = (message: string) => {
    problems.push({ path: dotted(from), message });
    return undefined;
  };
  const image = shape.length === 3;
  const [h, w, c] = shape;
  switch (spec.type) {
    case 'conv2d': {
      if (!image) return fail('conv2d needs an image input, but it comes after a flatten or dense layer');
      const k = spec.kernel;
      if (k > h || k > w) return fail(`kernel ${k}×${k} is larger than the ${h}×${w} input of this layer`);
      const s = spec.stride ?? 1;
      const oh = spec.padding === 'valid' ? Math.floor((h - k) / s) + 1 : Math.ceil(h / s);
      const ow = spec.padding === 'valid' ? Math.floor((w - k) / s) + 1 : Math.ceil(w / s);
      return [oh, ow, spec.filters];
    }
    case 'maxPool': {
      if (!image) return fail('maxPool needs an image input, but it comes after a flatten or dense layer');
      if (spec.size > h || spec.size > w) return fail(`pool ${spec.size}×${spec.size} is larger than the ${h}×${w} input of this layer`);
      return [Math.floor(h / spec.size), Math.floor(w / spec.size), c];
    }
    case 'flatten':
      return [shape.reduce((a, b) => a * b, 1)];
    case 'dense':
    case 'output':
    case 'residualDense':
      return [spec.units];
    default:
      return shape;
  }
}

export function parameterCount(plan: PlannedLayer[], input: InputShape): number {
  let shape = [input.height, input.width, input.channels];
  let total = 0;
  for (const l of plan) {
    const s = l.spec;
    const fanIn = shape[shape.length - 1];
    if (s.type === 'conv2d') total += s.kernel * s.kernel * fanIn * s.filters + s.filters;
    if (s.type === 'dense' || s.type === 'output' || s.type === 'residualDense') total += fanIn * s.units + s.units;
    if (s.type === 'batchNorm') total += 2 * fanIn;
    shape = l.outShape;
  }
  return total;
}

/** Bytes per parameter while training: the weight, its gradient, two optimizer slots (Adam) and a checkpoint copy. */
const bytesPerParameter = 5 * 4;
/** Bytes per activation value per example: the output, its gradient and a backend temporary. */
const bytesPerActivation = 3 * 4;
/** The largest single tensor a TF.js backend allocates (a typed array of 2^31 bytes fails). */
const maxTensorBytes = 2 ** 31 - 1;

/**
 * Refuse a model that cannot fit before TF.js tries: parameters and activations estimated from the plan against
 * `budgetBytes`, and no single weight tensor beyond what a typed array holds. The problem names the layer's setting.
 */
export function checkModelSize(plan: PlannedLayer[], input: InputShape, batchSize: number, budgetBytes: number): void {
  let shape = [input.height, input.width, input.channels];
  let params = 0;
  let activations = 0;
  let largest = { params: 0, from: ['model'] as (string | number)[] };
  for (const l of plan) {
    const layerParams = parameterCount([{ ...l }], { height: shape[0] ?? 1, width: shape[1] ?? 1, channels: shape[shape.length - 1] });
    if (layerParams * 4 > maxTensorBytes) {
      throw new ExperimentError([{ path: dotted(l.from), message: `this layer alone has ${layerParams.toLocaleString('en')} weights (${gb(layerParams * 4)} GB), more than one tensor can hold: make it smaller` }]);
    }
    if (layerParams > largest.params) largest = { params: layerParams, from: l.from };
    params += layerParams;
    activations += l.outShape.reduce((a, b) => a * b, 1);
    shape = l.outShape;
  }
  const need = params * bytesPerParameter + activations * batchSize * bytesPerActivation;
  if (need > budgetBytes) {
    throw new ExperimentError([{
      path: dotted(largest.from),
      message: `the model needs about ${gb(need)} GB to train (${params.toLocaleString('en')} parameters, ${activations.toLocaleString('en')} activations per example × batch ${batchSize}), more than the ${gb(budgetBytes)} GB available to it here: make this setting (the largest layer) or training.batchSize smaller`,
    }]);
  }
}

const gb = (bytes: number) => (bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1);
