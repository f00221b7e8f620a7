// `gradient-lab serve`: the backend as the extension host sees it, JSON-RPC over stdin/stdout.
// stdout carries only protocol messages; everything else goes to stderr.
import { createMessageConnection, ResponseError, StreamMessageWriter } from 'vscode-jsonrpc/node';
import * as tf from '@tensorflow/tfjs';
import { BackendMemoryRequest, EngineInfoRequest } from '../protocol/engine';
import { GradcheckFileRequest, GradcheckResultNotification } from '../protocol/gradcheck';
import { ErrorCodes, GradientsProbeRequest, ImageFolderRequest, ModelSummaryRequest, RunCancelRequest, runEventNotifications, RunStartRequest, SweepCancelRequest, SweepProgressNotification, SweepStartRequest, TaskProgressNotification } from '../protocol/training';
import { modelSummary, writeImageFolderFrom } from './jobs/datasetTools';
import { CheckerThread } from './gradcheck/checkerThread';
import { recoverInterrupted } from './jobs/interrupted';
import { DataError } from './data/idxReader';
import { loadEngine, onEngineLoaded, requestedEngine } from './engines/engineLoad';
import { formatEngineReport } from '../native/engineReport';
import { EngineUnavailableError } from './engines/engineSelect';
import { ExperimentError, parseExperimentText } from '../experiment/validate';
import { SweepHandle, startSweep } from './jobs/sweep';
import { RunHandle, startRun } from './jobs/trainRun';
import { gradientProfile } from './jobs/gradientProfile';
import { SafeMessageReader } from './safeReader';

export function toResponseError(e: unknown): ResponseError<unknown> {
  if (e instanceof ExperimentError) return new ResponseError(ErrorCodes.invalidExperiment, e.message, { problems: e.problems, file: e.file });
  if (e instanceof DataError) return new ResponseError(ErrorCodes.dataUnavailable, e.message);
  if (e instanceof EngineUnavailableError) return new ResponseError(ErrorCodes.engineUnavailable, e.message, { candidates: e.candidates });
  return new ResponseError(-32603, (e as Error)?.message ?? String(e));
}

