"""The Keras peer of bench/throughput.ts: the same networks on the same embedded digits, batch 64, Adam, on the
TensorFlow the native engine runs on (graph mode: Keras compiles train_on_batch into a tf.function).
Run with the venv's Python: .cache/python/venv/bin/python bench/keras_peer.py --model cnn --steps 30 --threads 2"""
import json, os, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
from peer_common import digits, peer_args

a = peer_args()
import tensorflow as tf
import keras
tf.config.threading.set_intra_op_parallelism_threads(a.threads)
tf.config.threading.set_inter_op_parallelism_threads(a.threads)
keras.utils.set_random_seed(1)

images, labels = digits(a.data)
x = (images.astype(np.float32) / 255)[..., None]
y = labels.astype(np.int64)
order = np.random.default_rng(1).permutation(len(y))
L = keras.layers
if a.model == "cnn":
    net = keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(32, 5, padding="same", activation="relu"), L.MaxPooling2D(2),
        L.Conv2D(64, 5, padding="same", activation="relu"), L.MaxPooling2D(2),
        L.Flatten(), L.Dense(128, activation="relu"), L.Dropout(0.5), L.Dense(10)])
else:
    net = keras.Sequential([keras.Input((28, 28, 1)), L.Flatten(), L.Dense(256, activation="relu"), L.Dense(10)])
net.compile(optimizer=keras.optimizers.Adam(0.001), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))

times = []
for step in range(a.steps + 2):
    rows = order[(step * 64) % 9984:(step * 64) % 9984 + 64]
    t0 = time.perf_counter()
    float(net.train_on_batch(x[rows], y[rows]))
    times.append(time.perf_counter() - t0)
ms = 1000 * sum(times[2:]) / a.steps  # the first steps trace and compile the graph
print(json.dumps({"engine": f"keras-tf{tf.__version__}", "model": a.model, "steps": a.steps, "msPerStep": ms, "samplesPerSec": 64000 / ms}))
