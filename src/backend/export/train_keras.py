#!/usr/bin/env python3
# @@TITLE@@
# A Gradient Lab experiment as a Keras 3 script on TensorFlow: the same layers, initial weights, dropout, L2,
# optimizer, batch order, validation, best-checkpoint restore, early stopping and test evaluation. Its metrics are
# written as a Gradient Lab run (metrics.jsonl, summary.json, predictions.csv), so the run opens in Gradient Lab's
# panels and compare view next to the runs trained in the editor.
#
# Exported by `gradient-lab export-keras` from @@SOURCE@@.
#
#   python train_keras.py [--epochs N] [--runs DIR]
#     --fresh-init        Keras' own initializers (same schemes and seeds) instead of Gradient Lab's initial weights
#     --to-keras FILE     no training: the model with the weights exported from a run (trained*.weights.bin), saved
#                         as FILE (a fine-tune: from images to logits, its base included)
#     --check-base        a fine-tune: the Keras base's features of the test images against Gradient Lab's (base/)
#     --data source       read the data where the experiment names it (an IDX folder, MNIST or Fashion-MNIST via
#                         keras.datasets, an image folder via keras.utils.image_dataset_from_directory) instead of the
#                         exact splits exported in data/ — for a bigger copy of the dataset, on another machine
#     --distribute mirrored | multi-worker
#
# A fine-tune trains as Gradient Lab trains it: the head on the base's features (data/*-features.npy, computed by
# Gradient Lab at export: what its feature cache holds, as arrays), then, with "unfreeze", the top layers of the base with the
# head, end to end on the images, at the smaller learning rate. The base is the TF.js model cut where Gradient Lab
# cuts it, rebuilt by Keras from its layer config (base/base.json) with its weights set layer by layer.
#
# Distributed training (tf.distribute). With --distribute mirrored, one process trains on every GPU of this host,
# one replica per device (on a host without GPUs, one replica on the CPU). With --distribute multi-worker, start
# this same script on every host, each with TF_CONFIG naming the cluster and its own index, e.g. on the first of two:
#   TF_CONFIG='{"cluster": {"worker": ["host0:12345", "host1:12345"]}, "task": {"type": "worker", "index": 0}}'
# Every worker reads data/ beside this script; the batch size is the global batch, split across the replicas;
# only worker 0 (the chief) writes the run folder.

import argparse
import datetime
import gzip
import json
import os
import re
import struct
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
EXPERIMENT = json.loads(r"""@@EXPERIMENT@@""")
CLASS_NAMES = json.loads(r"""@@CLASS_NAMES@@""")
FINE_TUNE = json.loads(r"""@@FINE_TUNE@@""")
SOURCE = json.loads(r"""@@DATA_SOURCE@@""")  # the experiment's data, its path made absolute (--data source)
IMAGE_SHAPE = json.loads(r"""@@IMAGE_SHAPE@@""")  # [height, width, channels] of the images the model is fed
SEED = EXPERIMENT.get("seed", 1)
TRAINING = EXPERIMENT["training"]


# ── data: the splits Gradient Lab trained on, exported as IDX files in data/ ────────────────────────────────────
def read_idx(path):
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(name):
    images = read_idx(os.path.join(HERE, "data", f"{name}-images.idx.gz"))
    labels = read_idx(os.path.join(HERE, "data", f"{name}-labels.idx.gz")).astype(np.int32)
    if images.ndim == 3:
        images = images[..., None]
    # bytes to 0..1 as Gradient Lab does it: a float64 product rounded to float32
    return (images.astype(np.float64) * (1 / 255)).astype(np.float32), labels


# ── --data source: the same splitting rules as Gradient Lab, applied to the data where it lives ─────────────────
IDX_PATTERNS = {"train_images": r"^(train|training)\b.*images?.*idx3", "train_labels": r"^(train|training)\b.*labels?.*idx1",
                "test_images": r"^(t10k|test)\b.*images?.*idx3", "test_labels": r"^(t10k|test)\b.*labels?.*idx1"}


def held_back(x_train, y_train, x_test, y_test):
    """Keras' validation_split, as Gradient Lab takes it: the last part of the training file."""
    n_val = round(len(y_train) * SOURCE.get("validationSplit", 0.1))
    cut = len(y_train) - n_val
    return {"train": (x_train[:cut], y_train[:cut]), "validation": (x_train[cut:], y_train[cut:]), "test": (x_test, y_test)}


