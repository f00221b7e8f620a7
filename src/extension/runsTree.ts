// "Gradient Lab Runs": the runs folder as a tree — runs, and sweeps with their members. It reads the folders
// every time it refreshes (there is no other state), so it survives reloads and sees runs from the CLI too.
import * as vscode from 'vscode';
import { existsSync, type FSWatcher, readdirSync, watch } from 'node:fs';
import { dirname, join } from 'node:path';
import { listRuns, readRunJson, type RunListing } from '../runs/runFolder';
import { differingSettings } from '../runs/compareRuns';
import { setContext } from './contextKeys';
import type { SweepSummary } from '../protocol/training';

export type RunsNode =
  | { kind: 'run'; run: RunListing }
  | { kind: 'sweep'; folder: string; summary: SweepSummary };

const icons: Record<string, string> = { completed: 'pass', cancelled: 'circle-slash', failed: 'error', incomplete: 'warning' };

export class RunsTree implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private timer: NodeJS.Timeout | undefined;
  /**
   * The runs folder watched directly (VS Code's workspace watcher did not report a CLI's runs in code-server); while
   * it does not exist yet, its nearest existing parent (not recursively) until it appears, so the first run is seen.
   */
  private folderWatch: { folder: string; base: string; watcher: FSWatcher } | undefined;
  /** runId → the settings in which it differs from other runs of the same name (as "lr=0.01, keep=0.5"). */
  private differing = new Map<string, string>();

  constructor(private readonly runsFolder: () => string | undefined, private readonly isLive: (runId: string) => boolean) {}

  refresh(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.changed.fire();
    }, 300);
  }

  getChildren(node?: RunsNode): RunsNode[] {
    const folder = node?.kind === 'sweep' ? node.folder : this.runsFolder();
    if (!node) this.rewatch();
    if (!folder || !existsSync(folder)) return [];
    let listed: RunListing[];
    try {
      listed = listRuns(folder);
    } catch {
      return []; // the runs folder is a file: nothing to list (the CLI and a run say why)
    }
    const runs: RunsNode[] = listed.map((run) => ({ kind: 'run', run }));
    for (const [id, text] of differingByName(listed)) this.differing.set(id, text);
    if (node) return runs;
    const sweeps: RunsNode[] = readdirSync(folder).filter((f) => existsSync(join(folder, f, 'sweep.json'))).flatMap((f) => {
      try {
        const summary = readRunJson<SweepSummary>(join(folder, f, 'sweep.json'), (s) => Array.isArray(s.members));
        return summary ? [{ kind: 'sweep' as const, folder: join(folder, f), summary }] : [];
      } catch {
        return []; // a damaged sweep.json hides that sweep, not the view
      }
    });
    setContext('gradientLab.hasRuns', sweeps.length + runs.length > 0);
    return [...sweeps, ...runs];
  }

  /** Watch the runs folder the settings name now (after gradientLab.runsFolder changed, or on listing). */
  rewatch(): void {
    const folder = this.runsFolder();
    if (folder) this.watch(folder);
  }

  /** Refresh when a run or sweep file changes anywhere under the runs folder (a run from the CLI included). */
  private watch(folder: string): void {
    let base = folder;
    while (!existsSync(base) && dirname(base) !== base) base = dirname(base);
    if (this.folderWatch?.folder === folder && this.folderWatch.base === base) return;
    this.folderWatch?.watcher.close();
    this.folderWatch = undefined;
    try {
      const watcher = base === folder
        ? watch(folder, { recursive: true }, (_, file) => file && /(summary|sweep|experiment)\.json$/.test(String(file)) && this.refresh())
        : watch(base, () => {
          this.watch(folder); // one level nearer, or the runs folder itself
          if (existsSync(folder)) this.refresh();
        });
      watcher.on('error', () => undefined); // the folder went away: the next listing watches it again
      this.folderWatch = { folder, base, watcher };
    } catch {
      // no recursive watching here: VS Code's own watcher and the run events still refresh the tree
    }
  }

  dispose(): void {
    this.folderWatch?.watcher.close();
    clearTimeout(this.timer);
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
    // what tells this run from its siblings comes first: the settings that differ, then when it started
    const facts = [this.differing.get(r.runId), startedLabel(r.startedAt), r.testAccuracy !== undefined ? `${(100 * r.testAccuracy).toFixed(1)}%` : live ? 'running' : r.status];
    item.description = facts.filter(Boolean).join(' · ');
    item.tooltip = runTooltip(r, live, this.differing.get(r.runId));
    item.iconPath = new vscode.ThemeIcon(live ? 'sync~spin' : icons[r.status] ?? 'circle-outline');
    item.contextValue = existsSync(join(r.folder, 'report.html')) ? 'run-report' : 'run';
    item.resourceUri = vscode.Uri.file(r.folder);
    item.command = { command: 'gradientLab.openRun', title: 'Open Run', arguments: [r.folder] };
    return item;
  }
}

/** "today 14:05", "Nov 28 09:12": when a run started, short enough for a row. */
function startedLabel(iso: string): string | undefined {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return undefined;
  const time = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
  return d.toDateString() === new Date().toDateString() ? time : `${d.toLocaleDateString('en-GB', { month: 'short', day: 'numeric' })} ${time}`;
}

/** For runs that share a name, the settings each has that the others do not: what a row needs to be told apart. */
function differingByName(runs: RunListing[]): Map<string, string> {
  const out = new Map<string, string>();
  const byName = new Map<string, RunListing[]>();
  for (const r of runs) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  for (const group of byName.values()) {
    if (group.length < 2) continue;
    const experiments = group.map((r) => {
      try {
        return readRunJson<Record<string, unknown>>(join(r.folder, 'experiment.json')) ?? {};
      } catch {
        return {};
      }
    });
    const { settings, flat } = differingSettings(experiments);
    group.forEach((r, i) => {
      const text = settings.filter((k) => k !== '$source').map((k) => `${k.split('.').at(-1)}=${flat[i][k] ?? '–'}`).join(', ');
      if (text) out.set(r.runId, text);
    });
  }
  return out;
}

/** The results a person hovers for: status, accuracy, loss, time, engine, and where the run lives. */
function runTooltip(r: RunListing, live: boolean, differing: string | undefined): vscode.MarkdownString {
  const rows = [
    `**${r.name}** — ${live ? 'running' : r.status}`,
    differing && `settings: ${differing}`,
    r.testAccuracy !== undefined && `test accuracy: ${(100 * r.testAccuracy).toFixed(2)} %`,
    r.bestValLoss !== undefined && `best validation loss: ${r.bestValLoss.toFixed(4)}`,
    r.epochsDone !== undefined && `epochs: ${r.epochsDone}`,
    r.seconds !== undefined && `time: ${r.seconds.toFixed(0)} s${r.engine ? ` on ${r.engine}` : ''}`,
    `started: ${new Date(r.startedAt).toLocaleString('en-GB')}`,
    r.problem && `⚠ ${r.problem}`,
    `\`${r.folder}\``,
  ];
  return new vscode.MarkdownString(rows.filter(Boolean).join('  \n'));
}
