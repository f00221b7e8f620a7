// Checkpoints in the TF.js layers format (model.json + weights.bin), each in its own folder written under a
// temporary name and renamed when complete; best.json / last.json point at the folder and are replaced
// atomically. A killed process therefore always leaves a loadable checkpoint behind.
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import '../models/keepDropout'; // registers the custom layers so saved models load
import '../models/residualDense';
import { writeFileAtomic } from '../../runs/atomicWrite';
import { readRunJson, RunFolderError } from '../../runs/runFolder';
import { isOurModelFolder } from '../models/outputPath';

export type CheckpointName = 'best' | 'last';

export interface CheckpointMeta {
  epoch: number;
  step: number;
  valLoss?: number;
}

export interface CheckpointPointer extends CheckpointMeta {
  dir: string;
}

export async function saveModelFolder(model: tf.LayersModel, dir: string): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    mkdirSync(tmp, { recursive: true });
    await writeModelInto(model, tmp);
    // replace only what this function wrote before (a checkpoint, an earlier saveModel): never a foreign folder
    if (existsSync(dir)) {
      if (!isOurModelFolder(dir)) throw new Error(`${dir} exists and is not a model folder written by Gradient Lab: nothing was replaced`);
      rmSync(dir, { recursive: true, force: true });
    }
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true }); // a full disk leaves no half-written folder behind
    throw e;
  }
}

/** model.json + weights.bin into an existing folder. */
async function writeModelInto(model: tf.LayersModel, folder: string): Promise<void> {
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const weights = artifacts.weightData ? new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData)) : new Uint8Array();
    const modelJson = {
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
      convertedBy: 'Gradient Lab',
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
    };
    writeFileSync(join(folder, 'weights.bin'), weights);
    writeFileSync(join(folder, 'model.json'), JSON.stringify(modelJson));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
  }));
}

export async function loadModelFolder(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const weights = readFileSync(join(dir, 'weights.bin'));
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }));
}

/** Copy weights layer by layer (a model's flat weight list changes order when layers are frozen or unfrozen). */
export function copyWeights(from: tf.LayersModel, to: tf.LayersModel): void {
  if (from.layers.length !== to.layers.length) throw new Error(`cannot restore: the checkpoint has ${from.layers.length} layers, the model ${to.layers.length}`);
  to.layers.forEach((layer, i) => {
    const weights = from.layers[i].getWeights();
    if (weights.length) layer.setWeights(weights);
  });
}

export async function saveCheckpoint(model: tf.LayersModel, checkpointsDir: string, name: CheckpointName, meta: CheckpointMeta): Promise<void> {
  mkdirSync(checkpointsDir, { recursive: true });
  const dir = `step-${String(meta.step).padStart(7, '0')}`;
  if (!existsSync(join(checkpointsDir, dir))) await saveModelFolder(model, join(checkpointsDir, dir));
  const pointer: CheckpointPointer = { dir, ...meta };
  writeFileAtomic(join(checkpointsDir, `${name}.json`), JSON.stringify(pointer, null, 2));
  // drop folders that no pointer names any more
  const keep = new Set((['best', 'last'] as const).map((n) => pointedAt(checkpointsDir, n)));
  for (const entry of readdirSync(checkpointsDir)) {
    if (entry.startsWith('step-') && !keep.has(entry) && !entry.includes('.tmp-')) rmSync(join(checkpointsDir, entry), { recursive: true, force: true });
  }
}

/** The folder a pointer names, or undefined (none, or damaged: a damaged pointer keeps no folder alive). */
function pointedAt(checkpointsDir: string, name: CheckpointName): string | undefined {
  try {
    return readPointer(checkpointsDir, name)?.dir;
  } catch {
    return undefined;
  }
}

/** best.json / last.json; a pointer anywhere but a step-NNNNNNN folder of this run is damaged, never followed. */
export function readPointer(checkpointsDir: string, name: CheckpointName): CheckpointPointer | undefined {
  return readRunJson<CheckpointPointer>(join(checkpointsDir, `${name}.json`), (p) => typeof p.dir === 'string' && /^step-\d+$/.test(p.dir) && typeof p.step === 'number' && typeof p.epoch === 'number');
}

export async function loadCheckpoint(checkpointsDir: string, name: CheckpointName): Promise<tf.LayersModel> {
  const pointer = readPointer(checkpointsDir, name);
  if (!pointer) throw new RunFolderError(`no ${name} checkpoint in ${checkpointsDir}`);
  const dir = join(checkpointsDir, pointer.dir);
  try {
    return await loadModelFolder(dir);
  } catch (e) {
    throw new RunFolderError(`the ${name} checkpoint ${dir} cannot be loaded (damaged or incomplete): ${(e as Error).message}`);
  }
}