def idx_source(folder):
    files = sorted(os.listdir(folder))
    def find(key):
        match = [f for f in files if re.search(IDX_PATTERNS[key], re.sub(r"^emnist-[a-z]+-", "", f), re.I)]
        if not match:
            raise SystemExit(f"{folder}: no {key.replace('_', ' ')} IDX file (found: {', '.join(files)})")
        return read_idx(os.path.join(folder, match[0]))
    return held_back(find("train_images"), find("train_labels"), find("test_images"), find("test_labels"))


def image_folder_source(folder):
    """train/, validation/, test/ with a folder per class, decoded and resized as Gradient Lab does it (bilinear)."""
    h, w, c = IMAGE_SHAPE
    out = {}
    for split in ("train", "validation", "test"):
        path = os.path.join(folder, split)
        if not os.path.isdir(path):
            out[split] = (np.zeros((0, h, w, c), np.uint8), np.zeros(0, np.int64))
            continue
        ds = keras.utils.image_dataset_from_directory(path, label_mode="int", color_mode="rgb" if c == 3 else "grayscale", image_size=(h, w),
                                                      interpolation="bilinear", shuffle=False, batch_size=256, verbose=False)
        batches = [(x.numpy(), y.numpy()) for x, y in ds]
        x = np.concatenate([b[0] for b in batches]).round().clip(0, 255).astype(np.uint8)
        y = np.concatenate([b[1] for b in batches])
        # interleaved by class, as Gradient Lab lists the files: any prefix (trainLimit) holds every class
        rank = np.zeros(len(y), np.int64)
        for label in np.unique(y):
            rank[y == label] = np.arange((y == label).sum())
        order = np.lexsort((y, rank))
        out[split] = (x[order], y[order])
    return out


def source_splits():
    """The images of each split from the data's source, with data.classes and the limits applied."""
    kind = SOURCE["source"]
    if kind == "embedded-digits":
        raise SystemExit("--data source: the embedded digits ship with Gradient Lab; data/ holds them")
    if kind == "download":
        module = keras.datasets.fashion_mnist if SOURCE.get("dataset") == "fashion-mnist" else keras.datasets.mnist
        (x_train, y_train), (x_test, y_test) = module.load_data()
        splits = held_back(x_train, y_train, x_test, y_test)
    else:
        splits = (image_folder_source if kind == "image-folder" else idx_source)(SOURCE["path"])
    classes = SOURCE.get("classes")
    out = {}
    for name, (x, y) in splits.items():
        if classes:
            keep = np.isin(y, classes)
            x, y = x[keep], np.array([classes.index(v) for v in y[keep]], dtype=np.int64)
        n = SOURCE.get(f"{name}Limit")
        x, y = (x[:n], y[:n]) if n is not None else (x, y)
        x = x[..., None] if x.ndim == 3 else x
        out[name] = ((x.astype(np.float64) * (1 / 255)).astype(np.float32), y.astype(np.int32))
    return out


def image_splits(args):
    """The images of each split: the exported ones, or (--data source) read from the source."""
    if args.data == "source":
        return source_splits()
    return {name: load_split(name) for name in ("train", "validation", "test")}


def load_features(name):
    """A fine-tune's head-phase data: the base's features of a split, as Gradient Lab computed them."""
    labels = read_idx(os.path.join(HERE, "data", f"{name}-labels.idx.gz")).astype(np.int32)
    return np.load(os.path.join(HERE, "data", f"{name}-features.npy")), labels


# ── the batch order: Gradient Lab's own seeded shuffle (mulberry32, Fisher–Yates), so each step sees its images ──
M32 = 0xFFFFFFFF


def imul(a, b):
    return (a * b) & M32


