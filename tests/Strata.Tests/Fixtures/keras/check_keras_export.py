"""Checks a file written by `strata export --format keras|h5` with h5py alone (no Keras, no Strata).

    python3 check_keras_export.py MODEL.keras|MODEL.h5 [ROWS.csv PREDICTIONS.csv]

Prints the layout Keras's loader walks (the Keras 3 vars groups numbered per class, or tf.keras 2's
layer_names and weight_names), and, given input rows and `strata predict`'s output for them, runs a
plain numpy forward pass of the Dense / BatchNormalization / dropout / activation layers from the
file's own config and weights and prints the largest difference. Needs numpy and h5py (Debian
python3-h5py); the test suite does not run it.
"""
import io
import json
import re
import sys
import zipfile

import h5py
import numpy as np


def snake_case(name):
    # Keras's naming.to_snake_case, which names the vars groups of a .keras file.
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


def keras3(path):
    archive = zipfile.ZipFile(path)
    print("entries:", [(i.filename, i.compress_type) for i in archive.infolist()])
    print("metadata:", json.loads(archive.read("metadata.json")))
    config = json.loads(archive.read("config.json"))
    weights = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
    assert len(weights.attrs) == 0, "Keras 3 writes no root attributes"
    layers, used = [], {}
    for layer in config["config"]["layers"][1:]:
        name = snake_case(layer["class_name"])
        used[name] = used[name] + 1 if name in used else 0
        group = name if used[name] == 0 else f"{name}_{used[name]}"
        vars_ = weights[f"layers/{group}/vars"]
        values = [np.array(vars_[str(i)]) for i in range(len(vars_))]
        print(f"  layers/{group}/vars {layer['class_name']:<20} {[v.shape for v in values]}")
        layers.append((layer["class_name"], layer["config"], values))
    return layers


def keras2(path):
    f = h5py.File(path, "r")
    print("root attributes:", sorted(f.attrs.keys()), f.attrs["keras_version"], f.attrs["backend"])
    config = json.loads(f.attrs["model_config"])
    names = [n.decode() if isinstance(n, bytes) else n for n in f["model_weights"].attrs["layer_names"]]
    layers = []
    for layer, name in zip(config["config"]["layers"][1:], names):
        group = f["model_weights"][name]
        weight_names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
        values = [np.array(group[n]) for n in weight_names]
        print(f"  {name:<24} {layer['class_name']:<20} {weight_names}")
        layers.append((layer["class_name"], layer["config"], values))
    return layers


ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "tanh": np.tanh,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "softmax": lambda x: np.exp(x - x.max(-1, keepdims=True)) / np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True),
}


def forward(layers, x):
    for class_name, config, w in layers:
        if class_name == "Dense":
            x = ACTIVATIONS[config["activation"]](x @ w[0] + (w[1] if config["use_bias"] else 0))
        elif class_name == "BatchNormalization":
            gamma, beta, mean, var = w
            x = (x - mean) / np.sqrt(var + config["epsilon"]) * gamma + beta
        elif class_name == "Activation":
            x = ACTIVATIONS[config["activation"]](x)
        elif class_name not in ("Dropout", "GaussianDropout", "GaussianNoise", "AlphaDropout"):
            raise SystemExit(f"this check's forward pass has no {class_name}")
    return x


def main():
    path = sys.argv[1]
    with open(path, "rb") as f:
        magic = f.read(4)
    layers = keras3(path) if magic == b"PK\x03\x04" else keras2(path)
    if len(sys.argv) == 4:
        x = np.loadtxt(sys.argv[2], delimiter=",", skiprows=1, ndmin=2).astype(np.float64)
        expected = np.loadtxt(sys.argv[3], delimiter=",", skiprows=1, ndmin=2)
        y = forward([(c, k, [v.astype(np.float64) for v in w]) for c, k, w in layers], x)
        print(f"numpy forward vs strata predict: max |difference| {np.abs(y - expected).max():.3g} over {y.size} outputs")


if __name__ == "__main__":
    main()
