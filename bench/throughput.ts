// One engine's training throughput on the real trainer: prints {"samplesPerSec": …} for bench/train-throughput.mjs.
// node dist/bench/throughput.js --engine wasm --model cnn|mlp --steps N
import { startRun } from '../src/backend/jobs/trainRun';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};

export const benchModels = {
  cnn: { kind: 'cnn', conv: [{ filters: 32, kernel: 5 }, { filters: 64, kernel: 5 }], dense: [128], dropoutKeep: 0.5 },
  mlp: { kind: 'mlp', dense: [256] },
  deep: { kind: 'deep-mlp', depth: 20, width: 32, activation: 'relu', init: 'he' },
} as const;

async function main() {
  const model = arg('--model', 'cnn') as keyof typeof benchModels;
  const steps = Number(arg('--steps', '30'));
  const experiment = {
    name: `bench ${model}`, seed: 1, engine: arg('--engine', 'wasm'),
    // one warm-up epoch would be ideal; instead the first step is dropped by measuring 1 + steps and subtracting
    data: { source: 'embedded-digits', trainLimit: 64 * (steps + 1), validationLimit: 1, testLimit: 1 },
    model: benchModels[model], optimizer: { name: 'adam', learningRate: 0.001 },
    // the gradient probe: off, or every N steps
    training: { epochs: 1, batchSize: 64, checkpointEvery: 1_000_000, gradients: arg('--probe', 'off') === 'off' ? { enabled: false } : { enabled: true, every: Number(arg('--probe', '10')) } },
  };
  const stepMs: number[] = [];
  const run = await startRun({ experiment, runsFolder: mkdtempSync(join(tmpdir(), 'gl-bench-')) }, (e) => {
    if (e.type === 'batch') stepMs.push(e.stepMs);
  });
  await run.done;
  const measured = stepMs.slice(1); // the first step compiles and allocates
  const ms = measured.reduce((a, b) => a + b, 0) / measured.length;
  process.stdout.write(JSON.stringify({ engine: run.engine.engine, model, steps: measured.length, msPerStep: ms, samplesPerSec: (64 * 1000) / ms }) + '\n');
}
void main();
