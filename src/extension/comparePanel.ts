// The compare panel: runs overlaid (a sweep's members, or runs picked in the runs tree), a sortable table and a
// metric-vs-setting plot with error bars. Built from the runs' events in the host's store, re-sent whole when a
// shown run ends an epoch or a sweep gains a member (a compare view is small: epochs, not steps).
import * as vscode from 'vscode';
import { panelHtml, saveChartPng } from './webviewAssets';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { SweepSummary } from '../protocol/training';
import type { CompareToHost, CompareView, HostToCompare } from '../protocol/compare';
import { compareView } from '../runs/compareRuns';
import { BackendClient } from './backendClient';
import { RunStore } from './runStore';

export const comparePanelType = 'gradientLab.compare';

export type CompareSource = { sweepFolder: string } | { folders: string[] };
/** What the panel compares, kept by the host so a window reload restores it (the webview holds no state). */
const sourceKey = 'gradientLab.compareSource';

export class ComparePanel implements vscode.Disposable {
  private static current: ComparePanel | undefined;
  private ready = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  private static options(context: vscode.ExtensionContext): vscode.WebviewOptions {
    return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(context.extensionUri, 'media')] };
  }

  static show(context: vscode.ExtensionContext, store: RunStore, client: BackendClient, source: CompareSource): ComparePanel {
    void context.workspaceState.update(sourceKey, source);
    if (!ComparePanel.current) {
      const panel = vscode.window.createWebviewPanel(comparePanelType, 'Gradient Lab: Compare', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, ComparePanel.options(context));
      ComparePanel.current = new ComparePanel(panel, context, store, client, source);
    } else {
      ComparePanel.current.source = source;
      ComparePanel.current.send();
    }
    ComparePanel.current.panel.reveal(undefined, true);
    return ComparePanel.current;
  }

  /** A compare panel VS Code restores after a window reload (the webview serializer). */
  static restore(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, store: RunStore, client: BackendClient): void {
    panel.webview.options = ComparePanel.options(context);
    ComparePanel.current?.dispose();
    ComparePanel.current = new ComparePanel(panel, context, store, client, context.workspaceState.get<CompareSource>(sourceKey) ?? { folders: [] });
  }

  /** The last snapshot posted to the webview — what the panel shows (for tests and the status of a command). */
  static get shown(): CompareView | undefined {
    return ComparePanel.current?.posted;
  }

  private posted: CompareView | undefined;

  private constructor(readonly panel: vscode.WebviewPanel, private readonly context: vscode.ExtensionContext, private readonly store: RunStore, client: BackendClient, private source: CompareSource) {
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'icon.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => panel.visible && this.send()),
      panel.webview.onDidReceiveMessage((m: CompareToHost) => {
        if (m.type === 'ready') {
          this.ready = true;
          this.send();
        } else if (m.type === 'openRun') {
          void vscode.commands.executeCommand('gradientLab.openRun', m.folder);
        } else if (m.type === 'savePng') {
          void this.savePng(m.name, m.dataUrl);
        }
      }),
      store.onDidChange((c) => {
        if (c.events.some((e) => e.type === 'epoch' || e.type === 'finished' || e.type === 'failed' || e.type === 'started') && this.shows(c.runId)) this.later();
      }),
      client.onSweepProgress(({ folder }) => 'sweepFolder' in this.source && this.source.sweepFolder === folder && this.later()),
    );
  }

  private folders(): string[] {
    if ('folders' in this.source) return this.source.folders;
    const file = join(this.source.sweepFolder, 'sweep.json');
    if (!existsSync(file)) return [];
    const summary = JSON.parse(readFileSync(file, 'utf8')) as SweepSummary;
    return summary.members.filter((m) => m.runId).map((m) => join((this.source as { sweepFolder: string }).sweepFolder, m.runId!));
  }

  private shows(runId: string): boolean {
    const run = this.store.get(runId);
    return !!run && (this.folders().includes(run.folder) || ('sweepFolder' in this.source && run.folder.startsWith(this.source.sweepFolder)));
  }

  private view(): CompareView {
    const runs = this.folders().filter((f) => existsSync(join(f, 'metrics.jsonl'))).map((folder) => {
      const run = this.store.load(folder);
      return { folder, events: run.events, live: this.store.isLive(run.runId) };
    });
    let title = `${runs.length} runs`;
    if ('sweepFolder' in this.source) {
      const file = join(this.source.sweepFolder, 'sweep.json');
      const summary = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SweepSummary) : undefined;
      title = `${summary?.name ?? basename(this.source.sweepFolder)} — sweep, ${summary?.status ?? 'unknown'}, ${runs.length}/${summary?.members.length ?? '?'} members`;
    }
    return compareView(title, runs, 'sweepFolder' in this.source ? this.source.sweepFolder : undefined);
  }

  private later(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.send();
    }, 400);
  }

  private send(): void {
    if (!this.ready) return;
    const view = this.view();
    this.panel.title = `Compare: ${view.title.split(' — ')[0]}`;
    void this.panel.webview.postMessage({ type: 'snapshot', view } satisfies HostToCompare).then((delivered) => delivered && (this.posted = view));
  }

  private async savePng(name: string, dataUrl: string): Promise<void> {
    const target = await saveChartPng('sweepFolder' in this.source ? this.source.sweepFolder : this.source.folders[0], `compare-${name}`, dataUrl);
    if (target) void vscode.window.showInformationMessage(`Gradient Lab: saved ${vscode.workspace.asRelativePath(target)}`);
  }

  private html(): string {
    return panelHtml(this.panel.webview, this.context.extensionUri, { title: 'Gradient Lab: Compare', script: 'compare.js', bodyClass: 'compare' });
  }

  dispose(): void {
    if (ComparePanel.current === this) ComparePanel.current = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.disposables.forEach((d) => d.dispose());
    this.panel.dispose();
  }
}
