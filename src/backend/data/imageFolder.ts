// Image-folder datasets, the layout Keras' flow_from_directory reads: <root>/train/<class>/*.png|jpg, and the same
// for validation/ and test/. Every image is decoded, resized to one size and kept as RGB bytes. Unreadable files
// are skipped and reported by name; empty classes and class sets that differ between splits are errors.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSpec } from '../../protocol/experiment';
import type { Dataset, Split } from './dataset';
import { DataError } from './idxReader';
import { decodeImage, encodePng, isImageFile, resizeRgb } from './imageCodec';

export const splitNames = ['train', 'validation', 'test'] as const;
export type SplitName = (typeof splitNames)[number];

interface Listing {
  classes: string[];
  files: { file: string; label: number }[];
}

function listSplit(root: string, split: SplitName): Listing | undefined {
  const dir = join(root, split);
  if (!existsSync(dir)) return undefined;
  const classes = readdirSync(dir).filter((c) => statSync(join(dir, c)).isDirectory()).sort();
  const perClass = classes.map((c, label) => readdirSync(join(dir, c)).sort().filter(isImageFile).map((f) => ({ file: join(split, c, f), label })));
  // interleaved by class, so that any prefix (trainLimit, testLimit) holds every class
  const files: Listing['files'] = [];
  for (let i = 0; i < Math.max(0, ...perClass.map((p) => p.length)); i++) for (const p of perClass) if (i < p.length) files.push(p[i]);
  return { classes, files };
}

/** The files of each split and their sizes and times: what a feature cache is keyed by. */
export function imageFolderFiles(root: string): { file: string; size: number; mtimeMs: number }[] {
  const out: { file: string; size: number; mtimeMs: number }[] = [];
  for (const split of splitNames) {
    for (const { file } of listSplit(root, split)?.files ?? []) {
      const s = statSync(join(root, file));
      out.push({ file, size: s.size, mtimeMs: s.mtimeMs });
    }
  }
  return out;
}

function checkClasses(root: string, listings: Partial<Record<SplitName, Listing>>): string[] {
  const train = listings.train!;
  if (!train.classes.length) throw new DataError(`${join(root, 'train')}: no class folders (expected train/<class>/<image>.png|jpg)`);
  if (train.classes.length < 2) throw new DataError(`${join(root, 'train')}: only one class folder (${train.classes[0]}); a classifier needs two or more`);
  for (const [label, name] of train.classes.entries()) {
    if (!train.files.some((f) => f.label === label)) throw new DataError(`${join(root, 'train', name)}: no PNG or JPEG images in this class`);
  }
  for (const split of ['validation', 'test'] as const) {
    const l = listings[split];
    if (!l) continue;
    const extra = l.classes.filter((c) => !train.classes.includes(c));
    const missing = train.classes.filter((c) => !l.classes.includes(c));
    if (extra.length || missing.length) {
      throw new DataError(`${join(root, split)}: its classes differ from train/'s` +
        `${extra.length ? ` — not in train/: ${extra.join(', ')}` : ''}${missing.length ? ` — missing: ${missing.join(', ')}` : ''}`);
    }
  }
  return train.classes;
}

/** Without data.imageSize, images are resized to the first training image's size, scaled down to this longest side. */
export const defaultMaxSide = 512;

/** The first image's size as everyone's, but never a huge one (one 3000×3000 photo would upsize all the others). */
function defaultSize(img: { height: number; width: number }, warnings: string[]): [number, number] {
  const scale = Math.min(1, defaultMaxSide / Math.max(img.height, img.width));
  const size: [number, number] = [Math.max(1, Math.round(img.height * scale)), Math.max(1, Math.round(img.width * scale))];
  if (scale < 1) warnings.push(`the first training image is ${img.height}×${img.width}: images are resized to ${size[0]}×${size[1]}; set data.imageSize to choose`);
  return size;
}

export interface ImageFolderOptions {
  /** [height, width] to resize to; default the first training image's size (longest side at most defaultMaxSide). */
  size?: [number, number];
  onProgress?: (done: number, total: number) => void;
}

