// Real pretrained ImageNet networks for offline tests: the MobileNetV2 and InceptionV3 backbones that the npm
// package nsfwjs (MIT; a devDependency, never shipped) bundles as JavaScript modules — model.json as an object,
// each weight shard as a base64 string. Rewritten once into a standard model.json + weights.bin folder, they load
// through the same local-folder path a user's model does. Only their convolutional trunk is used (the fine-tune
// cuts before their classifier).
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type FixtureModel = 'mobilenet_v2' | 'mobilenet_v2_mid' | 'inception_v3';

const requireHere = createRequire(__filename);

/** .cache/pretrained in the repository (found from wherever the bundled test or bench runs). */
export function fixtureRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, '.cache', 'pretrained');
}

/** The folder holding model.json + weights.bin for one of nsfwjs' networks (written on first use). */
export function pretrainedFixture(name: FixtureModel): string {
  const dir = join(fixtureRoot(), name);
  if (existsSync(join(dir, 'model.json'))) return dir;
  // the package's "exports" map hides its files; resolve the entry point and walk to dist/models
  const models = join(dirname(requireHere.resolve('nsfwjs')), '..', 'models', name);
  const modelJson = requireHere(join(models, 'model.min.js')) as { weightsManifest: { paths: string[]; weights: unknown[] }[] };
  const shards = modelJson.weightsManifest.flatMap((g) => g.paths).map((p) => Buffer.from(requireHere(join(models, `${p}.min.js`)) as string, 'base64'));
  const tmp = `${dir}.tmp-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, 'weights.bin'), Buffer.concat(shards));
  const manifest = [{ paths: ['weights.bin'], weights: modelJson.weightsManifest.flatMap((g) => g.weights) }];
  writeFileSync(join(tmp, 'model.json'), JSON.stringify({ ...modelJson, weightsManifest: manifest }));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

/** A fine-tune of the MobileNetV2 fixture on the image folder `folder` (beside the experiment), at size × size, on
 *  wasm; `more` adds or replaces fields (optimizer, training, unfreeze, sweep…). */
export function mobilenetFineTune(name: string, folder: string, size: number, more: Record<string, unknown> = {}) {
  return {
    name, engine: 'wasm', data: { source: 'image-folder', path: folder },
    base: { model: pretrainedFixture('mobilenet_v2'), inputSize: [size, size] },
    optimizer: { name: 'adam', learningRate: 0.001 }, training: { epochs: 3, batchSize: 32 }, ...more,
  };
}
