"""Writes recurrent.json: PyTorch nn.RNN / nn.LSTM / nn.GRU outputs with their weights in Keras's layout.

Run with /usr/bin/python3 (python3-torch). Layout mapping (PyTorch docs, torch.nn.RNN/LSTM/GRU):
  kernel = weight_ih_l0.T, recurrent_kernel = weight_hh_l0.T.
  RNN, LSTM: bias = bias_ih_l0 + bias_hh_l0 (Keras has one bias). LSTM gates i, f, g, o = Keras i, f, c, o.
  GRU: PyTorch rows r, z, n; Keras columns z, r, h, so the first two blocks swap. PyTorch's n gate is
  tanh(W_in x + b_in + r * (W_hn h + b_hn)), Keras's reset_after=True, with bias [2, 3u] = [input, recurrent].
go_backwards: Keras reads the sequence reversed and returns outputs in that order, so PyTorch runs on the
flipped input. Every case feeds batch 3, 5 steps, 4 features.
"""
import json
import os

import torch

torch.manual_seed(0)
BATCH, STEPS, FEATURES, UNITS = 3, 5, 4, 3


def t(x):
    return [round(float(v), 9) for v in x.detach().reshape(-1).tolist()]


def keras_gru_blocks(w):
    # PyTorch [r; z; n] rows (or entries) to Keras [z, r, h] order.
    r, z, n = w.chunk(3, dim=0)
    return torch.cat([z, r, n], dim=0)


def case(kind, go_backwards, return_sequences, seed):
    torch.manual_seed(seed)
    module = {"SimpleRNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}[kind](FEATURES, UNITS, batch_first=True)
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(-0.6, 0.6)
    x = torch.randn(BATCH, STEPS, FEATURES)
    inputs = torch.flip(x, dims=[1]) if go_backwards else x
    out, _ = module(inputs)
    y = out if return_sequences else out[:, -1, :]
    w_ih, w_hh = module.weight_ih_l0, module.weight_hh_l0
    b_ih, b_hh = module.bias_ih_l0, module.bias_hh_l0
    if kind == "GRU":
        kernel, recurrent = keras_gru_blocks(w_ih).T, keras_gru_blocks(w_hh).T
        bias = torch.stack([keras_gru_blocks(b_ih), keras_gru_blocks(b_hh)])
    else:
        kernel, recurrent, bias = w_ih.T, w_hh.T, b_ih + b_hh
    return {
        "layer": kind, "units": UNITS, "go_backwards": go_backwards, "return_sequences": return_sequences,
        "x_shape": list(x.shape), "x": t(x),
        "kernel_shape": list(kernel.shape), "kernel": t(kernel),
        "recurrent_kernel_shape": list(recurrent.shape), "recurrent_kernel": t(recurrent),
        "bias_shape": list(bias.shape), "bias": t(bias),
        "y_shape": list(y.shape), "y": t(y),
    }


cases = {}
seed = 1
for kind in ["SimpleRNN", "LSTM", "GRU"]:
    for go_backwards in [False, True]:
        for return_sequences in [False, True]:
            name = f"{kind}{'_backwards' if go_backwards else ''}{'_sequences' if return_sequences else ''}"
            cases[name] = case(kind, go_backwards, return_sequences, seed)
            seed += 1

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "recurrent.json"), "w") as f:
    json.dump({"torch_version": torch.__version__, "cases": cases}, f, indent=1)
