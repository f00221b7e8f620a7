// The feature cache against recomputing the frozen base: head epochs of a MobileNetV2 fine-tune on real
// Fashion-MNIST images, once on cached features and once with base.cache off (the base runs on every image in
// every epoch), in the same process on the same engine. Prints the seconds per head epoch and their ratio.
// node dist/bench/featureCache.js [--train N] [--size S] [--epochs E]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EpochEvent, FeaturesEvent } from '../src/protocol/runEvents';
import { loadDataset } from '../src/backend/data/datasets';
import { writeImageFolder } from '../src/backend/data/imageFolder';
import { startRun } from '../src/backend/jobs/trainRun';
import { pretrainedFixture } from '../test/helpers/pretrained';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};

async function main() {
  const train = arg('--train', 500);
  const size = arg('--size', 96);
  const epochs = arg('--epochs', 3);
  const dir = mkdtempSync(join(tmpdir(), 'gl-bench-cache-'));
  const fashion = await loadDataset({ source: 'idx-folder', path: '/usr/share/datasets/fashion-mnist' });
  writeImageFolder(fashion, join(dir, 'fashion'), { train, validation: 50, test: 0 });
  const runsFolder = join(dir, 'runs');
  const measure = async (cache: boolean) => {
    const epochSeconds: number[] = [];
    let features: FeaturesEvent | undefined;
    const experiment = {
      name: `cache ${cache ? 'on' : 'off'}`, engine: 'wasm', data: { source: 'image-folder', path: join(dir, 'fashion') },
      base: { model: pretrainedFixture('mobilenet_v2'), inputSize: [size, size], cache },
      optimizer: { name: 'adam', learningRate: 0.001 }, training: { epochs, batchSize: 32, checkpointEvery: 1_000_000 },
    };
    const run = await startRun({ experiment, runsFolder }, (e) => {
      if (e.type === 'epoch') epochSeconds.push((e as EpochEvent).seconds);
      if (e.type === 'features') features = e as FeaturesEvent;
    });
    await run.done;
    // epochs 2…: the first may still warm up kernels
    const later = epochSeconds.slice(1);
    return { perEpoch: later.reduce((a, b) => a + b, 0) / later.length, features: features! };
  };
  const cached = await measure(true);
  const again = await measure(true);
  const off = await measure(false);
  const row = {
    images: train, size, engine: 'wasm',
    featuresComputedSeconds: cached.features.seconds, featuresReadSeconds: again.features.seconds, secondRunCache: again.features.cache,
    headEpochSecondsCached: again.perEpoch, headEpochSecondsRecomputing: off.perEpoch, speedup: off.perEpoch / again.perEpoch,
  };
  process.stdout.write(`${train} training images at ${size}×${size}, MobileNetV2 cut at out_relu, wasm\n`);
  process.stdout.write(`  features: computed once in ${row.featuresComputedSeconds.toFixed(1)} s; the next run read them in ${row.featuresReadSeconds.toFixed(2)} s (cache ${row.secondRunCache})\n`);
  process.stdout.write(`  head epoch on cached features: ${row.headEpochSecondsCached.toFixed(2)} s; recomputing the base: ${row.headEpochSecondsRecomputing.toFixed(2)} s\n`);
  process.stdout.write(`  ratio: ${row.speedup.toFixed(0)}× faster with the cache\n${JSON.stringify(row)}\n`);
}
void main();
