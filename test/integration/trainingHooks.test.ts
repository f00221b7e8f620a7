// The training loop's hooks, each on a real prepared run (embedded digits, a small MLP): validation and the best
// epoch with patience, the periodic checkpoint, when the gradient probe reads, and what a phase plan does at an
// epoch's start (a pseudo-labelling round; an early stop once patience is spent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEvent } from '../../src/protocol/runEvents';
import { prepare } from '../../src/backend/jobs/prepare';
import { RunFolder } from '../../src/runs/runFolder';
import { BestTracker } from '../../src/backend/training/bestTracker';
import { Checkpointer } from '../../src/backend/training/checkpointer';
import { GradientHook } from '../../src/backend/training/gradientHook';
import { PhasePlan } from '../../src/backend/training/phasePlan';
import { trainEpoch } from '../../src/backend/training/trainEpoch';
import { TrainState } from '../../src/backend/training/trainState';
import { tempDir } from '../helpers/fixtures';

async function state(training: object, extra: object = {}) {
  const experiment = {
    name: 'hooks', seed: 3, data: { source: 'embedded-digits', trainLimit: 256, validationLimit: 64, testLimit: 32 },
    model: { kind: 'mlp', dense: [16] }, optimizer: { name: 'sgd', learningRate: 0.01 }, training: { epochs: 3, batchSize: 64, ...training }, ...extra,
  };
  const prep = await prepare({ experiment, runsFolder: tempDir() });
  const run = RunFolder.create(tempDir(), 'hooks', prep.experiment);
  const events: RunEvent[] = [];
  const s = new TrainState(prep, run, (e) => events.push(e), () => false, { steps: { done: 0 } });
  return { s, events, run, prep };
}

test('best tracker: validates every validateEvery epochs and at the last, checkpoints the best, counts patience', async () => {
  const { s, run, prep } = await state({ validateEvery: 2, patience: 1 });
  try {
    const best = new BestTracker(s);
    assert.deepEqual(await best.onEpochEnd(1), { isBest: false }, 'epoch 1 of validateEvery 2: no validation');
    const second = await best.onEpochEnd(2);
    assert.equal(second.isBest, true);
    assert.ok(Number.isFinite(second.valLoss));
    assert.ok(existsSync(join(run.checkpoints, 'best.json')), 'the best epoch is checkpointed');
    assert.equal(best.patienceSpent(), false);
    const third = await best.onEpochEnd(3); // the last epoch validates although 3 % 2 ≠ 0; nothing trained between: no better
    assert.equal(third.isBest, false);
    assert.equal(third.valLoss, second.valLoss);
    assert.equal(best.patienceSpent(), true, 'patience 1: one validation without improvement');
    best.resetPatience();
    assert.equal(best.patienceSpent(), false);
    assert.deepEqual(s.best, { epoch: 2, valLoss: second.valLoss });
  } finally {
    prep.dispose();
  }
});

test('checkpointer: the last checkpoint every checkpointEvery steps and at the end of an epoch', async () => {
  const { s, run, prep } = await state({ checkpointEvery: 3 });
  try {
    const checkpoints = new Checkpointer(s);
    const last = () => (existsSync(join(run.checkpoints, 'last.json')) ? JSON.parse(readFileSync(join(run.checkpoints, 'last.json'), 'utf8')).step : undefined);
    s.step = 2;
    await checkpoints.onStepEnd(1);
    assert.equal(last(), undefined, 'step 2 of every 3: none yet');
    s.step = 3;
    await checkpoints.onStepEnd(1);
    assert.equal(last(), 3);
    s.step = 4;
    await checkpoints.onEpochEnd(1);
    assert.equal(last(), 4, 'and at the end of the epoch whatever the step');
  } finally {
    prep.dispose();
  }
});

test('gradient hook: the first step and every `every` steps are probed; an epoch emits a gradients event for each', async () => {
  const { s, events, prep } = await state({ gradients: { every: 2 } });
  try {
    const probe = new GradientHook(s);
    assert.deepEqual([0, 1, 2, 3, 4, 5].filter((done) => probe.probesStep(done)), [0, 1, 3, 5]);
    const result = await trainEpoch(s, 1, { probe, checkpoints: new Checkpointer(s) });
    assert.equal(result.seen, 256);
    const kinds = events.map((e) => e.type);
    assert.equal(kinds.filter((k) => k === 'batch').length, 4);
    assert.deepEqual(events.filter((e) => e.type === 'gradients').map((e) => e.step), [1, 2, 4], 'after steps 1, 2 and 4 (0-based 0, 1, 3)');
  } finally {
    prep.dispose();
  }
});

test('phase plan: a pseudo-labelling round starts after the labeled epochs; with patience spent and nothing to change it stops', async () => {
  const semi = await state({ epochs: 1 }, { semiSupervised: { labeled: 100, method: 'pseudo-label', rounds: 2, epochsPerRound: 1, threshold: 0.1 } });
  try {
    const plan = new PhasePlan(semi.s, new BestTracker(semi.s));
    assert.equal(semi.s.epochs, 3, '1 labeled epoch + 2 rounds of 1');
    assert.equal(plan.onEpochBegin(1), 'train');
    assert.equal(semi.events.length, 0, 'no round during the labeled epochs');
    assert.equal(plan.onEpochBegin(2), 'train');
    const round = semi.events.find((e) => e.type === 'round');
    assert.ok(round && round.type === 'round' && round.round === 1 && round.pseudoLabels > 0, 'round 1 pseudo-labels the unlabeled images');
    assert.ok(semi.s.trainSet.count > semi.prep.data.train.count, 'and trains on them with the labeled ones');
    plan.dispose();
  } finally {
    semi.prep.dispose();
  }
  const stop = await state({ patience: 1 });
  try {
    const best = new BestTracker(stop.s);
    const plan = new PhasePlan(stop.s, best);
    await best.onEpochEnd(1);
    await best.onEpochEnd(2);
    assert.equal(plan.onEpochBegin(3), 'stop');
  } finally {
    stop.prep.dispose();
  }
});
