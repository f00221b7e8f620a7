// Every message between the extension host and the backend process, declared once.
// Transport: JSON-RPC 2.0 over the backend's stdin/stdout (vscode-jsonrpc); the backend logs to stderr only.
// Run events double as the lines of a run's metrics.jsonl: the file is the notifications, in order.
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { EngineName, Experiment } from './experiment';

// ── engines ──────────────────────────────────────────────────────────────────────────────────────────────
export interface EngineCandidate {
  name: EngineName;
  /** The package or backend it stands for, e.g. '@tensorflow/tfjs-node-gpu'. */
  source: string;
  /** chosen: the engine in use; available: works but a preferred one was chosen; skipped: not tried. */
  status: 'chosen' | 'available' | 'unavailable' | 'skipped';
  /** Why it is unavailable or was skipped, in words a person can act on; notes for the others. */
  reason?: string;
}

export interface EngineInfo {
  engine: EngineName;
  /** The TF.js backend name, e.g. 'tensorflow', 'wasm', 'cpu'. */
  backend: string;
  tfjsVersion: string;
  /** Every candidate in order of preference, including the chosen one. */
  candidates: EngineCandidate[];
  /** Replacement kernels registered for this engine (e.g. wasm's missing Conv2DBackpropFilter). */
  patchedKernels: string[];
  forcedBy?: string;
}

// ── run events (notifications backend → host, and the lines of metrics.jsonl) ───────────────────────────────
export interface RunStartedEvent {
  type: 'started';
  runId: string;
  folder: string;
  engine: EngineName;
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

// ── sweeps ───────────────────────────────────────────────────────────────────────────────────────────────
export interface SweepMemberResult {
  values: Record<string, unknown>;
  status: RunSummary['status'] | 'running' | 'not started';
  runId?: string;
  bestValLoss?: number;
  testAccuracy?: number;
  seconds?: number;
  message?: string;
}

/** sweep.json in the sweep's folder, rewritten after every member. */
export interface SweepSummary {
  name: string;
  status: 'running' | 'completed' | 'cancelled';
  settings: string[];
  members: SweepMemberResult[];
  /** The member with the lowest validation loss. */
  best?: string;
}

// ── derivation checks ────────────────────────────────────────────────────────────────────────────────────
export interface GradcheckResult {
  /** 1-based line and column of the formula (or of the gradcheck block, for block problems), and its end. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  latex: string;
  verdict: 'pass' | 'fail' | 'inconclusive' | 'parse-error';
  message: string;
  /** Each side's value at the first draw. */
  sides: number[];
  /** Each side's value per draw, for hovers. */
  perDraw: number[][];
  warnings: string[];
}

export interface GradcheckFileParams {
  uri: string;
  version: number;
  text: string;
}

export interface GradcheckFileResult {
  uri: string;
  version: number;
  results: GradcheckResult[];
  /** Math with claims but no gradcheck block: a block guessed from the indices used. */
  suggestedBlock?: string;
  ms: number;
}

export namespace GradcheckFileRequest {
  export const method = 'gradcheck/file';
  export const type = new RequestType<GradcheckFileParams, GradcheckFileResult, void>(method);
}
/** Each claim's result as soon as it is known, before the request's answer (the first lens need not wait). */
export const GradcheckResultNotification = new NotificationType<{ uri: string; version: number; result: GradcheckResult }>('gradcheck/result');

// ── requests host → backend ──────────────────────────────────────────────────────────────────────────────
export interface RunStartParams {
  experiment: unknown;
  /** Where the experiment came from, for messages and relative data paths. */
  experimentPath?: string;
  runsFolder: string;
  overrides?: { epochs?: number };
  /** Where named and downloaded base models are cached (the extension's global storage). */
  modelCache?: string;
}
export interface RunStartResult {
  runId: string;
  folder: string;
}

export interface SweepStartResult {
  folder: string;
  members: number;
}

export namespace EngineInfoRequest {
  export const method = 'engine/info';
  export const type = new RequestType0<EngineInfo, void>(method);
}
export namespace RunStartRequest {
  export const method = 'run/start';
  export const type = new RequestType<RunStartParams, RunStartResult, void>(method);
}
export namespace GradientsProbeRequest {
  export const method = 'gradients/probe';
  export const type = new RequestType<{ experiment: unknown; experimentPath?: string }, GradientProfile, void>(method);
}
/** Every member of the experiment's "sweep", one after another; each member's run sends the usual run events. */
export namespace SweepStartRequest {
  export const method = 'sweep/start';
  export const type = new RequestType<RunStartParams, SweepStartResult, void>(method);
}
export namespace SweepCancelRequest {
  export const method = 'sweep/cancel';
  export const type = new RequestType<{ folder: string }, { cancelled: boolean }, void>(method);
}
export namespace RunCancelRequest {
  export const method = 'run/cancel';
  export const type = new RequestType<{ runId: string }, { cancelled: boolean }, void>(method);
}

/** Write a dataset (embedded digits or an IDX folder) as an image folder: train/ validation/ test/ <class>/*.png. */
export interface ImageFolderParams {
  source: 'embedded-digits' | 'idx-folder';
  /** The IDX folder, for source idx-folder. */
  path?: string;
  out: string;
  counts?: { train?: number; validation?: number; test?: number };
}
export namespace ImageFolderRequest {
  export const method = 'dataset/imageFolder';
  export const type = new RequestType<ImageFolderParams, { out: string; written: { train: number; validation: number; test: number }; classNames: string[] }, void>(method);
}
/** The model layer by layer without training (the base is loaded and cut, nothing else). */
export namespace ModelSummaryRequest {
  export const method = 'model/summary';
  export const type = new RequestType<{ experiment: unknown; experimentPath?: string; modelCache?: string }, ModelSummary, void>(method);
}
/** Progress of long preparations (a base's download, an image folder being read or written). */
export const TaskProgressNotification = new NotificationType<{ task: string; message: string; done?: number; total?: number }>('task/progress');

// ── notifications backend → host ─────────────────────────────────────────────────────────────────────────
export const RunStartedNotification = new NotificationType<RunStartedEvent>('run/started');
export const RunBatchNotification = new NotificationType<BatchEvent>('run/batch');
export const RunGradientsNotification = new NotificationType<GradientsEvent>('run/gradients');
export const RunEpochNotification = new NotificationType<EpochEvent>('run/epoch');
export const RunRoundNotification = new NotificationType<RoundEvent>('run/round');
export const RunFeaturesNotification = new NotificationType<FeaturesEvent>('run/features');
export const RunPhaseNotification = new NotificationType<PhaseEvent>('run/phase');
export const RunFinishedNotification = new NotificationType<RunFinishedEvent>('run/finished');
export const RunFailedNotification = new NotificationType<RunFailedEvent>('run/failed');

/** After each sweep member ends (and when the sweep starts and ends): the sweep.json just written. */
export const SweepProgressNotification = new NotificationType<{ folder: string; summary: SweepSummary }>('sweep/progress');

/** The notification that carries each kind of run event. */
export const runEventNotifications = {
  started: RunStartedNotification,
  batch: RunBatchNotification,
  gradients: RunGradientsNotification,
  epoch: RunEpochNotification,
  round: RunRoundNotification,
  features: RunFeaturesNotification,
  phase: RunPhaseNotification,
  finished: RunFinishedNotification,
  failed: RunFailedNotification,
} as const;

/** JSON-RPC error codes of our own (the server range is -32000..-32099). */
export const ErrorCodes = {
  invalidExperiment: -32001,
  engineUnavailable: -32002,
  dataUnavailable: -32003,
} as const;
