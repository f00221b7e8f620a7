// One training run: prepared completely (experiment, engine, data, model) before its folder exists, so a bad
// experiment leaves no half-made run behind; then trained step by step, every event appended to metrics.jsonl
// and passed to the listener (JSON-RPC notifications or the terminal).
import * as tf from '@tensorflow/tfjs';
import { dirname } from 'node:path';
import type { EngineInfo, RunEvent, RunFinishedEvent, RunSummary, TestResult } from '../../protocol/backend';
import type { Experiment } from '../../protocol/experiment';
import { Batch, identityRows, makeBatch, rng, shuffled } from '../data/batches';
import { Dataset, loadDataset, Split } from '../data/datasets';
import { loadEngine, requestedEngine } from '../engines/engineLoad';
import { checkExperimentValue, ExperimentError, formatProblem, locate } from '../experiment/validate';
import { buildModel } from '../models/buildModel';
import { planLayers } from '../models/layerPlan';
import { makeOptimizer } from '../models/optimizer';
import { saveCheckpoint } from './checkpoint';
import { decodeStats, gradientStats, probeEvery, weightLayers } from './gradientProbe';
import { classReport, confusionMatrix } from './classReport';
import { RunFolder } from './runFolder';
import { pseudoLabelRound, semiDefaults, splitLabeled } from './pseudoLabels';
import { writePredictionsCsv, writeTensorBoard } from './exports';

export interface StartParams {
  experiment: unknown;
  experimentPath?: string;
  runsFolder: string;
  overrides?: { epochs?: number };
  /** An engine asked for outside the experiment (CLI flag, VS Code setting); the experiment's own wins. */
  engine?: { value?: string; from: string };
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
  data: Dataset;
  model: tf.LayersModel;
  denseWeights: tf.LayerVariable[];
  /** Semi-supervised runs: the training images whose labels are not used (data.train is the labeled subset). */
  unlabeled?: Split;
}

export async function prepare(params: StartParams): Promise<Prepared> {
  const parsed = checkExperimentValue(params.experiment, params.experimentPath);
  const experiment: Experiment = { ...parsed.experiment, training: { ...parsed.experiment.training, ...(params.overrides?.epochs ? { epochs: params.overrides.epochs } : {}) } };
  const request = experiment.engine && experiment.engine !== 'auto'
    ? requestedEngine({ value: experiment.engine, from: 'the experiment\'s "engine"' })
    : requestedEngine(params.engine);
  const engine = await loadEngine(request);
  const data = await loadDataset(experiment.data, { baseDir: params.experimentPath ? dirname(params.experimentPath) : undefined });
  let unlabeled: Split | undefined;
  if (experiment.semiSupervised) {
    const parts = splitLabeled(data.train, experiment.semiSupervised, data.classNames.length, data.height * data.width);
    data.train = parts.labeled;
    unlabeled = parts.unlabeled;
  }
  const input = { height: data.height, width: data.width, channels: 1 };
  let plan;
  try {
    plan = planLayers(experiment.model, input, data.classNames.length);
  } catch (e) {
    if (!(e instanceof ExperimentError)) throw e;
    // Shape problems carry JSON paths; add the lines from the source text where we have it.
    const problems = e.problems.map((p) => ({ ...p, ...locate(parsed.text, parsed.tree, p.path.split(/\.|\[|\]/).filter(Boolean).map((s) => (/^\d+$/.test(s) ? Number(s) : s))) }));
    throw new ExperimentError(problems, params.experimentPath);
  }
  const { model, denseWeights } = buildModel(plan, input, { init: experiment.model.init ?? 'he', seed: experiment.seed ?? 1, biasInit: experiment.model.biasInit });
  return { experiment, engine, data, model, denseWeights, unlabeled };
}

function l2Sum(weights: tf.LayerVariable[]): tf.Scalar {
  return tf.addN(weights.map((w) => tf.sum(tf.square(w.read())))).mul(0.5) as tf.Scalar;
}

/** The training objective of one batch: softmax cross-entropy, plus λ·½Σw² on the dense layers. */
export function batchLoss(prep: Prepared, batch: Batch, onLogits?: (logits: tf.Tensor) => void): tf.Scalar {
  const logits = prep.model.apply(batch.xs, { training: true }) as tf.Tensor;
  onLogits?.(logits);
  const oneHot = tf.oneHot(batch.ys, prep.data.classNames.length);
  // weighted images (pseudo-labels): Σ wᵢ·CEᵢ / n, so the labeled images weigh as they do without them
  const ce = batch.ws
    ? tf.losses.softmaxCrossEntropy(oneHot, logits, undefined, undefined, tf.Reduction.NONE).mul(batch.ws).mean()
    : tf.losses.softmaxCrossEntropy(oneHot, logits);
  const lambda = prep.experiment.model.l2 ?? 0;
  return (lambda > 0 ? ce.add(l2Sum(prep.denseWeights).mul(lambda)) : ce) as tf.Scalar;
}

