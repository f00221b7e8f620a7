// What each epoch trains, decided at its start as a Keras callback's on_epoch_begin would: a fine-tune's head
// stage (built once, its base features cached), pseudo-labelling rounds after the labeled epochs, unfreezing the
// base when the head's epochs or patience are spent — or, with nothing left to change, an early stop.
import type * as tf from '@tensorflow/tfjs';
import { FeaturesCancelled } from '../models/featureCache';
import type { BestTracker } from './bestTracker';
import { pseudoLabelRound, semiDefaults } from './pseudoLabels';
import { augmentFor, type TrainState } from './trainState';

export class PhasePlan {
  private readonly semi;
  private readonly labeledEpochs: number;
  /** A student that starts afresh each round learns from the teacher's labels without inheriting its mistakes. */
  private readonly initialWeights: tf.Tensor[] | undefined;

  constructor(private readonly s: TrainState, private readonly best: BestTracker) {
    const { experiment, prep } = s;
    this.semi = experiment.semiSupervised && { ...semiDefaults, ...experiment.semiSupervised };
    this.labeledEpochs = experiment.training.epochs;
    const unfreeze = prep.fineTune && experiment.unfreeze;
    s.epochs = this.labeledEpochs + (this.semi ? this.semi.rounds * this.semi.epochsPerRound : 0) + (unfreeze ? unfreeze.epochs : 0);
    this.initialWeights = this.semi?.restart ? prep.model.getWeights().map((w) => w.clone()) : undefined;
  }

  /** A fine-tune's head stage (its base features computed or read from the cache); false when cancelled meanwhile. */
  async start(): Promise<boolean> {
    const { s } = this;
    const fineTune = s.prep.fineTune;
    if (!fineTune) return true;
    let reported = 0;
    const onImages = (done: number, total: number) => {
      if (done < total && Date.now() - reported < 500) return;
      reported = Date.now();
      s.ctx.onProgress?.(`computing the base's features: ${done} of ${total} images`, done, total);
    };
    try {
      const head = await fineTune.headStage(s.ctx.cacheDir, onImages, s.isCancelled);
      s.stage = head.stage;
      s.phase = 'head';
      s.trainSet = head.stage.data.train;
      s.emit({ ...head.event, runId: s.run.runId, stepsPerEpoch: s.stepsPerEpoch() });
      if (head.stage.data !== s.prep.data) s.augment = undefined; // features: augmentation was applied (or not) when they were cached
      return true;
    } catch (e) {
      if (e instanceof FeaturesCancelled) return false;
      throw e;
    }
  }

  /** Changes this epoch brings; 'stop' when patience is spent and no phase is left to try. */
  onEpochBegin(epoch: number): 'train' | 'stop' {
    if (this.semi && epoch > this.labeledEpochs && (epoch - this.labeledEpochs - 1) % this.semi.epochsPerRound === 0) this.pseudoLabelRound(epoch);
    const unfreeze = this.s.prep.fineTune && this.s.experiment.unfreeze;
    const headDone = epoch > this.labeledEpochs || this.best.patienceSpent();
    if (unfreeze && this.s.phase === 'head' && headDone) this.unfreeze(epoch, epoch > this.labeledEpochs ? 'epochs' : 'patience');
    else if (this.best.patienceSpent()) return 'stop';
    return 'train';
  }

  dispose(): void {
    this.initialWeights?.forEach((w) => w.dispose());
  }

  private pseudoLabelRound(epoch: number): void {
    const { s } = this;
    const semi = this.semi!;
    const { data, model, unlabeled } = s.prep;
    const round = (epoch - this.labeledEpochs - 1) / semi.epochsPerRound + 1;
    const weight = (semi.maxWeight * round) / semi.rounds;
    const r = semi.method === 'pseudo-label'
      ? pseudoLabelRound(model, data.train, unlabeled!, data, semi.threshold, weight)
      : { train: data.train, pseudoLabels: 0, pseudoCorrect: 0 };
    s.trainSet = r.train;
    if (this.initialWeights) {
      model.setWeights(this.initialWeights);
      s.resetOptimizer();
    }
    s.emit({ type: 'round', ...s.base, round, epoch, method: semi.method, labeled: data.train.count, pseudoLabels: r.pseudoLabels, pseudoCorrect: r.pseudoCorrect, weight, threshold: semi.threshold, stepsPerEpoch: s.stepsPerEpoch() });
  }

  private unfreeze(epoch: number, reason: 'epochs' | 'patience'): void {
    const { s } = this;
    const fineTune = s.prep.fineTune!;
    const unfreeze = s.experiment.unfreeze!;
    s.epochs = epoch - 1 + unfreeze.epochs;
    const next = fineTune.unfreeze(unfreeze.layers);
    s.stage = next.stage;
    s.phase = 'unfreeze';
    s.trainSet = next.stage.data.train;
    s.augment = augmentFor(s.experiment);
    s.resetOptimizer({ ...s.experiment.optimizer, learningRate: unfreeze.learningRate ?? Number((s.experiment.optimizer.learningRate / 10).toPrecision(6)) });
    this.best.resetPatience();
    const summary = fineTune.summary();
    s.emit({ type: 'phase', ...s.base, phase: 'unfreeze', epoch, reason, unfrozenLayers: next.unfrozen, trainableParams: summary.trainableParams, learningRate: s.learningRate, stepsPerEpoch: s.stepsPerEpoch(), totalEpochs: s.epochs });
  }
}
