// The canonical MNIST / Fashion-MNIST files for users who are online: fetched once into a cache folder, each
// file written under a temporary name and renamed when complete, so an interrupted download is never read.
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataError } from './idxReader';

const files = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

export const datasetUrls: Record<'mnist' | 'fashion-mnist', string> = {
  mnist: 'https://storage.googleapis.com/cvdf-datasets/mnist/',
  'fashion-mnist': 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
};

export interface DownloadProgress {
  file: string;
  received: number;
  total?: number;
}

export function datasetCacheDir(name: string): string {
  return join(process.env.GRADIENT_LAB_CACHE ?? join(homedir(), '.cache', 'gradient-lab'), 'datasets', name);
}

export async function downloadDataset(name: 'mnist' | 'fashion-mnist', onProgress?: (p: DownloadProgress) => void): Promise<string> {
  const dir = datasetCacheDir(name);
  mkdirSync(dir, { recursive: true });
  for (const file of files) {
    const target = join(dir, file);
    if (existsSync(target)) continue;
    const url = datasetUrls[name] + file;
    const partial = `${target}.part`;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status} ${response.statusText}`);
      const total = Number(response.headers.get('content-length')) || undefined;
      let received = 0;
      const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
      body.on('data', (chunk: Buffer) => {
        received += chunk.length;
        onProgress?.({ file, received, total });
      });
      await pipeline(body, createWriteStream(partial));
      renameSync(partial, target);
    } catch (e) {
      rmSync(partial, { force: true });
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (e as Error).message;
      throw new DataError(
        `could not download ${name} (${file} from ${url}: ${why}). Offline? Use "source": "embedded-digits" ` +
          `(no download needed) or "source": "idx-folder" with a local copy — Debian's dataset-fashion-mnist ` +
          `package installs one in /usr/share/datasets/fashion-mnist.`,
      );
    }
  }
  return dir;
}
