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
