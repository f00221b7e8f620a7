// Where a base model comes from: a local folder or model.json, a URL, or a named ImageNet model. Downloads go
// into a cache folder once (written under a temporary name, renamed when complete) with a checksum of every
// file, checked each time the cache is used; a damaged cache is downloaded again.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { BaseSpec } from '../../protocol/experiment';
import { DataError } from '../data/idxReader';
import { savedModelFromKeras } from './kerasBase';

export interface NamedBase {
  url: string;
  cutAt: string;
  preprocess: NonNullable<BaseSpec['preprocess']>;
  description: string;
}

/** ImageNet networks published in the TF.js layers format by the TensorFlow.js team. */
export const namedBases: Record<string, NamedBase> = {
  'mobilenet_v1_0.25_224': {
    url: 'https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_0.25_224/model.json',
    cutAt: 'conv_pw_13_relu', preprocess: '-1..1', description: 'MobileNet v1, width 0.25, 224×224 (≈ 0.2 M parameters, 1.9 MB)',
  },
  'mobilenet_v1_1.0_224': {
    url: 'https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_1.0_224/model.json',
    cutAt: 'conv_pw_13_relu', preprocess: '-1..1', description: 'MobileNet v1, width 1.0, 224×224 (≈ 3.2 M parameters, 17 MB)',
  },
};

/** Graph-format ImageNet models (frozen feature extractors: TF.js cannot train graph models). */
export const namedGraphBases: Record<string, Omit<NamedBase, 'cutAt'>> = {
  'mobilenet_v2_1.0_224': {
    url: 'https://storage.googleapis.com/tfjs-models/savedmodel/mobilenet_v2_1.0_224/model.json',
    preprocess: '-1..1', description: 'MobileNet v2, width 1.0, 224×224, graph model (≈ 3.5 M parameters, 14 MB)',
  },
};

export function defaultModelCache(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'gradient-lab', 'models');
}

export interface ResolvedBase {
  file: string;
  /** A .keras file converted to a SavedModel (file): the layer Keras cut it at. */
  kerasCut?: string;
  named?: Omit<NamedBase, 'cutAt'> & { cutAt?: string };
}

export type DownloadReport = (message: string, done?: number, total?: number) => void;

export async function resolveBaseModel(model: string, options: { baseDir?: string; cacheDir?: string; cutAt?: string; onProgress?: DownloadReport }): Promise<ResolvedBase> {
  const cacheDir = options.cacheDir ?? defaultModelCache();
  const named = namedBases[model];
  if (named) return { file: await cachedDownload(named.url, join(cacheDir, model), model, options.onProgress), named };
  const graph = namedGraphBases[model];
  if (graph) return { file: await cachedDownload(graph.url, join(cacheDir, model), model, options.onProgress), named: { ...graph, cutAt: undefined } };
  if (/^https?:\/\//i.test(model)) {
    const key = createHash('sha256').update(model).digest('hex').slice(0, 16);
    return { file: await cachedDownload(model, join(cacheDir, `url-${key}`), 'the base model', options.onProgress) };
  }
  const path = isAbsolute(model) ? model : resolve(options.baseDir ?? process.cwd(), model);
  if (!existsSync(path)) {
    throw new DataError(`base.model: ${path} not found — give a folder with model.json, a model.json file, a URL, or one of: ${[...Object.keys(namedBases), ...Object.keys(namedGraphBases)].join(', ')}`);
  }
  if (/\.keras$/i.test(path) && statSync(path).isFile()) {
    options.onProgress?.(`converting ${path} to a SavedModel with Keras (once; kept in ${cacheDir})`);
    const converted = await savedModelFromKeras(path, options.cutAt, cacheDir);
    return { file: converted.folder, kerasCut: converted.cutAt };
  }
  // a TensorFlow SavedModel (the native engine runs it): the folder itself
  if (statSync(path).isDirectory() && existsSync(join(path, 'saved_model.pb'))) return { file: path };
  const file = statSync(path).isDirectory() ? join(path, 'model.json') : path;
  if (!existsSync(file)) throw new DataError(`base.model: ${path} has no model.json (a TF.js model) and no saved_model.pb (a TensorFlow SavedModel)`);
  return { file };
}

interface Checksums {
  url: string;
  files: Record<string, string>;
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function intact(dir: string): boolean {
  try {
    const sums = JSON.parse(readFileSync(join(dir, 'checksums.json'), 'utf8')) as Checksums;
    return Object.entries(sums.files).every(([f, sum]) => sha256(join(dir, f)) === sum);
  } catch {
    return false;
  }
}

async function fetchBytes(url: string, what: string): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new DataError(`could not download ${what} from ${url} (${cause?.code ?? cause?.message ?? (e as Error).message}). ` +
      'Offline? Set base.model to a local folder that holds model.json and its weight files (for example one written by training.saveModel).');
  }
  if (!response.ok) throw new DataError(`could not download ${what}: ${url} answered ${response.status} ${response.statusText}`);
  return Buffer.from(await response.arrayBuffer());
}

async function cachedDownload(url: string, dir: string, what: string, onProgress?: DownloadReport): Promise<string> {
  if (existsSync(join(dir, 'model.json')) && intact(dir)) return join(dir, 'model.json');
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    onProgress?.(`downloading ${what}: model.json`);
    const modelJson = await fetchBytes(url, what);
    let manifest: { weightsManifest?: { paths: string[] }[] };
    try {
      manifest = JSON.parse(modelJson.toString('utf8'));
    } catch {
      throw new DataError(`${url} is not a TF.js model.json`);
    }
    const paths = (manifest.weightsManifest ?? []).flatMap((g) => g.paths);
    const files: Record<string, string> = {};
    writeFileSync(join(tmp, 'model.json'), modelJson);
    files['model.json'] = createHash('sha256').update(modelJson).digest('hex');
    for (const [i, p] of paths.entries()) {
      onProgress?.(`downloading ${what}: weights ${i + 1} of ${paths.length}`, i, paths.length);
      // weights sit beside model.json; a query on its URL (e.g. TF Hub's ?tfjs-format=file) applies to them too
      const weightUrl = new URL(p, url);
      weightUrl.search = new URL(url).search;
      const bytes = await fetchBytes(weightUrl.toString(), what);
      mkdirSync(dirname(join(tmp, p)), { recursive: true });
      writeFileSync(join(tmp, p), bytes);
      files[p] = createHash('sha256').update(bytes).digest('hex');
    }
    writeFileSync(join(tmp, 'checksums.json'), JSON.stringify({ url, files } satisfies Checksums, null, 2));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dirname(dir), { recursive: true });
    renameSync(tmp, dir);
    return join(dir, 'model.json');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
