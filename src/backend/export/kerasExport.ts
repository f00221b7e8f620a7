// `gradient-lab export-keras`: an experiment as a folder a Keras user can run anywhere — train_keras.py, the exact
// splits it trains on (data/*.idx.gz), Gradient Lab's initial weights for the seeded model, and, from a run, its
// trained weights (which the script turns into a .keras model).
import type * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ExperimentError, parseExperimentText } from '../../experiment/validate';
import type { Experiment } from '../../protocol/experiment';
import type { ExportKerasResult } from '../../protocol/training';
import type { Split } from '../data/dataset';
import { planLayers } from '../models/layerPlan';
import { loadCheckpoint, readPointer } from '../training/checkpoint';
import { prepare } from '../jobs/prepare';
import { expandSweep } from '../jobs/sweep';
import { type FineTuneScript, writeFineTune, writeFineTuneWeights } from './fineTuneExport';
import { exportNotes, kerasLayers, unexportable } from './kerasModel';
import template from './train_keras.py';

export interface KerasExportOptions {
  /** The folder to write (default: <experiment>-keras beside the experiment file). */
  out?: string;
  /** A run folder whose best (else last) checkpoint becomes trained.weights.bin. */
  weightsFrom?: string;
}

export type KerasExport = ExportKerasResult;

export async function exportKeras(experimentPath: string, options: KerasExportOptions = {}): Promise<KerasExport> {
  const file = resolve(experimentPath);
  const { experiment } = parseExperimentText(readFileSync(file, 'utf8'), file);
  // a run's experiment.json: its data paths are relative to the experiment file it was trained from
  const source = (experiment as { $source?: unknown }).$source;
  const origin = typeof source === 'string' && basename(file) === 'experiment.json' ? source : file;
  const folder = resolve(options.out ?? (origin === file ? join(dirname(file), `${basename(file).replace(/\.experiment\.json$|\.json$/, '')}-keras`) : join(dirname(file), 'keras')));
  if (!experiment.sweep) return exportOne(experiment, file, origin, folder, options.weightsFrom);
  // a sweep: one folder per member, and a runner that trains them one after another
  const members = expandSweep(experiment, file);
  const done: KerasExport = { folder, files: [], notes: [] };
  for (const [i, m] of members.entries()) {
    const one = await exportOne(m.experiment, file, origin, join(folder, `member-${i + 1}`));
    done.files.push(...one.files);
    done.notes = one.notes;
  }
  const runner = join(folder, 'run_sweep.py');
  writeFileSync(runner, sweepRunner(experiment.name, members.map((m, i) => ({ folder: `member-${i + 1}`, values: m.values }))));
  done.files.push(runner);
  return done;
}

async function exportOne(experiment: Experiment, file: string, origin: string, folder: string, weightsFrom?: string): Promise<KerasExport> {
  const problems = unexportable(experiment);
  if (problems.length) throw new ExperimentError(problems.map((p) => ({ ...p, message: `cannot be exported exactly: ${p.message}` })), file);
  // the engine only builds the seeded model here; the one the experiment asks for need not exist on this machine
  const { engine: _engine, ...portable } = experiment;
  const prep = await prepare({ experiment: portable, experimentPath: origin, runsFolder: '' });
  try {
    mkdirSync(join(folder, 'data'), { recursive: true });
    if (prep.fineTune) mkdirSync(join(folder, 'base'), { recursive: true });
    const files: string[] = [];
    const write = (name: string, data: string | Uint8Array) => {
      writeFileSync(join(folder, name), data);
      files.push(join(folder, name));
    };
    const { data } = prep;
    for (const split of ['train', 'validation', 'test'] as const) {
      const [images, labels] = idxFiles(data[split], [data.height, data.width, data.channels ?? 1]);
      write(`data/${split}-images.idx.gz`, images);
      write(`data/${split}-labels.idx.gz`, labels);
    }
    if (prep.fineTune) {
      const ft = await writeFineTune(prep, prep.experiment, data, write, (model, name) => writeWeights(model, name, write));
      if (weightsFrom) await withRunCheckpoint(weightsFrom, (model) => writeFineTuneWeights(model, write, (m, name) => writeWeights(m, name, write)));
      write('train_keras.py', script(prep.experiment, ft.layers, data.classNames, origin, ft.fineTune, [data.height, data.width, data.channels ?? 1]));
      return { folder, files, notes: exportNotes(experiment) };
    }
    writeWeights(prep.model, 'initial', write);
    if (weightsFrom) await withRunCheckpoint(weightsFrom, (model) => writeWeights(model, 'trained', write));
    const input: [number, number, number] = [data.height, data.width, data.channels ?? 1];
    const plan = planLayers(prep.experiment.model!, { height: input[0], width: input[1], channels: input[2] }, data.classNames.length);
    write('train_keras.py', script(prep.experiment, kerasLayers(plan, input, prep.experiment), data.classNames, origin, undefined, input));
    return { folder, files, notes: exportNotes(experiment) };
  } finally {
    prep.dispose();
  }
}

