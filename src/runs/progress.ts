// Where a run stands, from its events: the CLI, the progress notification and the panel all say it the same way.
// Steps per epoch can change during a run (a pseudo-labelling round adds images), so the step within the epoch
// is counted from the epoch's first step rather than computed from a fixed size.
import type { BatchEvent, RunEvent } from '../protocol/runEvents';

export interface Progress {
  epoch: number;
  totalEpochs: number;
  stepInEpoch: number;
  stepsPerEpoch: number;
  /** 0..1 over the whole run. */
  fraction: number;
}

export class ProgressTracker {
  private totalEpochs = 1;
  private stepsPerEpoch = 1;
  private epoch = 0;
  private firstStep = 1;

  /** Feed every event; batch events return where the run stands. */
  update(e: RunEvent): Progress | undefined {
    if (e.type === 'started') {
      this.totalEpochs = e.totalEpochs ?? e.experiment.training.epochs;
      this.stepsPerEpoch = e.stepsPerEpoch;
    } else if (e.type === 'round' || e.type === 'features') {
      this.stepsPerEpoch = e.stepsPerEpoch;
    } else if (e.type === 'phase') {
      this.stepsPerEpoch = e.stepsPerEpoch;
      this.totalEpochs = e.totalEpochs;
    } else if (e.type === 'batch') {
      return this.at(e);
    }
    return undefined;
  }

  private at(e: BatchEvent): Progress {
    if (e.epoch !== this.epoch) {
      this.epoch = e.epoch;
      this.firstStep = e.step;
    }
    const stepInEpoch = e.step - this.firstStep + 1;
    return { epoch: e.epoch, totalEpochs: this.totalEpochs, stepInEpoch, stepsPerEpoch: this.stepsPerEpoch, fraction: Math.min(1, (e.epoch - 1 + stepInEpoch / this.stepsPerEpoch) / this.totalEpochs) };
  }
}

export function progressLine(p: Progress): string {
  return `epoch ${p.epoch}/${p.totalEpochs} · step ${p.stepInEpoch}/${p.stepsPerEpoch}`;
}
