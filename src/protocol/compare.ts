// The compare panel's messages: several runs side by side (a sweep, or runs picked in the runs tree). The host
// builds everything from the runs' events; the webview only draws.
import type { RunStatus } from './webview';

/** One epoch of one run, as the overlay charts need it. */
export interface CompareEpoch {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  /** Mean milliseconds per training step in this epoch. */
  stepMs: number;
  /** ½Σw² at the epoch's last step. */
  l2: number;
}

export interface CompareRun {
  runId: string;
  folder: string;
  name: string;
  status: RunStatus;
  /** The settings that differ between the compared runs, by dotted path (the legend and the table's columns). */
  values: Record<string, unknown>;
  epochs: CompareEpoch[];
  bestValLoss?: number;
  bestValAccuracy?: number;
  testAccuracy?: number;
  seconds?: number;
  engine?: string;
}

export interface CompareView {
  title: string;
  /** Dotted paths of the settings that differ, in a stable order. */
  settings: string[];
  runs: CompareRun[];
  /** A sweep's folder, when the view is a sweep. */
  sweepFolder?: string;
}

export type HostToCompare = { type: 'snapshot'; view: CompareView };

export type CompareToHost =
  | { type: 'ready' }
  | { type: 'openRun'; folder: string }
  /** A chart as a PNG data URL, saved as charts/<name>.png in the sweep's folder (or the first run's). */
  | { type: 'savePng'; name: string; dataUrl: string };
