#!/usr/bin/env python3
"""Writes activations.json beside this file: PyTorch's outputs and input gradients for the activations
and activation layers Strata compares against.

Run with Debian's python3-torch:  /usr/bin/python3 tests/Strata.Tests/Fixtures/generate_activation_fixtures.py

Every case holds z (the input), dy (the output gradient), y = f(z) and dx = dy * f'(z) from autograd, in
float64. Keras names map to PyTorch as: swish = F.silu, hard_sigmoid = F.hardsigmoid (Keras 3's
relu6(x + 3)/6), hard_silu = F.hardswish, exponential = torch.exp, leaky_relu = F.leaky_relu(0.2), the
LeakyReLU layer = F.leaky_relu(0.3), ReLU(max_value=m) = F.hardtanh(0, m), ELU(alpha) = F.elu(alpha),
Softmax(axis) = F.softmax(dim), PReLU with alpha per channel = F.prelu on channels-first data. Keras's
ReLU with a threshold has no PyTorch op; its case writes Keras's definition with torch.where.
Inputs are kept 0.05 away from the kinks (0, +-3, 6 and the thresholds), where one-sided derivatives differ.
"""
import json, os
import torch
import torch.nn.functional as F

torch.manual_seed(2024)
torch.set_default_dtype(torch.float64)
out = {}


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def away_from(z, kinks, margin=0.05):
    for k in kinks:
        near = (z - k).abs() < margin
        z = torch.where(near, k + margin * torch.sign(z - k + 1e-12) * 2, z)
    return z


def case(name, fn, z, dy, **extra):
    z = z.clone().requires_grad_(True)
    y = fn(z)
    (y * dy).sum().backward()
    out[name] = dict(shape=list(z.shape), z=flat(z), dy=flat(dy), y=flat(y), dx=flat(z.grad), **extra)


# One input for the element-wise functions: [6, 8], spread over the interesting range, with the tails.
z = torch.randn(6, 8) * 3
z[0, :4] = torch.tensor([-30.0, -21.0, 21.0, 30.0])
z = away_from(z, [0.0, -3.0, 3.0, 6.0, 0.5, 2.5])
dy = torch.randn(6, 8)
functions = {
    "leaky_relu": lambda t: F.leaky_relu(t, 0.2),
    "relu6": F.relu6,
    "elu": F.elu,
    "softplus": F.softplus,
    "softsign": F.softsign,
    "swish": F.silu,
    "hard_sigmoid": F.hardsigmoid,
    "hard_silu": F.hardswish,
    "mish": F.mish,
    "softmax": lambda t: F.softmax(t, dim=-1),
    "log_softmax": lambda t: F.log_softmax(t, dim=-1),
}
for name, fn in functions.items():
    case(name, fn, z, dy)
# exp of 30 is 1e13: the tails are left out so the relative tolerance is meaningful.
ze = z.clamp(-12, 12)
case("exponential", torch.exp, ze, dy)

# The layers with their arguments.
case("layer_leaky_relu", lambda t: F.leaky_relu(t, 0.3), z, dy, negative_slope=0.3)
case("layer_relu_max_value", lambda t: F.hardtanh(t, 0.0, 2.5), z, dy, max_value=2.5)
case("layer_relu_negative_slope", lambda t: F.leaky_relu(t, 0.1), z, dy, negative_slope=0.1)
case("layer_relu_max_value_6", F.relu6, z, dy, max_value=6.0)
case("layer_relu_all", lambda t: torch.where(t > 0.5, t.clamp(max=3.0), 0.1 * (t - 0.5)), z, dy,
     max_value=3.0, negative_slope=0.1, threshold=0.5)
case("layer_elu_alpha", lambda t: F.elu(t, alpha=0.7), z, dy, alpha=0.7)
x3 = torch.randn(3, 4, 5) * 2
case("layer_softmax_axis1", lambda t: F.softmax(t, dim=1), x3, torch.randn(3, 4, 5), axis=1)


def prelu_case(name, x, alpha, fn, dy, **extra):
    x = x.clone().requires_grad_(True)
    a = alpha.clone().requires_grad_(True)
    y = fn(x, a)
    (y * dy).sum().backward()
    out[name] = dict(shape=list(x.shape), z=flat(x), dy=flat(dy), alpha_shape=list(alpha.shape), alpha=flat(alpha),
                     y=flat(y), dx=flat(x.grad), dalpha=flat(a.grad), **extra)


# [batch, units]: one alpha per unit is F.prelu with num_parameters = units.
x = away_from(torch.randn(6, 8) * 2, [0.0])
prelu_case("layer_prelu_units", x, torch.rand(8) * 0.5, F.prelu, torch.randn(6, 8))
# [batch, h, w, channels] with shared_axes [1, 2]: one alpha per channel, F.prelu on the channels-first view.
x = away_from(torch.randn(2, 3, 4, 5) * 2, [0.0])
prelu_case("layer_prelu_shared", x, torch.rand(5) * 0.5,
           lambda t, a: F.prelu(t.permute(0, 3, 1, 2), a).permute(0, 2, 3, 1), torch.randn(2, 3, 4, 5), shared_axes=[1, 2])
# [batch, steps, features] with an alpha per step and feature: the PReLU definition, written with torch.where.
x = away_from(torch.randn(4, 3, 2) * 2, [0.0])
prelu_case("layer_prelu_full", x, torch.rand(3, 2) * 0.5, lambda t, a: torch.where(t > 0, t, a * t), torch.randn(4, 3, 2))

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "activations.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {path}: {len(out)} cases")
