// Image folders (train/ validation/ test/ <class>/*.png|jpg) made from the real embedded digits and Fashion-MNIST,
// then damaged the ways users' folders are; the HTML report of a real fine-tune on a folder whose class name is
// markup; a base model that cannot be had.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { loadImageFolder } from '../../src/backend/data/imageFolder';
import { loadDataset } from '../../src/backend/data/datasets';
import { DataError } from '../../src/backend/data/idxReader';
import type { RunEvent } from '../../src/protocol/runEvents';
import { backendJs, runCli } from '../helpers/backendProcess';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tempDir, writeExperiment } from '../helpers/fixtures';
import { tf, useBackend } from '../helpers/tfSetup';
import { mobilenetFineTune, pretrainedFixture } from '../helpers/pretrained';

// the embedded digits are interleaved by class in blocks of 10 per class: 80 training images hold 8 of each
function digitsFolder(counts = ['--train', '80', '--validation', '20', '--test', '20']): string {
  const out = join(tempDir('gl-folder-'), 'digits');
  const r = runCli(['image-folder', '--digits', '--out', out, ...counts]);
  assert.equal(r.code, 0, r.stderr);
  return out;
}

test('image-folder writes the digits as PNGs per class; they load back as the same pixels, grey expanded to RGB', async () => {
  const root = digitsFolder();
  const data = loadImageFolder(root, { source: 'image-folder', path: root });
  assert.deepEqual(data.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.equal(data.train.count, 80);
  assert.equal(data.channels, 3);
  assert.equal(data.height, 28);
  // interleaved by class: the first ten training images are one of each class
  assert.deepEqual(Array.from(data.train.labels.slice(0, 10)).sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const px = data.train.images;
  for (let p = 0; p < 28 * 28; p++) assert.ok(px[3 * p] === px[3 * p + 1] && px[3 * p] === px[3 * p + 2]);
  assert.ok(px.some((v) => v > 200) && px.some((v) => v === 0));
  // the very pixels of the digit that was written: train/<class>/00001.png is the first training digit of its class
  const digits = await loadDataset({ source: 'embedded-digits' });
  const first = data.train.labels[0];
  const row = Array.from(digits.train.labels).indexOf(first);
  const original = digits.train.images.subarray(row * 784, (row + 1) * 784);
  for (let p = 0; p < 784; p++) assert.equal(px[3 * p], original[p], `pixel ${p}`);
});

test('a JPEG loads and is resized to the size asked for: its pixels are the bilinear resize of the decoded photo', async () => {
  await useBackend('cpu');
  const root = digitsFolder();
  const rgba = new Uint8Array(40 * 20 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 7) % 256));
  writeFileSync(join(root, 'train', '3', 'photo.jpg'), jpeg.encode({ data: rgba, width: 40, height: 20 }, 90).data);
  const data = loadImageFolder(root, { source: 'image-folder', path: root }, { size: [32, 32] });
  assert.deepEqual([data.height, data.width, data.channels], [32, 32, 3]);
  const index = data.train.files!.indexOf(join('train', '3', 'photo.jpg'));
  assert.ok(index >= 0);
  assert.equal(data.warnings, undefined);
  // the pixels: the JPEG as jpeg-js decodes it, resized by TF.js's bilinear resize with half-pixel centres
  const decoded = jpeg.decode(readFileSync(join(root, 'train', '3', 'photo.jpg')), { useTArray: true });
  const rgb = Array.from({ length: 40 * 20 * 3 }, (_, i) => decoded.data[Math.floor(i / 3) * 4 + (i % 3)]);
  const reference = tf.tidy(() => tf.image.resizeBilinear(tf.tensor3d(rgb, [20, 40, 3]), [32, 32], false, true).round().dataSync());
  const loaded = data.train.images.subarray(index * 32 * 32 * 3, (index + 1) * 32 * 32 * 3);
  let worst = 0;
  for (let i = 0; i < reference.length; i++) worst = Math.max(worst, Math.abs(loaded[i] - reference[i]));
  assert.ok(worst <= 1, `largest difference from the bilinear reference: ${worst} grey levels`);
});

