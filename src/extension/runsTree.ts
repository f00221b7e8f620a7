// "Gradient Lab Runs": the runs folder as a tree — runs, and sweeps with their members. It reads the folders
// every time it refreshes (there is no other state), so it survives reloads and sees runs from the CLI too.
import * as vscode from 'vscode';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listRuns, RunListing } from '../backend/jobs/runFolder';
import type { SweepSummary } from '../protocol/backend';

export type RunsNode =
  | { kind: 'run'; run: RunListing }
  | { kind: 'sweep'; folder: string; summary: SweepSummary };

const icons: Record<string, string> = { completed: 'pass', cancelled: 'circle-slash', failed: 'error', incomplete: 'warning' };

export class RunsTree implements vscode.TreeDataProvider<RunsNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly runsFolder: () => string | undefined, private readonly isLive: (runId: string) => boolean) {}

  refresh(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.changed.fire();
    }, 300);
  }

  getChildren(node?: RunsNode): RunsNode[] {
    const folder = node?.kind === 'sweep' ? node.folder : this.runsFolder();
    if (!folder || !existsSync(folder)) return [];
    const runs: RunsNode[] = listRuns(folder).map((run) => ({ kind: 'run', run }));
    if (node) return runs;
    const sweeps: RunsNode[] = readdirSync(folder).filter((f) => existsSync(join(folder, f, 'sweep.json'))).map((f) => ({
      kind: 'sweep', folder: join(folder, f), summary: JSON.parse(readFileSync(join(folder, f, 'sweep.json'), 'utf8')) as SweepSummary,
    }));
    return [...sweeps, ...runs];
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    if (node.kind === 'sweep') {
      const s = node.summary;
      const item = new vscode.TreeItem(`${s.name} (sweep)`, vscode.TreeItemCollapsibleState.Collapsed);
      item.description = `${s.status} · ${s.members.filter((m) => m.status === 'completed').length}/${s.members.length} done · ${s.settings.join(', ')}`;
      item.iconPath = new vscode.ThemeIcon('layers');
      item.contextValue = 'sweep';
      item.resourceUri = vscode.Uri.file(node.folder);
      return item;
    }
    const r = node.run;
    const live = this.isLive(r.runId);
    const item = new vscode.TreeItem(r.name, vscode.TreeItemCollapsibleState.None);
    const facts = [live ? 'running' : r.status, r.engine, r.testAccuracy !== undefined ? `test ${(100 * r.testAccuracy).toFixed(2)}%` : undefined, r.bestValLoss !== undefined ? `best val loss ${r.bestValLoss.toFixed(3)}` : undefined, r.seconds !== undefined ? `${r.seconds.toFixed(0)} s` : undefined];
    item.description = facts.filter(Boolean).join(' · ');
    item.tooltip = `${r.runId}\n${r.folder}`;
    item.iconPath = new vscode.ThemeIcon(live ? 'sync~spin' : icons[r.status] ?? 'circle-outline');
    item.contextValue = existsSync(join(r.folder, 'report.html')) ? 'run-report' : 'run';
    item.resourceUri = vscode.Uri.file(r.folder);
    item.command = { command: 'gradientLab.openRun', title: 'Open Run', arguments: [r.folder] };
    return item;
  }
}
