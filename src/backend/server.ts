// `gradient-lab serve`: the backend as the extension host sees it, JSON-RPC over stdin/stdout.
// stdout carries only protocol messages; everything else goes to stderr.
import { createMessageConnection, ErrorCodes as RpcErrorCodes, type MessageConnection, ResponseError, StreamMessageWriter } from 'vscode-jsonrpc/node';
import * as tf from '@tensorflow/tfjs';
import { type BackendMemory, BackendMemoryRequest, EngineInfoRequest } from '../protocol/engine';
import { GradcheckFileRequest, GradcheckResultNotification } from '../protocol/gradcheck';
import {
  ErrorCodes, ExportKerasRequest, GradientsProbeRequest, ImageFolderRequest, type InvalidExperimentData, ModelSummaryRequest, RunCancelRequest, runEventNotifications, type RunStartParams, RunStartRequest,
  SweepCancelRequest, SweepProgressNotification, SweepStartRequest, TaskProgressNotification,
} from '../protocol/training';
import { modelSummary, writeImageFolderFrom } from './jobs/datasetTools';
import { CheckerThread } from './gradcheck/checkerThread';
import { DataError } from './data/idxReader';
import { loadEngine, onEngineLoaded, requestedEngine } from './engines/engineLoad';
import { formatEngineReport } from '../native/engineReport';
import { EngineUnavailableError } from './engines/engineSelect';
import { ExperimentError } from '../experiment/validate';
import { ActiveJobs, BusyError } from './jobs/activeJobs';
import { gradientProfile } from './jobs/gradientProfile';
import { exportKeras } from './export/kerasExport';
import { SafeMessageReader } from './safeReader';

/** Each failure as the error the host tells apart: ours by code, the rest as JSON-RPC's own. */
export function toResponseError(e: unknown): ResponseError<unknown> {
  if (e instanceof ResponseError) return e;
  if (e instanceof ExperimentError) return new ResponseError<InvalidExperimentData>(ErrorCodes.invalidExperiment, e.message, { problems: e.problems, file: e.file });
  if (e instanceof DataError) return new ResponseError(ErrorCodes.dataUnavailable, e.message);
  if (e instanceof EngineUnavailableError) return new ResponseError(ErrorCodes.engineUnavailable, e.message, { candidates: e.candidates });
  if (e instanceof BusyError) return new ResponseError(ErrorCodes.busy, e.message);
  return new ResponseError(RpcErrorCodes.InternalError, (e as Error)?.message ?? String(e));
}

/** A request handler whose every failure reaches the host as a ResponseError (one place, not one try per request). */
function handle<P, R>(fn: (params: P) => R | Promise<R>): (params: P) => Promise<R> {
  return async (params) => {
    try {
      return await fn(params);
    } catch (e) {
      throw toResponseError(e);
    }
  };
}

const invalidParams = (message: string) => new ResponseError(RpcErrorCodes.InvalidParams, message);

function runParams(params: RunStartParams, method: string, experimentKind: 'object' | 'string'): RunStartParams {
  const experimentOk = experimentKind === 'string' ? typeof params?.experiment === 'string' : params?.experiment !== undefined;
  if (typeof params !== 'object' || params === null || typeof params.runsFolder !== 'string' || !experimentOk) {
    throw invalidParams(`${method} needs params { experiment${experimentKind === 'string' ? " (the file's text)" : ''}, runsFolder, experimentPath?, overrides? }`);
  }
  return params;
}

function backendMemory(): BackendMemory {
  (globalThis as { gc?: () => void }).gc?.(); // under --expose-gc (leak tests): count only what is still held
  const m = tf.memory();
  const usage = process.memoryUsage();
  const wasm = (tf.engine().backend as { wasm?: { HEAPU8?: Uint8Array } } | undefined)?.wasm;
  return {
    rssBytes: usage.rss, heapUsedBytes: usage.heapUsed, arrayBufferBytes: usage.arrayBuffers, wasmHeapBytes: wasm?.HEAPU8?.length ?? 0,
    numTensors: m.numTensors, numDataIds: tf.engine().backend?.numDataIds() ?? 0, tensorBytes: m.numBytes,
  };
}

