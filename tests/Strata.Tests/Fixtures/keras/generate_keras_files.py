"""Writes small Keras model files in every layout Strata reads, with h5py and numpy only (no Keras),
and the outputs a plain numpy forward pass gives for fixed inputs (expected.json).

Layouts: Keras 1 .h5 (Convolution2D vocabulary, _W/_b and _running_std names, fixed-length strings),
Keras 2.1 .h5 (bare-list Sequential config, batch_input_shape), tf.keras 2.10 .h5 (InputLayer first,
BatchNormalization axis as a list, variable-length strings, top_level_model_weights), a tf.keras
Functional chain .h5, a tf.keras .h5 saved under a .keras name, the Keras 3 .keras zip, and the
Windows variant of it whose weight groups are literal 'layers\\dense' names. Also the bad files the
tests refuse (a weight missing, a shape that disagrees, a huge declared dataset, a branching graph), and
an LSTM and GRU model in the Keras 3 and tf.keras 2 layouts, whose variables sit on the layers' cells.

Run from this folder: python3 generate_keras_files.py (the wrapper layers' files come from generate_keras_wrappers.py)
"""
import io
import json
import zipfile

import h5py
import numpy as np

rng = np.random.default_rng(15)
EPS = 1e-3
expected = {}


def w(*shape, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def positive(*shape):
    return rng.uniform(0.5, 1.5, shape).astype(np.float32)


# ---- numpy forward pass (channels last, inference mode) ----

def same_pad(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def conv2d(x, k, b, strides=(1, 1), padding="valid"):
    kh, kw, _, f = k.shape
    if padding == "same":
        (t, bo), (l, r) = same_pad(x.shape[1], kh, strides[0]), same_pad(x.shape[2], kw, strides[1])
        x = np.pad(x, ((0, 0), (t, bo), (l, r), (0, 0)))
    oh = (x.shape[1] - kh) // strides[0] + 1
    ow = (x.shape[2] - kw) // strides[1] + 1
    y = np.zeros((x.shape[0], oh, ow, f))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * strides[0]:i * strides[0] + kh, j * strides[1]:j * strides[1] + kw, :]
            y[:, i, j, :] = np.tensordot(patch, k, axes=([1, 2, 3], [0, 1, 2]))
    return y + (0 if b is None else b)


def depthwise2d(x, k, b):
    kh, kw, c, m = k.shape
    oh, ow = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    y = np.zeros((x.shape[0], oh, ow, c * m))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i:i + kh, j:j + kw, :]
            y[:, i, j, :] = np.einsum("nhwc,hwcm->ncm", patch, k).reshape(x.shape[0], c * m)
    return y + b


def conv1d(x, k, b, padding="valid"):
    return conv2d(x[:, :, None, :], k[:, None, :, :], b, padding=padding)[:, :, 0, :]


def pool2d(x, size, op):
    n, h, wd, c = x.shape
    oh, ow = h // size, wd // size
    return op(x[:, :oh * size, :ow * size, :].reshape(n, oh, size, ow, size, c), axis=(2, 4))


def pool1d(x, size, op):
    return pool2d(x[:, :, None, :].repeat(size, axis=2), size, op)[:, :, 0, :]


def batchnorm(x, gamma, beta, mean, var):
    return (x - mean) / np.sqrt(var + EPS) * gamma + beta


def layernorm(x, gamma, beta):
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * gamma + beta


