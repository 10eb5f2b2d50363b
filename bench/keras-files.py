"""Checks Strata's reading of the two real Keras files in ../shared/keras-files (not part of the repository).

For the Keras 3.6 model: a plain numpy forward pass of best_model.keras (read with zipfile and h5py),
Strata's predictions on X_test, the largest difference between the two, and both accuracies on y_test.

Needs numpy and h5py (/usr/bin/python3 here) and a built CLI:
    dotnet build -c Release && /usr/bin/python3 bench/keras-files.py [../shared/keras-files]
The Keras 2.1.3 CNN (image inputs, which predict's CSV input does not take) is checked against Keras's own
predictions by the RealKerasFileTests in the test suite, which print their numbers:
    dotnet test -c Release --filter RealKerasFileTests --logger "console;verbosity=detailed"
"""
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile

import h5py
import numpy as np

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
files = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "..", "shared", "keras-files")
cli = ["dotnet", os.path.join(root, "src", "Strata.Cli", "bin", "Release", "net10.0", "Strata.Cli.dll")]


def strata_predict(model, x):
    """Runs `strata predict` on x (flattened per row, as the CSV input takes it) and returns its outputs."""
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = os.path.join(tmp, "x.csv"), os.path.join(tmp, "y.csv")
        flat = x.reshape(len(x), -1)
        np.savetxt(inp, flat, delimiter=",", header=",".join(f"f{i}" for i in range(flat.shape[1])), comments="", fmt="%.9g")
        subprocess.run(cli + ["predict", model, "--input", inp, "--output", out], check=True, capture_output=True)
        return np.loadtxt(out, delimiter=",", skiprows=1, ndmin=2)


def numpy_forward_keras3(path, x):
    """The forward pass of best_model.keras in inference mode, from its config.json and model.weights.h5."""
    with zipfile.ZipFile(path) as z:
        config = json.loads(z.read("config.json"))
        weights = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
    counts = {}
    h = x.astype(np.float64)
    for layer in config["config"]["layers"]:
        cls, c = layer["class_name"], layer["config"]
        if cls == "InputLayer":
            continue
        snake = {"Dense": "dense", "BatchNormalization": "batch_normalization", "LeakyReLU": "leaky_re_lu", "Dropout": "dropout"}[cls]
        k = counts.get(snake, -1) + 1
        counts[snake] = k
        group = weights[f"layers/{snake}" + (f"_{k}" if k else "") + "/vars"]
        v = [group[str(i)][()].astype(np.float64) for i in range(len(group))]
        if cls == "Dense":
            h = h @ v[0] + v[1]
            if c["activation"] == "relu":
                h = np.maximum(h, 0)
            elif c["activation"] == "softmax":
                e = np.exp(h - h.max(1, keepdims=True))
                h = e / e.sum(1, keepdims=True)
            elif c["activation"] != "linear":
                raise ValueError(c["activation"])
        elif cls == "BatchNormalization":
            h = (h - v[2]) / np.sqrt(v[3] + c["epsilon"]) * v[0] + v[1]
        elif cls == "LeakyReLU":
            h = np.where(h > 0, h, c["negative_slope"] * h)
    return h


dense = os.path.join(files, "keras3.6-dense-batchnorm-dropout")
x, y = np.load(os.path.join(dense, "X_test.npy")), np.load(os.path.join(dense, "y_test.npy"))
model = os.path.join(dense, "best_model.keras")
ref = numpy_forward_keras3(model, x)
got = strata_predict(model, x)
print(f"Keras 3.6 model: {len(x)} rows, max |Strata - numpy| = {np.abs(got - ref).max():.3g}, "
      f"accuracy Strata {np.mean(got.argmax(1) == y):.6f}, numpy {np.mean(ref.argmax(1) == y):.6f} "
      f"(Keras printed 0.3741), argmax agreement {np.mean(got.argmax(1) == ref.argmax(1)):.6f}")
