// A fine-tune, exported for Keras: the base cut where Gradient Lab cuts it, converted layer by layer (its TF.js
// topology is a Keras config that Keras 3 rebuilds with Model.from_config; its weights set by layer name), the
// base's features of every split as precomputed arrays — the head phase trains on them, as Gradient Lab's feature
// cache does — the images for the unfreeze phase and the test, and the head with its initial weights.
import type * as tf from '@tensorflow/tfjs';
import type { Experiment } from '../../protocol/experiment';
import { ExperimentError } from '../../experiment/validate';
import type { Dataset } from '../data/datasets';
import { headModelSpec } from '../models/fineTune';
import { planLayers } from '../models/layerPlan';
import type { Prepared } from '../training/prepared';
import { kerasLayers } from './kerasModel';

type Write = (file: string, data: string | Uint8Array) => void;
const splits = ['train', 'validation', 'test'] as const;

/** What the script's template needs to know about a fine-tune (null in the script of a plain experiment). */
export interface FineTuneScript {
  /** [h, w, c] of the exported images, and what the base takes. */
  imageShape: [number, number, number];
  baseInput: [number, number, number];
  preprocess: '0..1' | '-1..1' | 'caffe';
  featureDim: number;
  cutAt: string;
  unfreeze?: { layers: number | 'all'; epochs: number; learningRate: number };
}

/** Writes base/, data/*-features.npy and the head's initial weights; returns the head's Keras layers and the facts. */
export async function writeFineTune(prep: Prepared, experiment: Experiment, images: Dataset, write: Write, writeWeights: (model: tf.LayersModel, name: string) => void): Promise<{ layers: string[]; fineTune: FineTuneScript }> {
  const ft = prep.fineTune!;
  const { base } = ft;
  if (base.kind === 'graph' || !base.cut) {
    throw new ExperimentError([{ path: 'base.model', message: `cannot be exported exactly: ${base.file} is a graph model, which has no layers to convert (export its Keras model, or use a layers-format base)` }]);
  }
  const custom = base.cut.layers.map((l) => l.getClassName()).filter((c) => c.startsWith('GradientLab'));
  if (custom.length) throw new ExperimentError([{ path: 'base.cutAt', message: `cannot be exported exactly: the base up to "${base.cutAt}" holds Gradient Lab's own layers (${[...new Set(custom)].join(', ')}); cut it before them` }]);
  write('base/base.json', JSON.stringify(base.cut.toJSON(undefined, false), null, 1) + '\n');
  writeNamedWeights(base.cut.layers, 'base/base', write);
  // the head phase's data: the base's features, computed here as a run computes them for its feature cache
  const { stage } = await ft.headStage(undefined);
  for (const split of splits) write(`data/${split}-features.npy`, npy(stage.data[split].images as Float32Array, [stage.data[split].count, 1, 1, base.featureDim]));
  writeWeights(ft.head, 'initial');
  const featureShape = { height: 1, width: 1, channels: base.featureDim };
  const headSpec = headModelSpec(experiment);
  const plan = planLayers(headSpec, featureShape, images.classNames.length);
  const layers = kerasLayers(plan, [1, 1, base.featureDim], { ...experiment, model: { ...headSpec, init: experiment.head?.init ?? 'he' } });
  const u = experiment.unfreeze;
  return {
    layers,
    fineTune: {
      imageShape: [images.height, images.width, images.channels ?? 1], baseInput: base.input, featureDim: base.featureDim, cutAt: base.cutAt,
      preprocess: base.preprocess,
      ...(u ? { unfreeze: { layers: u.layers, epochs: u.epochs, learningRate: u.learningRate ?? Number((experiment.optimizer.learningRate / 10).toPrecision(6)) } } : {}),
    },
  };
}

/** A fine-tune run's checkpoint (the base cut and the head as one model): the base's layers by name
 *  (trained-base.*), the head's by position (trained-head.*), for the script's --to-keras. */
export function writeFineTuneWeights(checkpoint: tf.LayersModel, write: Write, writeWeights: (model: tf.LayersModel, name: string) => void): void {
  const head = checkpoint.layers.find((l): l is tf.LayersModel => 'layers' in l && Array.isArray((l as tf.LayersModel).layers));
  if (!head) throw new ExperimentError([{ path: 'base', message: 'cannot be exported exactly: this run\'s checkpoint holds no base and head to convert' }]);
  writeNamedWeights(checkpoint.layers.filter((l) => l !== head), 'trained-base', write);
  writeWeights(head, 'trained-head');
}

/** Each layer's weights by name, in Keras' order (a base's layers are found by name, not position). */
function writeNamedWeights(all: tf.layers.Layer[], name: string, write: Write): void {
  const layers: { name: string; shapes: number[][] }[] = [];
  const chunks: Buffer[] = [];
  for (const layer of all) {
    const weights = layer.getWeights();
    if (!weights.length) continue;
    layers.push({ name: layer.name, shapes: weights.map((w) => w.shape) });
    for (const w of weights) chunks.push(Buffer.from((w.dataSync() as Float32Array).buffer.slice(0)));
  }
  write(`${name}.weights.bin`, Buffer.concat(chunks));
  write(`${name}.weights.json`, JSON.stringify({ layers }, null, 1) + '\n');
}

/** A float32 array in NumPy's .npy format (version 1.0, little-endian, C order). */
export function npy(values: Float32Array, shape: number[]): Buffer {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const unpadded = 10 + dict.length + 1;
  const header = dict + ' '.repeat(Math.ceil(unpadded / 64) * 64 - unpadded) + '\n';
  const preamble = Buffer.alloc(10);
  preamble.write('\x93NUMPY', 0, 'latin1');
  preamble[6] = 1;
  preamble.writeUInt16LE(header.length, 8);
  return Buffer.concat([preamble, Buffer.from(header, 'latin1'), Buffer.from(values.buffer, values.byteOffset, values.byteLength)]);
}
