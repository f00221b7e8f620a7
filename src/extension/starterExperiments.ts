// What "New Experiment…" offers. Comments explain each choice; no $schema line is needed (the extension
// associates *.experiment.json with the schema).
export interface Starter {
  label: string;
  detail: string;
  fileName: string;
  text: string;
}

export const starters: Starter[] = [
  {
    label: 'Seed CNN on the embedded digits',
    detail: 'conv 5×5×32 → pool → conv 5×5×64 → pool → dense 128 → dropout → softmax; no download',
    fileName: 'digits-cnn.experiment.json',
    text: `{
  "name": "seed CNN on digits",
  "seed": 1,
  // 10,000 real MNIST digits shipped with Gradient Lab: a fixed 8,000 / 1,000 / 1,000 split.
  // For Fashion-MNIST: { "source": "idx-folder", "path": "/usr/share/datasets/fashion-mnist" }
  "data": { "source": "embedded-digits" },
  "model": {
    "kind": "cnn",
    // each block: convolution (same padding) → relu → 2×2 max-pool; "batchNorm": true adds batch normalization
    "conv": [ { "filters": 32, "kernel": 5 }, { "filters": 64, "kernel": 5 } ],
    "dense": [ 128 ],
    // probability of KEEPING a unit during training (1.0 = no dropout; always 1.0 when evaluating)
    "dropoutKeep": 0.5,
    // λ of the penalty λ·½Σw² on the dense layers' weights and biases
    "l2": 0.0001,
    "init": "he"
  },
  // sgd | momentum | nesterov | adam
  "optimizer": { "name": "adam", "learningRate": 0.001 },
  "training": { "epochs": 3, "batchSize": 64, "validateEvery": 1 }
}
`,
  },
  {
    label: 'Quick MLP on the embedded digits',
    detail: '784 → 128 → 10, one epoch: a run in seconds',
    fileName: 'digits-mlp.experiment.json',
    text: `{
  "name": "quick MLP on digits",
  "seed": 1,
  "data": { "source": "embedded-digits" },
  "model": { "kind": "mlp", "dense": [ 128 ], "activation": "relu", "init": "he" },
  "optimizer": { "name": "momentum", "learningRate": 0.05, "momentum": 0.9 },
  "training": { "epochs": 1, "batchSize": 32 }
}
`,
  },
];

/** The vanishing-gradient lab's starters: 20 layers, one epoch, the gradient probe every 5 steps. */
function deepStarter(label: string, detail: string, fileName: string, model: string): Starter {
  return {
    label, detail, fileName,
    text: `{
  "name": "${label}",
  "seed": 1,
  "data": { "source": "embedded-digits" },
  // depth hidden layers of width units (width 1 = a chain of single units), then a softmax output
  "model": ${model},
  "optimizer": { "name": "sgd", "learningRate": 0.1 },
  // the gradient probe records each layer's gradient norm every 5 steps (Gradient Lab: Show Training Panel)
  "training": { "epochs": 1, "batchSize": 64, "gradients": { "every": 5 } }
}
`,
  };
}

starters.push(
  deepStarter('20-layer sigmoid chain', 'one unit per layer, N(0,1) weights: watch the early layers\' gradients vanish', 'sigmoid-chain.experiment.json',
    '{ "kind": "deep-mlp", "depth": 20, "width": 1, "activation": "sigmoid", "init": "normal-1" }'),
  deepStarter('20-layer ReLU chain', 'one unit per layer, He init: factors of 1 on active paths, exact zeros on dead units', 'relu-chain.experiment.json',
    '{ "kind": "deep-mlp", "depth": 20, "width": 1, "activation": "relu", "init": "he" }'),
  deepStarter('20-layer sigmoid, fully connected width 32', 'more paths per layer, Xavier init', 'sigmoid-width32.experiment.json',
    '{ "kind": "deep-mlp", "depth": 20, "width": 32, "activation": "sigmoid", "init": "xavier" }'),
  deepStarter('20-layer ReLU, width 32, with He init', 'the remedy: ReLU with He initialization keeps the scale', 'relu-width32-he.experiment.json',
    '{ "kind": "deep-mlp", "depth": 20, "width": 32, "activation": "relu", "init": "he" }'),
  deepStarter('20-layer sigmoid, width 32, with batch norm', 'the other remedy: batch normalization before each activation', 'sigmoid-width32-batchnorm.experiment.json',
    '{ "kind": "deep-mlp", "depth": 20, "width": 32, "activation": "sigmoid", "init": "xavier", "batchNorm": true }'),
);
