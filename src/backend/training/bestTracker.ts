// Validation, the best epoch and patience, as Keras' EarlyStopping and ModelCheckpoint(save_best_only) do it: the
// validation split is scored every validateEvery epochs (and at the last), the best weights are checkpointed, and
// at the end restoreBest puts them back (restore_best_weights).
import { evaluate } from './objective';
import { copyWeights, loadCheckpoint, saveCheckpoint } from './checkpoint';
import type { TrainState } from './trainState';

export interface Validation {
  valLoss?: number;
  valAccuracy?: number;
  isBest: boolean;
}

export class BestTracker {
  /** Validations since the best one. */
  private sinceBest = 0;

  constructor(private readonly s: TrainState) {}

  /** Patience is spent: as many validations without a better loss as training.patience allows. */
  patienceSpent(): boolean {
    const patience = this.s.experiment.training.patience;
    return patience !== undefined && this.sinceBest >= patience;
  }

  /** A new phase (unfreezing the base) deserves its own patience. */
  resetPatience(): void {
    this.sinceBest = 0;
  }

  async onEpochEnd(epoch: number): Promise<Validation> {
    const { s } = this;
    const every = s.experiment.training.validateEvery ?? 1;
    const validation = s.stage!.data.validation;
    if (!s.prep.data.validation.count || (epoch % every !== 0 && epoch !== s.epochs)) return { isBest: false };
    const { loss: valLoss, accuracy: valAccuracy } = evaluate(s.stage!, validation);
    if (!s.best || valLoss < s.best.valLoss) {
      s.best = { epoch, valLoss };
      this.sinceBest = 0;
      await saveCheckpoint(s.prep.model, s.run.checkpoints, 'best', { epoch, step: s.step, valLoss });
      return { valLoss, valAccuracy, isBest: true };
    }
    this.sinceBest++;
    return { valLoss, valAccuracy, isBest: false };
  }

  /** After a completed run with restoreBest: the best checkpoint's weights, layer by layer. */
  async restore(): Promise<void> {
    const { s } = this;
    const restoreBest = s.experiment.training.restoreBest ?? !!s.prep.fineTune;
    if (!restoreBest || !s.best) return;
    if (s.best.epoch !== s.epochsDone) {
      const bestModel = await loadCheckpoint(s.run.checkpoints, 'best');
      copyWeights(bestModel, s.prep.model);
      bestModel.dispose();
    }
    s.restoredEpoch = s.best.epoch;
  }
}
