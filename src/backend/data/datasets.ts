// The data sources an experiment can name, all ending as the same in-memory Dataset of bytes (0..255).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { DataSpec } from '../../protocol/experiment';
import { distDir } from '../../paths';
import { downloadDataset, type DownloadProgress } from './download';
import { checkImagesAndLabels, DataError, type IdxArray, readIdxFile } from './idxReader';
import { loadImageFolder } from './imageFolder';
import type { Dataset, Split } from './dataset';

export type { Dataset, Split } from './dataset';

export const fashionClassNames = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export function subset(images: Uint8Array, labels: Uint8Array, pixels: number, rows: number[]): Split {
  const out = new Uint8Array(rows.length * pixels);
  const outLabels = new Uint8Array(rows.length);
  rows.forEach((r, i) => {
    out.set(images.subarray(r * pixels, (r + 1) * pixels), i * pixels);
    outLabels[i] = labels[r];
  });
  return { images: out, labels: outLabels, count: rows.length };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

function limit(rows: number[], n: number | undefined): number[] {
  return n === undefined ? rows : rows.slice(0, n);
}

function classCount(labels: Uint8Array, names: string[] | undefined, file: string, everyClass: boolean): number {
  let max = 0;
  for (const l of labels) max = Math.max(max, l);
  if (names && max >= names.length) {
    throw new DataError(`${basename(file)}: holds label ${max} (at index ${labels.indexOf(max)}), but ${everyClass ? 'data.classNames lists' : 'the training labels and data.classNames give'} only ${names.length} classes`);
  }
  if (!names && everyClass) {
    // classes are 0..max: one stray label (255) must not make a silent 256-class model
    const present = new Set(labels);
    const missing = Array.from({ length: max + 1 }, (_, c) => c).filter((c) => !present.has(c));
    if (missing.length) {
      throw new DataError(`${basename(file)}: labels run up to ${max} (first at index ${labels.indexOf(max)}), but ${missing.length} of the classes 0–${max} never occur (e.g. ${missing.slice(0, 3).join(', ')}): a damaged label? Give data.classNames to declare the classes`);
    }
  }
  return names?.length ?? max + 1;
}

/**
 * The embedded default: 10,000 real MNIST digits from the `mnist` package, stored by class. A fixed split per
 * class — every 10th digit is a test digit, the one before it a validation digit — so it is stratified and the
 * same on every machine: 8,006 / 997 / 997. Rows are interleaved by class so that any prefix (trainLimit…)
 * is stratified too.
 */
function loadEmbeddedDigits(spec: DataSpec): Dataset {
  const dir = join(distDir(), 'data');
  const images = readIdxFile(join(dir, 'digits-images-idx3-ubyte.gz'));
  const labels = readIdxFile(join(dir, 'digits-labels-idx1-ubyte.gz'));
  const { count, height, width } = checkImagesAndLabels(images, labels);
  const seen = new Array<number>(10).fill(0);
  const keyed: Record<'train' | 'validation' | 'test', [number, number][]> = { train: [], validation: [], test: [] };
  const inSplit = { train: new Array<number>(10).fill(0), validation: new Array<number>(10).fill(0), test: new Array<number>(10).fill(0) };
  for (let i = 0; i < count; i++) {
    const label = labels.data[i];
    const k = seen[label]++;
    const split = k % 10 === 9 ? 'test' : k % 10 === 8 ? 'validation' : 'train';
    keyed[split].push([inSplit[split][label]++ * 10 + label, i]); // position within its class in this split, then class
  }
  const rows = Object.fromEntries(Object.entries(keyed).map(([s, r]) => [s, r.sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => i)])) as Record<'train' | 'validation' | 'test', number[]>;
  const pixels = height * width;
  return {
    description: 'embedded MNIST digits (10,000 from the mnist package; fixed 80/10/10 split)',
    height, width,
    classNames: spec.classNames ?? ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    train: subset(images.data, labels.data, pixels, limit(rows.train, spec.trainLimit)),
    validation: subset(images.data, labels.data, pixels, limit(rows.validation, spec.validationLimit)),
    test: subset(images.data, labels.data, pixels, limit(rows.test, spec.testLimit)),
  };
}

