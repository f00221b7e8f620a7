// The replacement gradient kernels against the pure-JS backend's own (unpatched) kernels, on random data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { originalKernel, patchKernels, unpatchKernels } from '../../src/backend/engines/kernelPatches';
import { relativeError, tf, useBackend } from '../helpers/tfSetup';

type Shape4 = [number, number, number, number];
interface Case { name: string; x: Shape4; f: Shape4; strides: number; pad: 'same' | 'valid'; depthwise?: boolean }

const cases: Case[] = [
  { name: 'conv 5x5 same (seed CNN layer 2)', x: [8, 14, 14, 32], f: [5, 5, 32, 64], strides: 1, pad: 'same' },
  { name: 'conv 5x5 same, 1 input channel', x: [16, 28, 28, 1], f: [5, 5, 1, 32], strides: 1, pad: 'same' },
  { name: 'conv 3x3 valid', x: [4, 11, 9, 3], f: [3, 3, 3, 5], strides: 1, pad: 'valid' },
  { name: 'conv 3x3 stride 2 same', x: [4, 13, 12, 6], f: [3, 3, 6, 4], strides: 2, pad: 'same' },
  { name: 'conv 4x4 stride 3 valid', x: [3, 17, 16, 2], f: [4, 4, 2, 3], strides: 3, pad: 'valid' },
  { name: 'depthwise 3x3 same', x: [4, 10, 10, 6], f: [3, 3, 6, 1], strides: 1, pad: 'same', depthwise: true },
  { name: 'depthwise 3x3 stride 2 same, multiplier 2', x: [3, 11, 12, 4], f: [3, 3, 4, 2], strides: 2, pad: 'same', depthwise: true },
  { name: 'depthwise 5x5 valid', x: [2, 9, 9, 3], f: [5, 5, 3, 1], strides: 1, pad: 'valid', depthwise: true },
];

function gradients(c: Case, x: tf.Tensor4D, f: tf.Tensor4D, w: tf.Tensor): tf.Tensor[] {
  const conv = (a: tf.Tensor4D, b: tf.Tensor4D) =>
    (c.depthwise ? tf.depthwiseConv2d(a, b, c.strides, c.pad) : tf.conv2d(a, b, c.strides, c.pad)).mul(w).sum();
  return tf.grads((a, b) => conv(a as tf.Tensor4D, b as tf.Tensor4D))([x, f]);
}

// Pooling after ReLU has many tied zeros: the gradient must go to the first maximum only, as TF's kernel does.
const poolCases = [
  { name: 'maxPool 2x2 after relu', x: [4, 28, 28, 8] as Shape4, size: 2 },
  { name: 'maxPool 3x3 on 10x11 (rows left over)', x: [2, 10, 11, 3] as Shape4, size: 3 },
];
const poolGrad = (x: tf.Tensor4D, size: number, w: tf.Tensor) => tf.grad((a) => tf.maxPool(a as tf.Tensor4D, size, size, 'valid').mul(w).sum())(x);
const matmulCases = [[false, false], [true, false], [false, true], [true, true]] as const;
const matmuls = (a: tf.Tensor, b: tf.Tensor) => matmulCases.map(([ta, tb]) => tf.matMul(ta ? a.transpose() as tf.Tensor2D : a as tf.Tensor2D, tb ? b.transpose() as tf.Tensor2D : b as tf.Tensor2D, ta, tb));

function segmentSum(x: tf.Tensor, ids: tf.Tensor1D): tf.Tensor {
  return tf.unsortedSegmentSum(x, ids, 7);
}

