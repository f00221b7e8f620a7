// The training panel: one webview per window showing one run. The host sends a snapshot whenever the webview
// says 'ready' (first load, reload, restore after a window reload) or becomes visible again, then deltas.
import * as vscode from 'vscode';
import { panelHtml, saveChartPng } from './webviewAssets';
import type { RunEvent } from '../protocol/runEvents';
import type { HostToPanel, PanelState, PanelToHost } from '../protocol/webview';
import { RunStore } from './runStore';

export const trainingPanelType = 'gradientLab.training';
/** The folder of the run the panel shows, kept by the host: the webview's own state may not be saved before a reload. */
const shownRunKey = 'gradientLab.panelRunFolder';

export class TrainingPanel implements vscode.Disposable {
  private static current: TrainingPanel | undefined;
  private runId: string | undefined;
  private compareId: string | undefined;
  private ready = false;
  private pending: RunEvent[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  /** Show a run in the panel, creating or revealing it. */
  static show(context: vscode.ExtensionContext, store: RunStore, onCancel: (runId: string) => void, runId: string | undefined, compareId?: string): TrainingPanel {
    if (!TrainingPanel.current) {
      const panel = vscode.window.createWebviewPanel(trainingPanelType, 'Gradient Lab', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, TrainingPanel.options(context));
      TrainingPanel.current = new TrainingPanel(panel, context, store, onCancel);
    }
    TrainingPanel.current.showRun(runId, compareId);
    TrainingPanel.current.panel.reveal(undefined, true);
    return TrainingPanel.current;
  }

  /** A panel VS Code restores after a window reload (the webview serializer). */
  static restore(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, store: RunStore, onCancel: (runId: string) => void, state: PanelState | undefined): void {
    panel.webview.options = TrainingPanel.options(context);
    TrainingPanel.current?.dispose();
    TrainingPanel.current = new TrainingPanel(panel, context, store, onCancel);
    const folder = state?.folder ?? context.workspaceState.get<string>(shownRunKey);
    TrainingPanel.current.showRun(folder ? store.load(folder).runId : undefined);
  }

  static get visibleRunId(): string | undefined {
    return TrainingPanel.current?.runId;
  }

  private static options(context: vscode.ExtensionContext): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(context.extensionUri, 'media')],
    };
  }

  private constructor(readonly panel: vscode.WebviewPanel, private readonly context: vscode.ExtensionContext, private readonly store: RunStore, onCancel: (runId: string) => void) {
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'icon.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => {
        if (panel.visible) this.sendSnapshot(); // a hidden webview may have been discarded: redraw from the host's copy
      }),
      panel.webview.onDidReceiveMessage((m: PanelToHost) => {
        if (m.type === 'ready') {
          this.ready = true;
          this.sendSnapshot();
        } else if (m.type === 'cancel') {
          onCancel(m.runId);
        } else if (m.type === 'savePng') {
          void this.savePng(m.runId, m.name, m.dataUrl);
        } else if (m.type === 'openReport') {
          const run = this.store.get(m.runId);
          if (run?.folder) void vscode.commands.executeCommand('gradientLab.openReport', run.folder);
        } else if (m.type === 'revealFolder') {
          const run = store.get(m.runId);
          if (run) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(run.folder));
        }
      }),
      store.onDidChange((c) => {
        if (c.runId !== this.runId) return;
        if (c.events.some((e) => e.type === 'started')) this.panel.title = `Gradient Lab: ${store.get(c.runId)!.name}`;
        this.pending.push(...c.events);
        // at most ~10 posts a second: the webview redraws once per animation frame anyway
        this.flushTimer ??= setTimeout(() => this.flush(), 100);
      }),
    );
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
    if (run?.folder) void this.context.workspaceState.update(shownRunKey, run.folder);
    this.pending = [];
    this.sendSnapshot();
  }

  private post(message: HostToPanel): void {
    void this.panel.webview.postMessage(message);
  }

  private sendSnapshot(): void {
    if (!this.ready) return;
    this.pending = [];
    this.post({ type: 'snapshot', run: this.runId ? this.store.get(this.runId) : undefined, compare: this.compareId ? this.store.get(this.compareId) : undefined });
  }

  private flush(): void {
    this.flushTimer = undefined;
    const run = this.runId ? this.store.get(this.runId) : undefined;
    if (!this.ready || !run || !this.pending.length) return;
    this.post({ type: 'events', runId: run.runId, status: run.status, events: this.pending });
    this.pending = [];
  }

  private html(): string {
    return panelHtml(this.panel.webview, this.context.extensionUri, { title: 'Gradient Lab', script: 'training.js' });
  }

  dispose(): void {
    if (TrainingPanel.current === this) TrainingPanel.current = undefined;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.disposables.forEach((d) => d.dispose());
    this.panel.dispose();
  }
}
