// The bad-input corpus: what a hostile or unlucky user feeds Gradient Lab, in five families, each case with the
// outcome that counts as handled well — exit code, a message naming the file / line / field, and what must still
// exist afterwards. The runner (corpus.test.ts) classifies every outcome as good, poor or harmful.
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { encodePng } from '../../src/backend/data/imageCodec';
import { fashionDir } from '../helpers/fixtures';

export type Family = 'experiment' | 'data' | 'derivation' | 'runs' | 'protocol';

export interface CliCase {
  family: Exclude<Family, 'protocol'>;
  name: string;
  /** Files written into a fresh workspace before the command (paths relative to it). */
  files?: Record<string, string | Buffer>;
  /** More preparation: data folders, a trained run to damage. */
  setup?: (dir: string) => void;
  args: string[];
  /** The exit code of a good outcome. */
  code: number;
  /** What the user must be told (stdout + stderr). */
  message: RegExp;
}

export interface ProtocolCase {
  family: 'protocol';
  name: string;
  /** Bytes sent to `gradient-lab serve` as they are. */
  raw: string | Buffer;
  /** What the server must answer (its error responses), before it answers the next good request. */
  message: RegExp;
}

export type Case = CliCase | ProtocolCase;

const base = {
  name: 'corpus', seed: 1, data: { source: 'embedded-digits', trainLimit: 64, validationLimit: 32, testLimit: 32 },
  model: { kind: 'mlp', dense: [8] }, optimizer: { name: 'sgd', learningRate: 0.1 }, training: { epochs: 1, batchSize: 32 },
};