test('replacement gradient kernels match the pure-JS kernels (max relative error ≤ 1e-5)', async () => {
  await useBackend('cpu');
  const inputs = cases.map((c) => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
    const f = tf.randomNormal(c.f, 0, 1, 'float32', 2) as tf.Tensor4D;
    const out = c.depthwise ? tf.depthwiseConv2d(x, f, c.strides, c.pad) : tf.conv2d(x, f, c.strides, c.pad);
    const w = tf.randomNormal(out.shape, 0, 1, 'float32', 3);
    return { c, x: x.arraySync(), f: f.arraySync(), w: w.arraySync() };
  });
  const reference = inputs.map(({ c, x, f, w }) => tf.tidy(() => gradients(c, tf.tensor4d(x), tf.tensor4d(f), tf.tensor(w)).map((g) => g.arraySync())));
  const segX = tf.randomNormal([20, 3, 2], 0, 1, 'float32', 4).arraySync();
  const segIds = [0, 6, 2, 2, 1, 0, 5, 5, 5, 3, 3, 6, 0, 1, 2, 4, 4, 4, 6, 0];
  const poolInputs = poolCases.map((c) => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', 5).relu().round() as tf.Tensor4D; // ties, many of them
    const out = tf.maxPool(x, c.size, c.size, 'valid');
    return { c, x: x.arraySync(), w: tf.randomNormal(out.shape, 0, 1, 'float32', 6).arraySync() };
  });
  const poolReference = poolInputs.map(({ c, x, w }) => tf.tidy(() => poolGrad(tf.tensor4d(x), c.size, tf.tensor(w)).arraySync()));
  const mA = tf.randomNormal([37, 53], 0, 1, 'float32', 7).arraySync();
  const mB = tf.randomNormal([53, 29], 0, 1, 'float32', 8).arraySync();
  const matmulReference = tf.tidy(() => matmuls(tf.tensor(mA), tf.tensor(mB)).map((t) => t.arraySync()));
  const segReference = tf.tidy(() => segmentSum(tf.tensor(segX), tf.tensor1d(segIds, 'int32')).arraySync());

  for (const backend of ['wasm', 'cpu'] as const) {
    await useBackend(backend);
    const patched = patchKernels(backend);
    const expected = {
      wasm: ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'UnsortedSegmentSum', 'MaxPoolGrad', 'BatchMatMul'],
      cpu: ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad'],
    }[backend];
    assert.deepEqual([...patched].sort(), [...expected].sort());
    // what runs below is the replacement, not the backend's own kernel
    for (const name of patched) assert.notEqual(tf.getKernel(name, backend)!.kernelFunc, originalKernel(name, backend), `${backend}/${name} is replaced`);
    try {
      inputs.forEach(({ c, x, f, w }, i) => {
        tf.tidy(() => {
          const [dx, df] = gradients(c, tf.tensor4d(x), tf.tensor4d(f), tf.tensor(w));
          const ex = relativeError(dx, tf.tensor(reference[i][0]));
          const ef = relativeError(df, tf.tensor(reference[i][1]));
          assert.ok(ex <= 1e-5, `${backend} ${c.name}: input gradient rel. error ${ex}`);
          assert.ok(ef <= 1e-5, `${backend} ${c.name}: filter gradient rel. error ${ef}`);
        });
      });
      poolInputs.forEach(({ c, x, w }, i) => {
        const e = tf.tidy(() => relativeError(poolGrad(tf.tensor4d(x), c.size, tf.tensor(w)), tf.tensor(poolReference[i])));
        assert.ok(e <= 1e-6, `${backend} ${c.name}: MaxPoolGrad rel. error ${e}`);
      });
      if (backend === 'wasm') {
        tf.tidy(() => matmuls(tf.tensor(mA), tf.tensor(mB)).forEach((t, i) => {
          const e = relativeError(t, tf.tensor(matmulReference[i]));
          assert.ok(e <= 1e-5, `BatchMatMul transposeA=${matmulCases[i][0]} transposeB=${matmulCases[i][1]}: rel. error ${e}`);
        }));
        const e = tf.tidy(() => relativeError(segmentSum(tf.tensor(segX), tf.tensor1d(segIds, 'int32')), tf.tensor(segReference)));
        assert.ok(e <= 1e-6, `UnsortedSegmentSum rel. error ${e}`);
      }
    } finally {
      unpatchKernels(backend);
    }
  }
});

test('replacement kernels keep nothing alive: tensors, backend data ids and bytes unchanged over repeated steps, for every patched kernel', async () => {
  await useBackend('wasm');
  const patched = patchKernels('wasm');
  assert.deepEqual([...patched].sort(), ['BatchMatMul', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'MaxPoolGrad', 'UnsortedSegmentSum']);
  const x = tf.variable(tf.randomNormal([4, 12, 12, 3]) as tf.Tensor4D);
  const f = tf.variable(tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D);
  const d = tf.variable(tf.randomNormal([3, 3, 3, 2]) as tf.Tensor4D);
  const m = tf.variable(tf.randomNormal([6, 5]) as tf.Tensor2D);
  const ids = tf.tensor1d([0, 2, 2, 5, 1], 'int32');
  // each forward pass whose gradient runs one replaced kernel (or two)
  const forwards: Record<string, () => tf.Scalar> = {
    'Conv2DBackpropFilter + Conv2DBackpropInput, stride 1': () => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same').square().sum(),
    'Conv2DBackpropFilter + Conv2DBackpropInput, stride 2': () => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, 'same').square().sum(),
    'DepthwiseConv2dNativeBackpropFilter + Input': () => tf.depthwiseConv2d(x as tf.Tensor4D, d as tf.Tensor4D, 1, 'same').square().sum(),
    MaxPoolGrad: () => tf.maxPool(x as tf.Tensor4D, 2, 2, 'same').square().sum(),
    BatchMatMul: () => tf.matMul(m, m, true, false).square().sum(),
    UnsortedSegmentSum: () => tf.gather(m, ids).square().sum(),
  };
  const held = () => `${tf.memory().numTensors} tensors, ${tf.engine().backend.numDataIds()} data ids, ${tf.memory().numBytes} bytes`;
  try {
    for (const [name, forward] of Object.entries(forwards)) {
      const step = () => tf.tidy(() => Object.values(tf.variableGrads(forward).grads).forEach((g) => g.dispose()));
      step(); // first use may allocate once
      const before = held();
      for (let i = 0; i < 10; i++) step();
      assert.equal(held(), before, `${name}: nothing kept after 10 steps`);
    }
  } finally {
    [x, f, d, m, ids].forEach((t) => t.dispose());
    unpatchKernels('wasm');
  }
});
