// The 'last' checkpoint, as Keras' BackupAndRestore keeps one: every checkpointEvery steps and at each epoch's end,
// so a killed run loses at most that many steps.
import { saveCheckpoint } from './checkpoint';
import type { TrainState } from './trainState';

export class Checkpointer {
  private readonly every: number;

  constructor(private readonly s: TrainState) {
    this.every = s.experiment.training.checkpointEvery ?? 50;
  }

  async onStepEnd(epoch: number): Promise<void> {
    if (this.s.step % this.every === 0) await this.save(epoch);
  }

  onEpochEnd(epoch: number): Promise<void> {
    return this.save(epoch);
  }

  private save(epoch: number): Promise<void> {
    return saveCheckpoint(this.s.prep.model, this.s.run.checkpoints, 'last', { epoch, step: this.s.step });
  }
}
