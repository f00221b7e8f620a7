// Real data for tests: Debian's dataset-fashion-mnist (installed by .ci/run) and files derived from it.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

export const fashionDir = '/usr/share/datasets/fashion-mnist';

export function requireFashion(): string {
  if (!existsSync(join(fashionDir, 'train-images-idx3-ubyte.gz'))) {
    throw new Error(`${fashionDir} is missing: install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist), as .ci/run does`);
  }
  return fashionDir;
}

export function tempDir(prefix = 'gl-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A copy of the Fashion-MNIST test files (10k images) in a fresh folder, to be damaged by a test. */
export function smallIdxFolder(): string {
  const dir = tempDir('gl-idx-');
  for (const split of ['train', 't10k']) {
    // the 10k test files stand in for both splits: real data, small enough to copy per test
    copyFileSync(join(requireFashion(), 't10k-images-idx3-ubyte.gz'), join(dir, `${split}-images-idx3-ubyte.gz`));
    copyFileSync(join(requireFashion(), 't10k-labels-idx1-ubyte.gz'), join(dir, `${split}-labels-idx1-ubyte.gz`));
  }
  return dir;
}

export function readGz(file: string): Buffer {
  return gunzipSync(readFileSync(file));
}

export function writeGz(file: string, data: Uint8Array): void {
  writeFileSync(file, gzipSync(data));
}

export function writeExperiment(dir: string, experiment: unknown, name = 'test.experiment.json'): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, typeof experiment === 'string' ? experiment : JSON.stringify(experiment, null, 2));
  return file;
}
