"""Writes Keras model files holding the wrapper layers Bidirectional and TimeDistributed, in the Keras 3 .keras
layout and the tf.keras 2 legacy .h5 layout, with h5py and numpy only (no Keras), and the outputs of an
independent numpy forward pass for fixed inputs (expected-wrappers.json).

Where Keras puts a wrapped layer's variables:
- Keras 3 (saving_lib walks a layer's attributes and names each child group by the attribute): a Bidirectional's
  at layers/bidirectional/forward_layer/cell/vars/<i> then .../backward_layer/cell/vars/<i>; a TimeDistributed's
  at layers/time_distributed/layer/vars/<i>. Every layer on the way has its own vars group, empty here. The
  top-level groups are numbered by class among the model's own layers, so the Dense inside a TimeDistributed
  does not count: the model's last Dense (named dense_1 in config.json) is at layers/dense.
- tf.keras 2 (the variables' own names, under the wrapper's group): "bidirectional/forward_lstm/lstm_cell/kernel:0",
  then "bidirectional/backward_lstm/lstm_cell/...", and "time_distributed/kernel:0".
- Keras 3's config.json holds the forward layer (named forward_lstm) under "layer" and the backward one under
  "backward_layer", both with zero_output_for_mask set to return_sequences, which Bidirectional forces; tf.keras 2's
  model_config holds the wrapped layer as it was given (named lstm) and no backward_layer.

Run from this folder: python3 generate_keras_wrappers.py
"""
import io
import json
import zipfile

import h5py
import numpy as np

from generate_keras_files import k3layer, layer, policy, sigmoid, write_legacy

rng = np.random.default_rng(31)
expected = {}


def w(*shape, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def record(name, x, y):
    expected[name] = {"input_shape": list(x.shape), "input": x.astype(np.float32).ravel().tolist(),
                      "output_shape": list(y.shape), "output": y.astype(np.float32).ravel().tolist()}


# ---- numpy forward pass ----

def run(cell, x, mask, units, states, backwards, sequences):
    """Keras's RNN loop: a masked step keeps the states; with return_sequences its output is zero
    (zero_output_for_mask, forced by Bidirectional). Outputs come in processing order."""
    steps = range(x.shape[1] - 1, -1, -1) if backwards else range(x.shape[1])
    out = []
    for t in steps:
        new = cell(x[:, t], states)
        m = mask[:, t:t + 1]
        states = [m * n + (1 - m) * s for n, s in zip(new, states)]
        out.append(m * states[0])
    return np.stack(out, axis=1) if sequences else states[0]


def lstm_cell(k, rk, b):
    u = rk.shape[0]

    def step(xt, states):
        h, c = states
        z = xt @ k + h @ rk + b
        i, f, g, o = sigmoid(z[:, :u]), sigmoid(z[:, u:2 * u]), np.tanh(z[:, 2 * u:3 * u]), sigmoid(z[:, 3 * u:])
        c = f * c + i * g
        return [o * np.tanh(c), c]
    return step, u, 2


def gru_cell(k, rk, b):
    """reset_after: b[0] the input bias, b[1] the recurrent bias; gates z, r, h."""
    u = rk.shape[0]

    def step(xt, states):
        h = states[0]
        xi, hi = xt @ k + b[0], h @ rk + b[1]
        z = sigmoid(xi[:, :u] + hi[:, :u])
        r = sigmoid(xi[:, u:2 * u] + hi[:, u:2 * u])
        return [z * h + (1 - z) * np.tanh(xi[:, 2 * u:] + r * hi[:, 2 * u:])]
    return step, u, 1


def bidirectional(x, mask, forward, backward, merge, sequences):
    outputs = []
    for (step, units, count), backwards in [(forward, False), (backward, True)]:
        zeros = [np.zeros((x.shape[0], units)) for _ in range(count)]
        outputs.append(run(step, x, mask, units, zeros, backwards, sequences))
    y, y_rev = outputs
    if sequences:
        y_rev = y_rev[:, ::-1]
    return {"concat": lambda: np.concatenate([y, y_rev], -1), "sum": lambda: y + y_rev,
            "mul": lambda: y * y_rev, "ave": lambda: (y + y_rev) / 2}[merge]()


# ---- configs ----

RNN = dict(activation="tanh", recurrent_activation="sigmoid", use_bias=True, dropout=0.0, recurrent_dropout=0.0,
           stateful=False, unroll=False, return_state=False)


def k3_init(cls, **config):
    return {"module": "keras.initializers", "class_name": cls, "config": config, "registered_name": None}


def k3_rnn(cls, name, units, sequences, backwards, build, **extra):
    # Keras 3's Bidirectional serializes its two layers after forcing zero_output_for_mask to return_sequences.
    return k3layer(cls, name, build, units=units, return_sequences=sequences, go_backwards=backwards,
                   zero_output_for_mask=sequences, seed=None, kernel_initializer=k3_init("GlorotUniform", seed=None),
                   recurrent_initializer=k3_init("Orthogonal", gain=1.0, seed=None), bias_initializer=k3_init("Zeros"),
                   kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                   kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, **RNN, **extra)


def k2_rnn(cls, name, units, sequences, **extra):
    return layer(cls, name=name, trainable=True, dtype="float32", units=units, return_sequences=sequences, go_backwards=False,
                 implementation=2, time_major=False, **RNN, **extra)


def write_keras3(path, input_shape, layers, groups):
    """groups: {path under the weights file: ('name' attribute, [arrays])}; every vars group is listed, empty ones too."""
    config = {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "trainable": True, "dtype": policy(),
              "layers": [{"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": input_shape, "dtype": "float32",
                          "sparse": False, "name": "input_layer"}, "registered_name": None}] + layers},
              "registered_name": None, "build_config": {"input_shape": input_shape}, "compile_config": None}
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        for group, (name, values) in groups.items():
            g = f.create_group(group)
            g.attrs["name"] = name
            for i, a in enumerate(values):
                g.create_dataset(str(i), data=a)
        f.create_group("vars").attrs["name"] = "sequential"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, data in [("metadata.json", json.dumps({"keras_version": "3.6.0", "date_saved": "2025-01-01@00:00:00"})),
                           ("config.json", json.dumps(config)), ("model.weights.h5", buffer.getvalue())]:
            z.writestr(zipfile.ZipInfo(name, (2025, 1, 1, 0, 0, 0)), data)


