#!/usr/bin/env python3
"""Writes the PyTorch reference values the tests compare against (torch.json beside this file).

Run with Debian's python3-torch:  /usr/bin/python3 tests/Strata.Tests/Fixtures/generate_fixtures.py
Keras conventions are mapped to PyTorch as Strata documents them: momentum_torch = 1 - momentum_keras,
epsilon passed as eps, Keras kernels [in, out] are PyTorch weights transposed, and the moving
variance follows Keras (biased batch variance), which the script computes itself because PyTorch's
running_var uses the unbiased one.
"""
import json, os
import torch
import torch.nn.functional as F

torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)
out = {}


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def batchnorm_case(name, x, axis_channels_first, gamma, beta, dy, momentum=0.99, eps=1e-3):
    # x is given in PyTorch layout (channels on axis 1); Strata's case uses the same array with axis=1.
    x = x.clone().requires_grad_(True)
    g = gamma.clone().requires_grad_(True)
    b = beta.clone().requires_grad_(True)
    rm = torch.zeros(x.shape[1]); rv = torch.ones(x.shape[1])
    y = F.batch_norm(x, rm, rv, g, b, training=True, momentum=1 - momentum, eps=eps)
    (y * dy).sum().backward()
    dims = [d for d in range(x.dim()) if d != 1]
    mean = x.detach().mean(dims)
    var_biased = x.detach().var(dims, unbiased=False)
    moving_mean = 0 * momentum + mean * (1 - momentum)
    moving_var = 1 * momentum + var_biased * (1 - momentum)
    # Inference with given moving statistics.
    im = torch.randn(x.shape[1]) * 0.1
    iv = torch.rand(x.shape[1]) + 0.5
    xi = x.detach().clone().requires_grad_(True)
    gi = gamma.clone().requires_grad_(True)
    yi = F.batch_norm(xi, im, iv, gi, beta, training=False, eps=eps)
    (yi * dy).sum().backward()
    out[name] = dict(shape=list(x.shape), x=flat(x), gamma=flat(gamma), beta=flat(beta), dy=flat(dy),
                     momentum=momentum, epsilon=eps, y=flat(y), dx=flat(x.grad), dgamma=flat(g.grad), dbeta=flat(b.grad),
                     moving_mean=flat(moving_mean), moving_variance=flat(moving_var),
                     inference_mean=flat(im), inference_variance=flat(iv), inference_y=flat(yi),
                     inference_dx=flat(xi.grad), inference_dgamma=flat(gi.grad))


# Dense-style input [batch, channels]: channels are the last axis in both layouts.
x = torch.randn(16, 6) * 2 + 1
batchnorm_case("batchnorm_2d", x, True, torch.rand(6) + 0.5, torch.randn(6) * 0.1, torch.randn(16, 6))
# [batch, channels, length]: Strata normalizes axis=1 with inner length 5.
x = torch.randn(4, 3, 5) * 3 - 1
batchnorm_case("batchnorm_axis1", x, True, torch.rand(3) + 0.5, torch.randn(3) * 0.1, torch.randn(4, 3, 5), momentum=0.9, eps=1e-5)

# Dropout: PyTorch's convention is inverted dropout, identity in eval; record one draw to compare scaling.
x = torch.randn(64, 32).requires_grad_(True)
dy = torch.randn(64, 32)
torch.manual_seed(7)
y = F.dropout(x, p=0.3, training=True)
(y * dy).sum().backward()
out["dropout"] = dict(rate=0.3, x=flat(x), y=flat(y), dy=flat(dy), dx=flat(x.grad),
                      eval_y=flat(F.dropout(x, p=0.3, training=False)))

# Dense: y = relu(x W + b) with Keras kernel [in, out] = PyTorch weight transposed.
x = torch.randn(7, 5).requires_grad_(True)
w = (torch.randn(3, 5) * 0.5).requires_grad_(True)
b = torch.randn(3).requires_grad_(True)
dy = torch.randn(7, 3)
y = F.relu(F.linear(x, w, b))
(y * dy).sum().backward()
out["dense_relu"] = dict(x=flat(x), kernel=flat(w.detach().t()), bias=flat(b), dy=flat(dy), y=flat(y),
                         dx=flat(x.grad), dkernel=flat(w.grad.t()), dbias=flat(b.grad))

# Activations, Keras semantics: leaky_relu slope 0.2, exact gelu.
z = torch.linspace(-4, 4, 33)
acts = {"relu": F.relu(z), "sigmoid": torch.sigmoid(z), "tanh": torch.tanh(z), "elu": F.elu(z), "selu": F.selu(z),
        "gelu": F.gelu(z), "leaky_relu": F.leaky_relu(z, 0.2)}
out["activations"] = dict(z=flat(z), **{k: flat(v) for k, v in acts.items()})
zs = torch.randn(4, 6)
out["softmax"] = dict(z=flat(zs), y=flat(F.softmax(zs, -1)), rows=4, cols=6)

# Losses with their gradients with respect to the predictions.
def loss_case(name, fn, pred, target):
    p = pred.clone().requires_grad_(True)
    v = fn(p, target)
    v.backward()
    out["loss_" + name] = dict(pred=flat(pred), target=flat(target), pred_shape=list(pred.shape),
                               target_shape=list(target.shape), value=float(v), grad=flat(p.grad))

pr = torch.randn(8, 2) * 2; tg = torch.randn(8, 2) * 2
loss_case("mae", F.l1_loss, pr, tg)
loss_case("mse", F.mse_loss, pr, tg)
loss_case("huber", lambda p, t: F.huber_loss(p, t, delta=1.0), pr, tg)
probs = torch.rand(8, 1) * 0.98 + 0.01; labels = (torch.rand(8, 1) > 0.5).double()
loss_case("bce", F.binary_cross_entropy, probs, labels)
logits = torch.randn(8, 1) * 3
loss_case("bce_logits", F.binary_cross_entropy_with_logits, logits, labels)
logits = torch.randn(6, 4) * 2; cls = torch.randint(0, 4, (6,))
onehot = F.one_hot(cls, 4).double()
loss_case("cce_logits", lambda p, t: F.cross_entropy(p, t.argmax(-1)), logits, onehot)
sm = F.softmax(torch.randn(6, 4), -1)
# Keras renormalizes probabilities before the log, which adds 1/sum(p) to the gradient.
loss_case("cce", lambda p, t: -(t * torch.log(p / p.sum(-1, keepdim=True))).sum(-1).mean(), sm, onehot)
loss_case("sparse_cce_logits", lambda p, t: F.cross_entropy(p, t.long().reshape(-1)), logits, cls.double().reshape(6, 1))

# Adam with Keras defaults (eps 1e-7) over three steps of fixed gradients.
w = torch.randn(10).requires_grad_(True)
w0 = flat(w)
opt = torch.optim.Adam([w], lr=0.01, betas=(0.9, 0.999), eps=1e-7)
grads = [torch.randn(10) for _ in range(3)]
for g in grads:
    opt.zero_grad(); w.grad = g.clone(); opt.step()
out["adam"] = dict(lr=0.01, w0=w0, grads=[flat(g) for g in grads], w3=flat(w))

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
