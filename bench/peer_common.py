"""What the Python peers of bench/throughput.ts share: their arguments and the embedded digits as uint8 arrays."""
import argparse, gzip
import numpy as np


def peer_args():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="cnn")
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--data", default="dist/data")
    return p.parse_args()


def idx(path):
    raw = gzip.open(path).read()
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def digits(folder):
    """Images (count × 28 × 28) and labels of the embedded digits the build writes to dist/data."""
    return idx(f"{folder}/digits-images-idx3-ubyte.gz"), idx(f"{folder}/digits-labels-idx1-ubyte.gz")