const patterns = {
  trainImages: /^(train|training)\b.*images?.*idx3/i,
  trainLabels: /^(train|training)\b.*labels?.*idx1/i,
  testImages: /^(t10k|test)\b.*images?.*idx3/i,
  testLabels: /^(t10k|test)\b.*labels?.*idx1/i,
};

/** Find the four IDX files by the names MNIST, Fashion-MNIST and EMNIST use (e.g. emnist-digits-train-images-idx3-ubyte). */
export function findIdxFiles(folder: string): Record<keyof typeof patterns, string> {
  if (!existsSync(folder)) throw new DataError(`dataset folder not found: ${folder}`);
  if (!statSync(folder).isDirectory()) throw new DataError(`dataset path is not a folder: ${folder}`);
  const files = readdirSync(folder);
  const found = {} as Record<keyof typeof patterns, string>;
  for (const [key, re] of Object.entries(patterns) as [keyof typeof patterns, RegExp][]) {
    const match = files.find((f) => re.test(f.replace(/^emnist-[a-z]+-/i, '')));
    if (!match) {
      const example = { trainImages: 'train-images-idx3-ubyte', trainLabels: 'train-labels-idx1-ubyte', testImages: 't10k-images-idx3-ubyte', testLabels: 't10k-labels-idx1-ubyte' }[key];
      throw new DataError(`${folder}: no file like ${example}[.gz] (found: ${files.length ? files.join(', ') : 'nothing'})`);
    }
    found[key] = join(folder, match);
  }
  return found;
}

function loadIdxFolder(folder: string, spec: DataSpec, description: string): Dataset {
  const files = findIdxFiles(folder);
  const read = (images: string, labels: string): [IdxArray, IdxArray, ReturnType<typeof checkImagesAndLabels>] => {
    const i = readIdxFile(images);
    const l = readIdxFile(labels);
    return [i, l, checkImagesAndLabels(i, l)];
  };
  const [trainImages, trainLabels, train] = read(files.trainImages, files.trainLabels);
  const [testImages, testLabels, test] = read(files.testImages, files.testLabels);
  if (train.height !== test.height || train.width !== test.width) {
    throw new DataError(`${basename(files.testImages)}: images are ${test.height}×${test.width}, but the training images are ${train.height}×${train.width}`);
  }
  const names = spec.classNames ?? (/fashion/i.test(folder) ? fashionClassNames : undefined);
  const classes = classCount(trainLabels.data, names, files.trainLabels, true);
  classCount(testLabels.data, names ?? Array.from({ length: classes }, String), files.testLabels, false); // no class the training set lacks
  const pixels = train.height * train.width;
  // Keras' validation_split: the last part of the training file.
  const valCount = Math.round(train.count * (spec.validationSplit ?? 0.1));
  const trainRows = range(0, train.count - valCount);
  const valRows = range(train.count - valCount, train.count);
  return {
    description,
    height: train.height, width: train.width,
    classNames: names ?? Array.from({ length: classes }, (_, i) => String(i)),
    train: subset(trainImages.data, trainLabels.data, pixels, limit(trainRows, spec.trainLimit)),
    validation: subset(trainImages.data, trainLabels.data, pixels, limit(valRows, spec.validationLimit)),
    test: subset(testImages.data, testLabels.data, pixels, limit(range(0, test.count), spec.testLimit)),
  };
}

export interface LoadOptions {
  /** Folder of the experiment file: relative data paths are relative to it. */
  baseDir?: string;
  onDownload?: (p: DownloadProgress) => void;
  /** Image folders: the size every image is resized to (a base network's input). */
  imageSize?: [number, number];
  onImages?: (done: number, total: number) => void;
}

