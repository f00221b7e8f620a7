// Runs and sweeps whose process died without finishing them (kill -9, a crash, a power cut). Each records the pid
// that owns it while it trains (owner.json); a later start or `gradient-lab runs` finds owners that are gone and
// closes their folders — a run as failed with the reason, a sweep as cancelled — so no folder says "running" forever.
import { appendFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '../../protocol/runEvents';
import type { SweepSummary } from '../../protocol/training';
import { writeFileAtomic } from '../../runs/atomicWrite';
import { ownerFile, readEvents, readRunJson, releaseOwner } from '../../runs/runFolder';


/** The pid that owned the folder, when that process is certainly gone (same machine, no such process). */
function goneOwner(folder: string): number | undefined {
  let owner: { pid?: unknown; hostname?: unknown } | undefined;
  try {
    owner = readRunJson(join(folder, ownerFile));
  } catch {
    return undefined;
  }
  if (!owner || typeof owner.pid !== 'number' || owner.hostname !== hostname() || owner.pid === process.pid) return undefined;
  try {
    process.kill(owner.pid, 0);
    return undefined; // alive (or another user's: EPERM below)
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH' ? owner.pid : undefined;
  }
}

/** Close one run whose process is gone: a 'failed' event with the reason, then summary.json. */
function closeRun(folder: string, pid: number): void {
  const { events } = readEvents(folder);
  const started = events.find((e) => e.type === 'started');
  const runId = started?.runId ?? folder.split(/[\\/]/).at(-1)!;
  const steps = events.filter((e) => e.type === 'batch').length;
  const message = `the training process (pid ${pid}) ended without finishing this run (killed, or the machine stopped); the ${steps} steps before are kept`;
  appendFileSync(join(folder, 'metrics.jsonl'), JSON.stringify({ type: 'failed', runId, message, step: steps }) + '\n');
  const at = statSync(join(folder, 'metrics.jsonl')).mtime.toISOString();
  const summary: RunSummary = {
    runId, name: started?.type === 'started' ? started.experiment.name : runId, status: 'failed', engine: started?.type === 'started' ? started.engine : 'wasm',
    samplesPerSec: 0, epochsDone: events.filter((e) => e.type === 'epoch').length, steps, seconds: 0, message,
    startedAt: started?.type === 'started' ? started.time : at, finishedAt: at,
  };
  writeFileAtomic(join(folder, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  releaseOwner(folder);
}

/** Close one sweep whose process is gone: cancelled, its running member failed. */
function closeSweep(folder: string, pid: number): void {
  const file = join(folder, 'sweep.json');
  const sweep = readRunJson<SweepSummary>(file, (s) => Array.isArray(s.members));
  if (!sweep || sweep.status !== 'running') return releaseOwner(folder);
  for (const m of sweep.members) if (m.status === 'running') Object.assign(m, { status: 'failed', message: `the process (pid ${pid}) ended during this member` });
  sweep.status = 'cancelled';
  writeFileAtomic(file, JSON.stringify(sweep, null, 2) + '\n');
  releaseOwner(folder);
}

/** Close every run and sweep under runsFolder (and inside its sweeps) whose owning process is gone. */
export function recoverInterrupted(runsFolder: string): string[] {
  const closed: string[] = [];
  const visit = (dir: string, depth: number) => {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) return;
    for (const name of readdirSync(dir)) {
      const folder = join(dir, name);
      if (!existsSync(join(folder, ownerFile))) {
        if (depth === 0 && existsSync(join(folder, 'sweep.json'))) visit(folder, 1);
        continue;
      }
      const pid = goneOwner(folder);
      if (pid === undefined) continue;
      try {
        if (existsSync(join(folder, 'sweep.json'))) {
          visit(folder, 1);
          closeSweep(folder, pid);
        } else if (!existsSync(join(folder, 'summary.json'))) closeRun(folder, pid);
        else releaseOwner(folder);
        closed.push(folder);
      } catch {
        // a folder too damaged to close stays as it is; the runs list says why
      }
    }
  };
  visit(runsFolder, 0);
  return closed;
}
