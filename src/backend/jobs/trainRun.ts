// One training run: prepared completely (experiment, engine, data, model) before its folder exists, so a bad
// experiment leaves no half-made run behind; then trained step by step, every event appended to metrics.jsonl
// and passed to the listener (JSON-RPC notifications or the terminal).
import * as tf from '@tensorflow/tfjs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { EngineInfo, ModelSummary, RunEvent, RunFinishedEvent, RunSummary, TestResult } from '../../protocol/backend';
import type { Experiment } from '../../protocol/experiment';
import { Augment, Batch, identityRows, makeBatch, rng, shuffled } from '../data/batches';
import { Dataset, loadDataset, Split } from '../data/datasets';
import { loadEngine, requestedEngine } from '../engines/engineLoad';
import { checkExperimentValue, ExperimentError, formatProblem, locate, ParsedExperiment } from '../experiment/validate';
import { buildModel } from '../models/buildModel';
import { planLayers } from '../models/layerPlan';
import { makeOptimizer } from '../models/optimizer';
import { copyWeights, loadCheckpoint, saveCheckpoint, saveModelFolder } from './checkpoint';
import { decodeStats, gradientStats, probeEvery, weightLayers } from './gradientProbe';
import { classReport, confusionMatrix } from './classReport';
import { RunFolder } from './runFolder';
import { pseudoLabelRound, semiDefaults, splitLabeled } from './pseudoLabels';
import { writePredictionsCsv, writeTensorBoard } from './exports';
import { featureCacheDir, FineTuneParts, prepareFineTune, Stage } from './fineTune';
import { FeaturesCancelled } from './featureCache';
import { writeReport } from './htmlReport';
import { layerSummary } from '../models/pretrained';
import type { DownloadReport } from '../models/modelSource';

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
}

export interface RunHandle {
  runId: string;
  folder: string;
  engine: EngineInfo;
  cancel(): void;
  done: Promise<RunSummary>;
}

export interface Prepared {
  experiment: Experiment;
  engine: EngineInfo;
  /** The images (labels, class names, file names), whatever the model trains on. */
  data: Dataset;
  /** What checkpoints hold (a fine-tune: base cut + head). */
  model: tf.LayersModel;
  /** The weights the L2 penalty covers: the dense layers (a fine-tune: the head's). */
  denseWeights: tf.LayerVariable[];
  /** λ of that penalty. */
  l2: number;
  /** Plain runs train `model` on `data`; a fine-tune starts on the head's stage (see fineTune.ts). */
  stage: Stage;
  /** Layers whose gradients the probe reports. */
  probeModel: tf.LayersModel;
  summary: ModelSummary;
  /** Semi-supervised runs: the training images whose labels are not used (data.train is the labeled subset). */
  unlabeled?: Split;
  fineTune?: FineTuneParts;
  dispose(): void;
}

export function plainStage(model: tf.LayersModel, data: Dataset): Stage {
  return { data, forward: (xs, training) => model.apply(xs, { training }) as tf.Tensor, variables: () => model.trainableWeights.map((w) => w.read() as tf.Variable), evalBatch: 500 };
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

export async function prepare(params: StartParams): Promise<Prepared> {
  const parsed = checkExperimentValue(params.experiment, params.experimentPath);
  const experiment: Experiment = { ...parsed.experiment, training: { ...parsed.experiment.training, ...(params.overrides?.epochs ? { epochs: params.overrides.epochs } : {}) } };
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
      stage: { data: ft.images, forward: () => { throw new Error('the head stage starts in train()'); }, variables: () => [], evalBatch: 32 },
      summary: ft.summary(),
      dispose: () => {
        // the combined model owns the base's layers; a graph base is separate from its head
        ft.saved.dispose();
        if (!ft.base.cut) ft.base.dispose();
      },
    };
  }
  if (!experiment.model) throw new ExperimentError([{ path: 'model', message: 'missing required field "model" (or give a "base" to fine-tune)' }], params.experimentPath);
  const data = await loadDataset(experiment.data, { baseDir, onImages });
  let unlabeled: Split | undefined;
  if (experiment.semiSupervised) {
    const parts = splitLabeled(data.train, experiment.semiSupervised, data.classNames.length, data.height * data.width * (data.channels ?? 1));
    data.train = parts.labeled;
    unlabeled = parts.unlabeled;
  }
  const input = { height: data.height, width: data.width, channels: data.channels ?? 1 };
  const plan = await withLines(parsed, params.experimentPath, async () => planLayers(experiment.model!, input, data.classNames.length));
  const { model, denseWeights } = buildModel(plan, input, { init: experiment.model.init ?? 'he', seed: experiment.seed ?? 1, biasInit: experiment.model.biasInit });
  return {
    experiment, engine, data, model, denseWeights, l2: experiment.model.l2 ?? 0, unlabeled, stage: plainStage(model, data), probeModel: model,
    summary: summaryOf(model), dispose: () => model.dispose(),
  };
}

