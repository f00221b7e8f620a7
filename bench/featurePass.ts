// The fine-tune feature pass: a pretrained network's forward pass over images, the cost a fine-tune pays once per image
// (MobileNetV2 at 224×224, InceptionV3 at 299×299, batch 16). One engine per process; prints {"msPerImage": …} for
// bench/feature-pass.mjs, which runs every engine and Keras interleaved.
// node dist/bench/featurePass.js --engine cpu|wasm --model mobilenet_v2|inception_v3 [--batches N]
import * as tf from '@tensorflow/tfjs';
import { loadEngine } from '../src/backend/engines/engineLoad';
import { loadModelFolder } from '../src/backend/training/checkpoint';
import { type FixtureModel, pretrainedFixture } from '../test/helpers/pretrained';

const arg = (name: string, fallback: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);

async function main() {
  const engine = await loadEngine({ forced: arg('--engine', 'wasm') as 'cpu', forcedBy: '--engine' });
  const name = arg('--model', 'mobilenet_v2') as FixtureModel;
  const size = name === 'inception_v3' ? 299 : 224;
  const model = await loadModelFolder(pretrainedFixture(name));
  const batch = 16;
  const images = tf.randomUniform([batch, size, size, 3], -1, 1, 'float32', 1);
  const pass = () => tf.tidy(() => (model.predict(images) as tf.Tensor).dataSync());
  pass(); // the first pass compiles and allocates
  const batches = Number(arg('--batches', '3'));
  const t0 = performance.now();
  for (let i = 0; i < batches; i++) pass();
  const msPerImage = (performance.now() - t0) / (batches * batch);
  process.stdout.write(JSON.stringify({ engine: engine.engine, model: name, size, msPerImage }) + '\n');
}
void main();