def rnn_groups(prefix, owner, cell, values):
    return {f"{prefix}/vars": (owner, []), f"{prefix}/cell/vars": (cell, values)}


# ---- Embedding(mask_zero) -> Bidirectional(LSTM, return_sequences) -> TimeDistributed(Dense) -> GlobalAveragePooling1D -> Dense ----
def words(path, merge):
    emb = w(7, 3)
    fk, frk, fb = w(3, 16), w(4, 16), w(16, scale=0.2)
    bk, brk, bb = w(3, 16), w(4, 16), w(16, scale=0.2)
    width = 8 if merge == "concat" else 4
    dk, db = w(width, 3), w(3)
    ok, ob = w(3, 2), w(2)
    if path.endswith(".keras"):
        layers = [
            k3layer("Embedding", "embedding", [None, 6], input_dim=7, output_dim=3, embeddings_initializer=k3_init("RandomUniform", minval=-0.05,
                    maxval=0.05, seed=None), embeddings_regularizer=None, activity_regularizer=None, embeddings_constraint=None,
                    mask_zero=True, lora_rank=None),
            k3layer("Bidirectional", "bidirectional", [None, 6, 3], merge_mode=merge,
                    layer=k3_rnn("LSTM", "forward_lstm", 4, True, False, [None, 6, 3], unit_forget_bias=True),
                    backward_layer=k3_rnn("LSTM", "backward_lstm", 4, True, True, [None, 6, 3], unit_forget_bias=True)),
            k3layer("TimeDistributed", "time_distributed", [None, 6, width],
                    layer=k3layer("Dense", "dense", [None, width], units=3, activation="tanh", use_bias=True)),
            k3layer("GlobalAveragePooling1D", "global_average_pooling1d", None, data_format="channels_last", keepdims=False),
            k3layer("Dense", "dense_1", [None, 3], units=2, activation="linear", use_bias=True),
        ]
        groups = {"layers/embedding/vars": ("embedding", [emb]), "layers/bidirectional/vars": ("bidirectional", []),
                  **rnn_groups("layers/bidirectional/forward_layer", "forward_lstm", "lstm_cell", [fk, frk, fb]),
                  **rnn_groups("layers/bidirectional/backward_layer", "backward_lstm", "lstm_cell", [bk, brk, bb]),
                  "layers/time_distributed/vars": ("time_distributed", []), "layers/time_distributed/layer/vars": ("dense", [dk, db]),
                  "layers/global_average_pooling1d/vars": ("global_average_pooling1d", []), "layers/dense/vars": ("dense_1", [ok, ob])}
        write_keras3(path, [None, 6], layers, groups)
    else:
        config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
            layer("InputLayer", batch_input_shape=[None, 6], dtype="float32", sparse=False, ragged=False, name="embedding_input"),
            layer("Embedding", name="embedding", trainable=True, dtype="float32", batch_input_shape=[None, 6], input_dim=7, output_dim=3,
                  embeddings_initializer={"class_name": "RandomUniform", "config": {"minval": -0.05, "maxval": 0.05, "seed": None}},
                  embeddings_regularizer=None, activity_regularizer=None, embeddings_constraint=None, mask_zero=True, input_length=None),
            layer("Bidirectional", name="bidirectional", trainable=True, dtype="float32", merge_mode=merge,
                  layer=k2_rnn("LSTM", "lstm", 4, True, unit_forget_bias=True)),
            layer("TimeDistributed", name="time_distributed", trainable=True, dtype="float32",
                  layer=layer("Dense", name="dense", trainable=True, dtype="float32", units=3, activation="tanh", use_bias=True)),
            layer("GlobalAveragePooling1D", name="global_average_pooling1d", trainable=True, dtype="float32", data_format="channels_last",
                  keepdims=False),
            layer("Dense", name="dense_1", trainable=True, dtype="float32", units=2, activation="linear", use_bias=True),
        ]}}
        cell = lambda d: [(f"bidirectional/{d}_lstm/lstm_cell/{n}:0", a) for n, a in
                          zip(["kernel", "recurrent_kernel", "bias"], [fk, frk, fb] if d == "forward" else [bk, brk, bb])]
        write_legacy(path, config, [
            ("embedding", [("embedding/embeddings:0", emb)]), ("bidirectional", cell("forward") + cell("backward")),
            ("time_distributed", [("time_distributed/kernel:0", dk), ("time_distributed/bias:0", db)]),
            ("global_average_pooling1d", []), ("dense_1", [("dense_1/kernel:0", ok), ("dense_1/bias:0", ob)]),
        ], fixed_strings=False, version="2.12.0")
    # Padding (0) at the ends and inside; every row keeps at least one word.
    x = np.array([[3, 1, 4, 1, 5, 0], [2, 6, 0, 0, 0, 0], [0, 0, 5, 3, 5, 6], [4, 0, 2, 0, 6, 1]], dtype=np.float64)
    mask = (x != 0).astype(np.float64)
    h = bidirectional(emb[x.astype(int)], mask, lstm_cell(fk, frk, fb), lstm_cell(bk, brk, bb), merge, sequences=True)
    h = np.tanh(h @ dk + db)
    pooled = (h * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
    record(path, x, pooled @ ok + ob)


# ---- Bidirectional(GRU) returning the last step -> Dense ----
def gru_model(path, merge):
    fk, frk, fb = w(3, 9), w(3, 9), w(2, 9, scale=0.2)
    bk, brk, bb = w(3, 9), w(3, 9), w(2, 9, scale=0.2)
    ok, ob = w(6 if merge == "concat" else 3, 2), w(2)
    if path.endswith(".keras"):
        layers = [
            k3layer("Bidirectional", "bidirectional", [None, 5, 3], merge_mode=merge,
                    layer=k3_rnn("GRU", "forward_gru", 3, False, False, [None, 5, 3], reset_after=True),
                    backward_layer=k3_rnn("GRU", "backward_gru", 3, False, True, [None, 5, 3], reset_after=True)),
            k3layer("Dense", "dense", [None, ok.shape[0]], units=2, activation="linear", use_bias=True),
        ]
        groups = {"layers/bidirectional/vars": ("bidirectional", []),
                  **rnn_groups("layers/bidirectional/forward_layer", "forward_gru", "gru_cell", [fk, frk, fb]),
                  **rnn_groups("layers/bidirectional/backward_layer", "backward_gru", "gru_cell", [bk, brk, bb]),
                  "layers/dense/vars": ("dense", [ok, ob])}
        write_keras3(path, [None, 5, 3], layers, groups)
    else:
        config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
            layer("InputLayer", batch_input_shape=[None, 5, 3], dtype="float32", sparse=False, ragged=False, name="bidirectional_input"),
            layer("Bidirectional", name="bidirectional", trainable=True, dtype="float32", merge_mode=merge,
                  layer=k2_rnn("GRU", "gru", 3, False, reset_after=True)),
            layer("Dense", name="dense", trainable=True, dtype="float32", units=2, activation="linear", use_bias=True),
        ]}}
        cell = lambda d, v: [(f"bidirectional/{d}_gru/gru_cell/{n}:0", a) for n, a in zip(["kernel", "recurrent_kernel", "bias"], v)]
        write_legacy(path, config, [("bidirectional", cell("forward", [fk, frk, fb]) + cell("backward", [bk, brk, bb])),
                                    ("dense", [("dense/kernel:0", ok), ("dense/bias:0", ob)])], fixed_strings=False, version="2.12.0")
    x = rng.uniform(-1, 1, (3, 5, 3))
    h = bidirectional(x, np.ones((3, 5)), gru_cell(fk, frk, fb), gru_cell(bk, brk, bb), merge, sequences=False)
    record(path, x, h @ ok + ob)


if __name__ == "__main__":
    words("bidirectional-lstm.keras", "concat")
    words("bidirectional-lstm.h5", "sum")
    gru_model("bidirectional-gru.keras", "ave")
    gru_model("bidirectional-gru.h5", "mul")
    with open("expected-wrappers.json", "w") as out:
        json.dump(expected, out)
