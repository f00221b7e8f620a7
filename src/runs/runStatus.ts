// A run's status from its events alone: the runs tree, the panels and the CLI's compare read it the same way.
import type { RunEvent } from '../protocol/runEvents';
import type { RunStatus } from '../protocol/webview';

/** A run's status from its events alone (a folder without a final event was killed or is still running). */
export function statusFromEvents(events: RunEvent[], live: boolean): RunStatus {
  const last = [...events].reverse().find((e) => e.type === 'finished' || e.type === 'failed');
  if (last?.type === 'finished') return last.status;
  if (last?.type === 'failed') return 'failed';
  if (!events.length) return live ? 'starting' : 'incomplete';
  return live ? 'running' : 'incomplete';
}
