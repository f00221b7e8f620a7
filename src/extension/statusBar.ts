// One status bar item: the engine when idle (click: engine info), the running job when training (click: stop).
import * as vscode from 'vscode';
import type { RunView } from '../protocol/webview';
import { setContext } from './contextKeys';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('gradientLab.status', vscode.StatusBarAlignment.Left, 10);
  private engine: string | undefined;

  constructor() {
    this.item.name = 'Gradient Lab';
    this.idle();
  }

  /** The engine as the status bar names it: 'cpu · TF 2.21' for a native engine, else its name. */
  setEngine(engine: string | undefined, tensorflowVersion?: string): void {
    this.engine = engine && tensorflowVersion ? `${engine} · TF ${tensorflowVersion.split('.').slice(0, 2).join('.')}` : engine;
  }

  idle(): void {
    setContext('gradientLab.training', false);
    this.item.text = `$(pulse) ${this.engine ?? 'Gradient Lab'}`;
    this.item.tooltip = this.engine ? `Gradient Lab: training engine ${this.engine}. Click for details.` : 'Gradient Lab: the training backend starts on first use. Click for engine details.';
    this.item.command = 'gradientLab.showEngineInfo';
    this.item.backgroundColor = undefined;
    this.item.show();
  }

  running(run: RunView, progress: string): void {
    setContext('gradientLab.training', true);
    this.item.text = `$(sync~spin) ${this.engine ?? ''} ${run.name}: ${progress}`.replace(/\s+/g, ' ');
    this.item.tooltip = `Gradient Lab is training "${run.name}". Click to stop.`;
    this.item.command = 'gradientLab.stopTraining';
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