/** Notifications that stop quietly once the host is gone (a run still finishing writes its folder all the same). */
function notifier(connection: MessageConnection): { notify: (method: string, params: unknown) => void; close: () => void } {
  let closed = false;
  const notify = (method: string, params: unknown) => {
    if (closed) return;
    try {
      connection.sendNotification(method, params).catch(() => undefined);
    } catch {
      // the connection closed under us: the run's folder still gets the event
    }
  };
  return { notify, close: () => (closed = true) };
}

export function serve(): void {
  console.log = console.info = console.warn = console.error; // nothing but protocol on stdout
  // the host's log shows which engine trains and why the others do not
  onEngineLoaded((info) => process.stderr.write(`engine: ${info.engine}\n${formatEngineReport(info)}\n`));
  const writer = new StreamMessageWriter(process.stdout);
  const connection = createMessageConnection(new SafeMessageReader(process.stdin, writer), writer);
  const { notify, close } = notifier(connection);
  const progress = (task: string) => (message: string, done?: number, total?: number) => notify(TaskProgressNotification.method, { task, message, done, total });
  const jobs = new ActiveJobs({
    event: (e) => notify(runEventNotifications[e.type].method, e),
    sweepProgress: (summary, folder) => notify(SweepProgressNotification.method, { folder, summary }),
    progress,
  });
  // Derivation checks run in their own thread: no file of claims can stall a training step or another request.
  const checker = new CheckerThread();

  connection.onRequest(EngineInfoRequest, handle(() => loadEngine(requestedEngine())));
  connection.onRequest(BackendMemoryRequest, handle(backendMemory));
  connection.onRequest(RunStartRequest, handle((p) => jobs.startRun(runParams(p, 'run/start', 'object'))));
  connection.onRequest(SweepStartRequest, handle((p) => jobs.startSweep(runParams(p, 'sweep/start', 'string') as RunStartParams & { experiment: string })));
  connection.onRequest(RunCancelRequest, handle((p) => ({ cancelled: jobs.cancelRun(p?.runId) })));
  connection.onRequest(SweepCancelRequest, handle((p) => ({ cancelled: jobs.cancelSweep(p?.folder) })));
  connection.onRequest(GradientsProbeRequest, handle((p) => gradientProfile({ experiment: p?.experiment, experimentPath: p?.experimentPath, runsFolder: '' })));
  connection.onRequest(ModelSummaryRequest, handle((p) => modelSummary({ experiment: p?.experiment, experimentPath: p?.experimentPath, modelCache: p?.modelCache, runsFolder: '', onProgress: progress('summary') })));
  connection.onRequest(ImageFolderRequest, handle((p) => {
    if (typeof p?.out !== 'string') throw invalidParams('dataset/imageFolder needs params { source, path?, out, counts? }');
    return writeImageFolderFrom(p, progress('imageFolder'));
  }));
  connection.onRequest(ExportKerasRequest, handle((p) => {
    if (typeof p?.experimentPath !== 'string') throw invalidParams('experiment/exportKeras needs params { experimentPath, out?, weightsFrom? }');
    return exportKeras(p.experimentPath, { out: p.out, weightsFrom: p.weightsFrom });
  }));
  connection.onRequest(GradcheckFileRequest, handle(async (p) => {
    const { uri, version, text } = p ?? {};
    if (typeof text !== 'string') throw invalidParams('gradcheck/file needs params { uri, version, text }');
    const done = await checker.check(text, (result) => notify(GradcheckResultNotification.method, { uri, version, result }));
    return { uri, version, ...done };
  }));

  // stdin closed: the host is gone. Stop the run or sweep where it stands — each finishes as "cancelled" with its
  // summary written — and leave.
  connection.onClose(async () => {
    close();
    checker.dispose();
    await jobs.finishAll();
    process.exit(0);
  });
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => void jobs.finishAll().then(() => process.exit(143)));
  }
  connection.listen();
}