class Mulberry32:
    def __init__(self, seed):
        self.a = seed & M32

    def __call__(self):
        self.a = (self.a + 0x6D2B79F5) & M32
        t = self.a
        t = imul(t ^ (t >> 15), t | 1)
        t = (t ^ ((t + imul(t ^ (t >> 7), t | 61)) & M32)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296


def shuffled(n, random):
    order = np.arange(n)
    for i in range(n - 1, 0, -1):
        j = int(random() * (i + 1))
        order[i], order[j] = order[j], order[i]
    return order


class EpochBatches(keras.utils.PyDataset):
    """The training split in Gradient Lab's batch order: a new seeded shuffle every epoch."""

    def __init__(self, x, y, batch_size, random=None):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size
        self.random = random or Mulberry32(SEED)  # a fine-tune's unfreeze phase goes on with the head phase's stream
        self.order = np.arange(len(x))  # Keras peeks at a batch or two before the first epoch begins

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        rows = self.order[i * self.batch_size:(i + 1) * self.batch_size]
        return self.x[rows], self.y[rows]

    def on_epoch_begin(self):
        self.order = shuffled(len(self.x), self.random)


# ── the model ────────────────────────────────────────────────────────────────────────────────────────────────────
def build_model():
    l2 = keras.regularizers.L2  # Gradient Lab's λ·½Σw² is Keras' L2(λ/2) on each dense kernel and bias
    return keras.Sequential([
@@LAYERS@@
    ], name="@@MODEL_NAME@@")


class GradientLabAdam(keras.optimizers.Optimizer):
    """Adam as Gradient Lab (TF.js) computes it: ε is added to √v̂, where Keras' Adam adds it to √v."""

    def __init__(self, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name="gradient_lab_adam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._m = [self.add_variable_from_reference(v, "m") for v in var_list]
        self._v = [self.add_variable_from_reference(v, "v") for v in var_list]

    def update_step(self, gradient, variable, learning_rate):
        ops = keras.ops
        i = self._get_variable_index(variable)
        m, v = self._m[i], self._v[i]
        g = ops.cast(gradient, variable.dtype)
        t = ops.cast(self.iterations + 1, variable.dtype)
        self.assign(m, ops.add(ops.multiply(m, self.beta_1), ops.multiply(g, 1 - self.beta_1)))
        self.assign(v, ops.add(ops.multiply(v, self.beta_2), ops.multiply(ops.square(g), 1 - self.beta_2)))
        m_hat = ops.divide(m, 1 - ops.power(self.beta_1, t))
        v_hat = ops.divide(v, 1 - ops.power(self.beta_2, t))
        step = ops.divide(m_hat, ops.add(ops.sqrt(v_hat), self.epsilon))
        self.assign_sub(variable, ops.multiply(step, ops.cast(learning_rate, variable.dtype)))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


def make_optimizer(learning_rate=None):
    o = EXPERIMENT["optimizer"]
    lr, momentum = learning_rate or o["learningRate"], o.get("momentum", 0.9)
    if o["name"] == "adam":
        return GradientLabAdam(lr)
    if o["name"] == "sgd":
        return keras.optimizers.SGD(lr)
    return keras.optimizers.SGD(lr, momentum=momentum, nesterov=o["name"] == "nesterov")


def load_weights(model, name):
    """Weights exported by Gradient Lab: float32 little-endian, layer by layer (by position, or by name for a
    base), each layer's in Keras' order."""
    with open(os.path.join(HERE, f"{name}.weights.json")) as f:
        layers = json.load(f)["layers"]
    flat = np.fromfile(os.path.join(HERE, f"{name}.weights.bin"), dtype="<f4")
    at = 0
    for entry in layers:
        weights = []
        for shape in entry["shapes"]:
            n = int(np.prod(shape))
            weights.append(flat[at:at + n].reshape(shape))
            at += n
        layer = model.get_layer(entry["name"]) if "name" in entry else model.layers[entry["index"]]
        layer.set_weights(weights)


# ── a fine-tune's base, and the images fed to it as Gradient Lab feeds them ──────────────────────────────────────
def build_base():
    with open(os.path.join(HERE, "base", "base.json")) as f:
        config = json.load(f)
    base = keras.Model.from_config(config["config"])  # the TF.js topology is a (Keras 2) functional config
    load_weights(base, os.path.join("base", "base"))
    base.trainable = False
    for layer in all_layers(base):
        if isinstance(layer, keras.layers.BatchNormalization):
            inference_only(layer)
    return base


def inference_only(layer):
    """A batch norm as Gradient Lab runs a base's: with its moving statistics, also once unfrozen (γ and β train).
    Keras would switch an unfrozen one to the batch's statistics whatever training= the base was called with."""
    call = layer.call
    layer.call = lambda inputs, training=None, mask=None: call(inputs, training=False, mask=mask)


def fixed_1x1(x, kernel, bias, name):
    """A 1×1 convolution with fixed weights: channel mixing (colour → grey, Caffe's BGR scaling)."""
    layer = keras.layers.Conv2D(kernel.shape[1], 1, trainable=False, name=name)
    y = layer(x)
    layer.set_weights([kernel.reshape(1, 1, *kernel.shape).astype(np.float32), bias.astype(np.float32)])
    return y


def image_features(base):
    """Images → the base's features: resized (bilinear, half-pixel centres), channels matched (grey → three
    copies, colour → their mean), scaled as the base was trained, the base in inference mode (its batch norms too)."""
    (h, w, c), (bh, bw, bc) = FINE_TUNE["imageShape"], FINE_TUNE["baseInput"]
    inputs = keras.Input((h, w, c))
    x = inputs
    if (h, w) != (bh, bw):
        x = keras.layers.Resizing(bh, bw, interpolation="bilinear", name="resize")(x)
    if c != bc:
        x = keras.layers.Concatenate(name="grey_to_rgb")([x] * bc) if c == 1 else fixed_1x1(x, np.full((c, 1), 1 / c), np.zeros(1), "rgb_to_grey")
    if FINE_TUNE["preprocess"] == "-1..1":
        x = keras.layers.Rescaling(2.0, offset=-1.0, name="scale")(x)
    elif FINE_TUNE["preprocess"] == "caffe":
        kernel = np.zeros((3, 3))
        for o in range(3):
            kernel[2 - o, o] = 255.0
        x = fixed_1x1(x, kernel, -np.array([103.939, 116.779, 123.68]), "caffe")
    features = base(x, training=False)
    if isinstance(features, (list, tuple)):  # a legacy config names its outputs as a list, of one here
        features = features[0]
    return keras.Model(inputs, features, name="base_features")


def build_full(features, head):
    x = keras.layers.Reshape((1, 1, FINE_TUNE["featureDim"]))(features.output)
    return keras.Model(features.input, head(x), name="fine_tuned")


def unfreeze(base, n):
    """The top n layers of the base (all with "all") become trainable; the names of those with weights."""
    layers = [layer for layer in base.layers if not isinstance(layer, keras.layers.InputLayer)]
    top = layers if n == "all" else layers[-n:]
    base.trainable = True
    chosen = {id(layer) for layer in top}
    for layer in layers:
        layer.trainable = id(layer) in chosen
    return [layer.name for layer in top if layer.count_params() > 0]


# ── the run, written as Gradient Lab writes one ──────────────────────────────────────────────────────────────────
def softmax_cross_entropy(logits, labels):
    z = logits.astype(np.float64)
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(labels)), labels].mean())


