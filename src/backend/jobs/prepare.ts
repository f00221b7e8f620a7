// A run prepared completely — experiment checked, engine loaded, data read, model built (or a pretrained base cut
// and a head added) — before its folder exists, so a bad experiment leaves no half-made run behind.
import type * as tf from '@tensorflow/tfjs';
import { dirname } from 'node:path';
import type { ModelSummary } from '../../protocol/runEvents';
import type { Experiment } from '../../protocol/experiment';
import { loadDataset, type Split } from '../data/datasets';
import { loadEngine, requestedEngine } from '../engines/engineLoad';
import { checkExperimentValue, ExperimentError, locate, type ParsedExperiment } from '../../experiment/validate';
import { buildModel } from '../models/buildModel';
import { checkModelSize, planLayers } from '../models/layerPlan';
import { totalmem } from 'node:os';
import { layerSummary } from '../models/pretrained';
import type { DownloadReport } from '../models/modelSource';
import { prepareFineTune } from '../models/fineTune';
import { plainStage } from '../models/stage';
import type { Prepared } from '../training/prepared';

export type { Prepared } from '../training/prepared';
import { splitLabeled } from '../training/pseudoLabels';
import { checkModelOutput } from '../models/outputPath';

export interface StartParams {
  experiment: unknown;
  experimentPath?: string;
  runsFolder: string;
  /** describeOnly: a summary of the model, not a run — one image per split is read, semi-supervision is left out. */
  overrides?: { epochs?: number; describeOnly?: boolean };
  /** An engine asked for outside the experiment (CLI flag, VS Code setting); the experiment's own wins. */
  engine?: { value?: string; from: string };
  /** Where named and downloaded base models are cached. */
  modelCache?: string;
  /** Progress of slow preparation: a base's download, images being read. */
  onProgress?: DownloadReport;
  /** The workspace folder: what an experiment file may write to (training.saveModel) lies inside it. */
  workspace?: string;
  /** The user allowed writing outside the workspace (CLI --allow-outside-workspace). */
  allowOutside?: boolean;
  /** Where base features are cached (default: feature-cache beside the runs folder). */
  featureCache?: string;
}

function summaryOf(model: tf.LayersModel): ModelSummary {
  const rows = layerSummary(model);
  return { rows, totalParams: rows.reduce((n, r) => n + r.params, 0), trainableParams: rows.reduce((n, r) => n + (r.trainable ? r.params : 0), 0) };
}

/** Problems found after the schema (shapes, combinations) carry JSON paths; add their lines from the source text. */
async function withLines<T>(parsed: ParsedExperiment, file: string | undefined, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (!(e instanceof ExperimentError)) throw e;
    const problems = e.problems.map((p) => ({ ...p, ...locate(parsed.text, parsed.tree, p.path.split(/\.|\[|\]/).filter(Boolean).map((s) => (/^\d+$/.test(s) ? Number(s) : s))) }));
    throw new ExperimentError(problems, file);
  }
}

/** What a model may use while it trains: half the machine's memory; wasm's 32-bit heap stops at 4 GiB. */
function trainingMemory(engine: string): number {
  return Math.min(totalmem() / 2, engine === 'wasm' ? 2 ** 32 : Infinity);
}

/** training.saveModel checked before anything trains (see outputPath.ts), as a problem at its line. */
function saveModelDir(experiment: Experiment, parsed: ParsedExperiment, params: StartParams): string | undefined {
  const target = experiment.training.saveModel;
  if (target === undefined || params.overrides?.describeOnly) return undefined;
  const checked = checkModelOutput(target, { workspace: params.workspace, experimentPath: params.experimentPath, runsFolder: params.runsFolder || undefined, allowOutside: params.allowOutside });
  if ('dir' in checked) return checked.dir;
  throw new ExperimentError([{ path: 'training.saveModel', message: checked.problem, ...locate(parsed.text, parsed.tree, ['training', 'saveModel']) }], params.experimentPath);
}

export async function prepare(params: StartParams): Promise<Prepared> {
  const parsed = checkExperimentValue(params.experiment, params.experimentPath);
  const experiment: Experiment = { ...parsed.experiment, training: { ...parsed.experiment.training, ...(params.overrides?.epochs ? { epochs: params.overrides.epochs } : {}) } };
  const saveModel = saveModelDir(experiment, parsed, params);
  if (params.overrides?.describeOnly) {
    experiment.data = { ...experiment.data, trainLimit: 1, validationLimit: 1, testLimit: 1 };
    delete experiment.semiSupervised;
  }
  const request = experiment.engine && experiment.engine !== 'auto'
    ? requestedEngine({ value: experiment.engine, from: 'the experiment\'s "engine"' })
    : requestedEngine(params.engine);
  const engine = await loadEngine(request);
  const baseDir = params.experimentPath ? dirname(params.experimentPath) : undefined;
  const onImages = (done: number, total: number) => done % 200 === 0 && params.onProgress?.(`reading images: ${done} of ${total}`, done, total);
  if (experiment.base) {
    const ft = await withLines(parsed, params.experimentPath, () => prepareFineTune(experiment, (imageSize) => loadDataset(experiment.data, { baseDir, imageSize, onImages }), { experimentPath: params.experimentPath, modelCache: params.modelCache, onProgress: params.onProgress }));
    return {
      experiment, engine, data: ft.images, model: ft.saved, denseWeights: ft.headWeights, l2: experiment.head?.l2 ?? 0, probeModel: ft.head, fineTune: ft,
      summary: ft.summary(), saveModelDir: saveModel,
      dispose: () => {
        // the combined model owns the base's layers; a graph base is separate from its head
        ft.saved.dispose();
        if (!ft.base.cut) ft.base.dispose();
      },
    };
  }
  if (!experiment.model) throw new ExperimentError([{ path: 'model', message: 'missing required field "model" (or give a "base" to fine-tune)' }], params.experimentPath);
  for (const part of ['unfreeze', 'head'] as const) {
    if (experiment[part]) throw new ExperimentError([{ path: part, message: `"${part}" belongs to a fine-tune: give a "base" (a pretrained network), or remove "${part}"`, ...locate(parsed.text, parsed.tree, [part]) }], params.experimentPath);
  }
  const data = await loadDataset(experiment.data, { baseDir, onImages });
  let unlabeled: Split | undefined;
  if (experiment.semiSupervised) {
    const parts = splitLabeled(data.train, experiment.semiSupervised, data.classNames.length, data.height * data.width * (data.channels ?? 1));
    data.train = parts.labeled;
    unlabeled = parts.unlabeled;
  }
  const input = { height: data.height, width: data.width, channels: data.channels ?? 1 };
  const plan = await withLines(parsed, params.experimentPath, async () => {
    const layers = planLayers(experiment.model!, input, data.classNames.length);
    checkModelSize(layers, input, experiment.training.batchSize, trainingMemory(engine.engine));
    return layers;
  });
  const { model, denseWeights } = buildModel(plan, input, { init: experiment.model.init ?? 'he', seed: experiment.seed ?? 1, biasInit: experiment.model.biasInit });
  return {
    experiment, engine, data, model, denseWeights, l2: experiment.model.l2 ?? 0, unlabeled, stage: plainStage(model, data), probeModel: model,
    summary: summaryOf(model), saveModelDir: saveModel, dispose: () => model.dispose(),
  };
}