/** Loss, accuracy, predictions over a whole split, in batches, without training behaviour (dropout off). */
function evaluate(model: tf.LayersModel, split: Split, data: Dataset): { loss: number; accuracy: number; predicted: Int32Array } {
  const rows = identityRows(split.count);
  const predicted = new Int32Array(split.count);
  let lossSum = 0;
  let correct = 0;
  for (let from = 0; from < split.count; from += 500) {
    const to = Math.min(split.count, from + 500);
    const [l, p] = tf.tidy(() => {
      const { xs, ys } = makeBatch(split, data.height, data.width, rows, from, to);
      const logits = model.apply(xs, { training: false }) as tf.Tensor2D;
      const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(ys, data.classNames.length), logits, undefined, undefined, tf.Reduction.SUM);
      return [loss.dataSync()[0], logits.argMax(1).dataSync() as Int32Array];
    });
    lossSum += l;
    predicted.set(p, from);
  }
  for (let i = 0; i < split.count; i++) if (predicted[i] === split.labels[i]) correct++;
  return { loss: lossSum / Math.max(1, split.count), accuracy: correct / Math.max(1, split.count), predicted };
}

export async function startRun(params: StartParams, listener: (e: RunEvent) => void): Promise<RunHandle> {
  const prep = await prepare(params);
  const { experiment, engine, model } = prep;
  const run = RunFolder.create(params.runsFolder, experiment.name, { ...experiment, ...(params.experimentPath ? { $source: params.experimentPath } : {}) });
  let cancelled = false;
  const emit = (e: RunEvent) => {
    run.append(e);
    listener(e);
  };
  // Start on the next turn, so the caller can answer run/start before the run's first notification.
  const done = new Promise<void>((r) => setImmediate(r)).then(() => train(prep, run, emit, () => cancelled)).finally(() => model.dispose());
  return { runId: run.runId, folder: run.folder, engine, cancel: () => (cancelled = true), done };
}