def evaluate(model, x, y):
    logits = model.predict(x, batch_size=500, verbose=0)
    predicted = logits.argmax(axis=1)
    return softmax_cross_entropy(logits, y), float((predicted == y).mean()), predicted, logits


def class_report(confusion):
    rows = []
    for c, row in enumerate(confusion):
        tp, support, predicted = row[c], sum(row), sum(r[c] for r in confusion)
        precision = tp / predicted if predicted else 0
        recall = tp / support if support else 0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0
        rows.append({"name": CLASS_NAMES[c], "precision": precision, "recall": recall, "f1": f1, "support": support})
    return rows


def all_layers(model):
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from all_layers(layer)


def dense_l2(model):
    """½Σw² over the dense layers' weights and biases (without λ), as Gradient Lab's batch events carry it."""
    ws = [w for layer in all_layers(model) if isinstance(layer, keras.layers.Dense) for w in layer.trainable_weights]
    return float(sum(tf.reduce_sum(tf.square(w)) for w in ws)) / 2 if ws else 0.0


class GradientLabRun(keras.callbacks.Callback):
    """metrics.jsonl events as they happen; validation every validateEvery epochs (and at the last); the best
    weights kept and checkpointed; early stopping on patience. A fine-tune's phases share one run."""

    def __init__(self, folder, run_id, train_count, validation, epochs, chief):
        super().__init__()
        self.folder, self.run_id, self.train_count, self.validation, self.epochs, self.chief = folder, run_id, train_count, validation, epochs, chief
        self.step, self.best, self.since_best, self.best_weights = 0, None, 0, None
        self.samples, self.train_seconds, self.stopped_early, self.epochs_done = 0, 0.0, False, 0

    def event(self, e):
        if self.chief:
            with open(os.path.join(self.folder, "metrics.jsonl"), "a") as f:
                f.write(json.dumps({"runId": self.run_id, **e}) + "\n")

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start, self.seen, self.mean_loss, self.mean_acc = time.time(), 0, 0.0, 0.0

    def on_train_batch_begin(self, batch, logs=None):
        self.t0 = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        ms = 1000 * (time.perf_counter() - self.t0)
        n = min(TRAINING["batchSize"], self.train_count - batch * TRAINING["batchSize"])
        # Keras reports running means over the epoch's samples: each batch's own value is recovered from them
        loss = ((self.seen + n) * logs["loss"] - self.seen * self.mean_loss) / n
        acc = ((self.seen + n) * logs["accuracy"] - self.seen * self.mean_acc) / n
        self.seen, self.mean_loss, self.mean_acc = self.seen + n, logs["loss"], logs["accuracy"]
        self.step += 1
        self.samples += n
        self.train_seconds += ms / 1000
        lr = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        self.event({"type": "batch", "epoch": self.epochs_done + 1, "step": self.step, "loss": loss, "accuracy": acc, "samples": n, "stepMs": ms, "learningRate": lr, "l2": dense_l2(self.model)})

    def on_epoch_end(self, epoch, logs=None):
        epoch_no = epoch + 1
        self.epochs_done = epoch_no
        val_loss = val_acc = None
        is_best = False
        every = TRAINING.get("validateEvery", 1)
        x_val, y_val = self.validation
        if len(y_val) and (epoch_no % every == 0 or epoch_no == self.epochs):
            val_loss, val_acc, _, _ = evaluate(self.model, x_val, y_val)
            if self.best is None or val_loss < self.best[1]:
                self.best, self.since_best, is_best = (epoch_no, val_loss), 0, True
                self.best_weights = (self.model, self.model.get_weights())
                if self.chief:
                    self.model.save_weights(os.path.join(self.folder, "checkpoints", "best.weights.h5"))
            else:
                self.since_best += 1
        if self.chief:
            self.model.save_weights(os.path.join(self.folder, "checkpoints", "last.weights.h5"))
        e = {"type": "epoch", "epoch": epoch_no, "trainLoss": logs["loss"], "trainAccuracy": logs["accuracy"], "seconds": time.time() - self.epoch_start}
        if val_loss is not None:
            e.update(valLoss=val_loss, valAccuracy=val_acc)
        if is_best:
            e["best"] = True
        self.event(e)
        patience = TRAINING.get("patience")
        if patience is not None and self.since_best >= patience and epoch_no < self.epochs:
            self.stopped_early = True
            self.model.stop_training = True