function l2Sum(weights: tf.LayerVariable[]): tf.Scalar {
  return tf.addN(weights.map((w) => tf.sum(tf.square(w.read())))).mul(0.5) as tf.Scalar;
}

/** The training objective of one batch: softmax cross-entropy, plus λ·½Σw² on the dense layers. */
export function batchLoss(prep: Prepared, batch: Batch, onLogits?: (logits: tf.Tensor) => void, stage: Stage = prep.stage): tf.Scalar {
  const logits = stage.forward(batch.xs, true);
  onLogits?.(logits);
  const oneHot = tf.oneHot(batch.ys, prep.data.classNames.length);
  // weighted images (pseudo-labels): Σ wᵢ·CEᵢ / n, so the labeled images weigh as they do without them
  const ce = batch.ws
    ? tf.losses.softmaxCrossEntropy(oneHot, logits, undefined, undefined, tf.Reduction.NONE).mul(batch.ws).mean()
    : tf.losses.softmaxCrossEntropy(oneHot, logits);
  const lambda = prep.l2;
  return (lambda > 0 ? ce.add(l2Sum(prep.denseWeights).mul(lambda)) : ce) as tf.Scalar;
}

export interface Evaluation {
  loss: number;
  accuracy: number;
  predicted: Int32Array;
  /** count × classes softmax probabilities. */
  probabilities: Float32Array;
}

/** Loss, accuracy, predictions over a whole split, in batches, without training behaviour (dropout off). */
export function evaluate(stage: Stage, split: Split): Evaluation {
  const classes = stage.data.classNames.length;
  const rows = identityRows(split.count);
  const predicted = new Int32Array(split.count);
  const probabilities = new Float32Array(split.count * classes);
  let lossSum = 0;
  let correct = 0;
  for (let from = 0; from < split.count; from += stage.evalBatch) {
    const to = Math.min(split.count, from + stage.evalBatch);
    const [l, p, probs] = tf.tidy(() => {
      const { xs, ys } = makeBatch(split, stage.data, rows, from, to);
      const logits = stage.forward(xs, false) as tf.Tensor2D;
      const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(ys, classes), logits, undefined, undefined, tf.Reduction.SUM);
      return [loss.dataSync()[0], logits.argMax(1).dataSync() as Int32Array, tf.softmax(logits).dataSync() as Float32Array];
    });
    lossSum += l;
    predicted.set(p, from);
    probabilities.set(probs, from * classes);
  }
  for (let i = 0; i < split.count; i++) if (predicted[i] === split.labels[i]) correct++;
  return { loss: lossSum / Math.max(1, split.count), accuracy: correct / Math.max(1, split.count), predicted, probabilities };
}

export async function startRun(params: StartParams, listener: (e: RunEvent) => void): Promise<RunHandle> {
  const prep = await prepare(params);
  const { experiment, engine } = prep;
  const run = RunFolder.create(params.runsFolder, experiment.name, { ...experiment, ...(params.experimentPath ? { $source: params.experimentPath } : {}) });
  let cancelled = false;
  const emit = (e: RunEvent) => {
    run.append(e);
    listener(e);
  };
  // Start on the next turn, so the caller can answer run/start before the run's first notification.
  const cacheDir = featureCacheDir(params.runsFolder);
  const done = new Promise<void>((r) => setImmediate(r)).then(() => train(prep, run, emit, () => cancelled, { cacheDir, experimentPath: params.experimentPath, onProgress: params.onProgress })).finally(() => prep.dispose());
  return { runId: run.runId, folder: run.folder, engine, cancel: () => (cancelled = true), done };
}