async function train(prep: Prepared, run: RunFolder, emit: (e: RunEvent) => void, isCancelled: () => boolean): Promise<RunSummary> {
  const { experiment, engine, data, model, denseWeights } = prep;
  const { batchSize } = experiment.training;
  const semi = experiment.semiSupervised && { ...semiDefaults, ...experiment.semiSupervised };
  const labeledEpochs = experiment.training.epochs;
  const epochs = labeledEpochs + (semi ? semi.rounds * semi.epochsPerRound : 0);
  let trainSet = data.train;
  // a student that starts afresh each round learns from the teacher's labels without inheriting its mistakes
  const initialWeights = semi?.restart ? model.getWeights().map((w) => w.clone()) : undefined;
  const validateEvery = experiment.training.validateEvery ?? 1;
  const checkpointEvery = experiment.training.checkpointEvery ?? 50;
  const classes = data.classNames.length;
  let optimizer = makeOptimizer(experiment.optimizer);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const random = rng(experiment.seed ?? 1);
  const augmentSpec = experiment.training.augment;
  const augment = augmentSpec && (augmentSpec.shift || augmentSpec.flip) ? { ...augmentSpec, random: rng((experiment.seed ?? 1) + 0x5eed) } : undefined;
  const stepsPerEpoch = Math.ceil(data.train.count / batchSize);
  const probed = weightLayers(model);
  const every = probeEvery(experiment, probed.length);
  const startedAt = new Date();
  const base = { runId: run.runId };
  emit({ type: 'started', ...base, folder: run.folder, engine: engine.engine, experiment, trainSize: data.train.count, validationSize: data.validation.count, testSize: data.test.count, stepsPerEpoch, totalEpochs: epochs, ...(prep.unlabeled ? { unlabeledSize: prep.unlabeled.count } : {}), classNames: data.classNames, time: startedAt.toISOString() });

  let step = 0;
  let trainSeconds = 0;
  let trainedSamples = 0;
  let epochsDone = 0;
  let best: { epoch: number; valLoss: number } | undefined;
  // The summary is built first so the final event can carry its figures; writing it closes the run.
  const summarize = (summary: Pick<RunSummary, 'status'> & Partial<RunSummary>): RunSummary => ({
    runId: run.runId, name: experiment.name, engine: engine.engine, samplesPerSec: trainSeconds ? trainedSamples / trainSeconds : 0,
    epochsDone, steps: step, seconds: (Date.now() - startedAt.getTime()) / 1000, bestEpoch: best?.epoch, bestValLoss: best?.valLoss,
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
    for (let epoch = 1; epoch <= epochs && !isCancelled(); epoch++) {
      const epochStart = Date.now();
      if (semi && epoch > labeledEpochs && (epoch - labeledEpochs - 1) % semi.epochsPerRound === 0) {
        const round = (epoch - labeledEpochs - 1) / semi.epochsPerRound + 1;
        const weight = (semi.maxWeight * round) / semi.rounds;
        const r = semi.method === 'pseudo-label'
          ? pseudoLabelRound(model, data.train, prep.unlabeled!, data.height, data.width, semi.threshold, weight)
          : { train: data.train, pseudoLabels: 0, pseudoCorrect: 0 };
        trainSet = r.train;
        if (initialWeights) {
          model.setWeights(initialWeights);
          optimizer.dispose();
          optimizer = makeOptimizer(experiment.optimizer);
        }
        emit({ type: 'round', ...base, round, epoch, method: semi.method, labeled: data.train.count, pseudoLabels: r.pseudoLabels, pseudoCorrect: r.pseudoCorrect, weight, threshold: semi.threshold, stepsPerEpoch: Math.ceil(trainSet.count / batchSize) });
      }
      const order = shuffled(trainSet.count, random);
      let lossSum = 0;
      let correctSum = 0;
      let seen = 0;
      for (let from = 0; from < trainSet.count && !isCancelled(); from += batchSize) {
        const to = Math.min(trainSet.count, from + batchSize);
        const t0 = performance.now();
        const probeNow = every !== undefined && (step === 0 || (step + 1) % every === 0);
        const [loss, accuracy, l2, ...probe] = tf.tidy(() => {
          const batch: Batch = makeBatch(trainSet, data.height, data.width, order, from, to, augment);
          let logits: tf.Tensor | undefined;
          const { value, grads } = tf.variableGrads(() => batchLoss(prep, batch, (l) => (logits = tf.keep(l))), variables);
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
          const message = `the loss became ${loss} at epoch ${epoch}, step ${step} (learning rate ${experiment.optimizer.learningRate}): ` +
            `training diverged. Lower optimizer.learningRate (e.g. to ${experiment.optimizer.learningRate / 10}) or add batch norm. ` +
            `Everything before this step is kept in ${run.folder}.`;
          emit({ type: 'failed', ...base, message, epoch, step });
          return close(summarize({ status: 'failed', message }));
        }
        lossSum += loss * (to - from);
        correctSum += accuracy * (to - from);
        seen += to - from;
        emit({ type: 'batch', ...base, epoch, step, loss, accuracy, samples: to - from, stepMs, learningRate: experiment.optimizer.learningRate, l2 });
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
        ({ loss: valLoss, accuracy: valAccuracy } = evaluate(model, data.validation, data));
        if (!best || valLoss < best.valLoss) {
          best = { epoch, valLoss };
          isBest = true;
          await saveCheckpoint(model, run.checkpoints, 'best', { epoch, step, valLoss });
        }
      }
      emit({ type: 'epoch', ...base, epoch, trainLoss: lossSum / seen, trainAccuracy: correctSum / seen, valLoss, valAccuracy, best: isBest || undefined, seconds: (Date.now() - epochStart) / 1000 });
    }
    const status = isCancelled() ? 'cancelled' : 'completed';
    let test: TestResult | undefined;
    if (status === 'completed' && data.test.count) {
      const r = evaluate(model, data.test, data);
      const confusion = confusionMatrix(data.test.labels, r.predicted, classes);
      test = { loss: r.loss, accuracy: r.accuracy, confusion, perClass: classReport(confusion, data.classNames) };
      writePredictionsCsv(run.folder, r.predicted);
    }
    const summary = summarize({ status, testAccuracy: test?.accuracy, testLoss: test?.loss });
    const finished: RunFinishedEvent = { type: 'finished', ...base, status, test, samplesPerSec: summary.samplesPerSec, engine: engine.engine, epochsDone, steps: step, bestEpoch: best?.epoch, bestValLoss: best?.valLoss, seconds: summary.seconds };
    emit(finished);
    return close(summary);
  } catch (e) {
    const message = e instanceof ExperimentError ? e.problems.map((p) => formatProblem(p)).join('\n') : `training failed at step ${step}: ${(e as Error).message}`;
    emit({ type: 'failed', ...base, message, step });
    return close(summarize({ status: 'failed', message }));
  }
}
