// What "New Experiment…" offers. Comments explain each choice; no $schema line is needed (the extension
// associates *.experiment.json with the schema).
export interface Starter {
  label: string;
  detail: string;
  fileName: string;
  text: string;
  /** Files written beside it (a workflow in steps), unless they exist already. */
  companions?: { fileName: string; text: string }[];
}

export const starters: Starter[] = [
  {
    label: 'Seed CNN on the embedded digits',
    detail: 'conv 5×5×32 → conv 5×5×64 → dense 128, dropout; ≥ 96 %, no download',
    fileName: 'digits-cnn.experiment.json',
    text: `{
  "name": "seed CNN on digits",
  "seed": 1,
  // 10,000 real MNIST digits shipped with Gradient Lab: a fixed 8,006 / 997 / 997 split.
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
  {
    label: 'Learning-rate sweep with error bars',
    detail: '3 learning rates × 3 seeds; mean ± std in the compare panel',
    fileName: 'lr-sweep.experiment.json',
    text: `{
  "name": "learning-rate sweep",
  "seed": 1,
  "data": { "source": "embedded-digits", "trainLimit": 4000 },
  "model": { "kind": "mlp", "dense": [ 128 ] },
  "optimizer": { "name": "adam", "learningRate": 0.001 },
  "training": { "epochs": 2, "batchSize": 64 },
  // Run with "▶ Run Sweep": one run per learning rate and seed (9 runs, about a minute).
  // "random": N instead draws N members, e.g. "optimizer.learningRate": { "min": 1e-4, "max": 0.1, "log": true }
  "sweep": { "optimizer.learningRate": [ 0.0003, 0.001, 0.003 ], "repeat": 3 }
}
`,
  },
  {
    label: 'Semi-supervised digits: 3,000 labels, pseudo-labels vs baseline',
    detail: 'labeled only vs pseudo-labels, same seed: a sweep of two runs',
    fileName: 'semi-supervised.experiment.json',
    text: `{
  "name": "semi-supervised digits (3,000 labels)",
  "seed": 1,
  "data": { "source": "embedded-digits" },
  "model": { "kind": "mlp", "dense": [ 256 ], "dropoutKeep": 0.5 },
  "optimizer": { "name": "adam", "learningRate": 0.001 },
  "training": { "epochs": 20, "batchSize": 64, "augment": { "shift": 2 }, "gradients": { "enabled": false } },
  // 3,000 of the 8,006 training digits keep their labels (stratified); the rest are used without labels.
  // After 20 epochs on the labeled digits, each round labels the digits the model is ≥ 90 % sure of and trains a
  // fresh student ("restart") for 20 epochs on both; "none" is the baseline with the same schedule.
  "semiSupervised": { "labeled": 3000, "method": "pseudo-label", "threshold": 0.9, "rounds": 2, "epochsPerRound": 20, "restart": true },
  // Run with "▶ Run Sweep" to train both and compare them.
  "sweep": { "semiSupervised.method": [ "none", "pseudo-label" ] }
}
`,
  },
];

starters.push(
  {
    label: 'Transfer learning offline: pretrain on digits 0–4, fine-tune on 5–9',
    detail: 'a CNN on digits 0–4, then a new head learns 5–9 from 500 labels',
    fileName: 'digits-0-4-pretrain.experiment.json',
    text: `{
  "name": "pretrain: CNN on digits 0-4",
  // Step 1 of a transfer workflow that needs no download: a small CNN learns digits 0-4 only
  // and is saved as a TF.js model, which digits-5-9-finetune.experiment.json then uses as its base.
  "data": { "source": "embedded-digits", "classes": [0, 1, 2, 3, 4] },
  "model": { "kind": "cnn", "conv": [ { "filters": 16, "kernel": 5 }, { "filters": 32, "kernel": 5 } ], "dense": [ 64 ], "dropoutKeep": 0.5 },
  "optimizer": { "name": "adam", "learningRate": 0.001 },
  "training": { "epochs": 3, "batchSize": 64, "restoreBest": true, "saveModel": "models/digits-0-4-cnn" }
}
`,
    companions: [{ fileName: 'digits-5-9-finetune.experiment.json', text: `{
  "name": "fine-tune: digits 5-9 on the 0-4 CNN, 500 labels",
  // Step 2: train digits-0-4-pretrain.experiment.json first (it writes models/digits-0-4-cnn).
  // The base never saw digits 5-9; its convolutional features, frozen, feed a new head trained on 500 images.
  "data": { "source": "embedded-digits", "classes": [5, 6, 7, 8, 9], "trainLimit": 500 },
  // cut by default before the classifier: here the flatten after the last convolution block
  "base": { "model": "models/digits-0-4-cnn" },
  "head": { "dense": [ 32 ], "dropoutKeep": 0.8 },
  "optimizer": { "name": "adam", "learningRate": 0.003 },
  "training": { "epochs": 20, "batchSize": 32, "patience": 5 },
  // then the top of the base trains too, with a tenth of the learning rate
  "unfreeze": { "layers": 3, "epochs": 3 }
}
` }],
  },
  {
    label: 'Fine-tune MobileNet on an image folder',
    detail: 'ImageNet MobileNet v1 (downloaded once), a new head on cached features',
    fileName: 'image-folder-finetune.experiment.json',
    text: `{
  "name": "fine-tune MobileNet on an image folder",
  // train/, validation/, test/ with one sub-folder of PNG or JPEG images per class (Keras' flow_from_directory layout).
  // "Gradient Lab: Create Image-Folder Dataset from IDX…" writes Fashion-MNIST or the digits this way.
  "data": { "source": "image-folder", "path": "datasets/fashion-images" },
  // a named ImageNet model is downloaded once and cached; offline, give a local folder with model.json instead
  "base": { "model": "mobilenet_v1_0.25_224", "inputSize": [ 128, 128 ] },
  // the new classifier: 32 relu units → softmax over the class folders; L2 on its weights and biases
  "head": { "dense": [ 32 ], "dropoutKeep": 0.8, "l2": 0.0001 },
  "optimizer": { "name": "adam", "learningRate": 0.001 },
  // the frozen base's features are computed once and cached: head epochs take a fraction of a second.
  // The best checkpoint by validation loss is restored before testing; report.html shows every test image.
  "training": { "epochs": 20, "batchSize": 32, "patience": 5 },
  // then the top 10 layers of the base train too, with a tenth of the learning rate
  "unfreeze": { "layers": 10, "epochs": 2 }
  // an L2 sweep with error bars (Run Sweep): "sweep": { "head.l2": [0, 0.001, 0.01, 0.1], "repeat": 3 }
}
`,
  },
);

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
  deepStarter('20-layer sigmoid chain', 'one unit per layer, N(0,1) weights: early gradients vanish', 'sigmoid-chain.experiment.json',
    '{ "kind": "deep-mlp", "depth": 20, "width": 1, "activation": "sigmoid", "init": "normal-1" }'),
  deepStarter('20-layer ReLU chain', 'one unit per layer, He init: exact zeros on dead units', 'relu-chain.experiment.json',
    '{ "kind": "deep-mlp", "depth": 20, "width": 1, "activation": "relu", "init": "he" }'),
  deepStarter('20-layer sigmoid, fully connected width 32', 'more paths per layer, Xavier init', 'sigmoid-width32.experiment.json',
    '{ "kind": "deep-mlp", "depth": 20, "width": 32, "activation": "sigmoid", "init": "xavier" }'),
  deepStarter('20-layer ReLU, width 32, with He init', 'the remedy: ReLU with He initialization keeps the scale', 'relu-width32-he.experiment.json',
    '{ "kind": "deep-mlp", "depth": 20, "width": 32, "activation": "relu", "init": "he" }'),
  deepStarter('20-layer sigmoid, width 32, with batch norm', 'the other remedy: batch normalization before each activation', 'sigmoid-width32-batchnorm.experiment.json',
    '{ "kind": "deep-mlp", "depth": 20, "width": 32, "activation": "sigmoid", "init": "xavier", "batchNorm": true }'),
);
