// One training run, prepared (prepare.ts) before its folder exists, then trained epoch by epoch — a short loop;
// validation and the best epoch, checkpoints, the gradient probe, phases and pseudo-labelling rounds are hooks in
// ../training — every event appended to metrics.jsonl and passed to the listener (JSON-RPC or the terminal), and
// finished with the test evaluation and the run's outputs.
import type { EngineInfo } from '../../protocol/engine';
import type { RunEvent, RunFinishedEvent, RunSummary, TestResult } from '../../protocol/runEvents';
import { ExperimentError, formatProblem } from '../../experiment/validate';
import { saveModelFolder } from '../training/checkpoint';
import { classReport, confusionMatrix } from './classReport';
import { RunFolder } from '../../runs/runFolder';
import { writePredictionsCsv, writeTensorBoard } from './exports';
import { featureCacheDir } from '../models/fineTune';
import { evaluate } from '../training/objective';
import { prepare, type Prepared, type StartParams } from './prepare';
import { writeReport } from './htmlReport';
import { BestTracker, type Validation } from '../training/bestTracker';
import { Checkpointer } from '../training/checkpointer';
import { GradientHook } from '../training/gradientHook';
import { PhasePlan } from '../training/phasePlan';
import { type EpochResult, trainEpoch } from '../training/trainEpoch';
import { type TrainContext, TrainState } from '../training/trainState';

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

async function train(prep: Prepared, run: RunFolder, emit: (e: RunEvent) => void, isCancelled: () => boolean, ctx: TrainContext): Promise<RunSummary> {
  const s = new TrainState(prep, run, emit, isCancelled, ctx);
  const best = new BestTracker(s);
  const plan = new PhasePlan(s, best);
  const hooks = { probe: new GradientHook(s), checkpoints: new Checkpointer(s) };
  const close = (summary: RunSummary) => {
    plan.dispose();
    return closeRun(s, summary);
  };
  s.emitStarted();
  try {
    if (!(await plan.start())) return close(cancelledBeforeTraining(s));
    for (let epoch = 1; epoch <= s.epochs && !isCancelled(); epoch++) {
      const epochStart = Date.now();
      if (plan.onEpochBegin(epoch) === 'stop') {
        s.stoppedEarly = true;
        break;
      }
      const trained = await trainEpoch(s, epoch, hooks);
      if (trained.diverged) return close(failRun(s, trained.diverged, { epoch, step: s.step }));
      if (isCancelled() && trained.seen < s.trainSet.count) break;
      s.epochsDone = epoch;
      await hooks.checkpoints.onEpochEnd(epoch);
      emitEpoch(s, epoch, trained, await best.onEpochEnd(epoch), epochStart);
    }
    return close(await finishRun(s, best));
  } catch (e) {
    const message = e instanceof ExperimentError ? e.problems.map((p) => formatProblem(p)).join('\n') : `training failed at step ${s.step}: ${(e as Error).message}`;
    return close(failRun(s, message, { step: s.step }));
  }
}

function emitEpoch(s: TrainState, epoch: number, trained: EpochResult, val: Validation, epochStart: number): void {
  s.emit({
    type: 'epoch', ...s.base, epoch, trainLoss: trained.lossSum / trained.seen, trainAccuracy: trained.correctSum / trained.seen,
    valLoss: val.valLoss, valAccuracy: val.valAccuracy, best: val.isBest || undefined, seconds: (Date.now() - epochStart) / 1000,
  });
}

/** Cancelled while a fine-tune's base features were being computed: nothing trained. */
function cancelledBeforeTraining(s: TrainState): RunSummary {
  const summary = s.summarize({ status: 'cancelled' });
  s.emit({ type: 'finished', ...s.base, status: 'cancelled', samplesPerSec: 0, engine: s.prep.engine.engine, epochsDone: 0, steps: 0, seconds: summary.seconds });
  return summary;
}

/** The run failed: the event says why (and where); the summary says so too. */
function failRun(s: TrainState, message: string, where: { epoch?: number; step?: number }): RunSummary {
  s.emit({ type: 'failed', ...s.base, message, ...where });
  return s.summarize({ status: 'failed', message });
}

/** The end of a run that trained: the best weights back, the test split evaluated, the outputs written. */
async function finishRun(s: TrainState, best: BestTracker): Promise<RunSummary> {
  const status = s.isCancelled() ? 'cancelled' : 'completed';
  const outputs: string[] = [];
  let test: TestResult | undefined;
  if (status === 'completed') {
    await best.restore();
    test = testAndReport(s, outputs);
    if (s.prep.saveModelDir) {
      await saveModelFolder(s.prep.model, s.prep.saveModelDir);
      outputs.push(s.prep.saveModelDir);
    }
  }
  const summary = s.summarize({ status, testAccuracy: test?.accuracy, testLoss: test?.loss });
  const finished: RunFinishedEvent = {
    type: 'finished', ...s.base, status, test, samplesPerSec: summary.samplesPerSec, engine: s.prep.engine.engine, epochsDone: s.epochsDone, steps: s.step, bestEpoch: s.best?.epoch, bestValLoss: s.best?.valLoss, seconds: summary.seconds,
    ...(s.restoredEpoch !== undefined ? { restoredEpoch: s.restoredEpoch } : {}), ...(s.stoppedEarly ? { stoppedEarly: true } : {}), ...(outputs.length ? { outputs } : {}),
    ...(status === 'cancelled' && s.ctx.steps.atCancel !== undefined ? { cancelledAfterStep: s.ctx.steps.atCancel } : {}),
  };
  s.emit(finished);
  return summary;
}

/** The test split's loss, accuracy, confusion and per-class report; predictions.csv and, for images, report.html. */
function testAndReport(s: TrainState, outputs: string[]): TestResult | undefined {
  const { data, fineTune } = s.prep;
  if (!data.test.count) return undefined;
  const r = evaluate(s.stage!, s.stage!.data.test);
  const confusion = confusionMatrix(data.test.labels, r.predicted, data.classNames.length);
  const test = { loss: r.loss, accuracy: r.accuracy, confusion, perClass: classReport(confusion, data.classNames) };
  outputs.push(writePredictionsCsv(s.run.folder, r.predicted, data.test.files && { files: data.test.files, labels: data.test.labels, probabilities: r.probabilities, classNames: data.classNames }));
  if (data.test.files || fineTune) outputs.push(writeReport(s.run.folder, { name: s.experiment.name, data, evaluation: r, test }));
  return test;
}

/** Writing the summary ends the run; its TensorBoard file follows, so `tensorboard --logdir` shows every run. */
function closeRun(s: TrainState, summary: RunSummary): RunSummary {
  s.optimizer.dispose();
  s.run.finish(summary);
  try {
    writeTensorBoard(s.run.folder);
  } catch (e) {
    process.stderr.write(`could not write the TensorBoard file of ${s.run.folder}: ${(e as Error).message}\n`);
  }
  return summary;
}
