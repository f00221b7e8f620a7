// Jobs around a run rather than a run: a model's summary without training, a dataset written out as an image
// folder (so a user has a real one to fine-tune on offline), a run's checkpoints evaluated from disk.
import type * as tf from '@tensorflow/tfjs';
import { dirname, join } from 'node:path';
import type { ModelSummary } from '../../protocol/runEvents';
import type { ImageFolderParams } from '../../protocol/training';
import type { Experiment } from '../../protocol/experiment';
import { type Dataset, loadDataset } from '../data/datasets';
import { adaptInput, preprocessPixels } from '../models/pretrained';
import { type DownloadReport, namedBases, namedGraphBases } from '../models/modelSource';
import { loadEngine, requestedEngine } from '../engines/engineLoad';
import { type CheckpointName, loadCheckpoint, readPointer } from '../training/checkpoint';
import { readRunJson, RunFolderError } from '../../runs/runFolder';
import type { Stage } from '../models/stage';
import { folderName, writeImageFolder } from '../data/imageFolder';
import { DataError } from '../data/idxReader';
import { evaluate } from '../training/objective';
import { prepare, type StartParams } from './prepare';

export async function modelSummary(params: StartParams): Promise<ModelSummary> {
  const prep = await prepare({ ...params, overrides: { ...params.overrides, describeOnly: true } });
  prep.dispose();
  return prep.summary;
}

export async function writeImageFolderFrom(params: ImageFolderParams, onProgress?: DownloadReport): Promise<{ out: string; written: { train: number; validation: number; test: number }; classNames: string[] }> {
  if (params.source === 'idx-folder' && !params.path) throw new DataError('an IDX folder is needed (path)');
  onProgress?.('reading the dataset…');
  const data = await loadDataset(params.source === 'idx-folder' ? { source: 'idx-folder', path: params.path } : { source: 'embedded-digits' });
  const written = writeImageFolder(data, params.out, params.counts ?? {}, (done, total) => done % 250 === 0 && onProgress?.(`writing images: ${done} of ${total}`, done, total));
  return { out: params.out, written, classNames: data.classNames.map(folderName) };
}

export interface CheckpointEvaluation {
  epoch: number;
  step: number;
  loss: number;
  accuracy: number;
}

/** A run's best and last checkpoints, each loaded from disk and evaluated on the run's test set — what the run
 *  reported can be checked against them. */
export async function evaluateCheckpoints(folder: string, engine?: { value?: string; from: string }): Promise<Partial<Record<CheckpointName, CheckpointEvaluation>>> {
  const experiment = readRunJson<Experiment & { $source?: string }>(join(folder, 'experiment.json'), (e) => typeof e.data === 'object');
  if (!experiment) throw new RunFolderError(`${folder} is not a run folder (no experiment.json)`);
  await loadEngine(experiment.engine && experiment.engine !== 'auto' ? requestedEngine({ value: experiment.engine, from: 'the run\'s experiment' }) : requestedEngine(engine));
  const checkpoints = join(folder, 'checkpoints');
  const out: Partial<Record<CheckpointName, CheckpointEvaluation>> = {};
  let data: Dataset | undefined;
  for (const name of ['best', 'last'] as const) {
    const pointer = readPointer(checkpoints, name);
    if (!pointer) continue;
    const model = await loadCheckpoint(checkpoints, name);
    try {
      const [, h, w, c] = model.inputs[0].shape as number[];
      if (experiment.base && c !== 3 && c !== 1) throw new DataError(`${folder}: this checkpoint holds the head only (a graph base); it cannot be evaluated on images alone`);
      data ??= await loadDataset(experiment.data, { baseDir: experiment.$source ? dirname(experiment.$source) : undefined, imageSize: [h, w] });
      const preprocess = experiment.base ? experiment.base.preprocess ?? (namedBases[experiment.base.model] ?? namedGraphBases[experiment.base.model])?.preprocess : undefined;
      const stage: Stage = {
        data, variables: () => [], evalBatch: 32,
        forward: (xs) => model.apply(experiment.base ? preprocessPixels(adaptInput(xs as tf.Tensor4D, [h, w, c]), preprocess) : xs, { training: false }) as tf.Tensor,
      };
      const r = evaluate(stage, data.test);
      out[name] = { epoch: pointer.epoch, step: pointer.step, loss: r.loss, accuracy: r.accuracy };
    } finally {
      model.dispose();
    }
  }
  return out;
}