test('bad image folders: unreadable files are skipped and named; an empty class, differing classes and a missing train/ are errors that name the folder', () => {
  const root = digitsFolder();
  writeFileSync(join(root, 'train', '4', 'broken.png'), 'not an image at all');
  const aFour = join(root, 'train', '4', readdirSync(join(root, 'train', '4'))[0]);
  writeFileSync(join(root, 'train', '4', 'truncated.png'), readFileSync(aFour).subarray(0, 40));
  const data = loadImageFolder(root, { source: 'image-folder', path: root });
  assert.equal(data.train.count, 80);
  assert.match(data.warnings![0], /skipped 2 unreadable images: .*train\/4\/broken\.png: not a PNG or JPEG file.*train\/4\/truncated\.png/);

  mkdirSync(join(root, 'train', 'empty'));
  assert.throws(() => loadImageFolder(root, { source: 'image-folder', path: root }), (e: Error) => e instanceof DataError && /train\/empty: no PNG or JPEG images in this class/.test(e.message));
  mkdirSync(join(root, 'validation', 'empty'));
  mkdirSync(join(root, 'test', 'empty'));
  copyFileSync(aFour, join(root, 'train', 'empty', 'a.png'));
  renameSync(join(root, 'test', '9'), join(root, 'test', 'nine'));
  assert.throws(() => loadImageFolder(root, { source: 'image-folder', path: root }), /test: its classes differ from train\/'s — not in train\/: nine — missing: 9/);
  assert.throws(() => loadImageFolder(join(root, 'train'), { source: 'image-folder', path: root }), /no train\/ folder/);
});

test('the HTML report escapes class and file names (a class folder named <img src=x onerror=alert(1)>) and admits only its own script', () => {
  const root = digitsFolder();
  const evil = '<img src=x onerror=alert(1)>';
  for (const split of ['train', 'validation', 'test']) renameSync(join(root, split, '0'), join(root, split, evil));
  const someFile = join(root, 'test', '1', readdirSync(join(root, 'test', '1'))[0]);
  renameSync(someFile, join(root, 'test', '1', '"><svg onload=alert(2)>,x.png'));
  const dir = join(root, '..');
  const file = writeExperiment(dir, mobilenetFineTune('report <b>escaping</b>', 'digits', 32, { optimizer: { name: 'adam', learningRate: 0.01 }, training: { epochs: 2, batchSize: 16 } }));
  const r = runCli(['finetune', file, '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const started = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as RunEvent).find((e) => e.type === 'started')!;
  const html = readFileSync(join((started as { folder: string }).folder, 'report.html'), 'utf8');
  assert.ok(!html.includes('<img src=x'), 'raw markup from a folder name');
  assert.ok(!html.includes('<svg'), 'raw markup from a file name');
  assert.ok(!html.includes('<b>escaping'), 'raw markup from the experiment name');
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
  assert.ok(html.includes('&quot;&gt;&lt;svg onload=alert(2)&gt;,x.png'));
  assert.equal(html.match(/<script/g)!.length, 1);
  const script = html.slice(html.indexOf('<script>') + 8, html.indexOf('</script>'));
  const csp = html.match(/script-src 'sha256-([^']+)'/)![1];
  assert.equal(createHash('sha256').update(script).digest('base64'), csp);
  // predictions.csv quotes the field with a comma and a quote in it
  const csv = readFileSync(join((started as { folder: string }).folder, 'predictions.csv'), 'utf8');
  assert.ok(csv.includes('"test/1/""><svg onload=alert(2)>,x.png"'), csv.split('\n').slice(0, 4).join('\n'));
  assert.match(csv.split('\n')[0], /^file,true,predicted,p\(0\)|^file,true,predicted,p\(1\)/);
});

test('a base that cannot be had: unreachable URL, missing folder, weights shorter than model.json says — each a clear message', () => {
  const dir = tempDir('gl-base-');
  const digits = { source: 'embedded-digits', trainLimit: 50, validationLimit: 10, testLimit: 10 };
  const run = (model: string) => {
    const file = writeExperiment(dir, { name: 'b', data: digits, base: { model }, optimizer: { name: 'sgd', learningRate: 0.1 }, training: { epochs: 1, batchSize: 10 } });
    return runCli(['finetune', file, '--model-cache', join(dir, 'cache')], { cwd: dir });
  };
  const offline = run('http://127.0.0.1:47/model.json');
  assert.equal(offline.code, 1);
  assert.match(offline.stderr, /could not download .* from http:\/\/127\.0\.0\.1:47\/model\.json \(ECONNREFUSED\).*Offline\? Set base\.model to a local folder/);
  const missing = run('models/nowhere');
  assert.match(missing.stderr, /base\.model: .*models\/nowhere not found — give a folder with model\.json/);
  const broken = join(dir, 'broken');
  mkdirSync(broken);
  copyFileSync(join(pretrainedFixture('mobilenet_v2'), 'model.json'), join(broken, 'model.json'));
  writeFileSync(join(broken, 'weights.bin'), readFileSync(join(pretrainedFixture('mobilenet_v2'), 'weights.bin')).subarray(0, 1000));
  assert.match(run('broken').stderr, /weight files of .*broken\/model\.json hold 1000 bytes, but model\.json describes \d+: an incomplete download/);
});

test('a base from a URL: downloaded once (weights fetched with the query of model.json), checksummed; the cache serves it offline; a damaged cache is fetched again', async () => {
  const dir = tempDir('gl-download-');
  const served = pretrainedFixture('mobilenet_v2');
  const requests: string[] = [];
  let online = true;
  const server = createServer((req, res) => {
    if (!online) return void req.socket.destroy(); // as unreachable as a server can be while it listens
    requests.push(req.url!);
    const file = join(served, new URL(req.url!, 'http://x').pathname.replace(/^\/models\//, ''));
    if (!existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models/model.json?tfjs-format=file`;
  const cache = join(dir, 'cache');
  const file = writeExperiment(dir, {
    name: 'downloaded base', engine: 'wasm', data: { source: 'embedded-digits', trainLimit: 20, validationLimit: 10, testLimit: 10 },
    base: { model: url, inputSize: [32, 32] }, optimizer: { name: 'adam', learningRate: 0.01 }, training: { epochs: 1, batchSize: 10 },
  });
  const run = () => new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, [backendJs(), 'finetune', file, '--model-cache', cache], { cwd: dir });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stderr }));
  });
  try {
    const first = await run();
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /downloading the base model: weights 1 of 1/);
    assert.deepEqual(requests, ['/models/model.json?tfjs-format=file', '/models/weights.bin?tfjs-format=file']);
    const [entry] = readdirSync(cache);
    const sums = JSON.parse(readFileSync(join(cache, entry, 'checksums.json'), 'utf8')) as { files: Record<string, string> };
    assert.equal(sums.files['weights.bin'], createHash('sha256').update(readFileSync(join(served, 'weights.bin'))).digest('hex'));
    online = false;
    const offline = await run();
    assert.equal(offline.code, 0, `the cache serves the base without the server: ${offline.stderr}`);
    assert.doesNotMatch(offline.stderr, /downloading/);
    assert.equal(requests.length, 2, 'nothing fetched');
    // one byte flipped, the length kept (a length check alone would not see it): the checksum does, and it is fetched again
    online = true;
    const weights = join(cache, entry, 'weights.bin');
    const bytes = readFileSync(weights);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(weights, bytes);
    const refetched = await run();
    assert.equal(refetched.code, 0, refetched.stderr);
    assert.equal(requests.filter((r) => r.startsWith('/models/weights.bin')).length, 2, 'the weights fetched a second time');
    assert.deepEqual(readFileSync(weights), readFileSync(join(served, 'weights.bin')), 'and the cache repaired');
    // damaged with the server gone: the attempt to fetch again fails with the offline message
    await new Promise((r) => server.close(r));
    writeFileSync(weights, readFileSync(weights).subarray(0, 100));
    const damaged = await run();
    assert.equal(damaged.code, 1);
    assert.match(damaged.stderr, /could not download the base model .*ECONNREFUSED/);
  } finally {
    server.close();
  }
});