/** The experiment's augmentation with its own seeded generator, or undefined when it changes nothing. */
function augmentFor(experiment: Experiment): Augment | undefined {
  const a = experiment.training.augment;
  return a && (a.shift || a.flip || a.crop || a.brightness) ? { ...a, random: rng((experiment.seed ?? 1) + 0x5eed) } : undefined;
}

interface TrainContext {
  cacheDir?: string;
  experimentPath?: string;
  onProgress?: DownloadReport;
}

async function train(prep: Prepared, run: RunFolder, emit: (e: RunEvent) => void, isCancelled: () => boolean, ctx: TrainContext): Promise<RunSummary> {
  const { experiment, engine, data, model, denseWeights, fineTune } = prep;
  const { batchSize } = experiment.training;
  const semi = experiment.semiSupervised && { ...semiDefaults, ...experiment.semiSupervised };
  const labeledEpochs = experiment.training.epochs;
  const unfreeze = fineTune && experiment.unfreeze;
  let epochs = labeledEpochs + (semi ? semi.rounds * semi.epochsPerRound : 0) + (unfreeze ? unfreeze.epochs : 0);
  let trainSet = data.train;
  // a student that starts afresh each round learns from the teacher's labels without inheriting its mistakes
  const initialWeights = semi?.restart ? model.getWeights().map((w) => w.clone()) : undefined;
  const validateEvery = experiment.training.validateEvery ?? 1;
  const checkpointEvery = experiment.training.checkpointEvery ?? 50;
  const patience = experiment.training.patience;
  const restoreBest = experiment.training.restoreBest ?? !!fineTune;
  const classes = data.classNames.length;
  let optimizer = makeOptimizer(experiment.optimizer);
  let learningRate = experiment.optimizer.learningRate;
  const random = rng(experiment.seed ?? 1);
  let augment = augmentFor(experiment);
  const probed = weightLayers(prep.probeModel);
  const every = probeEvery(experiment, probed.length);
  const startedAt = new Date();
  const base = { runId: run.runId };
  emit({
    type: 'started', ...base, folder: run.folder, engine: engine.engine, experiment, trainSize: data.train.count, validationSize: data.validation.count, testSize: data.test.count,
    stepsPerEpoch: Math.ceil(data.train.count / batchSize), totalEpochs: epochs, ...(prep.unlabeled ? { unlabeledSize: prep.unlabeled.count } : {}), classNames: data.classNames,
    time: startedAt.toISOString(), summary: prep.summary, ...(data.warnings?.length ? { warnings: data.warnings } : {}),
  });

  let step = 0;
  let trainSeconds = 0;
  let trainedSamples = 0;
  let epochsDone = 0;
  let best: { epoch: number; valLoss: number } | undefined;
  let sinceBest = 0;
  let stoppedEarly = false;
  let restoredEpoch: number | undefined;
  // The summary is built first so the final event can carry its figures; writing it closes the run.
  const summarize = (summary: Pick<RunSummary, 'status'> & Partial<RunSummary>): RunSummary => ({
    runId: run.runId, name: experiment.name, engine: engine.engine, samplesPerSec: trainSeconds ? trainedSamples / trainSeconds : 0,
    epochsDone, steps: step, seconds: (Date.now() - startedAt.getTime()) / 1000, bestEpoch: best?.epoch, bestValLoss: best?.valLoss, restoredEpoch,
    startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), ...summary,
  });
  const close = (summary: RunSummary): RunSummary => {
    optimizer.dispose();
    initialWeights?.forEach((w) => w.dispose());
    run.finish(summary);
    try {
      writeTensorBoard(run.folder); // so `tensorboard --logdir` of the runs folder shows every run
    } catch (e) {
      process.stderr.write(`could not write the TensorBoard file of ${run.folder}: ${(e as Error).message}\n`);
    }
    return summary;
  };

  try {
    let stage = prep.stage;
    let phase: 'head' | 'unfreeze' | undefined;
    if (fineTune) {
      let reported = 0;
      const onImages = (done: number, total: number) => {
        if (done < total && Date.now() - reported < 500) return;
        reported = Date.now();
        ctx.onProgress?.(`computing the base's features: ${done} of ${total} images`, done, total);
      };
      let head;
      try {
        head = await fineTune.headStage(ctx.cacheDir, onImages, isCancelled);
      } catch (e) {
        if (!(e instanceof FeaturesCancelled)) throw e;
        const summary = summarize({ status: 'cancelled' });
        emit({ type: 'finished', ...base, status: 'cancelled', samplesPerSec: 0, engine: engine.engine, epochsDone: 0, steps: 0, seconds: summary.seconds });
        return close(summary);
      }
      stage = head.stage;
      phase = 'head';
      trainSet = stage.data.train;
      emit({ ...head.event, runId: run.runId, stepsPerEpoch: Math.ceil(trainSet.count / batchSize) });
      if (stage.data !== data) augment = undefined; // features: augmentation was applied (or not) when they were cached
    }
    for (let epoch = 1; epoch <= epochs && !isCancelled(); epoch++) {
      const epochStart = Date.now();
      if (semi && epoch > labeledEpochs && (epoch - labeledEpochs - 1) % semi.epochsPerRound === 0) {
        const round = (epoch - labeledEpochs - 1) / semi.epochsPerRound + 1;
        const weight = (semi.maxWeight * round) / semi.rounds;
        const r = semi.method === 'pseudo-label'
          ? pseudoLabelRound(model, data.train, prep.unlabeled!, data, semi.threshold, weight)
          : { train: data.train, pseudoLabels: 0, pseudoCorrect: 0 };
        trainSet = r.train;
        if (initialWeights) {
          model.setWeights(initialWeights);
          optimizer.dispose();
          optimizer = makeOptimizer(experiment.optimizer);
        }
        emit({ type: 'round', ...base, round, epoch, method: semi.method, labeled: data.train.count, pseudoLabels: r.pseudoLabels, pseudoCorrect: r.pseudoCorrect, weight, threshold: semi.threshold, stepsPerEpoch: Math.ceil(trainSet.count / batchSize) });
      }
      const headDone = epoch > labeledEpochs || (patience !== undefined && sinceBest >= patience);
      if (unfreeze && phase === 'head' && headDone) {
        const reason = epoch > labeledEpochs ? 'epochs' : 'patience';
        epochs = epoch - 1 + unfreeze.epochs;
        const next = fineTune!.unfreeze(unfreeze.layers);
        stage = next.stage;
        phase = 'unfreeze';
        trainSet = stage.data.train;
        augment = augmentFor(experiment);
        learningRate = unfreeze.learningRate ?? Number((experiment.optimizer.learningRate / 10).toPrecision(6));
        optimizer.dispose();
        optimizer = makeOptimizer({ ...experiment.optimizer, learningRate });
        sinceBest = 0;
        const summary = fineTune!.summary();
        emit({ type: 'phase', ...base, phase: 'unfreeze', epoch, reason, unfrozenLayers: next.unfrozen, trainableParams: summary.trainableParams, learningRate, stepsPerEpoch: Math.ceil(trainSet.count / batchSize), totalEpochs: epochs });
      } else if (patience !== undefined && sinceBest >= patience) {
        stoppedEarly = true;
        break;
      }
      const variables = stage.variables();
      const order = shuffled(trainSet.count, random);
      let lossSum = 0;
      let correctSum = 0;
      let seen = 0;
      for (let from = 0; from < trainSet.count && !isCancelled(); from += batchSize) {
        const to = Math.min(trainSet.count, from + batchSize);
        const t0 = performance.now();
        const probeNow = every !== undefined && (step === 0 || (step + 1) % every === 0);
        const [loss, accuracy, l2, ...probe] = tf.tidy(() => {
          const batch: Batch = makeBatch(trainSet, stage.data, order, from, to, augment);
          let logits: tf.Tensor | undefined;
          const { value, grads } = tf.variableGrads(() => batchLoss(prep, batch, (l) => (logits = tf.keep(l)), stage), variables);
          optimizer.applyGradients(grads);
          const acc = logits!.argMax(1).equal(batch.ys).toFloat().mean();
          const scalars = tf.stack([value, acc, l2Sum(denseWeights)]);
          // one read per step: the probe's numbers ride along with the loss
          const stats = (probeNow ? tf.concat([scalars, gradientStats(grads, probed)]) : scalars).dataSync();
          logits!.dispose();
          return Array.from(stats);
        });
        const stepMs = performance.now() - t0;
        step++;
        trainSeconds += stepMs / 1000;
        trainedSamples += to - from;
        if (!Number.isFinite(loss)) {
          const message = `the loss became ${loss} at epoch ${epoch}, step ${step} (learning rate ${learningRate}): ` +
            `training diverged. Lower ${phase === 'unfreeze' ? 'unfreeze.learningRate' : 'optimizer.learningRate'} (e.g. to ${learningRate / 10}) or add batch norm. ` +
            `Everything before this step is kept in ${run.folder}.`;
          emit({ type: 'failed', ...base, message, epoch, step });
          return close(summarize({ status: 'failed', message }));
        }
        lossSum += loss * (to - from);
        correctSum += accuracy * (to - from);
        seen += to - from;
        emit({ type: 'batch', ...base, epoch, step, loss, accuracy, samples: to - from, stepMs, learningRate, l2 });
        if (probeNow) emit({ type: 'gradients', ...base, epoch, step, layers: decodeStats(probe, probed) });
        if (step % checkpointEvery === 0) await saveCheckpoint(model, run.checkpoints, 'last', { epoch, step });
        await new Promise((r) => setImmediate(r)); // let a cancel request in
      }
      if (isCancelled() && seen < trainSet.count) break;
      epochsDone = epoch;
      await saveCheckpoint(model, run.checkpoints, 'last', { epoch, step });
      let valLoss: number | undefined;
      let valAccuracy: number | undefined;
      let isBest = false;
      if (data.validation.count && (epoch % validateEvery === 0 || epoch === epochs)) {
        ({ loss: valLoss, accuracy: valAccuracy } = evaluate(stage, stage.data.validation));
        if (!best || valLoss < best.valLoss) {
          best = { epoch, valLoss };
          isBest = true;
          sinceBest = 0;
          await saveCheckpoint(model, run.checkpoints, 'best', { epoch, step, valLoss });
        } else sinceBest++;
      }
      emit({ type: 'epoch', ...base, epoch, trainLoss: lossSum / seen, trainAccuracy: correctSum / seen, valLoss, valAccuracy, best: isBest || undefined, seconds: (Date.now() - epochStart) / 1000 });
    }
    const status = isCancelled() ? 'cancelled' : 'completed';
    let test: TestResult | undefined;
    const outputs: string[] = [];
    if (status === 'completed' && restoreBest && best && best.epoch !== epochsDone) {
      // Keras' restore_best_weights, done: the weights of the best checkpoint on disk, layer by layer
      const bestModel = await loadCheckpoint(run.checkpoints, 'best');
      copyWeights(bestModel, model);
      bestModel.dispose();
      restoredEpoch = best.epoch;
    } else if (status === 'completed' && restoreBest && best) restoredEpoch = best.epoch;
    if (status === 'completed' && data.test.count) {
      const r = evaluate(stage, stage.data.test);
      const confusion = confusionMatrix(data.test.labels, r.predicted, classes);
      test = { loss: r.loss, accuracy: r.accuracy, confusion, perClass: classReport(confusion, data.classNames) };
      outputs.push(writePredictionsCsv(run.folder, r.predicted, data.test.files && { files: data.test.files, labels: data.test.labels, probabilities: r.probabilities, classNames: data.classNames }));
      if (data.test.files || fineTune) outputs.push(writeReport(run.folder, { name: experiment.name, data, evaluation: r, test }));
    }
    if (status === 'completed' && experiment.training.saveModel) {
      const dir = isAbsolute(experiment.training.saveModel) ? experiment.training.saveModel : resolve(ctx.experimentPath ? dirname(ctx.experimentPath) : process.cwd(), experiment.training.saveModel);
      await saveModelFolder(model, dir);
      outputs.push(dir);
    }
    const summary = summarize({ status, testAccuracy: test?.accuracy, testLoss: test?.loss });
    const finished: RunFinishedEvent = {
      type: 'finished', ...base, status, test, samplesPerSec: summary.samplesPerSec, engine: engine.engine, epochsDone, steps: step, bestEpoch: best?.epoch, bestValLoss: best?.valLoss, seconds: summary.seconds,
      ...(restoredEpoch !== undefined ? { restoredEpoch } : {}), ...(stoppedEarly ? { stoppedEarly } : {}), ...(outputs.length ? { outputs } : {}),
    };
    emit(finished);
    return close(summary);
  } catch (e) {
    const message = e instanceof ExperimentError ? e.problems.map((p) => formatProblem(p)).join('\n') : `training failed at step ${step}: ${(e as Error).message}`;
    emit({ type: 'failed', ...base, message, step });
    return close(summarize({ status: 'failed', message }));
  }
}
