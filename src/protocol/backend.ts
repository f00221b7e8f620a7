// Every message between the extension host and the backend process, declared once.
// Transport: JSON-RPC 2.0 over the backend's stdin/stdout (vscode-jsonrpc); the backend logs to stderr only.
// Run events double as the lines of a run's metrics.jsonl: the file is the notifications, in order.
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { EngineName } from './experiment';

// ── engines ──────────────────────────────────────────────────────────────────────────────────────────────
export interface EngineCandidate {
  name: EngineName;
  /** The package or backend it stands for, e.g. '@tensorflow/tfjs-node-gpu'. */
  source: string;
  /** chosen: the engine in use; available: works but a preferred one was chosen; skipped: not tried. */
  status: 'chosen' | 'available' | 'unavailable' | 'skipped';
  /** Why it is unavailable or was skipped, in words a person can act on; notes for the others. */
  reason?: string;
  /** The TensorFlow library behind a native engine that loaded. */
  tensorflow?: EngineTensorFlow;
}

export interface EngineTensorFlow {
  /** As the library itself reports it (TF_Version). */
  version: string;
  /** The folder of libtensorflow. */
  path: string;
  /** Where it was found: GRADIENT_LAB_TENSORFLOW, a Python environment, Gradient Lab's own TensorFlow… */
  from: string;
  build: 'cpu' | 'gpu';
  cuda?: string;
  /** The GPU TensorFlow created a device on. */
  device?: string;
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
  /** The TensorFlow the chosen native engine runs on. */
  tensorflow?: EngineTensorFlow;
}

// ── run events: src/protocol/runEvents.ts ────────────────────────────────────────────────────────────────
export * from './runEvents';
import type {
  BatchEvent, EpochEvent, FeaturesEvent, GradientProfile, GradientsEvent, ModelSummary, PhaseEvent, RoundEvent, RunFailedEvent, RunFinishedEvent, RunStartedEvent, RunSummary,
} from './runEvents';

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

export namespace EngineInfoRequest {
  export const method = 'engine/info';
  export const type = new RequestType0<EngineInfo, void>(method);
}
/** What the backend holds in memory: for leak checks (the soak bench) and diagnostics. */
export interface BackendMemory {
  rssBytes: number;
  heapUsedBytes: number;
  /** Typed arrays and Buffers (images, datasets), outside the JS heap. */
  arrayBufferBytes: number;
  /** The wasm engine's linear memory (it grows, never shrinks); 0 on other engines. */
  wasmHeapBytes: number;
  /** TF.js tensors alive, and backend data buffers (which an extra incRef keeps alive without a tensor). */
  numTensors: number;
  numDataIds: number;
  tensorBytes: number;
}
export namespace BackendMemoryRequest {
  export const method = 'backend/memory';
  export const type = new RequestType0<BackendMemory, void>(method);
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