def run_folder(runs):
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    slug = re.sub(r"[^a-z0-9]+", "-", EXPERIMENT["name"].lower()).strip("-")[:40] or "run"
    folder = os.path.join(runs, f"{stamp}-{slug}-keras")
    os.makedirs(os.path.join(folder, "checkpoints"), exist_ok=True)
    return folder


def summary_rows(*models):
    """The layers of the model (a fine-tune: of its base, then its head), as Gradient Lab's model summary lists them."""
    def shape(layer):
        out = layer.output
        return str(tuple((out[0] if isinstance(out, (list, tuple)) else out).shape))
    rows = [{"name": layer.name, "type": type(layer).__name__, "outputShape": shape(layer), "params": layer.count_params(), "trainable": layer.trainable and layer.count_params() > 0}
            for model in models for layer in model.layers]
    total = sum(r["params"] for r in rows)
    return {"rows": rows, "totalParams": total, "trainableParams": sum(r["params"] for r in rows if r["trainable"])}


def strategy_for(kind):
    if kind == "mirrored":
        return tf.distribute.MirroredStrategy()
    if kind == "multi-worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.get_strategy()


def is_chief(kind):
    task = json.loads(os.environ.get("TF_CONFIG", "{}")).get("task", {})
    return kind != "multi-worker" or task.get("index", 0) == 0


def compile_model(model, learning_rate=None):
    model.compile(optimizer=make_optimizer(learning_rate), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])


