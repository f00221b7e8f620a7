// One training run, prepared (prepare.ts) before its folder exists, then trained step by step — phases of a
// fine-tune, rounds of pseudo-labelling included — every event appended to metrics.jsonl and passed to the listener
// (JSON-RPC notifications or the terminal).
import * as tf from '@tensorflow/tfjs';
import type { EngineInfo } from '../../protocol/engine';
import type { RunEvent, RunFinishedEvent, RunSummary, TestResult } from '../../protocol/runEvents';
import type { Experiment } from '../../protocol/experiment';
import { Augment, Batch, makeBatch } from '../data/batches';
import { rng, shuffled } from '../data/random';
import { ExperimentError, formatProblem } from '../../experiment/validate';
import { makeOptimizer } from '../models/optimizer';
import { copyWeights, loadCheckpoint, saveCheckpoint, saveModelFolder } from './checkpoint';
import { decodeStats, gradientStats, probeEvery, weightLayers } from './gradientProbe';
import { classReport, confusionMatrix } from './classReport';
import { RunFolder } from '../../runs/runFolder';
import { pseudoLabelRound, semiDefaults } from './pseudoLabels';
import { writePredictionsCsv, writeTensorBoard } from './exports';
import { featureCacheDir } from './fineTune';
import { batchLoss, evaluate, l2Sum } from './objective';
import { prepare, Prepared, StartParams } from './prepare';
import { FeaturesCancelled } from './featureCache';
import { writeReport } from './htmlReport';
import type { DownloadReport } from '../models/modelSource';

export interface RunHandle {
  runId: string;
  folder: string;
  engine: EngineInfo;
  cancel(): void;
  done: Promise<RunSummary>;
}
export async function startRun(params: StartParams, listener: (e: RunEvent) => void): Promise<RunHandle> {
  // held until the run ends, then let go: a handle kept for cancel() must not keep a dataset and a model alive
  let prep: Prepared | undefined = await prepare(params);
  const { experiment, engine } = prep;
  let run: RunFolder;
  try {
    run = RunFolder.create(params.runsFolder, experiment.name, { ...experiment, ...(params.experimentPath ? { $source: params.experimentPath } : {}) });
  } catch (e) {
    prep.dispose();
    throw e;
  }
  let cancelled = false;
  const steps: TrainContext['steps'] = { done: 0 };
  const emit = (e: RunEvent) => {
    run.append(e);
    listener(e);
  };
  // Start on the next turn, so the caller can answer run/start before the run's first notification.
  const cacheDir = params.featureCache ?? featureCacheDir(params.runsFolder);
  const done = new Promise<void>((r) => setImmediate(r))
    .then(() => train(prep!, run, emit, () => cancelled, { cacheDir, experimentPath: params.experimentPath, onProgress: params.onProgress, steps }))
    .finally(() => {
      prep!.dispose();
      prep = undefined;
    });
  const cancel = () => {
    if (!cancelled) steps.atCancel = steps.done;
    cancelled = true;
  };
  return { runId: run.runId, folder: run.folder, engine, cancel, done };
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
  /** Steps done so far, and how many were done when a cancel arrived: the run stops after the step it interrupts. */
  steps: { done: number; atCancel?: number };
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
    type: 'started', ...base, folder: run.folder, engine: engine.engine, ...(engine.tensorflow ? { tensorflow: engine.tensorflow.version } : {}), experiment, trainSize: data.train.count, validationSize: data.validation.count, testSize: data.test.count,
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
        ctx.steps.done = ++step;
        trainSeconds += stepMs / 1000;
        trainedSamples += to - from;
        if (!Number.isFinite(loss)) {
          const message = `the loss became ${loss} at epoch ${epoch}, step ${step} (learning rate ${learningRate}): ` +
            `training diverged. Lower ${phase === 'unfreeze' ? 'unfreeze.learningRate' : 'optimizer.learningRate'} (e.g. to ${Number((learningRate / 10).toPrecision(6))}) or add batch norm. ` +
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
    if (status === 'completed' && restoreBest && best) {
      // Keras' restore_best_weights, done: the weights of the best checkpoint on disk, layer by layer
      if (best.epoch !== epochsDone) {
        const bestModel = await loadCheckpoint(run.checkpoints, 'best');
        copyWeights(bestModel, model);
        bestModel.dispose();
      }
      restoredEpoch = best.epoch;
    }
    if (status === 'completed' && data.test.count) {
      const r = evaluate(stage, stage.data.test);
      const confusion = confusionMatrix(data.test.labels, r.predicted, classes);
      test = { loss: r.loss, accuracy: r.accuracy, confusion, perClass: classReport(confusion, data.classNames) };
      outputs.push(writePredictionsCsv(run.folder, r.predicted, data.test.files && { files: data.test.files, labels: data.test.labels, probabilities: r.probabilities, classNames: data.classNames }));
      if (data.test.files || fineTune) outputs.push(writeReport(run.folder, { name: experiment.name, data, evaluation: r, test }));
    }
    if (status === 'completed' && prep.saveModelDir) {
      await saveModelFolder(model, prep.saveModelDir);
      outputs.push(prep.saveModelDir);
    }
    const summary = summarize({ status, testAccuracy: test?.accuracy, testLoss: test?.loss });
    const finished: RunFinishedEvent = {
      type: 'finished', ...base, status, test, samplesPerSec: summary.samplesPerSec, engine: engine.engine, epochsDone, steps: step, bestEpoch: best?.epoch, bestValLoss: best?.valLoss, seconds: summary.seconds,
      ...(restoredEpoch !== undefined ? { restoredEpoch } : {}), ...(stoppedEarly ? { stoppedEarly } : {}), ...(outputs.length ? { outputs } : {}),
      ...(status === 'cancelled' && ctx.steps.atCancel !== undefined ? { cancelledAfterStep: ctx.steps.atCancel } : {}),
    };
    emit(finished);
    return close(summary);
  } catch (e) {
    const message = e instanceof ExperimentError ? e.problems.map((p) => formatProblem(p)).join('\n') : `training failed at step ${step}: ${(e as Error).message}`;
    emit({ type: 'failed', ...base, message, step });
    return close(summarize({ status: 'failed', message }));
  }
}
