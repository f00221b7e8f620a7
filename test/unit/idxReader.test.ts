// The IDX reader on real Fashion-MNIST files and on damaged copies of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { datasetUrls } from '../../src/backend/data/download';
import { loadDataset } from '../../src/backend/data/datasets';
import { DataError, readIdxFile } from '../../src/backend/data/idxReader';
import { fashionDir, readGz, requireFashion, smallIdxFolder, tempDir, writeGz } from '../helpers/fixtures';

test('reads Debian\'s Fashion-MNIST: 60,000 + 10,000 images of 28×28 with labels 0..9', () => {
  requireFashion();
  const images = readIdxFile(join(fashionDir, 'train-images-idx3-ubyte.gz'));
  const labels = readIdxFile(join(fashionDir, 'train-labels-idx1-ubyte.gz'));
  assert.deepEqual(images.dims, [60000, 28, 28]);
  assert.deepEqual(labels.dims, [60000]);
  const counts = new Array(10).fill(0);
  for (const l of labels.data) counts[l]++;
  assert.deepEqual(counts, new Array(10).fill(6000)); // Fashion-MNIST is balanced
});

test('loads an IDX folder with a Keras-style validation split and class names', async () => {
  const data = await loadDataset({ source: 'idx-folder', path: fashionDir, validationSplit: 0.1 });
  assert.equal(data.train.count, 54000);
  assert.equal(data.validation.count, 6000);
  assert.equal(data.test.count, 10000);
  assert.equal(data.classNames[9], 'Ankle boot');
  assert.equal(data.train.images.length, 54000 * 784);
});

test('the embedded digits: a fixed stratified 80/10/10 split of 10,000 real MNIST digits', async () => {
  const data = await loadDataset({ source: 'embedded-digits' });
  assert.deepEqual([data.train.count, data.validation.count, data.test.count], [8006, 997, 997]);
  const perClass = (labels: Uint8Array) => labels.reduce((n, l) => (n[l]++, n), new Array<number>(10).fill(0));
  // every 10th digit of a class is a test digit, the one before it a validation digit
  assert.deepEqual(perClass(data.test.labels), [100, 112, 99, 103, 98, 86, 101, 107, 94, 97]);
  assert.deepEqual(perClass(data.validation.labels), [100, 112, 99, 103, 98, 86, 101, 107, 94, 97]);
  assert.deepEqual(perClass(data.train.labels), [801, 903, 793, 826, 784, 691, 812, 856, 756, 784]);
  // real images: mostly background, some ink
  const ink = data.train.images.subarray(0, 784).filter((p) => p > 128).length;
  assert.ok(ink > 30 && ink < 400, `first image has ${ink} ink pixels`);
});

function expectDataError(f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof DataError, `a DataError, got ${e}`);
    assert.match((e as Error).message, pattern);
    return true;
  });
}

test('a truncated IDX file names the file, what the header declares and what follows', () => {
  const dir = smallIdxFolder();
  const file = join(dir, 'train-images-idx3-ubyte.gz');
  writeGz(file, readGz(file).subarray(0, 16 + 5000 * 784 + 100));
  expectDataError(() => readIdxFile(file), /train-images-idx3-ubyte\.gz: truncated: the header declares 10,000 × 28 × 28 = 7,840,000 bytes of data, but only 3,920,100 follow/);
});

test('a gzip stream cut short is reported as such', () => {
  const dir = smallIdxFolder();
  const file = join(dir, 'train-images-idx3-ubyte.gz');
  writeFileSync(file, readFileSync(file).subarray(0, 50_000));
  expectDataError(() => readIdxFile(file), /gzip stream is truncated/);
});

