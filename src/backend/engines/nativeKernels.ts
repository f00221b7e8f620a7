// Faster paths on the native engine (TF.js's 'tensorflow' backend): ReLU's gradient as TensorFlow's own ReluGrad, and
// Step (the derivative of ReLU that fused conv/dense gradients take) as Sign(Relu(x)) — tfjs-node builds Step from
// seven kernels (isNaN, greater, ones, fill, two Selects…), the top item of a profiled training step.
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';

/** The parts of tfjs-node's NodeJSKernelBackend used here. */
interface NodeBackend {
  binding: { TF_ATTR_TYPE: number; TF_FLOAT: number };
  executeSingleOutput(op: string, attrs: { name: string; type: number; value: number }[], inputs: TensorInfo[]): tf.Tensor;
}

const reluGradKernel = 'GradientLabReluGrad';

function float32Attrs(backend: unknown) {
  const b = backend as NodeBackend;
  return [{ name: 'T', type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_FLOAT }];
}

let originalStep: tf.KernelFunc | undefined;

/** Register the replacements; returns their names for the engine report. Only ever called with 'tensorflow' active. */
export function patchNativeKernels(): string[] {
  if (tf.getKernel(reluGradKernel, 'tensorflow')) return ['ReluGrad', 'Step'];
  tf.registerKernel({
    kernelName: reluGradKernel, backendName: 'tensorflow',
    kernelFunc: ({ inputs, backend }) => (backend as unknown as NodeBackend).executeSingleOutput('ReluGrad', float32Attrs(backend), [inputs.dy!, inputs.x!]),
  });
  // the gradient registry is global: this process runs one engine, and it is the native one
  tf.registerGradient({
    kernelName: tf.Relu, inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const g = dy as tf.Tensor;
      return { x: () => (g.dtype === 'float32' ? tf.engine().runKernel(reluGradKernel, { dy: g, x: saved[0] }) as tf.Tensor : g.mul(saved[0].step())) };
    },
  });
  originalStep = tf.getKernel(tf.Step, 'tensorflow')?.kernelFunc;
  tf.unregisterKernel(tf.Step, 'tensorflow');
  tf.registerKernel({
    kernelName: tf.Step, backendName: 'tensorflow',
    kernelFunc: (args) => {
      const { alpha } = args.attrs as { alpha: number };
      const x = args.inputs.x!;
      if (alpha !== 0 || x.dtype !== 'float32') return originalStep!(args);
      const b = args.backend as unknown as NodeBackend;
      const attrs = float32Attrs(args.backend);
      return tf.tidy(() => b.executeSingleOutput('Sign', attrs, [b.executeSingleOutput('Relu', attrs, [x])]));
    },
  });
  return ['ReluGrad', 'Step'];
}
