// A run is a folder: experiment.json, metrics.jsonl (one event per line, appended and written through as each
// event happens), checkpoints/, and summary.json at the end. The folder alone is enough to redraw a run.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { RunEvent, RunSummary } from '../protocol/runEvents';
import { writeFileAtomic } from './atomicWrite';

export function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'run';
}

/** Local time, as a run id starts (sweep folders too: both sort and read alike). */
export function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

const issued = new Set<string>();

export class RunFolder {
  readonly checkpoints: string;
  private fd: number | undefined;

  private constructor(readonly runId: string, readonly folder: string) {
    this.checkpoints = join(folder, 'checkpoints');
  }

  /** A new, unique run folder under runsFolder, named by time and experiment name. */
  static create(runsFolder: string, name: string, experiment: unknown): RunFolder {
    if (existsSync(runsFolder) && !statSync(runsFolder).isDirectory()) throw new RunFolderError(`${runsFolder} is a file, not a runs folder: move it, or choose another runs folder`);
    mkdirSync(runsFolder, { recursive: true });
    const base = `${stamp(new Date())}-${slug(name)}`;
    let runId = base;
    // unique in its folder and in this process: members of two sweeps live in different folders, yet the editor
    // keys runs by id
    for (let i = 2; existsSync(join(runsFolder, runId)) || issued.has(runId); i++) runId = `${base}-${i}`;
    issued.add(runId);
    const run = new RunFolder(runId, join(runsFolder, runId));
    mkdirSync(run.folder);
    writeFileAtomic(join(run.folder, 'experiment.json'), JSON.stringify(experiment, null, 2) + '\n');
    markOwner(run.folder);
    run.fd = openSync(join(run.folder, 'metrics.jsonl'), 'a');
    return run;
  }

  /** Append one event; a process killed afterwards loses nothing written here. */
  append(event: RunEvent): void {
    if (this.fd === undefined) throw new Error(`run ${this.runId} is closed`);
    writeSync(this.fd, JSON.stringify(event) + '\n');
  }

  finish(summary: RunSummary): void {
    writeFileAtomic(join(this.folder, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    releaseOwner(this.folder);
  }
}

/** While a run or sweep trains, owner.json names its process: a folder whose owner is gone was interrupted. */
export const ownerFile = 'owner.json';

export function markOwner(folder: string): void {
  writeFileAtomic(join(folder, ownerFile), JSON.stringify({ pid: process.pid, hostname: hostname(), since: new Date().toISOString() }) + '\n');
}

export function releaseOwner(folder: string): void {
  rmSync(join(folder, ownerFile), { force: true });
}

/** A run folder that cannot be used as one: the message names the file and what is wrong with it. */
export class RunFolderError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * One JSON object from a run folder (experiment.json, summary.json, a checkpoint pointer), or undefined when the
 * file is absent. A damaged file (not JSON, not an object, or failing `valid`) throws RunFolderError naming it.
 */
export function readRunJson<T>(file: string, valid: (v: Record<string, unknown>) => boolean = () => true): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RunFolderError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new RunFolderError(`${file} is damaged (${(e as Error).message}); the run's metrics.jsonl still holds its events`);
  }
  if (!isObject(value) || !valid(value)) throw new RunFolderError(`${file} is damaged: not the object Gradient Lab writes there`);
  return value as T;
}

/** summary.json, checked for the fields every reader uses. */
export function readSummary(folder: string): RunSummary | undefined {
  return readRunJson<RunSummary>(join(folder, 'summary.json'), (s) => typeof s.status === 'string' && typeof s.steps === 'number');
}

/** Read a run's events back; a torn or damaged line (a kill mid-write, an edit) is skipped and counted. */
export function readEvents(folder: string): { events: RunEvent[]; tornLines: number } {
  const file = join(folder, 'metrics.jsonl');
  if (!existsSync(file)) return { events: [], tornLines: 0 };
  const events: RunEvent[] = [];
  let tornLines = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as unknown;
      if (isObject(e) && typeof e.type === 'string') events.push(e as unknown as RunEvent);
      else tornLines++;
    } catch {
      tornLines++;
    }
  }
  return { events, tornLines };
}

export interface RunListing {
  runId: string;
  folder: string;
  name: string;
  status: RunSummary['status'] | 'incomplete';
  /** Why the folder could not be read in full (a damaged summary.json): it is still listed. */
  problem?: string;
  engine?: string;
  testAccuracy?: number;
  bestValLoss?: number;
  epochsDone?: number;
  seconds?: number;
  startedAt: string;
}

/** Every run under runsFolder, newest first. A run without summary.json was killed or is still running. */
export function listRuns(runsFolder: string): RunListing[] {
  if (!existsSync(runsFolder)) return [];
  if (!statSync(runsFolder).isDirectory()) throw new RunFolderError(`${runsFolder} is a file, not a runs folder: move it, or pass --runs DIR`);
  const out: RunListing[] = [];
  for (const runId of readdirSync(runsFolder)) {
    const folder = join(runsFolder, runId);
    if (!existsSync(join(folder, 'experiment.json'))) continue;
    let s: RunSummary | undefined;
    let problem: string | undefined;
    try {
      s = readSummary(folder);
    } catch (e) {
      problem = (e as Error).message; // one damaged run must not hide the others
    }
    if (s) {
      out.push({ runId, folder, name: String(s.name ?? runId), status: s.status, engine: s.engine, testAccuracy: s.testAccuracy, bestValLoss: s.bestValLoss, epochsDone: s.epochsDone, seconds: s.seconds, startedAt: String(s.startedAt ?? statSync(folder).mtime.toISOString()) });
      continue;
    }
    const { events } = readEvents(folder);
    const started = events.find((e) => e.type === 'started');
    const epochs = events.filter((e) => e.type === 'epoch').length;
    let name = runId;
    try {
      name = JSON.parse(readFileSync(join(folder, 'experiment.json'), 'utf8')).name ?? runId;
    } catch {
      // keep the id as its name
    }
    out.push({ runId, folder, name: String(name), status: 'incomplete', engine: started?.type === 'started' ? started.engine : undefined, epochsDone: epochs, startedAt: String(started?.time ?? statSync(folder).mtime.toISOString()), ...(problem ? { problem } : {}) });
  }
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}