/** `base` with the value at a dotted path replaced (undefined deletes it). */
function mutate(path: string, value: unknown, from: Record<string, unknown> = base): Record<string, unknown> {
  const copy = structuredClone(from);
  const keys = path.split('.');
  let at = copy as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
  if (value === undefined) delete at[keys.at(-1)!];
  else at[keys.at(-1)!] = value;
  return copy;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The message every validation problem has: file:line:col then the JSON path. */
const at = (path: string, rest = '') => new RegExp(`x\\.experiment\\.json:\\d+:\\d+ ${esc(path)}: ${esc(rest)}`);

function experiment(name: string, value: unknown, message: RegExp, code = 1): CliCase {
  return { family: 'experiment', name, files: { 'x.experiment.json': typeof value === 'string' ? value : JSON.stringify(value, null, 2) }, args: ['train', 'x.experiment.json'], code, message };
}

function experimentCases(): CliCase[] {
  const syntax: [string, string, RegExp][] = [
    ['an empty file', '', /x\.experiment\.json.*the file is empty|expected a value/],
    ['only "{"', '{', /x\.experiment\.json:\d+:\d+ invalid JSON/],
    ['an array', '[]', /an experiment is a JSON object/],
    ['null', 'null', /an experiment is a JSON object/],
    ['a string', '"train me"', /an experiment is a JSON object/],
    ['a number', '42', /an experiment is a JSON object/],
    ['a missing value', '{"name": }', /x\.experiment\.json:1:\d+ invalid JSON: expected a value/],
    ['content after the end', `${JSON.stringify(base)} {}`, /invalid JSON: unexpected content after the end/],
    ['an unterminated string', '{"name": "abc', /invalid JSON: unterminated string/],
    ['an unterminated comment', '{ /* never closed', /invalid JSON: unterminated comment/],
    ['NaN as a value', JSON.stringify(base).replace('0.1', 'NaN'), /invalid JSON/],
    ['single quotes', "{'name': 'x'}", /invalid JSON/],
    ['a byte-order mark alone', '\uFEFF', /the file is empty|invalid JSON/],
    ['100,000 nested arrays', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, /x\.experiment\.json:1:1 invalid JSON: nested too deeply/],
    ['a 2 MB line of spaces then garbage', `${' '.repeat(2_000_000)}x`, /invalid JSON: unexpected character/],
    ['binary bytes', '\u0000\u0001\u0002\u00ff', /invalid JSON/],
  ];
  const out = syntax.map(([name, text, message]) => experiment(name, text, message));
  const fields: [string, unknown, RegExp][] = [
    ['name', undefined, /missing required field "name"/],
    ['name', '', /must NOT have fewer than 1 characters/],
    ['name', 42, /must be of type string/],
    ['name', 'n'.repeat(100_000), /must NOT have more than 200 characters/],
    ['data', undefined, /missing required field "data"/],
    ['optimizer', undefined, /missing required field "optimizer"/],
    ['training', undefined, /missing required field "training"/],
    ['seed', 'x', /must be a whole number/],
    ['seed', 1.5, /must be a whole number/],
    ['engine', 'tpu', /unknown value "tpu"/],
    ['unknownField', 1, /unknown field "unknownField"/],
    ['data.source', 'floppy', /unknown value "floppy"/],
    ['data.source', 42, /must be of type string|unknown value 42/],
    ['data.trainLimit', 0, /must be >= 1/],
    ['data.trainLimit', -5, /must be >= 1/],
    ['data.trainLimit', 1.5, /must be a whole number/],
    ['data.validationSplit', 1.5, /must be <=? /],
    ['data.validationSplit', -0.1, /must be >=? /],
    ['data.classes', [0, 99], /class 99 does not exist/],
    ['data.classes', [], /must NOT have fewer than/],
    ['data.imageSize', [0, 28], /must be >= \d, got 0/],
    ['model.kind', 'transformer', /unknown value "transformer"/],
    ['model.dense', [0], /must be >= 1/],
    ['model.dense', [-3], /must be >= 1/],
    ['model.dense', ['wide'], /must be a whole number/],
    ['model.dense', [100000, 100000], /this layer alone has 10,000,100,000 weights/],
    ['model.activation', 'swish', /unknown value "swish"/],
    ['model.dropoutKeep', 0, /must be > 0|must be >= /],
    ['model.dropoutKeep', 1.5, /must be <= 1/],
    ['model.l2', -1, /must be >= 0/],
    ['model.init', 'zeros', /unknown value "zeros"/],
    ['optimizer.name', 'lbfgs', /unknown value "lbfgs"/],
    ['optimizer.learningRate', -1, /must be > 0/],
    ['optimizer.learningRate', 0, /must be > 0/],
    ['optimizer.learningRate', 'fast', /must be of type number/],
    ['training.epochs', 0, /must be >= 1/],
    ['training.epochs', 2.5, /must be a whole number/],
    ['training.epochs', '3', /must be a whole number/],
    ['training.batchSize', 0, /must be >= 1/],
    ['training.validateEvery', 0, /must be >= 1/],
    ['training.checkpointEvery', 0, /must be >= 1/],
    ['training.patience', -1, /must be >= /],
    ['training.saveModel', '.', /is or holds .*: saving the model there would replace it/],
    ['training.saveModel', '..', /is or holds/],
    ['training.saveModel', 'x.experiment.json', /is or holds/],
    ['training.saveModel', '/proc/x', /is outside the workspace/],
    ['training.saveModel', '/etc', /is outside the workspace/],
    ['training.saveModel', '../elsewhere', /is outside the workspace/],
    ['training.saveModel', 'notes', /already exists and is not a model folder written by Gradient Lab/],
    ['training.saveModel', '', /is empty|must NOT have fewer than 1 characters/],
    ['training.saveModel', '.gradient-lab', /is or holds/],
  ];
  for (const [path, value, message] of fields) {
    const missingTop = value === undefined && !path.includes('.');
    // a problem names the file, line and column, then the field (a missing top-level field: the object)
    const where = missingTop ? '.*' : `${esc(path)}.*`;
    const c = experiment(`${path} = ${JSON.stringify(value)?.slice(0, 30) ?? 'missing'}`, mutate(path, value), new RegExp(`x\\.experiment\\.json:\\d+:\\d+ ${where}${message.source}`));
    if (path === 'data.classes' && Array.isArray(value) && value[1] === 99) c.message = /data\.classes: class 99 does not exist/;
    if (path === 'training.saveModel' && value === 'notes') c.setup = (dir) => mkdirSync(join(dir, 'notes'), { recursive: true });
    out.push(c);
  }
  const shapes: [string, Record<string, unknown>, RegExp][] = [
    ['a kernel larger than the image', { kind: 'cnn', conv: [{ filters: 4, kernel: 29 }], dense: [8] }, at('model.conv[0].kernel', 'kernel 29×29 is larger than the 28×28 input')],
    ['a pool larger than its input', { kind: 'cnn', conv: [{ filters: 4, kernel: 3, pool: 2 }, { filters: 4, kernel: 3, pool: 2 }, { filters: 4, kernel: 3, pool: 2 }, { filters: 4, kernel: 3, pool: 2 }, { filters: 4, kernel: 3, pool: 2 }], dense: [8] }, /model\.conv\[4\]\.pool: pool 2×2 is larger than the 1×1 input/],
    ['a deep-mlp too large for memory', { kind: 'deep-mlp', depth: 200, width: 4096 }, at('model.depth', 'the model needs about')],
    ['a deep-mlp of depth 0', { kind: 'deep-mlp', depth: 0, width: 8 }, /model\.depth: must be >= 1/],
    ['a conv after a dense layer', { kind: 'layers', layers: [{ type: 'flatten' }, { type: 'dense', units: 8 }, { type: 'conv2d', filters: 4, kernel: 3 }] }, /model\.layers\[2\].*conv2d needs an image input/],
    ['an unknown layer type', { kind: 'layers', layers: [{ type: 'attention' }] }, /model\.layers\[0\]\.type: unknown layer type "attention"/],
    ['a cnn without conv', { kind: 'cnn', dense: [8] }, /model.*conv/],
  ];
  for (const [name, model, message] of shapes) out.push(experiment(name, { ...base, model }, message));
  const combos: [string, Record<string, unknown>, RegExp][] = [
    ['idx-folder without a path', mutate('data', { source: 'idx-folder' }), /data.*path/],
    ['idx-folder that does not exist', mutate('data', { source: 'idx-folder', path: 'no-such-data' }), /dataset folder not found: .*no-such-data/],
    ['image-folder that does not exist', mutate('data', { source: 'image-folder', path: 'no-such-images' }), /image folder not found: .*no-such-images/],
    ['a sweep over a setting that does not exist', { ...base, sweep: { 'modle.dropoutKeep': [0.5] } }, /modle\.dropoutKeep/],
    ['a sweep with an invalid member', { ...base, sweep: { 'model.dropoutKeep': [0.5, 1.5] } }, /x\.experiment\.json model\.dropoutKeep: must be <= 1, got 1\.5 \(sweep member \{"model\.dropoutKeep":1\.5\}\)/],
    ['a sweep with an empty list', { ...base, sweep: { 'optimizer.learningRate': [] } }, /sweep.*optimizer\.learningRate/],
    ['semi-supervised with 0 labels', { ...base, semiSupervised: { labeled: 0, method: 'pseudo-label' } }, /semiSupervised\.labeled: must be >= 1/],
    ['semi-supervised with more labels than images', { ...base, semiSupervised: { labeled: 100000, method: 'pseudo-label' } }, /semiSupervised\.labeled/],
    ['unfreeze without a base', { ...base, unfreeze: { layers: 2, epochs: 1 } }, /x\.experiment\.json:\d+:\d+ unfreeze: "unfreeze" belongs to a fine-tune/],
    ['a head without a base', { ...base, head: { dense: [8] } }, /x\.experiment\.json:\d+:\d+ head: "head" belongs to a fine-tune/],
    ['a base folder that does not exist', { ...base, model: undefined, base: { model: 'no-such-base' }, head: { dense: [8] } }, /no-such-base/],
    ['augmentCopies without augment', { ...base, model: undefined, base: { model: 'no-such-base', augmentCopies: 2 }, head: { dense: [8] } }, /augmentCopies|no-such-base/],
  ];
  for (const [name, value, message] of combos) {
    const c = experiment(name, value, message);
    if (name.startsWith('a sweep')) c.args = ['sweep', 'x.experiment.json'];
    out.push(c);
  }
  // not bad at all: no hidden layer is logistic regression, and it trains
  out.push(experiment('model.dense = [] (logistic regression)', mutate('model.dense', []), /test accuracy \d/, 0));
  // a user's own files beside the experiment survive every case above (the runner checks), and a missing file:
  out.push({ family: 'experiment', name: 'an experiment file that does not exist', args: ['train', 'missing.experiment.json'], code: 2, message: /cannot read missing\.experiment\.json: ENOENT/ });
  out.push({ family: 'experiment', name: 'a folder given as the experiment', setup: (dir) => mkdirSync(join(dir, 'folder.experiment.json')), args: ['train', 'folder.experiment.json'], code: 2, message: /cannot read folder\.experiment\.json: EISDIR/ });
  out.push({ family: 'experiment', name: '--epochs 0', files: { 'x.experiment.json': JSON.stringify(base) }, args: ['train', 'x.experiment.json', '--epochs', '0'], code: 2, message: /--epochs must be a whole number ≥ 1, got 0/ });
  out.push({ family: 'experiment', name: '--engine tpu', files: { 'x.experiment.json': JSON.stringify(base) }, args: ['train', 'x.experiment.json', '--engine', 'tpu'], code: 1, message: /tpu/ });
  out.push({ family: 'experiment', name: 'an unknown command', args: ['trian', 'x.experiment.json'], code: 2, message: /unknown command 'trian'/ });
  return out;
}

// ── data ─────────────────────────────────────────────────────────────────────────────────────────────────
const gz = (b: Buffer) => gzipSync(b);
const idxHeader = (dims: number[], type = 0x08) => {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = type;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return h;
};

/** An IDX folder of `n` real Fashion-MNIST test images per split, with `damage` applied to the named file. */
function idxFolder(dir: string, damage: Partial<Record<'trainImages' | 'trainLabels' | 'testImages' | 'testLabels', (real: Buffer) => Buffer>>, n = 200): void {
  const images = readGzOf(join(fashionDir, 't10k-images-idx3-ubyte.gz'));
  const labels = readGzOf(join(fashionDir, 't10k-labels-idx1-ubyte.gz'));
  const img = Buffer.concat([idxHeader([n, 28, 28]), images.subarray(16, 16 + n * 784)]);
  const lbl = Buffer.concat([idxHeader([n]), labels.subarray(8, 8 + n)]);
  mkdirSync(join(dir, 'd'), { recursive: true });
  const files = { trainImages: ['train-images-idx3-ubyte.gz', img], trainLabels: ['train-labels-idx1-ubyte.gz', lbl], testImages: ['t10k-images-idx3-ubyte.gz', img], testLabels: ['t10k-labels-idx1-ubyte.gz', lbl] } as const;
  for (const [key, [name, data]] of Object.entries(files)) {
    const f = damage[key as keyof typeof files];
    writeFileSync(join(dir, 'd', name), f ? f(Buffer.from(data)) : gz(Buffer.from(data)));
  }
}

function readGzOf(file: string): Buffer {
  return gunzipSync(readFileSync(file));
}

const idxExperiment = JSON.stringify({ ...base, data: { source: 'idx-folder', path: 'd', trainLimit: 150 } });
const folderExperiment = JSON.stringify({ ...base, data: { source: 'image-folder', path: 'img', imageSize: [28, 28] } });

function dataCase(name: string, damage: Parameters<typeof idxFolder>[1], message: RegExp, code = 1): CliCase {
  return { family: 'data', name: `IDX: ${name}`, files: { 'x.experiment.json': idxExperiment }, setup: (dir) => idxFolder(dir, damage), args: ['train', 'x.experiment.json'], code, message };
}

/** A small image folder written by the CLI from the embedded digits, then damaged. */
function imageCase(name: string, damage: (root: string) => void, message: RegExp, code = 1): CliCase {
  return {
    family: 'data', name: `image folder: ${name}`, files: { 'x.experiment.json': folderExperiment },
    setup: (dir) => {
      writeDigitFolder(join(dir, 'img'));
      damage(join(dir, 'img'));
    },
    args: ['train', 'x.experiment.json'], code, message,
  };
}

/** train/validation/test × 3 classes × 4 PNGs: a valid image folder the cases damage. */
export function writeDigitFolder(root: string): void {
  const images = readGzOf(join(fashionDir, 't10k-images-idx3-ubyte.gz'));
  for (const split of ['train', 'validation', 'test']) {
    for (const c of ['a', 'b', 'c']) {
      mkdirSync(join(root, split, c), { recursive: true });
      for (let i = 0; i < 4; i++) writeFileSync(join(root, split, c, `${i}.png`), encodePng(images.subarray(16 + 784 * (i + 4 * c.charCodeAt(0)), 16 + 784 * (i + 1 + 4 * c.charCodeAt(0))), 28, 28, 1));
    }
  }
}

function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4);
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  ihdr[16] = 8;
  ihdr[17] = 2;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr, Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0, 0, 0, 0])]);
}

