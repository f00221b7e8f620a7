"""The Keras peer of bench/featurePass.ts: MobileNetV2 at 224 / InceptionV3 at 299, forward pass of batch 16 in graph
mode on the venv's TensorFlow. weights=None (no download here): the arithmetic is the same as with ImageNet weights.
.cache/python/venv/bin/python bench/keras_features.py --model mobilenet_v2 --batches 3"""
import argparse, json, os, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
p = argparse.ArgumentParser()
p.add_argument("--model", default="mobilenet_v2")
p.add_argument("--batches", type=int, default=3)
a = p.parse_args()
import numpy as np
import tensorflow as tf
import keras
tf.config.threading.set_intra_op_parallelism_threads(2)
size = 299 if a.model == "inception_v3" else 224
net = (keras.applications.InceptionV3 if a.model == "inception_v3" else keras.applications.MobileNetV2)(weights=None, input_shape=(size, size, 3))
images = np.random.default_rng(1).uniform(-1, 1, (16, size, size, 3)).astype(np.float32)
run = tf.function(lambda x: net(x, training=False))
run(images).numpy()
t0 = time.perf_counter()
for _ in range(a.batches):
    run(images).numpy()
print(json.dumps({"engine": f"keras-tf{tf.__version__}", "model": a.model, "size": size, "msPerImage": 1000 * (time.perf_counter() - t0) / (16 * a.batches)}))
