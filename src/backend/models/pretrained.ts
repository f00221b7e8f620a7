// Pretrained bases: a TF.js model (layers or graph format) read from a local folder, cut at a layer, its output
// global-average-pooled when it is spatial. A layers base can be unfrozen later; a graph base is a fixed feature
// extractor (TF.js cannot train graph models).
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BaseSpec } from '../../protocol/experiment';
import type { LayerSummaryRow } from '../../protocol/runEvents';
import { DataError } from '../data/idxReader';
import './keepDropout'; // our own saved models use these layers
import './residualDense';

export interface LoadedBase {
  kind: 'layers' | 'graph';
  /** The model.json it came from. */
  file: string;
  cutAt: string;
  /** [height, width, channels] the base is fed. */
  input: [number, number, number];
  /** How 0..1 pixels are scaled for it (the experiment's, else a named base's own). */
  preprocess: NonNullable<BaseSpec['preprocess']>;
  featureDim: number;
  /** Layers bases: input → features [n, dim] as one layers model, whose layers can be unfrozen. */
  cut?: tf.LayersModel;
  /** Features of images given as 0..1 floats [n, h, w, c] (resized, channel-adapted and preprocessed here). */
  features(xs: tf.Tensor4D): tf.Tensor2D;
  /** Same bytes, same cut, same size, same scaling → same features: the feature cache's key for the base. */
  fingerprint: string;
  /** Its layers as they stand (trainable or frozen now); a graph base is one row. */
  summary(): LayerSummaryRow[];
  dispose(): void;
}

const bytesPerElement: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8, string: 0 };

/** model.json and its weight files, with the weights' total length checked against what model.json describes. */
export function readModelArtifacts(file: string): tf.io.ModelArtifacts & { format?: string } {
  if (!existsSync(file)) throw new DataError(`base.model: ${file} not found`);
  let json: { format?: string; modelTopology?: unknown; weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DataError(`base.model: ${file} is not a TF.js model.json (${(e as Error).message})`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) throw new DataError(`base.model: ${file} has no modelTopology and weightsManifest: not a TF.js model.json`);
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const parts = json.weightsManifest.flatMap((g) => g.paths).map((p) => {
    const path = join(dirname(file), p);
    if (!existsSync(path)) throw new DataError(`base.model: weight file ${path} (named in ${file}) not found`);
    return readFileSync(path);
  });
  const data = Buffer.concat(parts);
  const expected = specs.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * bytesPerElement[w.quantization?.dtype ?? w.dtype], 0);
  if (expected && data.byteLength !== expected) {
    throw new DataError(`base.model: the weight files of ${file} hold ${data.byteLength} bytes, but model.json describes ${expected}: an incomplete download or a mixed-up folder`);
  }
  return { format: json.format, modelTopology: json.modelTopology as object, weightSpecs: specs, weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) };
}

type InboundNode = [string, number, number, unknown?][];
type LayerConfig = { class_name: string; name?: string; inbound_nodes?: InboundNode[]; config: { name: string; batch_input_shape?: (number | null)[] } };
type ModelConfig = { class_name: string; config: { layers: LayerConfig[]; output_layers?: unknown[]; input_layers?: unknown[] } };

function modelConfig(topology: unknown): ModelConfig {
  const t = topology as { model_config?: ModelConfig } & ModelConfig;
  return t.model_config ?? t;
}

const classifierLayers = new Set(['Dense', 'Dropout', 'Activation', 'Softmax', 'Reshape', 'Flatten']);

/** The layer before the classifier: walk back over dense/dropout/activation layers. A Flatten right after the
 *  features is kept (small CNNs keep their spatial layout); a fixed-size AveragePooling before it is replaced by
 *  global average pooling of its input, which is the same at the native size and works at any other. */
export function defaultCut(layers: LayerConfig[]): string {
  let i = layers.length - 1;
  while (i > 0 && classifierLayers.has(layers[i].class_name)) i--;
  const name = (l: LayerConfig) => l.config.name;
  if (layers[i].class_name === 'AveragePooling2D') return name(layers[i - 1]);
  if (layers[i + 1]?.class_name === 'Flatten') return name(layers[i + 1]);
  return name(layers[i]);
}

/** The model up to and including `cutAt`, as a topology: the classifier (which may not even fit another input
 *  size) is never built. */