/** data.classes: only the listed classes, renumbered in the listed order (transfer to classes a base never saw). */
function keepClasses(data: Dataset, classes: number[]): Dataset {
  for (const c of classes) {
    if (c >= data.classNames.length) throw new DataError(`data.classes: class ${c} does not exist (the data has classes 0–${data.classNames.length - 1})`);
  }
  const pixels = data.height * data.width * (data.channels ?? 1);
  const newLabel = new Map(classes.map((c, i) => [c, i]));
  const pick = (split: Split): Split => {
    const rows: number[] = [];
    split.labels.forEach((l, i) => newLabel.has(l) && rows.push(i));
    const out = subset(split.images as Uint8Array, split.labels, pixels, rows);
    out.labels = out.labels.map((l) => newLabel.get(l)!);
    return split.files ? { ...out, files: rows.map((r) => split.files![r]) } : out;
  };
  return { ...data, classNames: classes.map((c) => data.classNames[c]), train: pick(data.train), validation: pick(data.validation), test: pick(data.test) };
}

/** A dataset that can train a classifier: images in the training split, two or more classes. */
function checkTrainable(data: Dataset): Dataset {
  if (!data.height || !data.width) throw new DataError(`${data.description}: the images are ${data.height}×${data.width} pixels`);
  if (!data.train.count) throw new DataError(`${data.description}: the training split has no images (check the files and data.trainLimit)`);
  if (data.classNames.length < 2) throw new DataError(`${data.description}: one class only (${data.classNames[0]}); a classifier needs two or more`);
  return data;
}

export async function loadDataset(spec: DataSpec, options: LoadOptions = {}): Promise<Dataset> {
  return checkTrainable(await loadClasses(spec, options));
}

async function loadClasses(spec: DataSpec, options: LoadOptions): Promise<Dataset> {
  const data = await loadSource(spec, options);
  if (!spec.classes) return data;
  // limits apply to the kept classes: filter the whole splits first, then cut
  const kept = keepClasses(spec.trainLimit || spec.validationLimit || spec.testLimit ? await loadSource({ ...spec, trainLimit: undefined, validationLimit: undefined, testLimit: undefined }, options) : data, spec.classes);
  const cut = (s: Split, n?: number): Split => (n === undefined || n >= s.count ? s : sliceSplit(s, n, kept.height * kept.width * (kept.channels ?? 1)));
  return { ...kept, train: cut(kept.train, spec.trainLimit), validation: cut(kept.validation, spec.validationLimit), test: cut(kept.test, spec.testLimit) };
}

function sliceSplit(s: Split, n: number, pixels: number): Split {
  return { images: s.images.slice(0, n * pixels), labels: s.labels.slice(0, n), count: n, ...(s.files ? { files: s.files.slice(0, n) } : {}) };
}

async function loadSource(spec: DataSpec, options: LoadOptions): Promise<Dataset> {
  switch (spec.source) {
    case 'image-folder': {
      const folder = isAbsolute(spec.path!) ? spec.path! : resolve(options.baseDir ?? process.cwd(), spec.path!);
      return loadImageFolder(folder, spec, { size: options.imageSize, onProgress: options.onImages });
    }
    case 'embedded-digits':
      return loadEmbeddedDigits(spec);
    case 'idx-folder': {
      const folder = isAbsolute(spec.path!) ? spec.path! : resolve(options.baseDir ?? process.cwd(), spec.path!);
      return loadIdxFolder(folder, spec, `IDX files in ${folder}`);
    }
    case 'download': {
      const folder = await downloadDataset(spec.dataset ?? 'mnist', options.onDownload);
      return loadIdxFolder(folder, { ...spec, classNames: spec.classNames ?? (spec.dataset === 'fashion-mnist' ? fashionClassNames : undefined) }, `${spec.dataset} (downloaded, cached in ${folder})`);
    }
  }
}