export function serve(): void {
  console.log = console.info = console.warn = console.error; // nothing but protocol on stdout
  // the host's log shows which engine trains and why the others do not
  onEngineLoaded((info) => process.stderr.write(`engine: ${info.engine}\n${formatEngineReport(info)}\n`));
  const writer = new StreamMessageWriter(process.stdout);
  const connection = createMessageConnection(new SafeMessageReader(process.stdin, writer), writer);
  const runs = new Map<string, RunHandle>();
  let active: RunHandle | undefined;
  let sweep: SweepHandle | undefined;
  /** A run/start being prepared: a second one sent meanwhile must be refused, not started beside it. */
  let starting = false;
  let closed = false;
  /** After the host is gone, a run still finishing writes its folder; its notifications go nowhere, harmlessly. */
  const notify = (method: string, params: unknown) => {
    if (closed) return;
    try {
      connection.sendNotification(method, params).catch(() => undefined);
    } catch {
      // the connection closed under us: the run's folder still gets the event
    }
  };
  const progress = (task: string) => (message: string, done?: number, total?: number) => notify(TaskProgressNotification.method, { task, message, done, total });
  const busy = () => (sweep ? `a sweep is running (${sweep.folder}); cancel it or wait for it to finish`
    : active ? `run ${active.runId} is still training; cancel it or wait for it to finish`
    : starting ? 'a run is being started; cancel it or wait for it to finish' : undefined);

  connection.onRequest(EngineInfoRequest, async () => {
    try {
      return await loadEngine(requestedEngine());
    } catch (e) {
      throw toResponseError(e);
    }
  });

  connection.onRequest(BackendMemoryRequest, () => {
    (globalThis as { gc?: () => void }).gc?.(); // under --expose-gc (leak tests): count only what is still held
    const m = tf.memory();
    const usage = process.memoryUsage();
    const wasm = (tf.engine().backend as { wasm?: { HEAPU8?: Uint8Array } } | undefined)?.wasm;
    return {
      rssBytes: usage.rss, heapUsedBytes: usage.heapUsed, arrayBufferBytes: usage.arrayBuffers, wasmHeapBytes: wasm?.HEAPU8?.length ?? 0,
      numTensors: m.numTensors, numDataIds: tf.engine().backend?.numDataIds() ?? 0, tensorBytes: m.numBytes,
    };
  });

  connection.onRequest(RunStartRequest, async (params) => {
    if (typeof params !== 'object' || params === null || typeof params.runsFolder !== 'string' || params.experiment === undefined) {
      throw new ResponseError(-32602, 'run/start needs params { experiment, runsFolder, experimentPath?, overrides? }');
    }
    if (busy()) throw new ResponseError(-32000, busy()!);
    recoverInterrupted(params.runsFolder);
    starting = true;
    try {
      const handle = await startRun({ ...params, engine: undefined, onProgress: progress('run') }, (e) => notify(runEventNotifications[e.type].method, e));
      active = handle;
      runs.set(handle.runId, handle);
      void handle.done.finally(() => {
        if (active === handle) active = undefined;
        runs.delete(handle.runId); // a finished run cannot be cancelled; its handle need not stay
      });
      return { runId: handle.runId, folder: handle.folder };
    } catch (e) {
      throw toResponseError(e);
    } finally {
      starting = false;
    }
  });

  connection.onRequest(SweepStartRequest, (params) => {
    if (typeof params !== 'object' || params === null || typeof params.runsFolder !== 'string' || typeof params.experiment !== 'string') {
      throw new ResponseError(-32602, 'sweep/start needs params { experiment (the file\'s text), runsFolder, experimentPath?, overrides? }');
    }
    if (busy()) throw new ResponseError(-32000, busy()!);
    recoverInterrupted(params.runsFolder);
    try {
      const { experiment } = parseExperimentText(params.experiment, params.experimentPath);
      const handle = startSweep(
        { ...params, experiment, engine: undefined, onProgress: progress('sweep') },
        (e) => notify(runEventNotifications[e.type].method, e),
        (summary, folder) => notify(SweepProgressNotification.method, { folder, summary }),
      );
      sweep = handle;
      void handle.done.finally(() => {
        if (sweep === handle) sweep = undefined;
      });
      return { folder: handle.folder, members: handle.members };
    } catch (e) {
      throw toResponseError(e);
    }
  });

  connection.onRequest(SweepCancelRequest, (params) => {
    if (!sweep || sweep.folder !== params?.folder) return { cancelled: false };
    sweep.cancel();
    return { cancelled: true };
  });

  connection.onRequest(RunCancelRequest, (params) => {
    const run = runs.get(params?.runId);
    if (!run || run !== active) return { cancelled: false };
    run.cancel();
    return { cancelled: true };
  });

  connection.onRequest(GradientsProbeRequest, async (params) => {
    try {
      return await gradientProfile({ experiment: params?.experiment, experimentPath: params?.experimentPath, runsFolder: '' });
    } catch (e) {
      throw toResponseError(e);
    }
  });

  connection.onRequest(ModelSummaryRequest, async (params) => {
    try {
      return await modelSummary({ experiment: params?.experiment, experimentPath: params?.experimentPath, modelCache: params?.modelCache, runsFolder: '', onProgress: progress('summary') });
    } catch (e) {
      throw toResponseError(e);
    }
  });

  connection.onRequest(ImageFolderRequest, async (params) => {
    if (typeof params?.out !== 'string') throw new ResponseError(-32602, 'dataset/imageFolder needs params { source, path?, out, counts? }');
    try {
      return await writeImageFolderFrom(params, progress('imageFolder'));
    } catch (e) {
      throw toResponseError(e);
    }
  });

  // Derivation checks run in their own thread: no file of claims can stall a training step or another request.
  const checker = new CheckerThread();
  connection.onRequest(GradcheckFileRequest, async (params) => {
    const { uri, version, text } = params ?? {};
    if (typeof text !== 'string') throw new ResponseError(-32602, 'gradcheck/file needs params { uri, version, text }');
    try {
      const done = await checker.check(text, (result) => notify(GradcheckResultNotification.method, { uri, version, result }));
      return { uri, version, ...done };
    } catch (e) {
      throw new ResponseError(-32603, (e as Error).message);
    }
  });

  // stdin closed: the host is gone. Stop the run or sweep where it stands — each finishes as "cancelled" with its
  // summary written — and leave.
  connection.onClose(async () => {
    closed = true;
    checker.dispose();
    await finishAll();
    process.exit(0);
  });
  /** Cancel what trains and wait until its folders are complete (SIGTERM and a closed connection alike). */
  const finishAll = async () => {
    sweep?.cancel();
    active?.cancel();
    while (starting) await new Promise((r) => setTimeout(r, 50)); // a run being prepared is cancelled once it exists
    active?.cancel();
    await Promise.all([sweep?.done, active?.done].map((p) => p?.catch(() => undefined)));
  };
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => void finishAll().then(() => process.exit(143)));
  }
  connection.listen();
}
