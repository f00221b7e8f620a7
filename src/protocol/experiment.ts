// The experiment file (*.experiment.json), as TypeScript. schema/experiment.schema.json is its validator;
// keep the two in step (test/unit/schema.test.ts checks the examples against both).

export type EngineName = 'gpu' | 'cpu' | 'wasm' | 'js';
export type Initializer = 'xavier' | 'he' | 'normal-0.01' | 'normal-1';
export type Activation = 'relu' | 'sigmoid' | 'tanh' | 'leaky-relu';

export interface DataSpec {
  /** embedded-digits: 10,000 real MNIST digits shipped in dist/ (fixed 8,006/997/997 split).
   *  idx-folder: MNIST-format files in `path`. download: MNIST or Fashion-MNIST fetched once and cached.
   *  image-folder: `train/`, `validation/`, `test/` folders with one sub-folder of JPEG/PNG images per class. */
  source: 'embedded-digits' | 'idx-folder' | 'download' | 'image-folder';
  path?: string;
  dataset?: 'mnist' | 'fashion-mnist';
  /** Fraction of the training file kept back for validation (its last part, as Keras does). */
  validationSplit?: number;
  /** Use only the first N training / validation / test images (for quick runs). */
  trainLimit?: number;
  validationLimit?: number;
  testLimit?: number;
  classNames?: string[];
  /** Keep only these classes (label numbers), renumbered 0, 1, … in this order: e.g. digits 5–9 for transfer. */
  classes?: number[];
  /** image-folder without a base: every image is resized to [height, width] (default: the first image's size). */
  imageSize?: [number, number];
}

export interface ConvSpec {
  filters: number;
  kernel: number;
  batchNorm?: boolean;
  /** Max-pool size after the convolution (default 2; 1 = no pooling). */
  pool?: number;
}

export type LayerSpec =
  | { type: 'conv2d'; filters: number; kernel: number; stride?: number; padding?: 'same' | 'valid'; activation?: Activation | 'linear' }
  | { type: 'maxPool'; size: number }
  | { type: 'batchNorm' }
  | { type: 'flatten' }
  | { type: 'dense'; units: number; activation?: Activation | 'linear' | 'softmax' }
  | { type: 'dropout'; keep: number }
  | { type: 'residualDense'; units: number; activation?: Activation };

export interface ModelSpec {
  /** cnn: conv blocks → dense → softmax (the seed CNN). mlp: dense layers → softmax. layers: an explicit list.
   *  deep-mlp: `depth` dense layers of `width` units (width 1 = a chain), for the vanishing-gradient lab. */
  kind: 'cnn' | 'mlp' | 'layers' | 'deep-mlp';
  depth?: number;
  width?: number;
  /** Batch normalization after each hidden dense layer (deep-mlp). */
  batchNorm?: boolean;
  /** Skip connections around each hidden layer after the first: z ← z + h(zW + b) (deep-mlp). */
  residual?: boolean;
  /** Constant initial bias of the hidden layers (default 0); negative values kill ReLU units. */
  biasInit?: number;
  conv?: ConvSpec[];
  dense?: number[];
  layers?: LayerSpec[];
  activation?: Activation;
  /** Probability of keeping a unit in dropout layers during training (1.0 = no dropout). */
  dropoutKeep?: number;
  /** λ of the L2 penalty λ · ½Σw² on the dense layers' weights and biases. */
  l2?: number;
  init?: Initializer;
}

export interface OptimizerSpec {
  name: 'sgd' | 'momentum' | 'nesterov' | 'adam';
  learningRate: number;
  momentum?: number;
}