function dataCases(): CliCase[] {
  const truncate = (n: number) => (b: Buffer) => gz(b.subarray(0, n));
  const setU32 = (offset: number, v: number) => (b: Buffer) => (b.writeUInt32BE(v, offset), gz(b));
  const out: CliCase[] = [
    dataCase('images truncated inside the header', { trainImages: truncate(10) }, /train-images-idx3-ubyte\.gz: truncated inside the header/),
    dataCase('images truncated in the data', { trainImages: truncate(5000) }, /train-images-idx3-ubyte\.gz: truncated: the header declares/),
    dataCase('labels truncated', { trainLabels: truncate(50) }, /train-labels-idx1-ubyte\.gz: truncated/),
    dataCase('a gzip stream cut short', { trainImages: (b) => gz(b).subarray(0, 300) }, /train-images-idx3-ubyte\.gz: .*(cut short|unexpected end|truncated)/i),
    dataCase('not gzip and not IDX', { trainImages: () => Buffer.from('hello, this is not a dataset') }, /train-images-idx3-ubyte\.gz: not an IDX file/),
    dataCase('an empty file', { trainImages: () => Buffer.alloc(0) }, /train-images-idx3-ubyte\.gz: 0 bytes is too short/),
    dataCase('a wrong magic number', { trainImages: (b) => ((b[0] = 7), gz(b)) }, /not an IDX file/),
    dataCase('float elements', { trainImages: (b) => ((b[2] = 0x0d), gz(b)) }, /its elements are/),
    dataCase('rank 2 images', { trainImages: (b) => gz(Buffer.concat([idxHeader([200, 784]), b.subarray(16)])) }, /expected images of rank 3/),
    dataCase('rank 5', { trainImages: (b) => ((b[3] = 5), gz(b)) }, /declares 5 dimensions/),
    dataCase('rank 2 labels', { trainLabels: (b) => gz(Buffer.concat([idxHeader([100, 2]), b.subarray(8)])) }, /expected labels of rank 1/),
    dataCase('a count mismatch', { trainLabels: (b) => gz(Buffer.concat([idxHeader([199]), b.subarray(8, 8 + 199)])) }, /labels\/images count mismatch: .*200 images but .*199 labels/),
    dataCase('a header count of 0', { trainImages: () => gz(idxHeader([0, 28, 28])), trainLabels: () => gz(idxHeader([0])) }, /declares 0 images/),
    dataCase('0×28 images', { trainImages: () => gz(idxHeader([200, 0, 28])) }, /declares images of 0×28 pixels/),
    dataCase('a header claiming 4 billion images', { trainImages: setU32(4, 0xffffffff) }, /truncated: the header declares/),
    dataCase('extra bytes after the data', { trainImages: (b) => gz(Buffer.concat([b, Buffer.alloc(100)])) }, /100 unexpected bytes after/),
    dataCase('one label 255', { trainLabels: (b) => ((b[8 + 5] = 255), gz(b)) }, /labels run up to 255 \(first at index 5\)/),
    dataCase('a test label the training set lacks', { testLabels: (b) => ((b[8 + 3] = 77), gz(b)) }, /t10k-labels-idx1-ubyte\.gz: holds label 77/),
    dataCase('test images of another size', { testImages: (b) => gz(Buffer.concat([idxHeader([100, 14, 56]), b.subarray(16, 16 + 100 * 784)])), testLabels: (b) => gz(Buffer.concat([idxHeader([100]), b.subarray(8, 108)])) }, /t10k-images-idx3-ubyte\.gz: images are 14×56/),
    dataCase('every label the same (one class)', { trainLabels: (b) => (b.fill(3, 8), gz(b)) }, /labels run up to 3 .* never occur|one class/),
    {
      family: 'data', name: 'IDX: the labels file missing', files: { 'x.experiment.json': idxExperiment },
      setup: (dir) => (idxFolder(dir, {}), rmSync(join(dir, 'd', 'train-labels-idx1-ubyte.gz'))), args: ['train', 'x.experiment.json'], code: 1, message: /train-labels|training labels/,
    },
    {
      family: 'data', name: 'IDX: a folder named like the images file', files: { 'x.experiment.json': idxExperiment },
      setup: (dir) => (idxFolder(dir, {}), rmSync(join(dir, 'd', 'train-images-idx3-ubyte.gz')), mkdirSync(join(dir, 'd', 'train-images-idx3-ubyte.gz'))), args: ['train', 'x.experiment.json'], code: 1, message: /train-images-idx3-ubyte\.gz: cannot read: EISDIR|train-images/,
    },
    imageCase('no train/ folder', (r) => rmSync(join(r, 'train'), { recursive: true }), /no train\/ folder/),
    imageCase('an empty class', (r) => {
      rmSync(join(r, 'train', 'b'), { recursive: true });
      mkdirSync(join(r, 'train', 'b'));
    }, /train\/b: no PNG or JPEG images in this class/),
    imageCase('one class only', (r) => ['b', 'c'].forEach((c) => ['train', 'validation', 'test'].forEach((s) => rmSync(join(r, s, c), { recursive: true }))), /only one class folder \(a\)/),
    imageCase('a class missing from test/', (r) => rmSync(join(r, 'test', 'c'), { recursive: true }), /test: its classes differ from train\/'s — missing: c/),
    imageCase('an extra class in validation/', (r) => mkdirSync(join(r, 'validation', 'zz')), /validation: its classes differ from train\/'s — not in train\/: zz/),
    imageCase('a text file named .png', (r) => writeFileSync(join(r, 'train', 'a', 'fake.png'), 'not an image'), /skipped 1 unreadable image: train\/a\/fake\.png/, 0),
    imageCase('a zero-byte .jpg', (r) => writeFileSync(join(r, 'train', 'a', 'empty.jpg'), ''), /skipped 1 unreadable image: train\/a\/empty\.jpg/, 0),
    imageCase('a PNG header claiming 20000×20000', (r) => writeFileSync(join(r, 'train', 'a', 'bomb.png'), pngClaiming(20000, 20000)), /train\/a\/bomb\.png: 20000×20000 pixels, more than/, 0),
    imageCase('a PNG header claiming 4294967295×1', (r) => writeFileSync(join(r, 'train', 'a', 'wide.png'), pngClaiming(0xffffffff, 1)), /train\/a\/wide\.png: 4294967295×1 pixels/, 0),
    imageCase('a truncated PNG', (r) => writeFileSync(join(r, 'train', 'a', 'cut.png'), readFileSync(join(r, 'train', 'a', '0.png')).subarray(0, 60)), /skipped 1 unreadable image: train\/a\/cut\.png/, 0),
    imageCase('a folder named like an image', (r) => mkdirSync(join(r, 'train', 'a', 'dir.png')), /skipped 1 unreadable image: train\/a\/dir\.png|EISDIR/, 0),
    imageCase('a symlink loop named like an image', (r) => symlinkSync('loop.png', join(r, 'train', 'a', 'loop.png')), /skipped 1 unreadable image: train\/a\/loop\.png/, 0),
    imageCase('every training image unreadable', (r) => ['a', 'b', 'c'].forEach((c) => [0, 1, 2, 3].forEach((i) => writeFileSync(join(r, 'train', c, `${i}.png`), 'x'))), /none of the 12 images could be read/),
  ];
  return out;
}

// ── derivations ──────────────────────────────────────────────────────────────────────────────────────────
const block = '```gradcheck\nnetwork: 3-4-4-1\nhidden: logistic\noutput: identity\nloss: squared\n```\n\n';

function derivation(name: string, markdown: string, message: RegExp, code = 1): CliCase {
  return { family: 'derivation', name, files: { 'd.md': markdown }, args: ['check', 'd.md'], code, message };
}

function derivationCases(): CliCase[] {
  const claims: [string, string, RegExp][] = [
    ['a sum over 10^9 terms', '\\sum_{k=1}^{1000000000} 0 = 0', /cannot check: .*1,000,000,000 terms/],
    ['nested sums over 10^10 terms', '\\sum_{j=1}^{100000}\\sum_{k=1}^{100000} 1 = 0', /cannot check: evaluating it takes more than/],
    ['a product over 10^8 terms', '\\prod_{k=1}^{100000000} 1 = 1', /cannot check/],
    ['10,000 nested braces', `${'{'.repeat(10_000)}x${'}'.repeat(10_000)} = 1`, /cannot (parse|check).*nested too deeply/],
    ['10,000 nested parentheses', `${'('.repeat(10_000)}1${')'.repeat(10_000)} = 1`, /cannot (parse|check)/],
    ['e^{1000} e^{-1000} = 1', 'e^{1000} e^{-1000} = 1', /cannot check: side 1 is NaN in float64/],
    ['1/0 = 1', '\\frac{1}{0} = 1', /cannot check: side 1 is Infinity/],
    ['an unbalanced brace', '\\frac{\\partial E_n}{\\partial a_1^{(4)} = y - t_n', /cannot parse/],
    ['an unknown command', '\\foo{x} = 1', /cannot parse|unknown/],
    ['only an equals sign', '=', /cannot parse/],
    ['three empty sides', ' = = ', /cannot parse/],
    ['an empty fraction', '\\frac{}{} = 1', /cannot parse/],
    ['a sum without a body', '\\sum_{k=1}^{3} = 1', /cannot parse/],
    ['a sum with an infinite bound', '\\sum_{k=1}^{\\infty} k = 1', /cannot (parse|check)|range/],
    ['a layer that does not exist', '\\frac{\\partial E_n}{\\partial a_1^{(9)}} = 1', /layer|9/],
    ['a unit that does not exist', '\\frac{\\partial E_n}{\\partial a_7^{(4)}} = 1', /unit|7/],
    ['a third derivative', "h'''(a_1^{(2)}) = 0", /third derivatives|not supported|cannot/],
    ['unicode letters', 'α + β = γ', /cannot parse|unknown/],
    ['a control character', 'a\u0001 = b', /cannot parse/],
  ];
  const out = claims.map(([name, latex, message]) => derivation(name, `${block}$$${latex}$$\n`, message));
  out.push(derivation('a 1 MB claim', `${block}$$${'x + '.repeat(250_000)}x = 1$$\n`, /cannot (parse|check)|✗|∅/));
  out.push(derivation('a 1 MB line of garbage outside math', `${block}${'#'.repeat(1_000_000)}\n\n$$\\delta_1^{(4)} = y - t_n$$\n`, /✓ gradient check/, 0));
  out.push(derivation('an unterminated display math (read to the end, as the preview does)', `${block}$$\\delta_1^{(4)} = y - t_n\n`, /✓ gradient check/, 0));
  out.push(derivation('an unterminated code fence', '```gradcheck\nnetwork: 3-4-4-1\n\n$$\\delta_1^{(4)} = y - t_n$$\n', /no claim|0 claims|gradcheck/));
  out.push(derivation('a block with an unknown key', '```gradcheck\nnetwork: 3-4-4-1\ncolour: blue\n```\n\n$$y = y$$\n', /gradcheck block: .*colour/));
  out.push(derivation('a block with network 0-0', '```gradcheck\nnetwork: 0-0\n```\n\n$$y = y$$\n', /gradcheck block: network/));
  out.push(derivation('a block with a huge network', '```gradcheck\nnetwork: 100000-100000-1\n```\n\n$$\\delta_1^{(3)} = y - t_n$$\n', /gradcheck block: network: every layer needs 1\.\.1000 units, got 100000-100000-1/));
  out.push(derivation('a block with a billion draws', '```gradcheck\nnetwork: 3-4-4-1\ndraws: 1000000000\n```\n\n$$\\delta_1^{(4)} = y - t_n$$\n', /gradcheck block: draws/));
  out.push(derivation('a block with a negative tolerance', '```gradcheck\nnetwork: 3-4-4-1\ntolerance: -1\n```\n\n$$y = y$$\n', /gradcheck block: tolerance/));
  out.push(derivation('a block with weights 1..-1', '```gradcheck\nnetwork: 3-4-4-1\nweights: 1..-1\n```\n\n$$y = y$$\n', /gradcheck block: weights: expected a range/));
  out.push(derivation('CRLF line ends', `${block}$$\\delta_1^{(4)} = y - t_n$$\r\n`.replace(/\n/g, '\r\n'), /✓ gradient check/, 0));
  out.push(derivation('a byte-order mark', `\uFEFF${block}$$\\delta_1^{(4)} = y - t_n$$\n`, /✓ gradient check/, 0));
  out.push(derivation('NUL bytes', `${block}\u0000\u0000$$\\delta_1^{(4)} = y - t_n$$\n`, /✓ gradient check/, 0));
  out.push(derivation('an empty file', '', /0 claims/));
  out.push(derivation('a binary file', '\u0089PNG\r\n\u001a\n\u0000\u0000\u0000\rIHDR', /0 claims/));
  out.push(derivation('a display claim with a trailing space', `${block}\n\n\n$$\\delta_1^{(4)} = y - t_n $$ \n`, /d\.md:11:\d+ ✓/, 0));
  out.push({ family: 'derivation', name: 'a Markdown file that does not exist', args: ['check', 'nothing.md'], code: 2, message: /cannot read nothing\.md: ENOENT/ });
  return out;
}

// ── run folders ──────────────────────────────────────────────────────────────────────────────────────────
/** A trained run in .gradient-lab/runs (made once per corpus run and copied per case), damaged by `damage`. */
export interface RunTemplate {
  folder: string;
}
export let runTemplate: RunTemplate | undefined;
export function setRunTemplate(t: RunTemplate): void {
  runTemplate = t;
}

function runCase(name: string, damage: (run: string) => void, args: (run: string) => string[], message: RegExp, code: number): CliCase {
  return {
    family: 'runs', name,
    setup: (dir) => {
      const run = join(dir, '.gradient-lab', 'runs', 'r1');
      mkdirSync(join(dir, '.gradient-lab', 'runs'), { recursive: true });
      cpSync(runTemplate!.folder, run, { recursive: true });
      damage(run);
    },
    args: args('.gradient-lab/runs/r1'), code, message,
  };
}

function runCases(): CliCase[] {
  const w = (file: string, text: string) => (run: string) => writeFileSync(join(run, file), text);
  const list = () => ['runs'];
  const out: CliCase[] = [];
  const summaries: [string, string][] = [['half a summary', '{"status": "comp'], ['an array summary', '[1,2]'], ['a null summary', 'null'], ['a number summary', '7'], ['an empty summary', ''], ['a summary without status', '{"steps": 3}']];
  for (const [name, text] of summaries) {
    out.push(runCase(`runs: ${name}`, w('summary.json', text), list, /r1 +incomplete .*summary\.json is damaged/, 0));
    out.push(runCase(`compare: ${name}`, w('summary.json', text), (r) => ['compare', r, r], /damaged/, 0));
  }
  out.push(runCase('runs: summary.json is a folder', (r) => (rmSync(join(r, 'summary.json')), mkdirSync(join(r, 'summary.json'))), list, /r1 +incomplete .*cannot read .*summary\.json: EISDIR/, 0));
  const metrics: [string, string][] = [['a null line', 'null\n'], ['a binary line', '\u0000\u00ff\n'], ['a batch with a string step', '{"type":"batch","step":"x","loss":"y"}\n'], ['an event without type', '{"step":1}\n'], ['a number line', '42\n']];
  for (const [name, text] of metrics) {
    out.push(runCase(`export: ${name} in metrics.jsonl`, (r) => writeFileSync(join(r, 'metrics.jsonl'), text + readFileSync(join(r, 'metrics.jsonl'), 'utf8') + text), (r) => ['export', r], /metrics\.csv/, 0));
    out.push(runCase(`runs: ${name} in metrics.jsonl, no summary`, (r) => (rmSync(join(r, 'summary.json')), writeFileSync(join(r, 'metrics.jsonl'), text + readFileSync(join(r, 'metrics.jsonl'), 'utf8'))), list, /r1 +incomplete/, 0));
  }
  out.push(runCase('export: metrics.jsonl missing', (r) => rmSync(join(r, 'metrics.jsonl')), (r) => ['export', r], /is not a run folder \(no metrics\.jsonl\)/, 2));
  out.push(runCase('compare: experiment.json missing', (r) => rmSync(join(r, 'experiment.json')), (r) => ['compare', r, r], /is not a run folder \(no experiment\.json\)/, 2));
  out.push(runCase('compare: experiment.json damaged', w('experiment.json', '{"na'), (r) => ['compare', r, r], /experiment\.json is damaged/, 1));
  out.push(runCase('runs: experiment.json damaged', w('experiment.json', '{"na'), list, /r1/, 0));
  const pointers: [string, string, RegExp][] = [
    ['best.json pointing outside the run', JSON.stringify({ dir: '../../..', epoch: 1, step: 1 }), /best\.json is damaged/],
    ['best.json pointing at an absolute path', JSON.stringify({ dir: '/etc', epoch: 1, step: 1 }), /best\.json is damaged/],
    ['best.json garbage', '{{{', /best\.json is damaged/],
    ['best.json naming a missing folder', JSON.stringify({ dir: 'step-9999999', epoch: 1, step: 1 }), /the best checkpoint .*step-9999999 cannot be loaded/],
  ];
  for (const [name, text, message] of pointers) out.push(runCase(`evaluate: ${name}`, (r) => writeFileSync(join(r, 'checkpoints', 'best.json'), text), (r) => ['evaluate', r], message, 1));
  out.push(runCase('evaluate: weights.bin truncated', (r) => {
    const p = JSON.parse(readFileSync(join(r, 'checkpoints', 'last.json'), 'utf8')).dir;
    for (const name of ['best', 'last']) writeFileSync(join(r, 'checkpoints', `${name}.json`), JSON.stringify({ dir: p, epoch: 1, step: 2 }));
    writeFileSync(join(r, 'checkpoints', p, 'weights.bin'), Buffer.alloc(10));
  }, (r) => ['evaluate', r], /checkpoint .* cannot be loaded \(damaged or incomplete\)/, 1));
  out.push(runCase('evaluate: model.json garbage', (r) => {
    const p = JSON.parse(readFileSync(join(r, 'checkpoints', 'last.json'), 'utf8')).dir;
    for (const name of ['best', 'last']) writeFileSync(join(r, 'checkpoints', `${name}.json`), JSON.stringify({ dir: p, epoch: 1, step: 2 }));
    writeFileSync(join(r, 'checkpoints', p, 'model.json'), '<html>');
  }, (r) => ['evaluate', r], /checkpoint .* cannot be loaded \(damaged or incomplete\)/, 1));
  out.push(runCase('evaluate: not a run folder', () => undefined, () => ['evaluate', '.'], /is not a run folder/, 2));
  out.push({ family: 'runs', name: 'runs: the runs folder is a file', setup: (dir) => (mkdirSync(join(dir, '.gradient-lab'), { recursive: true }), writeFileSync(join(dir, '.gradient-lab', 'runs'), 'x')), args: ['runs'], code: 1, message: /\.gradient-lab\/runs is a file, not a runs folder/ });
  out.push({ family: 'runs', name: 'runs: no runs folder', args: ['runs'], code: 0, message: /no runs yet/ });
  out.push({ family: 'runs', name: 'train into a runs folder that is a file', files: { 'x.experiment.json': JSON.stringify(base), 'runsfile': 'x' }, args: ['train', 'x.experiment.json', '--runs', 'runsfile'], code: 1, message: /runsfile is a file, not a runs folder/ });
  return out;
}

// ── protocol ─────────────────────────────────────────────────────────────────────────────────────────────
const frame = (body: string | Buffer) => Buffer.concat([Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`), Buffer.from(body)]);
const request = (method: string, params: unknown, id: unknown = 99) => frame(JSON.stringify({ jsonrpc: '2.0', id, method, params }));

function protocolCases(): ProtocolCase[] {
  const raw: [string, string | Buffer, RegExp][] = [
    ['Content-Length: abc', 'Content-Length: abc\r\n\r\n{}', /-32700.*bad header/],
    ['Content-Length: -5', 'Content-Length: -5\r\n\r\n{}', /-32700.*bad header/],
    ['Content-Length: 1e99', 'Content-Length: 1e99\r\n\r\n{}', /-32700.*bad header/],
    ['Content-Length larger than the body', 'Content-Length: 100\r\n\r\n{"jsonrpc":"2.0"}', /-32700/],
    ['Content-Length of 10 GB', 'Content-Length: 10000000000\r\n\r\n{}', /-32600.*at most/],
    ['an empty Content-Length', 'Content-Length: \r\n\r\n{}', /-32700.*bad header/],
    ['no header at all', '{"jsonrpc":"2.0","id":1,"method":"engine/info"}\r\n\r\n', /-32700.*bad header/],
    ['10 KB of garbage without a header end', 'x'.repeat(10_000), /-32700.*Content-Length/],
    ['a Content-Type only', 'Content-Type: application/json\r\n\r\n{}', /-32700.*bad header/],
    ['NUL bytes as a header', '\u0000\u0000\u0000\r\n\r\n', /-32700.*bad header/],
    ['a body that is not JSON', frame('this is not json'), /-32700.*Parse error/],
    ['a JSON array body', frame('[1,2,3]'), /-32600.*Invalid Request/],
    ['a batch of requests', frame(JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'engine/info' }])), /-32600/],
    ['a number body', frame('42'), /-32600/],
    ['a null body', frame('null'), /-32600/],
    ['an empty object', frame('{}'), /-32600/],
    ['a method that is a number', frame('{"jsonrpc":"2.0","id":1,"method":5}'), /-32600/],
    ['a truncated JSON body', frame('{"jsonrpc": "2.0", "id": 1, "method": '), /-32700/],
    ['invalid UTF-8', frame(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), /-32700/],
    ['an unknown method', request('nothing/here', {}), /-32601/],
    ['run/start with params 42', request('run/start', 42), /-32602|run\/start needs params/],
    ['run/start with params null', request('run/start', null), /-32602|run\/start needs params/],
    ['run/start without runsFolder', request('run/start', { experiment: base }), /run\/start needs params/],
    ['run/start with a number runsFolder', request('run/start', { experiment: base, runsFolder: 5 }), /run\/start needs params/],
    ['run/start with an invalid experiment', request('run/start', { experiment: { ...base, training: { epochs: -1, batchSize: 32 } }, runsFolder: '/tmp/gl-corpus-runs-never' }), /training\.epochs: must be >= 1/],
    ['run/start with experiment text that is not JSON', request('run/start', { experiment: '{{{', runsFolder: '/tmp/gl-corpus-runs-never' }), /invalid JSON/],
    ['run/start saving the model over /', request('run/start', { experiment: { ...base, training: { epochs: 1, batchSize: 32, saveModel: '/' } }, runsFolder: '/tmp/gl-corpus-runs-never', workspace: '/tmp' }), /training\.saveModel/],
    ['run/cancel of an unknown run', request('run/cancel', { runId: 'nope' }), /"cancelled":false/],
    ['run/cancel with params null', request('run/cancel', null), /"cancelled":false|-32602/],
    ['sweep/start with params 42', request('sweep/start', 42), /sweep\/start needs params/],
    ['sweep/start with garbage text', request('sweep/start', { experiment: '[', runsFolder: '/tmp/gl-corpus-runs-never' }), /invalid JSON/],
    ['sweep/cancel of nothing', request('sweep/cancel', { folder: '/nowhere' }), /"cancelled":false/],
    ['gradcheck/file with a number as text', request('gradcheck/file', { uri: 'x', version: 1, text: 5 }), /gradcheck\/file needs params/],
    ['gradcheck/file with params null', request('gradcheck/file', null), /-32602|-32603|needs params/],
    ['gradcheck/file with a 10^9 sum', request('gradcheck/file', { uri: 'x', version: 1, text: `${block}$$\\sum_{k=1}^{1000000000} 0 = 0$$\n` }), /cannot check/],
    ['dataset/imageFolder without out', request('dataset/imageFolder', { source: 'embedded-digits' }), /dataset\/imageFolder needs params/],
    ['gradients/probe with garbage', request('gradients/probe', { experiment: 17 }), /-32|experiment/],
    ['model/summary with garbage', request('model/summary', { experiment: [] }), /-32|experiment/],
    ['a response to nothing', frame('{"jsonrpc":"2.0","id":12345,"result":1}'), /.*/],
    ['an id that is an object', frame('{"jsonrpc":"2.0","id":{"a":1},"method":"engine/info"}'), /.*/],
  ];
  return raw.map(([name, bytes, message]) => ({ family: 'protocol', name, raw: bytes, message }));
}

export function allCases(): Case[] {
  return [...experimentCases(), ...dataCases(), ...derivationCases(), ...runCases(), ...protocolCases()];
}
