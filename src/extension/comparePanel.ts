// The compare panel: runs overlaid (a sweep's members, or runs picked in the runs tree), a sortable table and a
// metric-vs-setting plot with error bars. Built from the runs' events in the host's store, re-sent whole when a
// shown run ends an epoch or a sweep gains a member (a compare view is small: epochs, not steps).
import * as vscode from 'vscode';
import { saveChartPng } from './webviewAssets';
import { Commands } from './commandIds';
import { PanelBase, type PanelPage } from './panelBase';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { SweepSummary } from '../protocol/training';
import type { CompareToHost, CompareView, HostToCompare } from '../protocol/compare';
import { compareView } from '../runs/compareRuns';
import { type BackendClient } from './backendClient';
import { type RunStore } from './runStore';

export const comparePanelType = 'gradientLab.compare';

export type CompareSource = { sweepFolder: string } | { folders: string[] };
const page: PanelPage = { viewType: comparePanelType, title: 'Gradient Lab: Compare', script: 'compare.js', bodyClass: 'compare', stateKey: 'gradientLab.compareSource', debounceMs: 400 };

export class ComparePanel extends PanelBase<HostToCompare, CompareToHost, CompareSource> {
  private static current: ComparePanel | undefined;
  private posted: CompareView | undefined;

  static show(context: vscode.ExtensionContext, store: RunStore, client: BackendClient, source: CompareSource): ComparePanel {
    ComparePanel.current ??= new ComparePanel(PanelBase.create(context, page), context, store, client, source);
    ComparePanel.current.source = source;
    void ComparePanel.current.remember(source);
    ComparePanel.current.sendSnapshot();
    ComparePanel.current.panel.reveal(undefined, true);
    return ComparePanel.current;
  }

  /** A compare panel VS Code restores after a window reload: what the host remembers it compared. */
  static restore(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, store: RunStore, client: BackendClient): void {
    ComparePanel.current?.dispose();
    ComparePanel.current = new ComparePanel(panel, context, store, client, PanelBase.remembered<CompareSource>(context, page.stateKey) ?? { folders: [] });
  }

  /** The last snapshot the webview took — what the panel shows (for tests and the status of a command). */
  static get shown(): CompareView | undefined {
    return ComparePanel.current?.posted;
  }

  private constructor(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, private readonly store: RunStore, client: BackendClient, private source: CompareSource) {
    super(panel, context, page);
    this.disposables.push(
      store.onDidChange((c) => {
        if (c.events.some((e) => e.type === 'epoch' || e.type === 'finished' || e.type === 'failed' || e.type === 'started') && this.shows(c.runId)) this.later();
      }),
      client.onSweepProgress(({ folder }) => 'sweepFolder' in this.source && this.source.sweepFolder === folder && this.later()),
    );
  }

  protected onMessage(m: Exclude<CompareToHost, { type: 'ready' }>): void {
    if (m.type === 'openRun') void vscode.commands.executeCommand(Commands.openRun, m.folder);
    else if (m.type === 'savePng') void this.savePng(m.name, m.dataUrl);
  }

  protected snapshot(): HostToCompare {
    const view = this.view();
    this.panel.title = `Compare: ${view.title.split(' — ')[0]}`;
    return { type: 'snapshot', view };
  }

  protected override post(message: HostToCompare | undefined): Thenable<boolean> | undefined {
    const delivered = super.post(message);
    void delivered?.then((ok) => ok && message && (this.posted = message.view));
    return delivered;
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

  private async savePng(name: string, dataUrl: string): Promise<void> {
    const target = await saveChartPng('sweepFolder' in this.source ? this.source.sweepFolder : this.source.folders[0], `compare-${name}`, dataUrl);
    if (target) void vscode.window.showInformationMessage(`Gradient Lab: saved ${vscode.workspace.asRelativePath(target)}`);
  }

  override dispose(): void {
    if (ComparePanel.current === this) ComparePanel.current = undefined;
    super.dispose();
  }
}
