// The training panel: one webview per window showing one run (and, for gradients, a second one beside it). The
// host sends a snapshot on 'ready' and when the panel becomes visible, then the run's new events in batches.
import * as vscode from 'vscode';
import { saveChartPng } from './webviewAssets';
import type { RunEvent } from '../protocol/runEvents';
import type { HostToPanel, PanelToHost } from '../protocol/webview';
import type { RunStore } from './runStore';
import { Commands } from './commandIds';
import { PanelBase, type PanelPage } from './panelBase';

export const trainingPanelType = 'gradientLab.training';
const page: PanelPage = { viewType: trainingPanelType, title: 'Gradient Lab', script: 'training.js', stateKey: 'gradientLab.panelRunFolder', debounceMs: 100 };

export class TrainingPanel extends PanelBase<HostToPanel, PanelToHost, string> {
  private static current: TrainingPanel | undefined;
  private runId: string | undefined;
  private compareId: string | undefined;
  private pending: RunEvent[] = [];

  /** Show a run in the panel, creating or revealing it. */
  static show(context: vscode.ExtensionContext, store: RunStore, onCancel: (runId: string) => void, runId: string | undefined, compareId?: string): TrainingPanel {
    TrainingPanel.current ??= new TrainingPanel(PanelBase.create(context, page), context, store, onCancel);
    TrainingPanel.current.showRun(runId, compareId);
    TrainingPanel.current.panel.reveal(undefined, true);
    return TrainingPanel.current;
  }

  /** A panel VS Code restores after a window reload: the run the host remembers it showed. */
  static restore(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, store: RunStore, onCancel: (runId: string) => void): void {
    TrainingPanel.current?.dispose();
    TrainingPanel.current = new TrainingPanel(panel, context, store, onCancel);
    const folder = PanelBase.remembered<string>(context, page.stateKey);
    TrainingPanel.current.showRun(folder ? store.load(folder).runId : undefined);
  }

  static get visibleRunId(): string | undefined {
    return TrainingPanel.current?.runId;
  }

  private constructor(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, private readonly store: RunStore, private readonly onCancel: (runId: string) => void) {
    super(panel, context, page);
    this.disposables.push(store.onDidChange((c) => {
      if (c.runId !== this.runId) return;
      if (c.events.some((e) => e.type === 'started')) this.panel.title = `Gradient Lab: ${store.get(c.runId)!.name}`;
      this.pending.push(...c.events);
      this.later(); // at most ~10 posts a second: the webview redraws once per animation frame anyway
    }));
  }

  protected onMessage(m: Exclude<PanelToHost, { type: 'ready' }>): void {
    const run = this.store.get(m.runId);
    if (m.type === 'cancel') this.onCancel(m.runId);
    else if (m.type === 'savePng') void this.savePng(m.runId, m.name, m.dataUrl);
    else if (m.type === 'openReport' && run?.folder) void vscode.commands.executeCommand(Commands.openReport, run.folder);
    else if (m.type === 'revealFolder' && run) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(run.folder));
  }

  protected snapshot(): HostToPanel {
    this.pending = [];
    return { type: 'snapshot', run: this.runId ? this.store.get(this.runId) : undefined, compare: this.compareId ? this.store.get(this.compareId) : undefined };
  }

  protected override delta(): HostToPanel | undefined {
    const run = this.runId ? this.store.get(this.runId) : undefined;
    if (!run || !this.pending.length) return undefined;
    const events = this.pending;
    this.pending = [];
    return { type: 'events', runId: run.runId, status: run.status, events };
  }

  /** Charts are saved beside the run they show: charts/<name>.png in its folder. */
  private async savePng(runId: string, name: string, dataUrl: string): Promise<void> {
    const target = await saveChartPng(this.store.get(runId)?.folder, name, dataUrl);
    const reveal = 'Reveal';
    if (target && (await vscode.window.showInformationMessage(`Gradient Lab: saved ${vscode.workspace.asRelativePath(target)}`, reveal)) === reveal) {
      void vscode.commands.executeCommand('revealFileInOS', target);
    }
  }

  private showRun(runId: string | undefined, compareId?: string): void {
    this.runId = runId;
    this.compareId = compareId;
    const run = runId ? this.store.get(runId) : undefined;
    this.panel.title = run ? `Gradient Lab: ${run.name}` : 'Gradient Lab';
    if (run?.folder) void this.remember(run.folder);
    this.sendSnapshot();
  }

  override dispose(): void {
    if (TrainingPanel.current === this) TrainingPanel.current = undefined;
    super.dispose();
  }
}