export interface TrainingSpec {
  epochs: number;
  batchSize: number;
  /** Validate (and consider a best checkpoint) every N epochs. */
  validateEvery?: number;
  /** Write the "last" checkpoint every N steps, so a killed run keeps its progress. */
  checkpointEvery?: number;
  /** Random shifts (up to `shift` pixels), left–right flips, crops (up to `crop` of each side, scaled back) and
   *  brightness changes (up to ±`brightness`) of the training images, drawn anew each epoch. */
  augment?: { shift?: number; flip?: boolean; crop?: number; brightness?: number };
  /** End training (or the head phase of a fine-tune) when validation loss has not improved for this many validations. */
  patience?: number;
  /** Load the best checkpoint (lowest validation loss) before testing and saving (default: on for fine-tuning). */
  restoreBest?: boolean;
  /** Also write the final model as model.json + weights.bin to this folder (relative to the experiment file). */
  saveModel?: string;
  /** Per-layer gradient norms every N steps (default: on, every 10 steps, for nets of up to 50 weight layers). */
  gradients?: { enabled?: boolean; every?: number };
}

/** Semi-supervised training: only `labeled` training images keep their labels (a stratified subset); the rest are
 *  unlabeled. After `training.epochs` on the labeled images, each of `rounds` rounds pseudo-labels the unlabeled
 *  images the model is sure of and trains `epochsPerRound` epochs on both. method "none" is the baseline: the
 *  same epochs on the labeled images alone. */
export interface SemiSupervisedSpec {
  labeled: number;
  method: 'pseudo-label' | 'none';
  /** Keep a pseudo-label when the predicted class probability is at least this (default 0.95). */
  threshold?: number;
  rounds?: number;
  epochsPerRound?: number;
  /** Start each round from the initial weights (a fresh student taught by the last round's model). */
  restart?: boolean;
  /** The pseudo-labelled images' loss weight ramps linearly to this over the rounds (default 1). */
  maxWeight?: number;
}

/** A pretrained network cut at `cutAt`: its outputs (global-average-pooled when spatial) feed a new head. */
export interface BaseSpec {
  /** A folder holding model.json, a model.json path, a URL of one, or a named ImageNet model (downloaded once). */
  model: string;
  /** Layer (layers models) or node (graph models) whose output is the feature vector; default: the one before
   *  the classifier. */
  cutAt?: string;
  /** [height, width] the images are resized to (default: the model's own input size). */
  inputSize?: [number, number];
  /** How pixels are scaled for the base: 0..1, -1..1, or caffe (BGR, ImageNet means subtracted). */
  preprocess?: '0..1' | '-1..1' | 'caffe';
  /** Keep the frozen base's features on disk and train the head on them (default true). */
  cache?: boolean;
  /** Cache this many augmented copies (training.augment) of every training image beside the original. */
  augmentCopies?: number;
}

/** The new classifier on the base's features: dense layers → softmax over the classes. */
export interface HeadSpec {
  dense?: number[];
  activation?: Activation;
  dropoutKeep?: number;
  /** λ of the L2 penalty λ · ½Σw² on the head's weights and biases. */
  l2?: number;
  init?: Initializer;
}

/** After the head phase: make the top `layers` layers of the base trainable and continue. */
export interface UnfreezeSpec {
  layers: number | 'all';
  epochs: number;
  /** Default: a tenth of optimizer.learningRate. */
  learningRate?: number;
}

export interface Experiment {
  $schema?: string;
  name: string;
  seed?: number;
  engine?: EngineName | 'auto';
  data: DataSpec;
  /** Required unless `base` is given (a fine-tune: `base` + `head`). */
  model?: ModelSpec;
  base?: BaseSpec;
  head?: HeadSpec;
  unfreeze?: UnfreezeSpec;
  optimizer: OptimizerSpec;
  training: TrainingSpec;
  semiSupervised?: SemiSupervisedSpec;
  /** Settings (dotted paths such as "optimizer.learningRate") with the values to try: the grid of all
   *  combinations, or `random` draws from lists and { min, max, log } ranges; `repeat` seeds per member. */
  sweep?: { random?: number; repeat?: number; [setting: string]: unknown };
}