function truncate(config: ModelConfig, cutAt: string): ModelConfig | undefined {
  const layers = config.config.layers;
  const at = layers.findIndex((l) => l.config.name === cutAt);
  if (at < 0) return undefined;
  if (config.class_name === 'Sequential') return { ...config, config: { ...config.config, layers: layers.slice(0, at + 1) } };
  const byName = new Map(layers.map((l) => [l.config.name, l]));
  const keep = new Set<string>();
  const stack = [cutAt];
  while (stack.length) {
    const n = stack.pop()!;
    if (keep.has(n)) continue;
    keep.add(n);
    for (const node of byName.get(n)?.inbound_nodes ?? []) for (const [from] of node) stack.push(from);
  }
  return { ...config, config: { ...config.config, layers: layers.filter((l) => keep.has(l.config.name)), output_layers: [[cutAt, 0, 0]] } };
}

// the classifier and the fixed-size pooling before it (global pooling is done here, at any input size)
const graphClassifierOps = new Set(['Identity', 'Softmax', 'MatMul', '_FusedMatMul', 'BiasAdd', 'Relu', 'Sigmoid', 'Reshape', 'Squeeze', 'AvgPool', 'Mean']);

type GraphNode = { name: string; op: string; input?: string[] };

function defaultGraphCut(nodes: GraphNode[]): string {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  let node: GraphNode | undefined = nodes[nodes.length - 1];
  while (node && graphClassifierOps.has(node.op)) node = byName.get((node.input?.[0] ?? '').replace(/^\^/, '').replace(/:\d+$/, ''));
  if (!node) throw new DataError('base.cutAt: could not find the layer before the classifier of this graph model; name a node');
  return node.name;
}

/** 0..1 pixels → what the base was trained on. */
export function preprocessPixels(x: tf.Tensor4D, mode: BaseSpec['preprocess']): tf.Tensor4D {
  switch (mode ?? '0..1') {
    case '0..1':
      return x;
    case '-1..1':
      return x.mul(2).sub(1);
    case 'caffe': {
      const bgr = tf.reverse(x, -1).mul(255);
      return bgr.sub(tf.tensor1d([103.939, 116.779, 123.68])) as tf.Tensor4D;
    }
  }
}

/** Resize and match channels (grey → 3 copies, RGB → mean) so any dataset fits the base's input. */
export function adaptInput(x: tf.Tensor4D, [h, w, c]: [number, number, number]): tf.Tensor4D {
  let out = x;
  if (out.shape[1] !== h || out.shape[2] !== w) out = tf.image.resizeBilinear(out, [h, w], false, true);
  if (out.shape[3] !== c) out = c === 3 && out.shape[3] === 1 ? tf.tile(out, [1, 1, 1, 3]) : out.mean(3, true);
  return out;
}

function fingerprintOf(file: string, artifacts: tf.io.ModelArtifacts, parts: object): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(parts));
  hash.update(`${file}:${statSync(file).size}`);
  hash.update(new Uint8Array(artifacts.weightData as ArrayBuffer));
  return hash.digest('hex').slice(0, 32);
}

export function layerSummary(model: tf.LayersModel, trainable: (l: tf.layers.Layer) => boolean = (l) => l.trainable): LayerSummaryRow[] {
  return model.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => {
    let shape: string;
    try {
      const s = l.outputShape;
      shape = JSON.stringify(s).replace(/null/g, "None");
    } catch {
      shape = 'multiple';
    }
    return { name: l.name, type: l.getClassName(), outputShape: shape, params: l.countParams(), trainable: l.countParams() > 0 && trainable(l) };
  });
}