def groupnorm(x, groups, gamma, beta):
    n, c = x.shape
    g = x.reshape(n, groups, c // groups)
    g = (g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + EPS)
    return g.reshape(n, c) * gamma + beta


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


relu = lambda x: np.maximum(x, 0)
elu = lambda x: np.where(x > 0, x, np.exp(np.minimum(x, 0)) - 1)
sigmoid = lambda x: 1 / (1 + np.exp(-x))


def record(name, x, y):
    expected[name] = {"input_shape": list(x.shape), "input": x.astype(np.float32).ravel().tolist(),
                      "output_shape": list(y.shape), "output": y.astype(np.float32).ravel().tolist()}


# ---- HDF5 writing helpers ----

def fixed(s):
    return np.bytes_(s)


def write_legacy(path, model_config, layers, fixed_strings, version=None, extra=None, top_level=False, layer_names=None):
    """layers: list of (group name, [(weight path, array)])."""
    text = (lambda s: fixed(s)) if fixed_strings else (lambda s: s)
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = text(json.dumps(model_config))
        if version is not None:
            f.attrs["keras_version"] = text(version)
            f.attrs["backend"] = text("tensorflow")
        if extra:
            f.attrs["training_config"] = text(json.dumps({"loss": "mse", "optimizer_config": {"class_name": "Adam", "config": {}}}))
            f.create_group("optimizer_weights").create_dataset("Adam/iterations:0", data=np.int64(3))
        g = f.create_group("model_weights")
        names = layer_names or [n for n, _ in layers]
        g.attrs["layer_names"] = [fixed(n) for n in names] if fixed_strings else np.array(names, dtype=h5py.string_dtype())
        if top_level:
            g.create_group("top_level_model_weights").attrs["weight_names"] = np.array([], dtype=np.float64)
        for name, weights in layers:
            lg = g.create_group(name)
            if weights:
                wn = [p for p, _ in weights]
                lg.attrs["weight_names"] = [fixed(p) for p in wn] if fixed_strings else np.array(wn, dtype=h5py.string_dtype())
            else:
                lg.attrs["weight_names"] = np.array([], dtype=np.float64)
            for p, a in weights:
                lg.create_dataset(p, data=a)


def layer(cls, **config):
    return {"class_name": cls, "config": config}


# ---- Keras 1: Convolution2D vocabulary, bare list, _W/_b, running_std holding the variance ----
def keras1():
    k1, b1 = w(3, 3, 2, 3), w(3)
    g, be, m, v = positive(3), w(3, scale=0.1), w(3, scale=0.2), positive(3)
    k2, b2 = w(12, 4), w(4)
    k3, b3 = w(4, 2), w(2)
    config = {"class_name": "Sequential", "config": [
        layer("Convolution2D", name="convolution2d_1", nb_filter=3, nb_row=3, nb_col=3, init="glorot_uniform", activation="linear",
              border_mode="same", subsample=[1, 1], dim_ordering="tf", W_regularizer=None, b_regularizer=None, activity_regularizer=None,
              W_constraint=None, b_constraint=None, bias=True, trainable=True, batch_input_shape=[None, 4, 4, 2], input_dtype="float32"),
        layer("BatchNormalization", name="batchnormalization_1", epsilon=0.001, mode=0, axis=-1, momentum=0.99, gamma_regularizer=None,
              beta_regularizer=None, trainable=True),
        layer("Activation", name="activation_1", activation="relu", trainable=True),
        layer("MaxPooling2D", name="maxpooling2d_1", pool_size=[2, 2], strides=[2, 2], border_mode="valid", dim_ordering="tf", trainable=True),
        layer("Flatten", name="flatten_1", trainable=True),
        layer("Dense", name="dense_1", output_dim=4, init="glorot_uniform", activation="tanh", W_regularizer=None, b_regularizer=None,
              activity_regularizer=None, W_constraint=None, b_constraint=None, bias=True, input_dim=None, trainable=True),
        layer("Dropout", name="dropout_1", p=0.5, trainable=True),
        layer("Dense", name="dense_2", output_dim=2, init="glorot_uniform", activation="linear", bias=True, input_dim=None, trainable=True),
    ]}
    write_legacy("keras1.h5", config, [
        ("convolution2d_1", [("convolution2d_1_W:0", k1), ("convolution2d_1_b:0", b1)]),
        ("batchnormalization_1", [("batchnormalization_1_gamma:0", g), ("batchnormalization_1_beta:0", be),
                                  ("batchnormalization_1_running_mean:0", m), ("batchnormalization_1_running_std:0", v)]),
        ("activation_1", []), ("maxpooling2d_1", []), ("flatten_1", []),
        ("dense_1", [("dense_1_W:0", k2), ("dense_1_b:0", b2)]), ("dropout_1", []),
        ("dense_2", [("dense_2_W:0", k3), ("dense_2_b:0", b3)]),
    ], fixed_strings=True)
    x = rng.uniform(-1, 1, (3, 4, 4, 2))
    h = relu(batchnorm(conv2d(x, k1, b1, padding="same"), g, be, m, v))
    h = pool2d(h, 2, np.max).reshape(3, -1)
    record("keras1.h5", x, np.tanh(h @ k2 + b2) @ k3 + b3)


# ---- Keras 2.1: bare list, batch_input_shape, Keras 2 names, fixed-length strings, optimizer state ----
def keras2():
    k1, b1 = w(3, 3, 4), w(4)
    k2, b2 = w(2, 4, 4), w(4)
    alpha = w(2, 4, scale=0.2)
    k3, b3 = w(4, 3), w(3)
    config = {"class_name": "Sequential", "config": [
        layer("Conv1D", name="conv1d_1", filters=4, kernel_size=[3], strides=[1], padding="valid", activation="relu", use_bias=True,
              dilation_rate=[1], trainable=True, dtype="float32", batch_input_shape=[None, 10, 3],
              kernel_initializer={"class_name": "VarianceScaling", "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None}},
              bias_initializer={"class_name": "Zeros", "config": {}}, kernel_regularizer=None, bias_regularizer=None,
              activity_regularizer=None, kernel_constraint=None, bias_constraint=None),
        layer("MaxPooling1D", name="max_pooling1d_1", pool_size=[2], strides=[2], padding="valid", trainable=True),
        layer("Conv1D", name="conv1d_2", filters=4, kernel_size=[2], strides=[1], padding="same", activation="linear", use_bias=True, trainable=True),
        layer("ELU", name="elu_1", alpha=1.0, trainable=True),
        layer("AveragePooling1D", name="average_pooling1d_1", pool_size=[2], strides=[2], padding="valid", trainable=True),
        layer("PReLU", name="p_re_lu_1", alpha_initializer={"class_name": "Zeros", "config": {}}, alpha_regularizer=None,
              alpha_constraint=None, shared_axes=None, trainable=True),
        layer("GlobalAveragePooling1D", name="global_average_pooling1d_1", trainable=True),
        layer("Dense", name="dense_1", units=3, activation="softmax", use_bias=True, trainable=True),
    ]}
    write_legacy("keras2.h5", config, [
        ("conv1d_1", [("conv1d_1/kernel:0", k1), ("conv1d_1/bias:0", b1)]), ("max_pooling1d_1", []),
        ("conv1d_2", [("conv1d_2/kernel:0", k2), ("conv1d_2/bias:0", b2)]), ("elu_1", []), ("average_pooling1d_1", []),
        ("p_re_lu_1", [("p_re_lu_1/alpha:0", alpha)]), ("global_average_pooling1d_1", []),
        ("dense_1", [("dense_1/kernel:0", k3), ("dense_1/bias:0", b3)]),
    ], fixed_strings=True, version="2.1.3", extra=True)
    x = rng.uniform(-1, 1, (3, 10, 3))
    h = pool1d(relu(conv1d(x, k1, b1)), 2, np.max)
    h = pool1d(elu(conv1d(h, k2, b2, padding="same")), 2, np.mean)
    h = np.maximum(h, 0) + alpha * np.minimum(h, 0)
    record("keras2.h5", x, softmax(h.mean(axis=1) @ k3 + b3))


# ---- tf.keras 2.10: {"name", "layers"} with InputLayer first, axis as a list, variable-length strings ----
def tfkeras(path, name, with_input=True):
    k1, b1 = w(3, 3, 2, 3), w(3)
    g, be, m, v = positive(3), w(3, scale=0.1), w(3, scale=0.2), positive(3)
    kd, bd = w(2, 2, 3, 2), w(6)
    k2, b2 = w(6, 2), w(2)
    layers = [
        layer("InputLayer", name="input_1", batch_input_shape=[None, 5, 5, 2], dtype="float32", sparse=False, ragged=False),
        layer("ZeroPadding2D", name="zero_padding2d", trainable=True, dtype="float32", padding=[[1, 1], [1, 1]], data_format="channels_last"),
        layer("Conv2D", name="conv2d", trainable=True, dtype="float32", filters=3, kernel_size=[3, 3], strides=[1, 1], padding="valid",
              data_format="channels_last", dilation_rate=[1, 1], groups=1, activation="linear", use_bias=True),
        layer("BatchNormalization", name="batch_normalization", trainable=True, dtype="float32", axis=[3], momentum=0.99, epsilon=0.001,
              center=True, scale=True),
        layer("ReLU", name="re_lu", trainable=True, dtype="float32", max_value=None, negative_slope=0.0, threshold=0.0),
        layer("DepthwiseConv2D", name="depthwise_conv2d", trainable=True, dtype="float32", kernel_size=[2, 2], strides=[1, 1],
              padding="valid", depth_multiplier=2, activation="linear", use_bias=True),
        layer("MaxPooling2D", name="max_pooling2d", trainable=True, dtype="float32", pool_size=[2, 2], padding="valid", strides=[2, 2]),
        layer("SpatialDropout2D", name="spatial_dropout2d", trainable=True, dtype="float32", rate=0.2, noise_shape=None, seed=None),
        layer("AveragePooling2D", name="average_pooling2d", trainable=True, dtype="float32", pool_size=[2, 2], padding="valid", strides=[2, 2]),
        layer("GlobalMaxPooling2D", name="global_max_pooling2d", trainable=True, dtype="float32", keepdims=False),
        layer("Dense", name="dense", trainable=True, dtype="float32", units=2, activation="sigmoid", use_bias=True),
    ]
    weights = [
        ("zero_padding2d", []), ("conv2d", [("conv2d/kernel:0", k1), ("conv2d/bias:0", b1)]),
        ("batch_normalization", [("batch_normalization/gamma:0", g), ("batch_normalization/beta:0", be),
                                 ("batch_normalization/moving_mean:0", m), ("batch_normalization/moving_variance:0", v)]),
        ("re_lu", []), ("depthwise_conv2d", [("depthwise_conv2d/depthwise_kernel:0", kd), ("depthwise_conv2d/bias:0", bd)]),
        ("max_pooling2d", []), ("spatial_dropout2d", []), ("average_pooling2d", []), ("global_max_pooling2d", []),
        ("dense", [("dense/kernel:0", k2), ("dense/bias:0", b2)]),
    ]
    config = {"class_name": "Sequential", "config": {"name": name, "layers": layers}}
    write_legacy(path, config, weights, fixed_strings=False, version="2.10.0", top_level=True)
    x = rng.uniform(-1, 1, (3, 5, 5, 2))
    h = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    h = relu(batchnorm(conv2d(h, k1, b1), g, be, m, v))
    h = pool2d(depthwise2d(h, kd, bd), 2, np.max)
    h = pool2d(h, 2, np.mean).max(axis=(1, 2))
    record(path, x, sigmoid(h @ k2 + b2))


# ---- tf.keras Functional chain (and a branching one the reader refuses) ----
def functional(path, branch=False):
    k1, b1 = w(2, 3, 4), w(4)
    k2, b2 = w(4, 2), w(2)
    node = lambda n: [[[n, 0, 0, {}]]]
    layers = [
        {"class_name": "InputLayer", "name": "input_1", "inbound_nodes": [],
         "config": {"batch_input_shape": [None, 6, 3], "dtype": "float32", "sparse": False, "ragged": False, "name": "input_1"}},
        {"class_name": "Conv1D", "name": "conv1d", "inbound_nodes": node("input_1"),
         "config": {"name": "conv1d", "trainable": True, "dtype": "float32", "filters": 4, "kernel_size": [2], "activation": "relu"}},
        {"class_name": "GlobalMaxPooling1D", "name": "global_max_pooling1d", "inbound_nodes": node("conv1d"),
         "config": {"name": "global_max_pooling1d", "trainable": True, "dtype": "float32", "data_format": "channels_last"}},
        {"class_name": "Dense", "name": "dense", "inbound_nodes": node("global_max_pooling1d"),
         "config": {"name": "dense", "trainable": True, "dtype": "float32", "units": 2, "activation": "linear"}},
    ]
    if branch:
        layers.append({"class_name": "Dense", "name": "dense_1", "inbound_nodes": node("global_max_pooling1d"),
                       "config": {"name": "dense_1", "units": 2}})
    config = {"class_name": "Functional", "config": {"name": "model", "layers": layers,
              "input_layers": [["input_1", 0, 0]], "output_layers": [["dense", 0, 0]]}}
    weights = [("input_1", []), ("conv1d", [("conv1d/kernel:0", k1), ("conv1d/bias:0", b1)]), ("global_max_pooling1d", []),
               ("dense", [("dense/kernel:0", k2), ("dense/bias:0", b2)])]
    if branch:
        weights.append(("dense_1", [("dense_1/kernel:0", k2), ("dense_1/bias:0", b2)]))
    write_legacy(path, config, weights, fixed_strings=False, version="2.10.0")
    if not branch:
        x = rng.uniform(-1, 1, (3, 6, 3))
        record(path, x, relu(conv1d(x, k1, b1)).max(axis=1) @ k2 + b2)


# ---- Keras 3 zip ----
def policy():
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


def k3layer(cls, name, build=None, **config):
    obj = {"module": "keras.layers", "class_name": cls, "config": {"name": name, "trainable": True, "dtype": policy(), **config},
           "registered_name": None}
    if build is not None:
        obj["build_config"] = {"input_shape": build}
    return obj


def keras3(path, windows):
    k1, b1 = w(4, 8), w(8)
    g1, be1, m1, v1 = positive(8), w(8, scale=0.1), w(8, scale=0.2), positive(8)
    lg, lb = positive(2), w(2, scale=0.1)
    k2, b2 = w(8, 6), w(6)
    gg, gb = positive(6), w(6, scale=0.1)
    k3, b3 = w(6, 3), w(3)
    layers = [
        {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [None, 4], "dtype": "float32", "sparse": False,
                                                                          "name": "input_layer"}, "registered_name": None},
        k3layer("Dense", "dense", [None, 4], units=8, activation="linear", use_bias=True),
        k3layer("BatchNormalization", "batch_normalization", [None, 8], axis=-1, momentum=0.99, epsilon=0.001, center=True, scale=True),
        k3layer("LeakyReLU", "leaky_re_lu", [None, 8], negative_slope=0.2),
        k3layer("Reshape", "reshape", [None, 8], target_shape=[4, 2]),
        k3layer("LayerNormalization", "layer_normalization", [None, 4, 2], axis=-1, epsilon=0.001, center=True, scale=True),
        k3layer("Flatten", "flatten", [None, 4, 2], data_format="channels_last"),
        k3layer("Dense", "dense_1", [None, 8], units=6, activation="linear", use_bias=True),
        k3layer("GroupNormalization", "group_normalization", [None, 6], groups=2, axis=-1, epsilon=0.001, center=True, scale=True),
        k3layer("Activation", "activation", [None, 6], activation="tanh"),
        k3layer("GaussianNoise", "gaussian_noise", [None, 6], stddev=0.1, seed=None),
        k3layer("GaussianDropout", "gaussian_dropout", [None, 6], rate=0.1, seed=None),
        k3layer("AlphaDropout", "alpha_dropout", [None, 6], rate=0.1, seed=None, noise_shape=None),
        k3layer("Dropout", "dropout", [None, 6], rate=0.3, seed=None, noise_shape=None),
        k3layer("Dense", "dense_2", [None, 6], units=3, activation="linear", use_bias=True),
        k3layer("Softmax", "softmax", [None, 3], axis=-1),
    ]
    config = {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "trainable": True, "dtype": policy(),
              "layers": layers}, "registered_name": None, "build_config": {"input_shape": [None, 4]},
              "compile_config": {"optimizer": "adam", "loss": "categorical_crossentropy", "metrics": None}}
    variables = {"dense": [k1, b1], "batch_normalization": [g1, be1, m1, v1], "leaky_re_lu": [], "reshape": [],
                 "layer_normalization": [lg, lb], "flatten": [], "dense_1": [k2, b2], "group_normalization": [gg, gb],
                 "activation": [], "gaussian_noise": [], "gaussian_dropout": [], "alpha_dropout": [], "dropout": [],
                 "dense_2": [k3, b3], "softmax": []}
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        for name, values in variables.items():
            # Some Windows writers joined the outer names with a backslash: one group literally named 'layers\dense'.
            g = f.create_group(f"layers\\{name}/vars" if windows else f"layers/{name}/vars")
            g.attrs["name"] = name
            for i, a in enumerate(values):
                g.create_dataset(str(i), data=a)
        f.create_group("optimizer/vars").create_dataset("0", data=np.int64(7))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.6.0", "date_saved": "2025-01-01@00:00:00"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", buffer.getvalue())
    x = rng.uniform(0, 1, (3, 4))
    h = batchnorm(x @ k1 + b1, g1, be1, m1, v1)
    h = np.where(h > 0, h, 0.2 * h).reshape(3, 4, 2)
    h = layernorm(h, lg, lb).reshape(3, 8)
    h = np.tanh(groupnorm(h @ k2 + b2, 2, gg, gb))
    record(path, x, softmax(h @ k3 + b3))