/** A sweep's runner: each member's script in turn, with the runner's own arguments (--runs, --epochs …). */
function sweepRunner(name: string, members: { folder: string; values: Record<string, unknown> }[]): string {
  return `#!/usr/bin/env python3
# The sweep "${name.replace(/"/g, "'")}" with Keras: each member's train_keras.py in turn (member-N/), all runs in one
# runs folder; arguments (--runs DIR, --epochs N, --distribute …) are passed to every member.
import json, os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
MEMBERS = json.loads(r"""${JSON.stringify(members)}""")

failed = 0
for m in MEMBERS:
    print(f"member {m['folder']}: {m['values']}", flush=True)
    failed += subprocess.run([sys.executable, os.path.join(HERE, m["folder"], "train_keras.py"), *sys.argv[1:]]).returncode != 0
sys.exit(1 if failed else 0)
`;
}

/** The template with this experiment filled in (JSON inside a raw triple-quoted Python string). */
function script(experiment: Experiment, layers: string[], classNames: string[], source: string, fineTune: FineTuneScript | undefined, imageShape: number[]): string {
  // the data where the experiment names it, for --data source: a relative path is relative to the experiment file
  const data = experiment.data.path ? { ...experiment.data, path: resolve(dirname(source), experiment.data.path) } : experiment.data;
  const json = (v: unknown) => JSON.stringify(v).replace(/"""/g, '\\u0022\\u0022\\u0022');
  return template
    .replace('@@TITLE@@', `${experiment.name}: trained with Keras 3 on TensorFlow, as Gradient Lab trains it`)
    .replace('@@SOURCE@@', source)
    .replace('@@EXPERIMENT@@', json(experiment))
    .replace('@@CLASS_NAMES@@', json(classNames))
    .replace('@@FINE_TUNE@@', fineTune ? json(fineTune) : 'null')
    .replace('@@DATA_SOURCE@@', json(data))
    .replace('@@IMAGE_SHAPE@@', json(imageShape))
    .replace('@@LAYERS@@', layers.map((l) => `        ${l}`).join('\n'))
    .replace('@@MODEL_NAME@@', experiment.name.replace(/[^A-Za-z0-9_]+/g, '_'));
}

/** A split as IDX files (big-endian dims, unsigned bytes), gzipped: images n×h×w(×c), labels n. */
function idxFiles(split: Split, [h, w, c]: number[]): [Uint8Array, Uint8Array] {
  if (!(split.images instanceof Uint8Array)) throw new Error('only image bytes can be exported as IDX');
  const dims = c === 1 ? [split.count, h, w] : [split.count, h, w, c];
  const idx = (values: Uint8Array, d: number[]) => {
    const header = Buffer.alloc(4 + 4 * d.length);
    header.writeUInt32BE(0x0800 + d.length, 0);
    d.forEach((n, i) => header.writeUInt32BE(n, 4 + 4 * i));
    return gzipSync(Buffer.concat([header, values]));
  };
  return [idx(split.images, dims), idx(split.labels, [split.count])];
}

/** Each layer's weights in Keras' order (per layer: kernel, bias; gamma, beta, moving mean, moving variance). */
function writeWeights(model: tf.LayersModel, name: string, write: (file: string, data: string | Uint8Array) => void): void {
  const layers: { index: number; shapes: number[][] }[] = [];
  const chunks: Buffer[] = [];
  model.layers.forEach((layer, index) => {
    const weights = layer.getWeights();
    if (!weights.length) return;
    layers.push({ index, shapes: weights.map((w) => w.shape) });
    for (const w of weights) chunks.push(Buffer.from((w.dataSync() as Float32Array).buffer.slice(0)));
  });
  write(`${name}.weights.bin`, Buffer.concat(chunks));
  write(`${name}.weights.json`, JSON.stringify({ layers }, null, 1) + '\n');
}

/** A run's best checkpoint (else its last), loaded for `use`. */
async function withRunCheckpoint(runFolder: string, use: (model: tf.LayersModel) => void): Promise<void> {
  const checkpoints = join(resolve(runFolder), 'checkpoints');
  const which = readPointer(checkpoints, 'best') ? 'best' : readPointer(checkpoints, 'last') ? 'last' : undefined;
  if (!which || !existsSync(checkpoints)) throw new ExperimentError([{ path: '', message: `${runFolder} has no checkpoint to export (a run writes checkpoints/best and last as it trains)` }]);
  const model = await loadCheckpoint(checkpoints, which);
  try {
    use(model);
  } finally {
    model.dispose();
  }
}