export async function loadBase(file: string, spec: BaseSpec, defaults: { cutAt?: string; preprocess?: BaseSpec['preprocess'] } = {}): Promise<LoadedBase> {
  const artifacts = readModelArtifacts(file);
  const preprocess = spec.preprocess ?? defaults.preprocess ?? '0..1';
  const isGraph = artifacts.format === 'graph-model' || !!(artifacts.modelTopology as { node?: unknown }).node;
  if (isGraph) return loadGraphBase(file, artifacts, spec, preprocess, defaults.cutAt);
  const config = modelConfig(artifacts.modelTopology);
  const cutAt = spec.cutAt ?? defaults.cutAt ?? defaultCut(config.config.layers);
  const truncated = truncate(JSON.parse(JSON.stringify(config)) as ModelConfig, cutAt);
  if (!truncated) {
    const names = config.config.layers.slice(-8).map((l) => l.config.name).join(', ');
    throw new DataError(`base.cutAt: no layer "${cutAt}" in ${file} (its last layers: ${names})`);
  }
  const first = truncated.config.layers.find((l) => l.config.batch_input_shape);
  const native = first?.config.batch_input_shape;
  if (!native || native.length !== 4) throw new DataError(`base.model: ${file} does not take images (its input shape is ${JSON.stringify(native)})`);
  const input: [number, number, number] = [spec.inputSize?.[0] ?? native[1] ?? 224, spec.inputSize?.[1] ?? native[2] ?? 224, native[3] ?? 3];
  // the same weights at another input size: only the input layer's declared shape changes
  first!.config.batch_input_shape = [null, ...input];
  let full: tf.LayersModel;
  try {
    full = await tf.models.modelFromJSON({ modelTopology: truncated as unknown as tf.io.ModelJSON['modelTopology'] } as never);
  } catch (e) {
    throw new DataError(`base.model: ${file} up to "${cutAt}" does not build at input ${input.join('×')}: ${(e as Error).message}`);
  }
  const weights = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
  try {
    const missing = full.weights.filter((w) => !(w.originalName in weights)).map((w) => w.originalName);
    if (missing.length) throw new DataError(`base.model: ${file} has no weights for ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}`);
    full.loadWeights(weights, false);
  } finally {
    tf.dispose(Object.values(weights));
  }
  const cutLayer = full.getLayer(cutAt);
  let out = cutLayer.output as tf.SymbolicTensor;
  if (out.shape.length === 4) out = tf.layers.globalAveragePooling2d({ name: 'base_features_pool' }).apply(out) as tf.SymbolicTensor;
  if (out.shape.length !== 2) throw new DataError(`base.cutAt: layer "${cutAt}" outputs shape ${JSON.stringify(out.shape)}; choose a layer with image or vector output`);
  const cut = tf.model({ inputs: full.inputs, outputs: out, name: 'base' });
  for (const l of cut.layers) l.trainable = false;
  return {
    kind: 'layers', file, cutAt, input, preprocess, featureDim: out.shape[1]!, cut,
    features: (xs) => tf.tidy(() => cut.apply(preprocessPixels(adaptInput(xs, input), preprocess), { training: false }) as tf.Tensor2D),
    fingerprint: fingerprintOf(file, artifacts, { cutAt, input, preprocess }),
    summary: () => layerSummary(cut),
    dispose: () => full.dispose(),
  };
}

async function loadGraphBase(file: string, artifacts: tf.io.ModelArtifacts, spec: BaseSpec, preprocess: NonNullable<BaseSpec['preprocess']>, defaultCutAt?: string): Promise<LoadedBase> {
  const nodes = (artifacts.modelTopology as { node: (GraphNode & { attr?: { shape?: { shape?: { dim?: { size: string }[] } } } })[] }).node;
  const placeholder = nodes.find((n) => n.op === 'Placeholder');
  const dims = placeholder?.attr?.shape?.shape?.dim?.map((d) => Number(d.size));
  const input: [number, number, number] = [spec.inputSize?.[0] ?? (dims?.[1] && dims[1] > 0 ? dims[1] : 224), spec.inputSize?.[1] ?? (dims?.[2] && dims[2] > 0 ? dims[2] : 224), dims?.[3] && dims[3] > 0 ? dims[3] : 3];
  // other input sizes: the placeholder's height and width become unknown (-1); the convolutions accept any
  const dim = placeholder?.attr?.shape?.shape?.dim;
  if (dim && dim.length === 4 && (Number(dim[1].size) !== input[0] || Number(dim[2].size) !== input[1])) {
    dim[1].size = '-1';
    dim[2].size = '-1';
  }
  const model = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
  const cutAt = spec.cutAt ?? defaultCutAt ?? defaultGraphCut(nodes);
  if (!nodes.some((n) => n.name === cutAt)) {
    model.dispose();
    throw new DataError(`base.cutAt: no node "${cutAt}" in the graph model ${file}`);
  }
  const features = (xs: tf.Tensor4D) => tf.tidy(() => {
    const out = model.execute(preprocessPixels(adaptInput(xs, input), preprocess), cutAt) as tf.Tensor;
    return (out.rank === 4 ? out.mean([1, 2]) : out.reshape([out.shape[0], -1])) as tf.Tensor2D;
  });
  const featureDim = tf.tidy(() => features(tf.zeros([1, ...input]) as tf.Tensor4D).shape[1]);
  return {
    kind: 'graph', file, cutAt, input, preprocess, featureDim, features,
    fingerprint: fingerprintOf(file, artifacts, { cutAt, input, preprocess }),
    summary: () => [{ name: cutAt, type: `graph model (${nodes.length} nodes), cut here`, outputShape: `[None,${featureDim}]`, params: artifacts.weightSpecs!.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0), trainable: false }],
    dispose: () => model.dispose(),
  };
}