# ---- files the reader must refuse ----
def bad_files():
    config = {"class_name": "Sequential", "config": [layer("Dense", name="dense_1", units=2, batch_input_shape=[None, 3])]}
    write_legacy("bad-missing-weight.h5", config, [("dense_1", [("dense_1/kernel:0", w(3, 2))])], fixed_strings=False, version="2.2.4")
    write_legacy("bad-shape.h5", config, [("dense_1", [("dense_1/kernel:0", w(4, 2)), ("dense_1/bias:0", w(2))])], fixed_strings=False, version="2.2.4")
    with h5py.File("bad-huge.h5", "w") as f:
        f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": [layer("Dense", name="dense_1", units=2, batch_input_shape=[None, 3])]})
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = np.array(["dense_1"], dtype=h5py.string_dtype())
        lg = g.create_group("dense_1")
        lg.attrs["weight_names"] = np.array(["dense_1/kernel:0", "dense_1/bias:0"], dtype=h5py.string_dtype())
        # Declared but never written: 2^31 float32 values in a file of a few kilobytes.
        lg.create_dataset("dense_1/kernel:0", shape=(65536, 32768), dtype=np.float32, chunks=(1024, 1024))
        lg.create_dataset("dense_1/bias:0", data=w(2))


# ---- recurrent layers: variables on the cell (Keras 3 layers/lstm/cell/vars, tf.keras 2 lstm/lstm_cell/kernel:0) ----
def lstm(x, k, rk, b):
    u = rk.shape[0]
    h, c, out = np.zeros((x.shape[0], u)), np.zeros((x.shape[0], u)), []
    for t in range(x.shape[1]):
        z = x[:, t] @ k + h @ rk + b
        i, f, g, o = sigmoid(z[:, :u]), sigmoid(z[:, u:2 * u]), np.tanh(z[:, 2 * u:3 * u]), sigmoid(z[:, 3 * u:])
        c = f * c + i * g
        h = o * np.tanh(c)
        out.append(h)
    return np.stack(out, axis=1)


