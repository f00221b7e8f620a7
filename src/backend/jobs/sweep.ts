// Sweeps: one run per combination of a grid of settings, run one after another in a sweep folder. Every member is
// validated before any trains; a failed member does not stop the rest; sweep.json is rewritten after each member,
// so a cancelled or killed sweep still says what finished.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEvent } from '../../protocol/runEvents';
import type { SweepSummary } from '../../protocol/training';
import type { Experiment } from '../../protocol/experiment';
import { checkExperimentValue, ExperimentError, type Problem } from '../../experiment/validate';
import { writeFileAtomic } from '../../runs/atomicWrite';
import { markOwner, releaseOwner, slug, stamp } from '../../runs/runFolder';
import { featureCacheDir } from '../models/fineTune';
import { type RunHandle, startRun } from './trainRun';
import type { StartParams } from './prepare';
import { rng } from '../data/random';

export interface SweepMember {
  values: Record<string, unknown>;
  experiment: Experiment;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): boolean {
  const keys = path.split('.');
  let node: Record<string, unknown> = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) return false;
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
  return true;
}

/** A range a random sweep samples from: uniform, or log-uniform for rates and penalties. */
export interface SweepRange {
  min: number;
  max: number;
  log?: boolean;
  integer?: boolean;
}

function isRange(v: unknown): v is SweepRange {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as SweepRange).min === 'number';
}

/** The members' settings: the grid's combinations, or `random` draws (seeded by the experiment's seed); each
 *  repeated `repeat` times with seeds seed, seed+1, … so the compare panel can draw mean ± std. */
export function sweepCombinations(experiment: Experiment): Record<string, unknown>[] {
  const { random, repeat, ...grid } = experiment.sweep ?? {};
  const settings = Object.keys(grid);
  let combos: Record<string, unknown>[] = [{}];
  if (typeof random === 'number') {
    const draw = rng((experiment.seed ?? 1) * 7919 + 17);
    combos = Array.from({ length: random }, () => Object.fromEntries(settings.map((s) => {
      const v = grid[s];
      if (Array.isArray(v)) return [s, v[Math.floor(draw() * v.length)]];
      const r = v as SweepRange;
      const u = draw();
      let x = r.log ? Math.exp(Math.log(r.min) + u * (Math.log(r.max) - Math.log(r.min))) : r.min + u * (r.max - r.min);
      x = r.integer ? Math.round(x) : Number(x.toPrecision(3));
      return [s, x];
    })));
  } else {
    for (const s of settings) combos = combos.flatMap((c) => (grid[s] as unknown[]).map((v) => ({ ...c, [s]: v })));
  }
  if (typeof repeat === 'number' && repeat > 1) {
    const seed = experiment.seed ?? 1;
    combos = combos.flatMap((c) => Array.from({ length: repeat }, (_, k) => ({ ...c, seed: seed + k })));
  }
  return combos;
}

/** The sweep's members, each a complete experiment, all checked against the schema before any runs. */
export function expandSweep(experiment: Experiment, file?: string): SweepMember[] {
  const grid = experiment.sweep;
  if (!grid) throw new ExperimentError([{ path: 'sweep', message: 'this experiment has no "sweep": nothing to sweep' }], file);
  const settings = Object.keys(grid).filter((k) => k !== 'random' && k !== 'repeat');
  const wrong = settings.filter((s) => (grid.random === undefined ? !Array.isArray(grid[s]) : !Array.isArray(grid[s]) && !isRange(grid[s])));
  if (wrong.length) {
    throw new ExperimentError(wrong.map((s) => ({ path: `sweep["${s}"]`, message: grid.random === undefined ? 'a grid setting needs a list of values ({ "min", "max" } ranges need "random": N)' : 'needs a list of values or a { "min", "max", "log"? } range' })), file);
  }
  for (const s of settings) {
    const r = grid[s];
    if (isRange(r) && (r.max < r.min || (r.log && r.min <= 0))) throw new ExperimentError([{ path: `sweep["${s}"]`, message: r.max < r.min ? `max (${r.max}) is below min (${r.min})` : 'a log range needs min > 0' }], file);
  }
  const combos = sweepCombinations(experiment);
  const problems: Problem[] = [];
  const members = combos.map((values) => {
    const { sweep: _omit, ...base } = structuredClone(experiment);
    void _omit;
    for (const [path, value] of Object.entries(values)) {
      if (!setPath(base as unknown as Record<string, unknown>, path, value)) problems.push({ path: `sweep["${path}"]`, message: `no such setting in the experiment (its parent ${path.split('.').slice(0, -1).join('.') || path} is missing)` });
    }
    base.name = `${experiment.name} [${Object.entries(values).map(([k, v]) => `${k.split('.').at(-1)}=${JSON.stringify(v)}`).join(', ')}]`;
    return { values, experiment: base as Experiment };
  });
  if (problems.length) throw new ExperimentError(problems.slice(0, settings.length), file);
  for (const m of members) {
    try {
      checkExperimentValue(m.experiment, file);
    } catch (e) {
      if (!(e instanceof ExperimentError)) throw e;
      throw new ExperimentError(e.problems.map((p) => ({ ...p, message: `${p.message} (sweep member ${JSON.stringify(m.values)})` })), file);
    }
  }
  return members;
}

export interface SweepHandle {
  folder: string;
  members: number;
  cancel(): void;
  done: Promise<SweepSummary>;
}

export function startSweep(params: StartParams & { experiment: Experiment }, listener: (e: RunEvent, member: number) => void, onMember?: (summary: SweepSummary, folder: string) => void): SweepHandle {
  const members = expandSweep(params.experiment, params.experimentPath);
  const folder = join(params.runsFolder, `${stamp(new Date())}-${slug(params.experiment.name)}-sweep`);
  mkdirSync(folder, { recursive: true });
  markOwner(folder);
  const summary: SweepSummary = { name: params.experiment.name, status: 'running', settings: [...new Set(members.flatMap((m) => Object.keys(m.values)))], members: members.map((m) => ({ values: m.values, status: 'not started' })) };
  const write = () => {
    const done = summary.members.filter((m) => m.status === 'completed' && m.bestValLoss !== undefined);
    summary.best = done.sort((a, b) => a.bestValLoss! - b.bestValLoss!)[0]?.runId;
    writeFileAtomic(join(folder, 'sweep.json'), JSON.stringify(summary, null, 2) + '\n');
    onMember?.(summary, folder);
  };
  write();
  let cancelled = false;
  let current: RunHandle | undefined;
  const done = (async () => {
    for (const [i, m] of members.entries()) {
      if (cancelled) break;
      try {
        // members share the runs folder's feature cache with plain runs (not one inside the sweep's folder)
        current = await startRun({ ...params, experiment: m.experiment, runsFolder: folder, featureCache: params.featureCache ?? featureCacheDir(params.runsFolder) }, (e) => listener(e, i));
        Object.assign(summary.members[i], { runId: current.runId, status: 'running' });
        write();
        const s = await current.done;
        Object.assign(summary.members[i], { status: s.status, bestValLoss: s.bestValLoss, testAccuracy: s.testAccuracy, seconds: s.seconds, message: s.message });
      } catch (e) {
        // a member that cannot start is recorded; the rest still run
        Object.assign(summary.members[i], { status: 'failed', message: (e as Error).message });
      }
      write();
    }
    summary.status = cancelled ? 'cancelled' : 'completed';
    write();
    releaseOwner(folder);
    return summary;
  })();
  return {
    folder,
    members: members.length,
    cancel: () => {
      cancelled = true;
      current?.cancel();
    },
    done,
  };
}