class Run:
    """The run folder, its started and finished events and its summary, as Gradient Lab writes them."""

    def __init__(self, args, chief, sizes, epochs):
        self.folder, self.chief = run_folder(args.runs), chief
        self.run_id = os.path.basename(self.folder)
        self.started_at = datetime.datetime.now(datetime.timezone.utc)
        self.engine = "gpu" if tf.config.list_physical_devices("GPU") else "cpu"
        if chief:
            with open(os.path.join(self.folder, "experiment.json"), "w") as f:
                json.dump({**EXPERIMENT, "$source": os.path.abspath(__file__)}, f, indent=2)
        self.sizes = sizes
        self.callback = GradientLabRun(self.folder, self.run_id, sizes[0], None, epochs, chief)

    def started(self, models, steps_per_epoch):
        self.callback.event({
            "type": "started", "folder": os.path.abspath(self.folder), "engine": self.engine, "tensorflow": tf.__version__, "experiment": EXPERIMENT,
            "trainSize": self.sizes[0], "validationSize": self.sizes[1], "testSize": self.sizes[2],
            "stepsPerEpoch": steps_per_epoch, "totalEpochs": self.callback.epochs, "classNames": CLASS_NAMES, "time": self.started_at.isoformat(), "summary": summary_rows(*models),
        })

    def finished(self, model, test, restored):
        run = self.callback
        finished = {"type": "finished", "status": "completed", "engine": self.engine, "epochsDone": run.epochs_done, "steps": run.step,
                    "samplesPerSec": run.samples / run.train_seconds if run.train_seconds else 0, "seconds": (datetime.datetime.now(datetime.timezone.utc) - self.started_at).total_seconds()}
        if run.best is not None:
            finished.update(bestEpoch=run.best[0], bestValLoss=run.best[1])
        if restored is not None:
            finished["restoredEpoch"] = restored
        if run.stopped_early:
            finished["stoppedEarly"] = True
        x_test, y_test = test
        if len(y_test):
            finished.update(self.tested(model, x_test, y_test))
        run.event(finished)
        if self.chief:
            summary = {k: v for k, v in finished.items() if k not in ("type", "test", "outputs")}
            summary.update(runId=self.run_id, name=EXPERIMENT["name"], startedAt=self.started_at.isoformat(), finishedAt=datetime.datetime.now(datetime.timezone.utc).isoformat())
            if "test" in finished:
                summary.update(testAccuracy=finished["test"]["accuracy"], testLoss=finished["test"]["loss"])
            with open(os.path.join(self.folder, "summary.json"), "w") as f:
                json.dump(summary, f, indent=2)
            print(f"run folder: {self.folder}")

    def tested(self, model, x_test, y_test):
        loss, accuracy, predicted, _ = evaluate(model, x_test, y_test)
        k = len(CLASS_NAMES)
        confusion = [[int(((y_test == t) & (predicted == p)).sum()) for p in range(k)] for t in range(k)]
        out = {"test": {"loss": loss, "accuracy": accuracy, "confusion": confusion, "perClass": class_report(confusion)}}
        if self.chief:
            with open(os.path.join(self.folder, "predictions.csv"), "w") as f:
                f.write("ImageId,Label\n" + "".join(f"{i + 1},{p}\n" for i, p in enumerate(predicted)))
            out["outputs"] = [os.path.abspath(os.path.join(self.folder, "predictions.csv"))]
        print(f"test accuracy {100 * accuracy:.2f}% (loss {loss:.4f})")
        return out


def train_plain(args, strategy, chief):
    data = image_splits(args)
    with strategy.scope():
        model = build_model()
        if not args.fresh_init:
            load_weights(model, "initial")
        compile_model(model)
    run = Run(args, chief, [len(data[s][1]) for s in ("train", "validation", "test")], args.epochs)
    run.callback.validation = data["validation"]
    batches = EpochBatches(*data["train"], TRAINING["batchSize"])
    run.started([model], len(batches))
    model.fit(batches, epochs=args.epochs, shuffle=False, verbose=2, callbacks=[run.callback])
    restored = None
    if TRAINING.get("restoreBest") and run.callback.best is not None:
        model.set_weights(run.callback.best_weights[1])
        restored = run.callback.best[0]
    run.finished(model, data["test"], restored)