def gru(x, k, rk, b):
    """reset_after: b[0] is the input bias, b[1] the recurrent bias; gates z, r, h."""
    u = rk.shape[0]
    h = np.zeros((x.shape[0], u))
    for t in range(x.shape[1]):
        xi, hi = x[:, t] @ k + b[0], h @ rk + b[1]
        z = sigmoid(xi[:, :u] + hi[:, :u])
        r = sigmoid(xi[:, u:2 * u] + hi[:, u:2 * u])
        cand = np.tanh(xi[:, 2 * u:] + r * hi[:, 2 * u:])
        h = z * h + (1 - z) * cand
    return h


def recurrent(path):
    lk, lrk, lb = w(3, 16), w(4, 16), w(16, scale=0.2)
    gk, grk, gb = w(4, 9), w(3, 9), w(2, 9, scale=0.2)
    dk, db = w(3, 2), w(2)
    common = dict(activation="tanh", recurrent_activation="sigmoid", use_bias=True, dropout=0.0, recurrent_dropout=0.0,
                  go_backwards=False, stateful=False, unroll=False, return_state=False)
    if path.endswith(".keras"):
        layers = [
            {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [None, 5, 3], "dtype": "float32", "sparse": False,
                                                                              "name": "input_layer"}, "registered_name": None},
            k3layer("LSTM", "lstm", [None, 5, 3], units=4, return_sequences=True, unit_forget_bias=True, seed=None,
                    zero_output_for_mask=False, **common),
            k3layer("GRU", "gru", [None, 5, 4], units=3, return_sequences=False, reset_after=True, seed=None,
                    zero_output_for_mask=False, **common),
            k3layer("Dense", "dense", [None, 3], units=2, activation="linear", use_bias=True),
        ]
        config = {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "trainable": True, "dtype": policy(),
                  "layers": layers}, "registered_name": None, "build_config": {"input_shape": [None, 5, 3]}, "compile_config": None}
        buffer = io.BytesIO()
        with h5py.File(buffer, "w") as f:
            for name, cell, values in [("lstm", "lstm_cell", [lk, lrk, lb]), ("gru", "gru_cell", [gk, grk, gb]), ("dense", None, [dk, db])]:
                own = f.create_group(f"layers/{name}/vars")
                own.attrs["name"] = name
                g = f.create_group(f"layers/{name}/cell/vars") if cell else own
                if cell:
                    g.attrs["name"] = cell
                for i, a in enumerate(values):
                    g.create_dataset(str(i), data=a)
            f.create_group("vars").attrs["name"] = "sequential"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
            for name, data in [("metadata.json", json.dumps({"keras_version": "3.6.0", "date_saved": "2025-01-01@00:00:00"})),
                               ("config.json", json.dumps(config)), ("model.weights.h5", buffer.getvalue())]:
                z.writestr(zipfile.ZipInfo(name, (2025, 1, 1, 0, 0, 0)), data)
    else:
        config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
            layer("InputLayer", batch_input_shape=[None, 5, 3], dtype="float32", sparse=False, ragged=False, name="lstm_input"),
            layer("LSTM", name="lstm", trainable=True, dtype="float32", units=4, return_sequences=True, unit_forget_bias=True,
                  implementation=2, time_major=False, **common),
            layer("GRU", name="gru", trainable=True, dtype="float32", units=3, return_sequences=False, reset_after=True,
                  implementation=2, time_major=False, **common),
            layer("Dense", name="dense", trainable=True, dtype="float32", units=2, activation="linear", use_bias=True),
        ]}}
        write_legacy(path, config, [
            ("lstm", [("lstm/lstm_cell/kernel:0", lk), ("lstm/lstm_cell/recurrent_kernel:0", lrk), ("lstm/lstm_cell/bias:0", lb)]),
            ("gru", [("gru/gru_cell/kernel:0", gk), ("gru/gru_cell/recurrent_kernel:0", grk), ("gru/gru_cell/bias:0", gb)]),
            ("dense", [("dense/kernel:0", dk), ("dense/bias:0", db)]),
        ], fixed_strings=False, version="2.12.0")
    x = rng.uniform(-1, 1, (3, 5, 3))
    record(path, x, gru(lstm(x, lk, lrk, lb), gk, grk, gb) @ dk + db)



if __name__ == "__main__":
    keras1()
    keras2()
    tfkeras("tfkeras210.h5", "sequential")
    tfkeras("tfkeras-h5-named.keras", "sequential_1")
    functional("functional-chain.h5")
    functional("bad-branch.h5", branch=True)
    keras3("keras3.keras", windows=False)
    keras3("keras3-windows.keras", windows=True)
    bad_files()
    recurrent("recurrent.keras")
    recurrent("recurrent.h5")
    with open("expected.json", "w") as out:
        json.dump(expected, out)
