// Messages between the extension host and the training panel's webview. The webview owns no state: on 'ready'
// (and whenever it becomes visible again) the host sends a snapshot, then deltas.
import type { RunEvent } from './runEvents';

export type RunStatus = 'starting' | 'running' | 'completed' | 'cancelled' | 'failed' | 'incomplete';

export interface RunView {
  runId: string;
  name: string;
  folder: string;
  status: RunStatus;
  events: RunEvent[];
}

export type HostToPanel =
  | { type: 'snapshot'; run: RunView | undefined; compare?: RunView }
  | { type: 'events'; runId: string; status: RunStatus; events: RunEvent[] };

export type PanelToHost =
  | { type: 'ready' }
  | { type: 'cancel'; runId: string }
  | { type: 'revealFolder'; runId: string }
  | { type: 'openReport'; runId: string }
  /** A chart as a PNG (data URL), to be written into the run's folder as charts/<name>.png. */
  | { type: 'savePng'; runId: string; name: string; dataUrl: string };
