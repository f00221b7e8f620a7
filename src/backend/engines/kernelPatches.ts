// Gradient kernels the wasm backend lacks (and the pure-JS backend has only as very slow loops), rebuilt from
// forward ops those backends run fast. Registered per backend by patchKernels(); the originals stay reachable
// through originalKernel() so tests can compare against them.
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';

type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;
type Inputs = Record<string, TensorInfo>;
type Kernel = (args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs?: NamedAttrMap }) => TensorInfo;

const originals = new Map<string, Kernel | undefined>();

export function originalKernel(kernelName: string, backendName: string): Kernel | undefined {
  const key = `${backendName}/${kernelName}`;
  return originals.has(key) ? originals.get(key) : (tf.getKernel(kernelName, backendName)?.kernelFunc as Kernel | undefined);
}

/** A Tensor view of a kernel input that the caller may dispose without freeing the input. */
function view(info: TensorInfo, backend: KernelBackend): tf.Tensor {
  backend.incRef(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** Hand a tensor computed with ops back to the engine as the kernel's output. */
function output(t: tf.Tensor, backend: KernelBackend): TensorInfo {
  backend.incRef(t.dataId); // the engine's wrapper of the output takes over this reference
  const info = { dataId: t.dataId, shape: t.shape.slice(), dtype: t.dtype };
  t.dispose();
  return info;
}

function run(inputs: TensorInfo[], backend: KernelBackend, f: (...ts: tf.Tensor[]) => tf.Tensor): TensorInfo {
  const ts = inputs.map((i) => view(i, backend));
  try {
    return output(tf.tidy(() => f(...ts)), backend);
  } finally {
    ts.forEach((t) => t.dispose());
  }
}

/** Put (stride-1) zeros between the rows and columns of dy: the gradient of a strided op as a stride-1 one. */
function dilate(dy: tf.Tensor4D, sH: number, sW: number): tf.Tensor4D {
  if (sH === 1 && sW === 1) return dy;
  const [n, h, w, c] = dy.shape;
  let t = dy.reshape([n, h, 1, w, 1, c]).pad([[0, 0], [0, 0], [0, sH - 1], [0, 0], [0, sW - 1], [0, 0]]);
  t = t.reshape([n, h * sH, w * sW, c]);
  return t.slice([0, 0, 0, 0], [n, (h - 1) * sH + 1, (w - 1) * sW + 1, c]) as tf.Tensor4D;
}

/** Pad dy so that a stride-1 'valid' convolution with the flipped filter yields the input gradient. */
function padForInputGradient(dy: tf.Tensor4D, info: Conv2DInfo): tf.Tensor4D {
  const { top, left } = info.padInfo;
  const d = dilate(dy, info.strideHeight, info.strideWidth);
  const kh = info.effectiveFilterHeight;
  const kw = info.effectiveFilterWidth;
  // Rows past the last window's reach (inH - (d.rows - 1 + kh - top)) got no gradient: pad them with zeros too.
  const bottom = info.inHeight + kh - 1 - (kh - 1 - top) - d.shape[1];
  const right = info.inWidth + kw - 1 - (kw - 1 - left) - d.shape[2];
  return d.pad([[0, 0], [kh - 1 - top, bottom], [kw - 1 - left, right], [0, 0]]);
}

/** Dilated convolutions keep the backend's own gradient (none exists on wasm: say so instead of failing oddly). */
function dilatedFallback(kernelName: string, args: Parameters<Kernel>[0]): TensorInfo {
  const own = originalKernel(kernelName, tf.getBackend());
  if (!own) throw new Error(`${kernelName} with dilation > 1 is not supported on the ${tf.getBackend()} engine`);
  return own(args);
}

function convInfo(xShape: number[], filterShape: number[], attrs: NamedAttrMap, depthwise: boolean): Conv2DInfo {
  const a = attrs as unknown as { strides: number | [number, number]; pad: 'same' | 'valid' | number; dilations?: number | [number, number]; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides, a.dilations ?? 1, a.pad as 'same' | 'valid', a.dimRoundingMode, depthwise,
  );
}

function padInput(x: tf.Tensor4D, info: Conv2DInfo): tf.Tensor4D {
  const { top, bottom, left, right } = info.padInfo;
  return top || bottom || left || right ? x.pad([[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]]) : x;
}

/** dW[a,b,i,o] = Σ_n,y,x xpad[n, y·s+a, x·s+b, i] · dy[n,y,x,o]: a convolution over the batch axis. */
const conv2DBackpropFilter: Kernel = ({ inputs: named, backend, attrs }) => {
  const inputs = named as Inputs;
  const info = convInfo(inputs.x.shape, (attrs as { filterShape: number[] }).filterShape, attrs!, false);
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return dilatedFallback('Conv2DBackpropFilter', { inputs, backend, attrs });
  return run([inputs.x, inputs.dy], backend, (x, dy) => {
    const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co } = info;
    const xT = padInput(x as tf.Tensor4D, info).transpose<tf.Tensor4D>([3, 1, 2, 0]); // [ci, H, W, n]
    const dyT = dy.transpose<tf.Tensor4D>([1, 2, 0, 3]); // [outH, outW, n, co] used as a filter
    const c = tf.conv2d(xT, dyT, 1, 'valid', 'NHWC', [info.strideHeight, info.strideWidth]);
    return c.slice([0, 0, 0, 0], [ci, kh, kw, co]).transpose([1, 2, 0, 3]);
  });
};

/** dx = stride-1 convolution of the (dilated, padded) dy with the flipped, in/out-swapped filter. */
const conv2DBackpropInput: Kernel = ({ inputs: named, backend, attrs }) => {
  const inputs = named as Inputs;
  const info = convInfo((attrs as { inputShape: number[] }).inputShape, inputs.filter.shape, attrs!, false);
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return dilatedFallback('Conv2DBackpropInput', { inputs, backend, attrs });
  return run([inputs.dy, inputs.filter], backend, (dy, filter) => {
    const flipped = filter.reverse([0, 1]).transpose<tf.Tensor4D>([0, 1, 3, 2]);
    return tf.conv2d(padForInputGradient(dy as tf.Tensor4D, info), flipped, 1, 'valid');
  });
};

/** Depthwise filter gradient: the same batch-axis convolution, done per channel by a depthwise convolution. */
const depthwiseBackpropFilter: Kernel = ({ inputs: named, backend, attrs }) => {
  const inputs = named as Inputs;
  const filterShape = (attrs as { filterShape: number[] }).filterShape;
  const info = convInfo(inputs.x.shape, filterShape, attrs!, true);
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return dilatedFallback('DepthwiseConv2dNativeBackpropFilter', { inputs, backend, attrs });
  return run([inputs.x, inputs.dy], backend, (x, dy) => {
    const [kh, kw, ci, mult] = filterShape;
    const n = x.shape[0];
    const xp = padInput(x as tf.Tensor4D, info); // [n, H, W, ci]
    const H = xp.shape[1];
    const W = xp.shape[2];
    // channels (ci, n) of one image, each convolved with its own slice of dy as filter
    const xc = xp.transpose([1, 2, 3, 0]).reshape<tf.Tensor4D>([1, H, W, ci * n]);
    const f = dy.reshape([n, info.outHeight, info.outWidth, ci, mult]).transpose([1, 2, 3, 0, 4]).reshape<tf.Tensor4D>([info.outHeight, info.outWidth, ci * n, mult]);
    const c = tf.depthwiseConv2d(xc, f, 1, 'valid', 'NHWC', [info.strideHeight, info.strideWidth]);
    return c.slice([0, 0, 0, 0], [1, kh, kw, ci * n * mult]).reshape([kh, kw, ci, n, mult]).sum(3);
  });
};

const depthwiseBackpropInput: Kernel = ({ inputs: named, backend, attrs }) => {
  const inputs = named as Inputs;
  const inputShape = (attrs as { inputShape: number[] }).inputShape;
  const info = convInfo(inputShape, inputs.filter.shape, attrs!, true);
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return dilatedFallback('DepthwiseConv2dNativeBackpropInput', { inputs, backend, attrs });
  return run([inputs.dy, inputs.filter], backend, (dy, filter) => {
    const [kh, kw, ci, mult] = filter.shape;
    const flipped = filter.reverse([0, 1]).reshape<tf.Tensor4D>([kh, kw, ci * mult, 1]);
    const d = padForInputGradient(dy as tf.Tensor4D, info);
    const out = tf.depthwiseConv2d(d, flipped, 1, 'valid');
    const [n, h, w] = out.shape;
    return out.reshape([n, h, w, ci, mult]).sum(4);
  });
};

/** Σ of rows by segment id, as one matrix product with a one-hot matrix. */
const unsortedSegmentSum: Kernel = ({ inputs: named, backend, attrs }) => {
  const inputs = named as Inputs;
  const numSegments = (attrs as { numSegments: number }).numSegments;
  return run([inputs.x, inputs.segmentIds], backend, (x, ids) => {
    const rows = ids.size;
    const rest = x.shape.slice(ids.rank);
    const flat = x.reshape([rows, rest.reduce((a, b) => a * b, 1)]);
    const oneHot = tf.oneHot(ids.reshape([rows]).toInt(), numSegments).toFloat();
    const sum = tf.matMul(oneHot, flat.toFloat(), true, false);
    return sum.reshape([numSegments, ...rest]).cast(x.dtype);
  });
};

/**
 * Max-pool gradient for non-overlapping windows (size = stride, no padding): a one-hot of each window's argMax
 * (the first maximum, as TensorFlow's kernel picks) times dy. Other pools keep the backend's own kernel.
 */
const maxPoolGrad: Kernel = ({ inputs: named, backend, attrs }) => {
  const inputs = named as Inputs;
  const a = attrs as unknown as { filterSize: number | [number, number]; strides: number | [number, number]; pad: unknown };
  const [fh, fw] = typeof a.filterSize === 'number' ? [a.filterSize, a.filterSize] : a.filterSize;
  const [sh, sw] = typeof a.strides === 'number' ? [a.strides, a.strides] : a.strides;
  if (fh !== sh || fw !== sw || a.pad !== 'valid') return originalKernel('MaxPoolGrad', tf.getBackend())!({ inputs: named, backend, attrs });
  return run([inputs.input, inputs.dy], backend, (x, dy) => {
    const [n, h, w, c] = (x as tf.Tensor4D).shape;
    const [, oh, ow] = (dy as tf.Tensor4D).shape;
    const windows = x.slice([0, 0, 0, 0], [n, oh * fh, ow * fw, c])
      .reshape([n, oh, fh, ow, fw, c]).transpose([0, 1, 3, 5, 2, 4]).reshape([n, oh, ow, c, fh * fw]);
    const dx = tf.oneHot(windows.argMax(-1), fh * fw).mul(dy.expandDims(-1))
      .reshape([n, oh, ow, c, fh, fw]).transpose([0, 1, 4, 2, 5, 3]).reshape([n, oh * fh, ow * fw, c]);
    return oh * fh === h && ow * fw === w ? dx : dx.pad([[0, 0], [0, h - oh * fh], [0, w - ow * fw], [0, 0]]);
  });
};

/** wasm's matrix product is ~6× slower with a transpose flag than on explicitly transposed operands. */
const batchMatMul: Kernel = ({ inputs: named, backend, attrs }) => {
  const inputs = named as Inputs;
  const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const own = originalKernel('BatchMatMul', tf.getBackend())!;
  if (!transposeA && !transposeB) return own({ inputs: named, backend, attrs });
  const swapLast = (t: tf.Tensor) => t.transpose([...t.shape.keys()].map((i, _, all) => (i < all.length - 2 ? i : 2 * all.length - 3 - i)));
  return run([inputs.a, inputs.b], backend, (x, y) => tf.matMul(transposeA ? swapLast(x) : x, transposeB ? swapLast(y) : y));
};

const patches: Record<string, Kernel> = {
  Conv2DBackpropFilter: conv2DBackpropFilter,
  Conv2DBackpropInput: conv2DBackpropInput,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
  UnsortedSegmentSum: unsortedSegmentSum,
  MaxPoolGrad: maxPoolGrad,
  BatchMatMul: batchMatMul,
};

/** Which kernels to replace on each backend (measured with bench/opTimes.ts and bench/profileStep.ts). */
export const kernelPatchPlan: Record<string, string[]> = {
  wasm: Object.keys(patches),
  cpu: ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad'],
};

/** Register the replacement kernels for one backend; returns their names. Safe to call twice. */
export function patchKernels(backendName: string, names = kernelPatchPlan[backendName] ?? []): string[] {
  for (const name of names) {
    const key = `${backendName}/${name}`;
    if (!originals.has(key)) originals.set(key, tf.getKernel(name, backendName)?.kernelFunc as Kernel | undefined);
    if (tf.getKernel(name, backendName)) tf.unregisterKernel(name, backendName);
    tf.registerKernel({ kernelName: name, backendName, kernelFunc: patches[name] as tf.KernelFunc });
  }
  return names;
}

/** Put the backend's own kernels back (for measuring and for tests). */
export function unpatchKernels(backendName: string): void {
  for (const [key, kernelFunc] of originals) {
    const [b, name] = key.split('/');
    if (b !== backendName) continue;
    if (tf.getKernel(name, b)) tf.unregisterKernel(name, b);
    if (kernelFunc) tf.registerKernel({ kernelName: name, backendName: b, kernelFunc: kernelFunc as tf.KernelFunc });
    originals.delete(key);
  }
}
