// A fine-tune: a pretrained base cut before its classifier, a new head on its features. The head phase trains on
// cached features (or on the base's output every step when the cache is off); the unfreeze phase makes the top
// layers of the base trainable and trains end to end on the images with a smaller learning rate.
import * as tf from '@tensorflow/tfjs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { FeaturesEvent, ModelSummary } from '../../protocol/runEvents';
import type { Experiment } from '../../protocol/experiment';
import { rng } from '../data/random';
import type { Dataset } from '../data/datasets';
import { imageFolderFiles } from '../data/imageFolder';
import { ExperimentError } from '../../experiment/validate';
import { buildModel } from './buildModel';
import { planLayers } from './layerPlan';
import { layerSummary, type LoadedBase, loadBase } from './pretrained';
import { type DownloadReport, resolveBaseModel } from './modelSource';
import { isSavedModel, loadSavedModelBase } from './savedModelBase';
import { baseFeatures, cacheKey, withAugmentedCopies } from './featureCache';
import type { Stage } from './stage';


export interface FineTuneParts {
  base: LoadedBase;
  head: tf.LayersModel;
  headWeights: tf.LayerVariable[];
  /** Base cut + head as one layers model (layers bases): what checkpoints hold. The head alone for graph bases. */
  saved: tf.LayersModel;
  images: Dataset;
  /** The head phase; `features` is computed lazily by the run (it may take a while and reports progress). */
  headStage(cacheDir: string | undefined, onImages?: (done: number, total: number) => void, isCancelled?: () => boolean): Promise<{ stage: Stage; event: Omit<FeaturesEvent, 'runId' | 'stepsPerEpoch'> }>;
  /** The unfreeze phase: the top `layers` layers of the base become trainable. */
  unfreeze(layers: number | 'all'): { stage: Stage; unfrozen: string[] };
  summary(): ModelSummary;
}

export function headModelSpec(experiment: Experiment) {
  const head = experiment.head ?? {};
  return { kind: 'mlp' as const, dense: head.dense ?? [32], activation: head.activation ?? 'relu', dropoutKeep: head.dropoutKeep, l2: head.l2, init: head.init };
}