export function loadImageFolder(root: string, spec: DataSpec, options: ImageFolderOptions = {}): Dataset {
  if (!existsSync(root)) throw new DataError(`image folder not found: ${root}`);
  const listings: Partial<Record<SplitName, Listing>> = {};
  for (const s of splitNames) listings[s] = listSplit(root, s);
  if (!listings.train) throw new DataError(`${root}: no train/ folder (expected train/<class>/…, and optionally validation/ and test/)`);
  const classNames = checkClasses(root, listings);
  let size = options.size ?? spec.imageSize;
  const skipped: string[] = [];
  const notes: string[] = [];
  const total = splitNames.reduce((n, s) => n + (listings[s]?.files.length ?? 0), 0);
  let done = 0;
  const read = (listing: Listing | undefined, limit?: number): Split => {
    const files = (listing?.files ?? []).slice(0, limit);
    const images: Uint8Array[] = [];
    const labels: number[] = [];
    const names: string[] = [];
    for (const { file, label } of files) {
      options.onProgress?.(++done, total);
      try {
        const img = decodeImage(readFileSync(join(root, file)));
        size ??= defaultSize(img, notes);
        images.push(resizeRgb(img, size[0], size[1]));
        labels.push(label);
        names.push(file);
      } catch (e) {
        skipped.push(`${file}: ${(e as Error).message}`);
      }
    }
    const pixels = size ? size[0] * size[1] * 3 : 0;
    const all = new Uint8Array(images.length * pixels);
    images.forEach((img, i) => all.set(img, i * pixels));
    return { images: all, labels: Uint8Array.from(labels), count: images.length, files: names };
  };
  const train = read(listings.train, spec.trainLimit);
  if (!train.count) throw new DataError(`${join(root, 'train')}: none of the ${listings.train.files.length} images could be read${skipped.length ? ` (first: ${skipped[0]})` : ''}`);
  let validation = read(listings.validation, spec.validationLimit);
  const test = read(listings.test, spec.testLimit);
  let trainSplit = train;
  if (!listings.validation) [trainSplit, validation] = holdOut(train, spec.validationSplit ?? 0.1, size![0] * size![1] * 3);
  return {
    description: `image folder ${root} (${classNames.length} classes, resized to ${size![0]}×${size![1]})`,
    height: size![0], width: size![1], channels: 3,
    classNames: spec.classNames ?? classNames,
    train: trainSplit, validation, test,
    warnings: skipped.length || notes.length ? [...notes, ...(skipped.length ? [`skipped ${skipped.length} unreadable image${skipped.length > 1 ? 's' : ''}: ${skipped.join('; ')}`] : [])] : undefined,
  };
}

/** No validation/ folder: the last `fraction` of every class of train/ (stratified, as the files are sorted). */
function holdOut(split: Split, fraction: number, pixels: number): [Split, Split] {
  const byClass = new Map<number, number[]>();
  split.labels.forEach((l, i) => byClass.set(l, [...(byClass.get(l) ?? []), i]));
  const keep: number[] = [];
  const held: number[] = [];
  for (const rows of byClass.values()) {
    const n = Math.round(rows.length * fraction);
    keep.push(...rows.slice(0, rows.length - n));
    held.push(...rows.slice(rows.length - n));
  }
  const pick = (rows: number[]): Split => {
    const images = new Uint8Array(rows.length * pixels);
    rows.forEach((r, i) => images.set(split.images.subarray(r * pixels, (r + 1) * pixels), i * pixels));
    return { images, labels: Uint8Array.from(rows.map((r) => split.labels[r])), count: rows.length, files: rows.map((r) => split.files![r]) };
  };
  return [pick(keep.sort((a, b) => a - b)), pick(held.sort((a, b) => a - b))];
}

/** A class name as a folder name: path separators and characters Windows refuses become '_'. */
export function folderName(name: string): string {
  return name.replace(/[/\\:*?"<>|]/g, '_').replace(/^\.+$/, '_') || '_';
}

/** Write a dataset's splits as PNG files in the image-folder layout; at most counts[split] images per split. */
export function writeImageFolder(data: Dataset, out: string, counts: Partial<Record<SplitName, number>>, onProgress?: (done: number, total: number) => void): Record<SplitName, number> {
  const channels = (data.channels ?? 1) as 1 | 3;
  const pixels = data.height * data.width * channels;
  const written = { train: 0, validation: 0, test: 0 };
  const total = splitNames.reduce((n, s) => n + Math.min(counts[s] ?? data[s].count, data[s].count), 0);
  let done = 0;
  for (const split of splitNames) {
    const n = Math.min(counts[split] ?? data[split].count, data[split].count);
    const dirs = data.classNames.map((c) => join(out, split, folderName(c)));
    for (const d of dirs) mkdirSync(d, { recursive: true });
    for (let i = 0; i < n; i++) {
      const png = encodePng(data[split].images.subarray(i * pixels, (i + 1) * pixels) as Uint8Array, data.height, data.width, channels);
      writeFileSync(join(dirs[data[split].labels[i]], `${String(i + 1).padStart(5, '0')}.png`), png);
      written[split]++;
      onProgress?.(++done, total);
    }
  }
  return written;
}
