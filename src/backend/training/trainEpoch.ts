// One epoch of steps: a shuffled order, each batch's loss and gradients, the optimizer's update, one read of the
// loss, accuracy and L2 (and the probe's statistics) per step, a 'batch' event, and a turn for a cancel to land.
import * as tf from '@tensorflow/tfjs';
import { type Batch, makeBatch } from '../data/batches';
import { shuffled } from '../data/random';
import type { Checkpointer } from './checkpointer';
import type { GradientHook } from './gradientHook';
import { batchLoss, l2Sum } from './objective';
import type { TrainState } from './trainState';

export interface EpochResult {
  lossSum: number;
  correctSum: number;
  seen: number;
  /** Why training cannot go on (the loss is no longer finite), said as the user can act on it. */
  diverged?: string;
}

export async function trainEpoch(s: TrainState, epoch: number, hooks: { probe: GradientHook; checkpoints: Checkpointer }): Promise<EpochResult> {
  const { batchSize } = s.experiment.training;
  const stage = s.stage!;
  const variables = stage.variables();
  const order = shuffled(s.trainSet.count, s.random);
  const result: EpochResult = { lossSum: 0, correctSum: 0, seen: 0 };
  for (let from = 0; from < s.trainSet.count && !s.isCancelled(); from += batchSize) {
    const to = Math.min(s.trainSet.count, from + batchSize);
    const t0 = performance.now();
    const probeNow = hooks.probe.probesStep(s.step);
    const [loss, accuracy, l2, ...probe] = tf.tidy(() => {
      const batch: Batch = makeBatch(s.trainSet, stage.data, order, from, to, s.augment);
      let logits: tf.Tensor | undefined;
      const { value, grads } = tf.variableGrads(() => batchLoss(s.prep, stage, batch, (l) => (logits = tf.keep(l))), variables);
      s.optimizer.applyGradients(grads);
      const acc = logits!.argMax(1).equal(batch.ys).toFloat().mean();
      const scalars = tf.stack([value, acc, l2Sum(s.prep.denseWeights)]);
      // one read per step: the probe's numbers ride along with the loss
      const stats = (probeNow ? tf.concat([scalars, hooks.probe.stats(grads)]) : scalars).dataSync();
      logits!.dispose();
      return Array.from(stats);
    });
    const stepMs = performance.now() - t0;
    s.ctx.steps.done = ++s.step;
    s.trainSeconds += stepMs / 1000;
    s.trainedSamples += to - from;
    if (!Number.isFinite(loss)) return { ...result, diverged: divergence(s, loss, epoch) };
    result.lossSum += loss * (to - from);
    result.correctSum += accuracy * (to - from);
    result.seen += to - from;
    s.emit({ type: 'batch', ...s.base, epoch, step: s.step, loss, accuracy, samples: to - from, stepMs, learningRate: s.learningRate, l2 });
    if (probeNow) hooks.probe.emit(epoch, probe);
    await hooks.checkpoints.onStepEnd(epoch);
    await new Promise((r) => setImmediate(r)); // let a cancel request in
  }
  return result;
}

function divergence(s: TrainState, loss: number, epoch: number): string {
  return `the loss became ${loss} at epoch ${epoch}, step ${s.step} (learning rate ${s.learningRate}): ` +
    `training diverged. Lower ${s.phase === 'unfreeze' ? 'unfreeze.learningRate' : 'optimizer.learningRate'} (e.g. to ${Number((s.learningRate / 10).toPrecision(6))}) or add batch norm. ` +
    `Everything before this step is kept in ${s.run.folder}.`;
}
