// A run's events: the notifications the backend sends the host, and — the same objects — the lines of a run's
// metrics.jsonl; and summary.json. Everything that reads a run (panel, compare, exports, tests) reads these.
import type { EngineName, Experiment } from './experiment';

export interface RunStartedEvent {
  type: 'started';
  runId: string;
  folder: string;
  engine: EngineName;
  /** The TensorFlow version behind a native engine, as the library reports it. */
  tensorflow?: string;
  experiment: Experiment;
  trainSize: number;
  validationSize: number;
  testSize: number;
  stepsPerEpoch: number;
  /** All epochs the run will train, pseudo-labelling rounds included (training.epochs otherwise). */
  totalEpochs: number;
  /** Semi-supervised runs: the training images used without their labels. */
  unlabeledSize?: number;
  classNames: string[];
  time: string;
  /** The model layer by layer (a fine-tune: the cut base, frozen, then the new head). */
  summary?: ModelSummary;
  /** Problems that did not stop the run (e.g. unreadable images skipped, by name). */
  warnings?: string[];
}

export interface LayerSummaryRow {
  name: string;
  type: string;
  outputShape: string;
  params: number;
  trainable: boolean;
}

export interface ModelSummary {
  rows: LayerSummaryRow[];
  totalParams: number;
  trainableParams: number;
  /** Fine-tunes: where the base came from and where it was cut. */
  base?: { file: string; cutAt: string; input: number[]; featureDim: number; kind: 'layers' | 'graph' };
}

/** A fine-tune's frozen-base features: read from the cache, computed (and cached), or computed every epoch. */
export interface FeaturesEvent {
  type: 'features';
  runId: string;
  cache: 'hit' | 'miss' | 'off';
  /** Where the cached features are. */
  folder?: string;
  images: number;
  dim: number;
  seconds: number;
  /** Steps per epoch of the head phase (augmented copies make more). */
  stepsPerEpoch: number;
  /** What the cache does not hold, said once (e.g. per-epoch augmentation). */
  note?: string;
}

/** A fine-tune enters its unfreeze phase (before `epoch`): the top layers of the base train from now on. */
export interface PhaseEvent {
  type: 'phase';
  runId: string;
  phase: 'unfreeze';
  epoch: number;
  /** Why the head phase ended: its epochs are done, or validation loss stopped improving. */
  reason: 'epochs' | 'patience';
  unfrozenLayers: string[];
  trainableParams: number;
  learningRate: number;
  stepsPerEpoch: number;
  totalEpochs: number;
}

export interface BatchEvent {
  type: 'batch';
  runId: string;
  epoch: number;
  /** Global step, counted from 1. */
  step: number;
  loss: number;
  accuracy: number;
  /** Images in this batch (the last batch of an epoch may be smaller). */
  samples: number;
  stepMs: number;
  learningRate: number;
  /** The regularizer ½Σw² over dense weights and biases, without λ. */
  l2: number;
}

export interface EpochEvent {
  type: 'epoch';
  runId: string;
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  /** True when this epoch's weights became the best checkpoint (lowest validation loss). */
  best?: boolean;
  seconds: number;
}

/** One weight layer's gradient at a probed step (input side first). */
export interface LayerGradient {
  /** 1-based among the layers that have weights. */
  index: number;
  name: string;
  activation: string;
  weightNorm: number;
  weightMeanAbs: number;
  biasNorm: number;
  biasMeanAbs: number;
  /** ReLU layers: the fraction of units that were zero for the whole batch (their bias gradient is exactly 0). */
  deadFraction?: number;
}

export interface GradientsEvent {
  type: 'gradients';
  runId: string;
  epoch: number;
  step: number;
  layers: LayerGradient[];
}

/** One batch's gradient profile without training ("Probe Gradients…", `gradient-lab gradients`). */
export interface GradientProfile {
  engine: EngineName;
  batchSize: number;
  loss: number;
  layers: LayerGradient[];
}

export interface ClassReport {
  name: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface TestResult {
  loss: number;
  accuracy: number;
  /** confusion[true][predicted] */
  confusion: number[][];
  perClass: ClassReport[];
}

/** A semi-supervised round begins (before its first epoch): the labeled images plus `pseudoLabels` confident
 *  unlabeled ones, weighted `weight`. Baseline runs (method "none") have rounds too, with no pseudo-labels. */
export interface RoundEvent {
  type: 'round';
  runId: string;
  round: number;
  /** The epoch the round starts with. */
  epoch: number;
  method: 'pseudo-label' | 'none';
  labeled: number;
  pseudoLabels: number;
  /** Pseudo-labels that match the hidden true labels (for the report; never trained on). */
  pseudoCorrect: number;
  weight: number;
  threshold: number;
  /** Steps per epoch from now on (the training set has grown). */
  stepsPerEpoch: number;
}

export interface RunFinishedEvent {
  type: 'finished';
  runId: string;
  status: 'completed' | 'cancelled';
  test?: TestResult;
  samplesPerSec: number;
  engine: EngineName;
  epochsDone: number;
  steps: number;
  bestEpoch?: number;
  bestValLoss?: number;
  seconds: number;
  /** The best checkpoint's epoch, when it was loaded before testing (training.restoreBest). */
  restoredEpoch?: number;
  /** Training stopped before its last epoch because validation loss stopped improving (training.patience). */
  stoppedEarly?: boolean;
  /** Files written into the run folder at the end (predictions.csv, report.html, a saved model). */
  outputs?: string[];
  /** A cancelled run: the steps done when the cancel arrived (the run finishes the step it interrupts, no more). */
  cancelledAfterStep?: number;
}

export interface RunFailedEvent {
  type: 'failed';
  runId: string;
  message: string;
  /** Where it failed, when known (e.g. epoch and step of a NaN loss). */
  epoch?: number;
  step?: number;
}

export type RunEvent = RunStartedEvent | BatchEvent | GradientsEvent | EpochEvent | RoundEvent | FeaturesEvent | PhaseEvent | RunFinishedEvent | RunFailedEvent;

/** What summary.json holds: the final event plus what a list of runs needs. */
export interface RunSummary {
  runId: string;
  name: string;
  status: 'completed' | 'cancelled' | 'failed';
  engine: EngineName;
  testAccuracy?: number;
  testLoss?: number;
  samplesPerSec: number;
  bestEpoch?: number;
  bestValLoss?: number;
  restoredEpoch?: number;
  epochsDone: number;
  steps: number;
  seconds: number;
  message?: string;
  startedAt: string;
  finishedAt: string;
}