export async function prepareFineTune(experiment: Experiment, loadImages: (size: [number, number]) => Promise<Dataset>, options: { experimentPath?: string; modelCache?: string; onProgress?: DownloadReport }): Promise<FineTuneParts> {
  const spec = experiment.base!;
  if (experiment.semiSupervised) throw new ExperimentError([{ path: 'semiSupervised', message: 'cannot be combined with a base (fine-tuning) yet' }], options.experimentPath);
  if (spec.augmentCopies && !experiment.training.augment) {
    throw new ExperimentError([{ path: 'base.augmentCopies', message: 'needs training.augment: it says how each copy is drawn (e.g. { "shift": 2, "flip": true })' }], options.experimentPath);
  }
  const baseDir = options.experimentPath ? dirname(options.experimentPath) : undefined;
  const resolved = await resolveBaseModel(spec.model, { baseDir, cacheDir: options.modelCache, cutAt: spec.cutAt, onProgress: options.onProgress });
  const base = isSavedModel(resolved.file)
    ? await loadSavedModelBase(resolved.file, resolved.kerasCut ? { ...spec, cutAt: undefined } : spec, spec.preprocess ?? '0..1', resolved.kerasCut)
    : await loadBase(resolved.file, spec, { cutAt: resolved.named?.cutAt, preprocess: resolved.named?.preprocess });
  try {
    if (experiment.unfreeze && base.kind === 'graph') {
      const what = isSavedModel(resolved.file) ? 'a TensorFlow SavedModel, run by the native engine as a fixed feature extractor' : 'a graph model, which TF.js cannot train';
      throw new ExperimentError([{ path: 'unfreeze', message: `${resolved.file} is ${what}: use a layers model to unfreeze, or drop "unfreeze"` }], options.experimentPath);
    }
    const images = await loadImages([base.input[0], base.input[1]]);
    const classes = images.classNames.length;
    const featureShape = { height: 1, width: 1, channels: base.featureDim };
    const { model: head, denseWeights } = buildModel(planLayers(headModelSpec(experiment), featureShape, classes), featureShape, { init: experiment.head?.init ?? 'he', seed: experiment.seed ?? 1 });
    let saved = head;
    if (base.cut) {
      const features = tf.layers.reshape({ targetShape: [1, 1, base.featureDim], name: 'features' }).apply(base.cut.outputs[0]) as tf.SymbolicTensor;
      saved = tf.model({ inputs: base.cut.inputs, outputs: head.apply(features) as tf.SymbolicTensor, name: 'fine_tuned' });
    }
    const headForward = (xs: tf.Tensor, training: boolean) => head.apply(xs, { training }) as tf.Tensor;
    const fullForward = (xs: tf.Tensor, training: boolean) => head.apply(base.features(xs as tf.Tensor4D).reshape([xs.shape[0], 1, 1, base.featureDim]), { training }) as tf.Tensor;
    const headVariables = () => head.trainableWeights.map((w) => w.read() as tf.Variable);
    const augment = experiment.training.augment;
    const copies = spec.augmentCopies ?? 0;
    return {
      base, head, headWeights: denseWeights, saved, images,
      async headStage(cacheDir, onImages, isCancelled) {
        if (spec.cache === false) {
          return { stage: { data: images, forward: fullForward, variables: headVariables, evalBatch: 32 }, event: { type: 'features', cache: 'off', images: images.train.count, dim: base.featureDim, seconds: 0, note: 'base.cache is off: the frozen base runs on every image in every epoch' } };
        }
        const random = rng((experiment.seed ?? 1) + 0xc0de);
        const train = augment && copies ? withAugmentedCopies(images.train, images, copies, { ...augment, random }) : images.train;
        const data = { ...images, train };
        const files = experiment.data.source === 'image-folder' ? imageFolderFiles(isAbsolute(experiment.data.path!) ? experiment.data.path! : resolve(baseDir ?? process.cwd(), experiment.data.path!)) : undefined;
        const key = cacheKey(base, data, { files, copies, augment: copies ? augment : undefined, seed: copies ? experiment.seed ?? 1 : undefined });
        const cached = await baseFeatures(base, data, { cacheDir, key, onImages, isCancelled });
        const note = augment && !copies
          ? 'training.augment draws new shifts and flips every epoch, which cached features cannot hold: the head trains on the unaugmented images. Set base.augmentCopies to k to cache k augmented copies of every image, or base.cache to false to run the base every epoch.'
          : copies ? `${copies} augmented cop${copies > 1 ? 'ies' : 'y'} of every training image, drawn once and cached` : undefined;
        return {
          stage: { data: cached.data, forward: headForward, variables: headVariables, evalBatch: 500 },
          event: { type: 'features', cache: cached.hit ? 'hit' : 'miss', folder: cached.folder, images: data.train.count + data.validation.count + data.test.count, dim: base.featureDim, seconds: cached.seconds, ...(note ? { note } : {}) },
        };
      },
      unfreeze(layers) {
        const all = base.cut!.layers.filter((l) => l.getClassName() !== 'InputLayer');
        const top = layers === 'all' ? all : all.slice(-layers);
        for (const l of top) l.trainable = true;
        return { stage: { data: images, forward: fullForward, variables: () => [...headVariables(), ...top.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable))], evalBatch: 32 }, unfrozen: top.filter((l) => l.countParams() > 0).map((l) => l.name) };
      },
      summary() {
        const rows = [...base.summary(), ...layerSummary(head)];
        return {
          rows,
          totalParams: rows.reduce((n, r) => n + r.params, 0),
          trainableParams: rows.reduce((n, r) => n + (r.trainable ? r.params : 0), 0),
          base: { file: base.file, cutAt: base.cutAt, input: base.input, featureDim: base.featureDim, kind: base.kind },
        };
      },
    };
  } catch (e) {
    base.dispose();
    throw e;
  }
}

/** Where a fine-tune keeps cached features: beside the runs folder, shared by its runs. */
export function featureCacheDir(runsFolder: string): string {
  return join(dirname(runsFolder), 'feature-cache');
}
