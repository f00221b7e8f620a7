// What a run trains, as prepare() hands it over: the experiment, the engine, the data, the model (and for a
// fine-tune its parts), the weights the L2 penalty covers, what the probe watches, and how to let it all go.
import type * as tf from '@tensorflow/tfjs';
import type { EngineInfo } from '../../protocol/engine';
import type { ModelSummary } from '../../protocol/runEvents';
import type { Experiment } from '../../protocol/experiment';
import type { Dataset, Split } from '../data/datasets';
import type { FineTuneParts } from '../models/fineTune';
import type { Stage } from '../models/stage';

export interface Prepared {
  experiment: Experiment;
  engine: EngineInfo;
  /** The images (labels, class names, file names), whatever the model trains on. */
  data: Dataset;
  /** What checkpoints hold (a fine-tune: base cut + head). */
  model: tf.LayersModel;
  /** The weights the L2 penalty covers: the dense layers (a fine-tune: the head's). */
  denseWeights: tf.LayerVariable[];
  /** λ of that penalty. */
  l2: number;
  /** Plain runs train `model` on `data`; a fine-tune has no stage until the run builds its head's (fineTune.ts). */
  stage?: Stage;
  /** Layers whose gradients the probe reports. */
  probeModel: tf.LayersModel;
  summary: ModelSummary;
  /** training.saveModel as a checked absolute folder. */
  saveModelDir?: string;
  /** Semi-supervised runs: the training images whose labels are not used (data.train is the labeled subset). */
  unlabeled?: Split;
  fineTune?: FineTuneParts;
  dispose(): void;
}
