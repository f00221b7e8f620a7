// A TensorFlow SavedModel as a fine-tune's base (a Keras model exported with model.export(), or one converted from a
// .keras file): run by the native engine — TF.js itself cannot read SavedModels — as a frozen feature extractor
// whose serving output is the features (pooled when spatial). It cannot be unfrozen, as a graph model cannot.
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BaseSpec } from '../../protocol/experiment';
import { DataError } from '../data/idxReader';
import { nativeNode } from '../engines/engineLoad';
import { adaptInput, type LoadedBase, preprocessPixels } from './pretrained';

export const isSavedModel = (path: string): boolean => existsSync(join(path, 'saved_model.pb'));

/** `kerasCut`: converted from a .keras file, cut at that layer (reported as the base's cut). */
export async function loadSavedModelBase(folder: string, spec: BaseSpec, preprocess: NonNullable<BaseSpec['preprocess']>, kerasCut?: string): Promise<LoadedBase> {
  const native = nativeNode();
  if (!native) {
    throw new DataError(`base.model: ${folder} is a TensorFlow SavedModel, which only the native engine can run (this process runs ${tf.getBackend()}): install it with "Gradient Lab: Install Native TensorFlow Engine…" (or \`gradient-lab native-setup\`), or give a TF.js model`);
  }
  if (spec.cutAt) throw new DataError(`base.cutAt: a SavedModel is used up to its serving output; export it cut where you want it (keras.Model(model.input, model.get_layer("${spec.cutAt}").output).export(dir))`);
  let model: Awaited<ReturnType<typeof native.loadSavedModel>>;
  try {
    model = await native.loadSavedModel(folder, ['serve'], 'serving_default');
  } catch (e) {
    throw new DataError(`base.model: ${folder} could not be loaded as a SavedModel with a "serving_default" signature: ${(e as Error).message}`);
  }
  const declared = (model.inputs[0]?.shape ?? []).map(Number); // the signature's dimensions come as strings
  if (model.inputs.length !== 1 || declared.length !== 4) {
    model.dispose();
    throw new DataError(`base.model: ${folder} does not take one batch of images (its inputs: ${model.inputs.map((i) => `${i.name} ${JSON.stringify(i.shape)}`).join(', ')})`);
  }
  const size = (k: number, fallback: number) => (declared[k] > 0 ? declared[k] : fallback);
  const input: [number, number, number] = [spec.inputSize?.[0] ?? size(1, 224), spec.inputSize?.[1] ?? size(2, 224), size(3, 3)];
  const features = (xs: tf.Tensor4D) => tf.tidy(() => {
    const raw = model.predict(preprocessPixels(adaptInput(xs, input), preprocess));
    const out = raw instanceof tf.Tensor ? raw : Array.isArray(raw) ? raw[0] : Object.values(raw)[0];
    return (out.rank === 4 ? out.mean([1, 2]) : out.reshape([out.shape[0], -1])) as tf.Tensor2D;
  });
  const featureDim = tf.tidy(() => features(tf.zeros([1, ...input]) as tf.Tensor4D).shape[1]);
  const output = model.outputs[0]?.name ?? 'output';
  return {
    kind: 'graph', file: folder, cutAt: kerasCut ?? output, input, preprocess, featureDim, features,
    fingerprint: fingerprintOf(folder, { input, preprocess }),
    summary: () => [{ name: output, type: 'TensorFlow SavedModel (native engine), its serving output', outputShape: `[None,${featureDim}]`, params: 0, trainable: false }],
    dispose: () => model.dispose(),
  };
}

/** The graph and every variables file, by content: another export of the model is another base for the cache. */
function fingerprintOf(folder: string, parts: object): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(parts));
  hash.update(readFileSync(join(folder, 'saved_model.pb')));
  const variables = join(folder, 'variables');
  if (existsSync(variables)) for (const f of readdirSync(variables).sort()) hash.update(`${f}:${statSync(join(variables, f)).size}`).update(readFileSync(join(variables, f)));
  return hash.digest('hex').slice(0, 32);
}
