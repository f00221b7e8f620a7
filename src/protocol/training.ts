// The training messages between host and backend — runs, sweeps, probes, datasets — and the notifications that
// stream a run's events (which double as the lines of its metrics.jsonl: the file is the notifications, in order).
// Transport: JSON-RPC 2.0 over the backend's stdin/stdout (vscode-jsonrpc); the backend logs to stderr only.
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type {
  BatchEvent, EpochEvent, FeaturesEvent, GradientProfile, GradientsEvent, ModelSummary, PhaseEvent, RoundEvent, RunFailedEvent, RunFinishedEvent, RunStartedEvent, RunSummary,
} from './runEvents';

// ── runs ─────────────────────────────────────────────────────────────────────────────────────────────────
export interface RunStartParams {
  experiment: unknown;
  /** Where the experiment came from, for messages and relative data paths. */
  experimentPath?: string;
  runsFolder: string;
  overrides?: { epochs?: number };
  /** Where named and downloaded base models are cached (the extension's global storage). */
  modelCache?: string;
  /** The workspace folder: files an experiment asks to write (training.saveModel) must lie inside it. */
  workspace?: string;
}
export interface RunStartResult {
  runId: string;
  folder: string;
}

export interface SweepStartResult {
  folder: string;
  members: number;
}

export interface RunCancelParams {
  runId: string;
}
export interface CancelResult {
  cancelled: boolean;
}

/** An experiment to build (and, for a probe, to run one batch of) without training it. */
export interface ExperimentParams {
  experiment: unknown;
  experimentPath?: string;
  /** Where named and downloaded base models are cached. */
  modelCache?: string;
}

export const RunStartRequest = new RequestType<RunStartParams, RunStartResult, void>('run/start');
export const RunCancelRequest = new RequestType<RunCancelParams, CancelResult, void>('run/cancel');
/** Gradient magnitude per layer of the experiment's model on one batch, without training. */
export const GradientsProbeRequest = new RequestType<ExperimentParams, GradientProfile, void>('gradients/probe');
/** The model layer by layer without training (the base is loaded and cut, nothing else). */
export const ModelSummaryRequest = new RequestType<ExperimentParams, ModelSummary, void>('model/summary');

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

export interface SweepCancelParams {
  folder: string;
}

/** Every member of the experiment's "sweep", one after another; each member's run sends the usual run events. */
export const SweepStartRequest = new RequestType<RunStartParams, SweepStartResult, void>('sweep/start');
export const SweepCancelRequest = new RequestType<SweepCancelParams, CancelResult, void>('sweep/cancel');

export interface SweepProgressParams {
  folder: string;
  summary: SweepSummary;
}
/** After each sweep member ends (and when the sweep starts and ends): the sweep.json just written. */
export const SweepProgressNotification = new NotificationType<SweepProgressParams>('sweep/progress');

// ── exports ──────────────────────────────────────────────────────────────────────────────────────────────
export interface ExportKerasParams {
  /** An experiment file, or a run folder's experiment.json (its data paths resolve against its $source). */
  experimentPath: string;
  /** The folder to write (default: <experiment>-keras beside the experiment, or keras/ in the run folder). */
  out?: string;
  /** A run folder whose best (else last) checkpoint becomes trained.weights.bin. */
  weightsFrom?: string;
}
export interface ExportKerasResult {
  folder: string;
  files: string[];
  /** What the script leaves out on purpose (nothing that changes what is trained). */
  notes: string[];
}
/** The experiment as a runnable Keras 3 script with its exact splits and weights (backend/export/). */
export const ExportKerasRequest = new RequestType<ExportKerasParams, ExportKerasResult, void>('experiment/exportKeras');

// ── datasets and long preparations ───────────────────────────────────────────────────────────────────────
/** Write a dataset (embedded digits or an IDX folder) as an image folder: train/ validation/ test/ <class>/*.png. */
export interface ImageFolderParams {
  source: 'embedded-digits' | 'idx-folder';
  /** The IDX folder, for source idx-folder. */
  path?: string;
  out: string;
  counts?: { train?: number; validation?: number; test?: number };
}
export interface ImageFolderResult {
  out: string;
  written: { train: number; validation: number; test: number };
  classNames: string[];
}
export const ImageFolderRequest = new RequestType<ImageFolderParams, ImageFolderResult, void>('dataset/imageFolder');

/** Progress of long preparations (a base's download, an image folder being read or written). */
export interface TaskProgress {
  task: string;
  message: string;
  done?: number;
  total?: number;
}
export const TaskProgressNotification = new NotificationType<TaskProgress>('task/progress');

// ── run events, backend → host ───────────────────────────────────────────────────────────────────────────
export const RunStartedNotification = new NotificationType<RunStartedEvent>('run/started');
export const RunBatchNotification = new NotificationType<BatchEvent>('run/batch');
export const RunGradientsNotification = new NotificationType<GradientsEvent>('run/gradients');
export const RunEpochNotification = new NotificationType<EpochEvent>('run/epoch');
export const RunRoundNotification = new NotificationType<RoundEvent>('run/round');
export const RunFeaturesNotification = new NotificationType<FeaturesEvent>('run/features');
export const RunPhaseNotification = new NotificationType<PhaseEvent>('run/phase');
export const RunFinishedNotification = new NotificationType<RunFinishedEvent>('run/finished');
export const RunFailedNotification = new NotificationType<RunFailedEvent>('run/failed');

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

// ── errors ───────────────────────────────────────────────────────────────────────────────────────────────
/**
 * Error codes of Gradient Lab's own, outside JSON-RPC's reserved -32768..-32000 (malformed params and internal
 * failures use vscode-jsonrpc's ErrorCodes.InvalidParams and InternalError).
 */
export const ErrorCodes = {
  /** data: InvalidExperimentData */
  invalidExperiment: 1001,
  /** data: { candidates: EngineCandidate[] } */
  engineUnavailable: 1002,
  dataUnavailable: 1003,
  /** A run or sweep is already training (one at a time). */
  busy: 1004,
} as const;

/** One problem of an experiment file, at its JSON path (and line and column when the file's text is known). */
export interface Problem {
  /** JSON path in dotted form, e.g. model.conv[0].kernel ('' for the whole file). */
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** The data of an invalidExperiment error: every problem found, and the file they are in. */
export interface InvalidExperimentData {
  problems: Problem[];
  file?: string;
}