test('a file that is not IDX, or holds another element type, says so', () => {
  const dir = smallIdxFolder();
  const file = join(dir, 'train-labels-idx1-ubyte.gz');
  const bytes = readGz(file);
  writeGz(file, Buffer.concat([Buffer.from('PK\u0003\u0004'), bytes.subarray(4)]));
  expectDataError(() => readIdxFile(file), /not an IDX file: it starts with bytes 50 4b 03 04/);
  const floats = Buffer.from(bytes);
  floats[2] = 0x0d;
  writeGz(file, floats);
  expectDataError(() => readIdxFile(file), /float32 \(0x0d\)/);
});

test('labels/images count mismatch names both files and both counts', async () => {
  const dir = smallIdxFolder();
  const file = join(dir, 't10k-labels-idx1-ubyte.gz');
  const bytes = Buffer.from(readGz(file).subarray(0, 8 + 9999));
  bytes.writeUInt32BE(9999, 4);
  writeGz(file, bytes);
  await assert.rejects(loadDataset({ source: 'idx-folder', path: dir }), /labels\/images count mismatch: t10k-images-idx3-ubyte\.gz holds 10,000 images but t10k-labels-idx1-ubyte\.gz holds 9,999 labels/);
});

test('a missing dataset folder, and a folder without IDX files', async () => {
  await assert.rejects(loadDataset({ source: 'idx-folder', path: '/nonexistent/fashion' }), /dataset folder not found: \/nonexistent\/fashion/);
  await assert.rejects(loadDataset({ source: 'idx-folder', path: '/usr/share' }), /no file like train-images-idx3-ubyte\[\.gz\]/);
});

test('download, unreachable: a message naming the file and URL that points to the offline sources; nothing half-made kept', async () => {
  const cache = tempDir('gl-dl-');
  process.env.GRADIENT_LAB_CACHE = cache;
  const saved = datasetUrls['fashion-mnist'];
  // a port that was just free: nothing listens there (fetch refuses the well-known discard port 9 outright)
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  datasetUrls['fashion-mnist'] = `http://127.0.0.1:${port}/`;
  try {
    await assert.rejects(loadDataset({ source: 'download', dataset: 'fashion-mnist' }), (e: Error) => {
      assert.match(e.message, new RegExp(`could not download fashion-mnist \\(train-images-idx3-ubyte\\.gz from http://127\\.0\\.0\\.1:${port}/train-images-idx3-ubyte\\.gz: ECONNREFUSED\\)`));
      assert.match(e.message, /"source": "embedded-digits"/);
      assert.match(e.message, /\/usr\/share\/datasets\/fashion-mnist/);
      return true;
    });
    assert.deepEqual(readdirSync(join(cache, 'datasets', 'fashion-mnist')), [], 'no partial file left');
  } finally {
    datasetUrls['fashion-mnist'] = saved;
    delete process.env.GRADIENT_LAB_CACHE;
  }
});

test('download, reachable: the four files fetched once from a server (Debian\'s Fashion-MNIST served locally), then read from the cache', async () => {
  const served = requireFashion();
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url!);
    const file = join(served, req.url!.replace(/^\/+/, ''));
    if (!existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': statSync(file).size }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const cache = tempDir('gl-dl-');
  process.env.GRADIENT_LAB_CACHE = cache;
  const saved = datasetUrls['fashion-mnist'];
  datasetUrls['fashion-mnist'] = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    const progress: number[] = [];
    const data = await loadDataset({ source: 'download', dataset: 'fashion-mnist' }, { onDownload: (p) => void progress.push(p.received) });
    assert.equal(data.train.count + data.validation.count, 60000);
    assert.equal(data.test.count, 10000);
    assert.equal(data.classNames[9], 'Ankle boot');
    assert.equal(requests.length, 4);
    assert.ok(progress.length >= 4, 'progress was reported');
    const again = await loadDataset({ source: 'download', dataset: 'fashion-mnist' });
    assert.equal(again.test.count, 10000);
    assert.equal(requests.length, 4, 'fetched once: the second load reads the cache');
  } finally {
    datasetUrls['fashion-mnist'] = saved;
    delete process.env.GRADIENT_LAB_CACHE;
    server.close();
  }
});