def train_fine_tune(args, strategy, chief):
    """The head on the features; then, with "unfreeze", the top of the base with it on the images."""
    images = image_splits(args)
    unfreezing = FINE_TUNE.get("unfreeze")
    with strategy.scope():
        head = build_model()
        if not args.fresh_init:
            load_weights(head, "initial")
        compile_model(head)
        base = build_base()
        base_features = image_features(base)
        full = build_full(base_features, head)
    if args.data == "source":  # the features of the source's images, computed here by the converted base
        features = {name: (base_features.predict(x, batch_size=64, verbose=0).reshape(len(x), 1, 1, -1), y) for name, (x, y) in images.items()}
    else:
        features = {name: load_features(name) for name in ("train", "validation", "test")}
    head_epochs = args.epochs
    run = Run(args, chief, [len(images[s][1]) for s in ("train", "validation", "test")], head_epochs + (unfreezing["epochs"] if unfreezing else 0))
    cb = run.callback
    cb.validation = features["validation"]
    batches = EpochBatches(*features["train"], TRAINING["batchSize"])
    run.started([base, head], len(batches))
    note = "computed by the converted base from the source's images" if args.data == "source" else "computed by Gradient Lab when the experiment was exported (data/*-features.npy)"
    cb.event({"type": "features", "cache": "hit" if args.data != "source" else "miss", "folder": os.path.join(HERE, "data"), "images": sum(len(images[s][1]) for s in images),
              "dim": FINE_TUNE["featureDim"], "seconds": 0, "stepsPerEpoch": len(batches), "note": note})
    head.fit(batches, epochs=head_epochs, shuffle=False, verbose=2, callbacks=[cb])
    base_weights = base.get_weights()
    if unfreezing:
        reason = "patience" if cb.stopped_early else "epochs"
        cb.stopped_early, cb.since_best = False, 0
        start = cb.epochs_done
        cb.epochs = start + unfreezing["epochs"]
        with strategy.scope():
            names = unfreeze(base, unfreezing["layers"])
            compile_model(full, unfreezing["learningRate"])
        cb.validation = images["validation"]
        image_batches = EpochBatches(*images["train"], TRAINING["batchSize"], batches.random)
        # counted as Gradient Lab counts them: every parameter of a trainable layer (a batch norm's statistics too)
        trainable = sum(layer.count_params() for layer in [*base.layers, *head.layers] if layer.trainable)
        cb.event({"type": "phase", "phase": "unfreeze", "epoch": start + 1, "reason": reason, "unfrozenLayers": names, "trainableParams": int(trainable),
                  "learningRate": unfreezing["learningRate"], "stepsPerEpoch": len(image_batches), "totalEpochs": cb.epochs})
        full.fit(image_batches, initial_epoch=start, epochs=cb.epochs, shuffle=False, verbose=2, callbacks=[cb])
    restored = None
    if TRAINING.get("restoreBest") and cb.best is not None:
        model, weights = cb.best_weights
        if model is head:  # the best epoch was in the head phase: the base as it was then, too
            base.set_weights(base_weights)
        model.set_weights(weights)
        restored = cb.best[0]
    run.finished(full, images["test"], restored)


def check_base():
    """The Keras base's features of the exported test images against Gradient Lab's: the same base, converted."""
    x_test, _ = load_split("test")
    expected, _ = load_features("test")
    ours = image_features(build_base()).predict(x_test, batch_size=32, verbose=0)
    diff = float(np.abs(ours - expected.reshape(ours.shape)).max())
    print(json.dumps({"images": len(x_test), "dim": int(ours.shape[1]), "maxAbsDiff": diff, "maxAbsFeature": float(np.abs(expected).max())}))


def main():
    parser = argparse.ArgumentParser(description=f"Train {EXPERIMENT['name']} with Keras, as Gradient Lab would.")
    parser.add_argument("--epochs", type=int, default=TRAINING["epochs"])
    parser.add_argument("--runs", default=os.path.join(".gradient-lab", "runs"))
    parser.add_argument("--fresh-init", action="store_true")
    parser.add_argument("--to-keras", metavar="FILE")
    parser.add_argument("--check-base", action="store_true")
    parser.add_argument("--data", choices=["exported", "source"], default="exported")
    parser.add_argument("--distribute", choices=["mirrored", "multi-worker"])
    args = parser.parse_args()
    keras.utils.set_random_seed(SEED)
    if args.check_base:
        return check_base() if FINE_TUNE else parser.error("--check-base: this experiment is not a fine-tune")
    if args.to_keras:
        if FINE_TUNE:  # the base and the head, trained together in Gradient Lab: one model from images to logits
            base, head = build_base(), build_model()
            load_weights(base, "trained-base")
            load_weights(head, "trained-head")
            model = build_full(image_features(base), head)
        else:
            model = build_model()
            load_weights(model, "trained")
        model.save(args.to_keras)
        print(f"saved {args.to_keras}")
        return
    strategy, chief = strategy_for(args.distribute), is_chief(args.distribute)
    (train_fine_tune if FINE_TUNE else train_plain)(args, strategy, chief)


if __name__ == "__main__":
    main()
