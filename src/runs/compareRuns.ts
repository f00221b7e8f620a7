// Runs side by side: what differs in their experiments, and each run's per-epoch curves and results. Used by
// `gradient-lab compare` and by the extension's compare panel, both from the runs' own events.
import type { RunEvent } from '../protocol/runEvents';
import type { CompareEpoch, CompareRun, CompareView } from '../protocol/compare';
import { statusFromEvents } from './runStatus';

/** An experiment as dotted paths → JSON text of each leaf value. */
export function flattenSettings(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flattenSettings(v, prefix ? `${prefix}.${k}` : k, out);
  } else out[prefix] = JSON.stringify(value);
  return out;
}

/** The paths whose values differ between the experiments (name and source file aside). */
export function differingSettings(experiments: unknown[]): { settings: string[]; flat: Record<string, string>[] } {
  const flat = experiments.map((e) => flattenSettings(e));
  const settings = [...new Set(flat.flatMap((f) => Object.keys(f)))]
    .filter((k) => k !== 'name' && k !== '$source' && !k.startsWith('sweep.') && new Set(flat.map((f) => f[k])).size > 1)
    .sort();
  return { settings, flat };
}

function epochsOf(events: RunEvent[]): CompareEpoch[] {
  const out: CompareEpoch[] = [];
  let stepMs = 0;
  let steps = 0;
  let l2 = 0;
  for (const e of events) {
    if (e.type === 'batch') {
      stepMs += e.stepMs;
      steps++;
      l2 = e.l2;
    } else if (e.type === 'epoch') {
      out.push({ epoch: e.epoch, trainLoss: e.trainLoss, trainAccuracy: e.trainAccuracy, valLoss: e.valLoss, valAccuracy: e.valAccuracy, stepMs: steps ? stepMs / steps : 0, l2 });
      stepMs = 0;
      steps = 0;
    }
  }
  return out;
}

/** The compare view of runs given by their folders and events (live runs: pass live = true). */
export function compareView(title: string, runs: { folder: string; events: RunEvent[]; live?: boolean }[], sweepFolder?: string): CompareView {
  const started = runs.map((r) => r.events.find((e) => e.type === 'started'));
  const { settings, flat } = differingSettings(started.map((s) => (s?.type === 'started' ? s.experiment : {})));
  return {
    title, settings, sweepFolder,
    runs: runs.map((r, i): CompareRun => {
      const s = started[i];
      const finished = r.events.find((e) => e.type === 'finished');
      const epochs = epochsOf(r.events);
      const validated = epochs.filter((e) => e.valLoss !== undefined);
      const best = validated.reduce<CompareEpoch | undefined>((a, e) => (!a || e.valLoss! < a.valLoss! ? e : a), undefined);
      return {
        runId: s?.runId ?? r.folder, folder: r.folder, name: s?.type === 'started' ? s.experiment.name : r.folder, status: statusFromEvents(r.events, !!r.live),
        values: Object.fromEntries(settings.map((k) => [k, flat[i][k] === undefined ? undefined : JSON.parse(flat[i][k])])),
        epochs, bestValLoss: best?.valLoss, bestValAccuracy: best?.valAccuracy,
        testAccuracy: finished?.type === 'finished' ? finished.test?.accuracy : undefined,
        seconds: finished?.type === 'finished' ? finished.seconds : undefined, engine: s?.type === 'started' ? s.engine : undefined,
      };
    }),
  };
}
