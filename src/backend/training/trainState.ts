// What a training run knows while it trains, shared by the loop and its hooks: the stage and data being trained,
// the optimizer and learning rate, counters, the best epoch — and how the run's summary is made and written.
import type { RunEvent, RunSummary } from '../../protocol/runEvents';
import type { Experiment, OptimizerSpec } from '../../protocol/experiment';
import type { Augment } from '../data/batches';
import type { Split } from '../data/datasets';
import { rng } from '../data/random';
import type { DownloadReport } from '../models/modelSource';
import type { Stage } from '../models/stage';
import { makeOptimizer } from '../models/optimizer';
import type { TrainingOptimizer } from '../models/flatAdam';
import type { RunFolder } from '../../runs/runFolder';
import type { Prepared } from './prepared';

export interface TrainContext {
  cacheDir?: string;
  experimentPath?: string;
  onProgress?: DownloadReport;
  /** Steps done so far, and how many were done when a cancel arrived: the run stops after the step it interrupts. */
  steps: { done: number; atCancel?: number };
}

/** The experiment's augmentation with its own seeded generator, or undefined when it changes nothing. */
export function augmentFor(experiment: Experiment): Augment | undefined {
  const a = experiment.training.augment;
  return a && (a.shift || a.flip || a.crop || a.brightness) ? { ...a, random: rng((experiment.seed ?? 1) + 0x5eed) } : undefined;
}

export class TrainState {
  readonly experiment: Experiment;
  readonly base: { runId: string };
  readonly startedAt = new Date();
  /** Shuffles the training order of every epoch. */
  readonly random: () => number;
  epochs: number;
  trainSet: Split;
  /** Undefined only before a fine-tune's head stage is built. */
  stage: Stage | undefined;
  phase: 'head' | 'unfreeze' | undefined;
  augment: Augment | undefined;
  learningRate: number;
  optimizer: TrainingOptimizer;
  step = 0;
  epochsDone = 0;
  trainSeconds = 0;
  trainedSamples = 0;
  best: { epoch: number; valLoss: number } | undefined;
  restoredEpoch: number | undefined;
  stoppedEarly = false;

  constructor(readonly prep: Prepared, readonly run: RunFolder, readonly emit: (e: RunEvent) => void, readonly isCancelled: () => boolean, readonly ctx: TrainContext) {
    this.experiment = prep.experiment;
    this.base = { runId: run.runId };
    this.random = rng(this.experiment.seed ?? 1);
    this.epochs = this.experiment.training.epochs;
    this.trainSet = prep.data.train;
    this.stage = prep.stage;
    this.augment = augmentFor(this.experiment);
    this.learningRate = this.experiment.optimizer.learningRate;
    this.optimizer = makeOptimizer(this.experiment.optimizer);
  }

  stepsPerEpoch(): number {
    return Math.ceil(this.trainSet.count / this.experiment.training.batchSize);
  }

  /** A fresh optimizer (a new phase, a restarted student); the old one's slots are freed. */
  resetOptimizer(spec: OptimizerSpec = this.experiment.optimizer): void {
    this.optimizer.dispose();
    this.optimizer = makeOptimizer(spec);
    this.learningRate = spec.learningRate;
  }

  emitStarted(): void {
    const { prep, experiment } = this;
    const { data, engine } = prep;
    this.emit({
      type: 'started', ...this.base, folder: this.run.folder, engine: engine.engine, ...(engine.tensorflow ? { tensorflow: engine.tensorflow.version } : {}), experiment, trainSize: data.train.count, validationSize: data.validation.count, testSize: data.test.count,
      stepsPerEpoch: this.stepsPerEpoch(), totalEpochs: this.epochs, ...(prep.unlabeled ? { unlabeledSize: prep.unlabeled.count } : {}), classNames: data.classNames,
      time: this.startedAt.toISOString(), summary: prep.summary, ...(data.warnings?.length ? { warnings: data.warnings } : {}),
    });
  }

  /** The summary is built first so the final event can carry its figures; writing it (close) ends the run. */
  summarize(summary: Pick<RunSummary, 'status'> & Partial<RunSummary>): RunSummary {
    return {
      runId: this.run.runId, name: this.experiment.name, engine: this.prep.engine.engine, samplesPerSec: this.trainSeconds ? this.trainedSamples / this.trainSeconds : 0,
      epochsDone: this.epochsDone, steps: this.step, seconds: (Date.now() - this.startedAt.getTime()) / 1000, bestEpoch: this.best?.epoch, bestValLoss: this.best?.valLoss,
      restoredEpoch: this.restoredEpoch, startedAt: this.startedAt.toISOString(), finishedAt: new Date().toISOString(), ...summary,
    };
  }
}
