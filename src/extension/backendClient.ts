// The backend process as the extension host sees it: started on first use (not at activation), spoken to over
// the typed protocol, and after a crash reported with what died and the last lines it wrote; the next request
// starts a fresh one.
import * as vscode from 'vscode';
import { config } from './config';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createMessageConnection, type MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { type EngineInfo, EngineInfoRequest } from '../protocol/engine';
import { type GradcheckFileParams, GradcheckFileRequest, type GradcheckFileResult, type GradcheckResult, GradcheckResultNotification } from '../protocol/gradcheck';
import { type GradientProfile, type ModelSummary, type RunEvent } from '../protocol/runEvents';
import { type ExportKerasParams, ExportKerasRequest, type ExportKerasResult, GradientsProbeRequest, type ImageFolderParams, ImageFolderRequest, ModelSummaryRequest, RunCancelRequest, runEventNotifications, type RunStartParams, RunStartRequest, type RunStartResult, SweepCancelRequest, SweepProgressNotification, SweepStartRequest, type SweepStartResult, type SweepSummary, type TaskProgress, TaskProgressNotification } from '../protocol/training';

export interface BackendCrash {
  description: string;
  stderrTail: string;
}

export class BackendClient implements vscode.Disposable {
  private proc: ChildProcess | undefined;
  private connection: MessageConnection | undefined;
  private stderrLines: string[] = [];
  private stopping = false;
  private readonly events = new vscode.EventEmitter<RunEvent>();
  private readonly crashes = new vscode.EventEmitter<BackendCrash>();
  private readonly gradcheckResults = new vscode.EventEmitter<{ uri: string; version: number; result: GradcheckResult }>();
  readonly onGradcheckResult = this.gradcheckResults.event;
  readonly onEvent = this.events.event;
  private readonly sweepProgress = new vscode.EventEmitter<{ folder: string; summary: SweepSummary }>();
  readonly onSweepProgress = this.sweepProgress.event;
  readonly onCrash = this.crashes.event;
  private readonly taskProgress = new vscode.EventEmitter<TaskProgress>();
  /** Slow preparation: a base model downloading, images being read, a base's features being computed. */
  readonly onTaskProgress = this.taskProgress.event;

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: vscode.OutputChannel) {}

  private start(): MessageConnection {
    const { command, backendJs, env, engine } = backendLaunch(this.context);
    this.log.appendLine(`starting the backend: ${command} ${backendJs} serve (engine: ${engine})`);
    const proc = spawn(command, [backendJs, 'serve'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.stderrLines = [];
    proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.log.append(chunk);
      this.stderrLines.push(...chunk.split('\n').filter(Boolean));
      this.stderrLines = this.stderrLines.slice(-20);
    });
    const connection = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    for (const n of Object.values(runEventNotifications)) connection.onNotification(n.method, (e: RunEvent) => this.events.fire(e));
    connection.onNotification(GradcheckResultNotification, (r) => this.gradcheckResults.fire(r));
    connection.onNotification(SweepProgressNotification, (p) => this.sweepProgress.fire(p));
    connection.onNotification(TaskProgressNotification, (p) => this.taskProgress.fire(p));
    connection.listen();
    proc.on('error', (err) => this.log.appendLine(`backend process error: ${err.message}`));
    proc.on('exit', (code, signal) => {
      if (this.proc !== proc) return;
      this.proc = undefined;
      this.connection?.dispose();
      this.connection = undefined;
      if (this.stopping) return;
      const description = signal ? `killed by ${signal}` : `exited with code ${code}`;
      this.log.appendLine(`the backend ${description}`);
      this.crashes.fire({ description, stderrTail: this.stderrLines.slice(-5).join('\n') });
    });
    this.proc = proc;
    this.connection = connection;
    return connection;
  }

  private get rpc(): MessageConnection {
    return this.connection ?? this.start();
  }

  get running(): boolean {
    return this.proc !== undefined;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async engineInfo(): Promise<EngineInfo> {
    return this.rpc.sendRequest(EngineInfoRequest);
  }

  /** Where named base models are downloaded to, once for every workspace. */
  get modelCache(): string {
    return join(this.context.globalStorageUri.fsPath, 'models');
  }

  startRun(params: RunStartParams): Promise<RunStartResult> {
    return this.rpc.sendRequest(RunStartRequest, { modelCache: this.modelCache, ...params });
  }

  startSweep(params: RunStartParams & { experiment: string }): Promise<SweepStartResult> {
    return this.rpc.sendRequest(SweepStartRequest, { modelCache: this.modelCache, ...params });
  }

  writeImageFolder(params: ImageFolderParams) {
    return this.rpc.sendRequest(ImageFolderRequest, params);
  }

  exportKeras(params: ExportKerasParams): Promise<ExportKerasResult> {
    return this.rpc.sendRequest(ExportKerasRequest, params);
  }

  modelSummary(experiment: string, experimentPath: string): Promise<ModelSummary> {
    return this.rpc.sendRequest(ModelSummaryRequest, { experiment, experimentPath, modelCache: this.modelCache });
  }

  async cancelSweep(folder: string): Promise<boolean> {
    if (!this.connection) return false;
    return (await this.connection.sendRequest(SweepCancelRequest, { folder })).cancelled;
  }

  probeGradients(experiment: string, experimentPath: string): Promise<GradientProfile> {
    return this.rpc.sendRequest(GradientsProbeRequest, { experiment, experimentPath });
  }

  checkDerivations(params: GradcheckFileParams): Promise<GradcheckFileResult> {
    return this.rpc.sendRequest(GradcheckFileRequest, params);
  }

  async cancel(runId: string): Promise<boolean> {
    if (!this.connection) return false;
    return (await this.connection.sendRequest(RunCancelRequest, { runId })).cancelled;
  }

  /** Stop the process (settings changed, deactivation); closing stdin lets it finish cleanly. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.stopping = true;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.stdin!.end();
    const timer = setTimeout(() => proc.kill(), 5000);
    await exited;
    clearTimeout(timer);
    this.stopping = false;
  }

  dispose(): void {
    void this.stop();
    this.events.dispose();
    this.crashes.dispose();
    this.sweepProgress.dispose();
    this.gradcheckResults.dispose();
    this.taskProgress.dispose();
  }
}

/** How the backend is started, for the server and for one-off CLI commands (native-setup): same runtime, same env. */
export function backendLaunch(context: vscode.ExtensionContext): { command: string; backendJs: string; env: NodeJS.ProcessEnv; engine: string } {
  const { nodePath, engine, tensorflowPath } = config();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GRADIENT_LAB_ENGINE: engine === 'auto' ? '' : engine,
    GRADIENT_LAB_NATIVE_DIRS: join(context.globalStorageUri.fsPath, 'native'),
    // the native engine: built addons and Gradient Lab's own TensorFlow live in the extension's storage
    GRADIENT_LAB_STORAGE: context.globalStorageUri.fsPath,
    GRADIENT_LAB_TENSORFLOW: tensorflowPath ?? '',
    GRADIENT_LAB_PYTHON: pythonInterpreter() ?? '',
  };
  // Without a configured Node, the extension host's own runtime runs the backend (Electron as plain Node).
  if (!nodePath) env.ELECTRON_RUN_AS_NODE = '1';
  return { command: nodePath ?? process.execPath, backendJs: context.asAbsolutePath(join('dist', 'backend.js')), env, engine };
}

/** The Python interpreter chosen in VS Code's Python extension (when it is active), else its default setting. */
export function pythonInterpreter(): string | undefined {
  type PythonApi = { environments?: { getActiveEnvironmentPath?: () => { path?: string } | undefined } };
  const python = vscode.extensions.getExtension<PythonApi>('ms-python.python');
  const chosen = python?.isActive ? python.exports?.environments?.getActiveEnvironmentPath?.()?.path : undefined;
  return chosen || vscode.workspace.getConfiguration('python').get<string>('defaultInterpreterPath') || undefined;
}
