// The workspace the end-to-end tests open: small real experiments and deliberately broken ones.
import { copyFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { loadDataset } from '../../src/backend/data/datasets';
import { writeImageFolder } from '../../src/backend/data/imageFolder';
import { pretrainedFixture } from '../helpers/pretrained';
import { packageRoot } from '../../src/paths';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const quick = {
  name: 'quick digits MLP', seed: 1,
  data: { source: 'embedded-digits', trainLimit: 4000, validationLimit: 500, testLimit: 500 },
  model: { kind: 'mlp', dense: [64] }, optimizer: { name: 'adam', learningRate: 0.003 }, training: { epochs: 2, batchSize: 32 },
};

export async function e2eWorkspace(): Promise<string> {
  return e2eWorkspaceInto(mkdtempSync(join(tmpdir(), 'gl-ws-')));
}

export async function e2eWorkspaceInto(dir: string): Promise<string> {
  const write = (name: string, value: unknown) => writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value, null, 2) + '\n');
  write('quick.experiment.json', quick);
  write('slow.experiment.json', {
    ...quick, name: 'slow digits CNN', data: { source: 'embedded-digits' },
    model: { kind: 'cnn', conv: [{ filters: 32, kernel: 5 }, { filters: 64, kernel: 5 }], dense: [128] }, training: { epochs: 1, batchSize: 64 },
  });
  write('sweep.experiment.json', { ...quick, name: 'small sweep', data: { ...quick.data, trainLimit: 1000 }, training: { epochs: 1, batchSize: 32 }, sweep: { 'optimizer.learningRate': [0.01, 0.003] } });
  write('deep-sigmoid.experiment.json', { ...quick, name: 'deep sigmoid chain', model: { kind: 'deep-mlp', depth: 20, width: 1, activation: 'sigmoid', init: 'normal-1' } });
  write('bad-shape.experiment.json', { ...quick, name: 'bad shape', model: { kind: 'cnn', conv: [{ filters: 8, kernel: 29 }] } });
  copyFileSync(join(packageRoot(), 'examples', 'backprop-3-4-4-1.md'), join(dir, 'backprop.md'));
  copyFileSync(join(packageRoot(), 'examples', 'derivation-conv.md'), join(dir, 'conv.md'));
  copyFileSync(join(packageRoot(), 'examples', 'derivation-init.md'), join(dir, 'init.md'));
  copyFileSync(join(packageRoot(), 'examples', 'derivation-optimizers.md'), join(dir, 'optimizers.md'));
  write('undeclared.md', '# Notes\n\nThe output delta is $\\delta_1^{(3)} = y - t_n$ and $a_1^{(2)} = w_{11}^{(1)} x_1 + w_{12}^{(1)} x_2$.\n');
  // a fine-tune of the real MobileNetV2 backbone on a small image folder of real digits, one class named like markup
  const digits = await loadDataset({ source: 'embedded-digits', trainLimit: 80, validationLimit: 20, testLimit: 20 });
  writeImageFolder(digits, join(dir, 'digit-images'), {});
  for (const split of ['train', 'validation', 'test']) renameSync(join(dir, 'digit-images', split, '7'), join(dir, 'digit-images', split, '<b>seven'));
  write('finetune.experiment.json', {
    name: 'fine-tune MobileNetV2 on digit images', seed: 1, data: { source: 'image-folder', path: 'digit-images' },
    base: { model: pretrainedFixture('mobilenet_v2'), inputSize: [48, 48] }, head: { dense: [32] },
    optimizer: { name: 'adam', learningRate: 0.003 }, training: { epochs: 6, batchSize: 16 }, unfreeze: { layers: 6, epochs: 1 },
  });
  write('bad-schema.experiment.json', { ...quick, name: 'bad schema', model: { kind: 'cnn', conv: [{ filters: 8, kernal: 5 }] } });
  return dir;
}
