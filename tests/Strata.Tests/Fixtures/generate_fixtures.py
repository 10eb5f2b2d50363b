#!/usr/bin/env python3
"""Writes the PyTorch reference values the tests compare against (torch.json beside this file).

Run with Debian's python3-torch:  /usr/bin/python3 tests/Strata.Tests/Fixtures/generate_fixtures.py
Keras conventions are mapped to PyTorch as Strata documents them: momentum_torch = 1 - momentum_keras,
epsilon passed as eps, Keras kernels [in, out] are PyTorch weights transposed, and the moving
variance follows Keras (biased batch variance), which the script computes itself because PyTorch's
running_var uses the unbiased one.

The normalization family's conversions: Strata's BatchNormalization(unbiased_moving_variance=true,
momentum=1 - m_torch, epsilon=eps) reproduces nn.BatchNorm1d's running statistics, and
moving_statistics="cumulative" its momentum=None; LayerNormalization(axis=[...], epsilon) is
nn.LayerNorm(normalized_shape, eps) with gamma/beta = weight/bias; GroupNormalization(groups, axis=1)
is nn.GroupNorm on channels-first data. The interop/ folder holds a PyTorch-trained model's weights
under Keras names (Linear weights transposed to kernels) and the Keras config that describes it.
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

# --- Normalization family -------------------------------------------------------------------
# PyTorch BatchNorm1d's running statistics over several steps: Strata's BatchNormalization with
# momentum = 1 - momentum_torch, epsilon = eps and unbiased_moving_variance reproduces them;
# momentum=None is moving_statistics "cumulative".
for name, torch_momentum in (("batchnorm_torch_ema", 0.1), ("batchnorm_torch_cumulative", None)):
    bn = torch.nn.BatchNorm1d(4, momentum=torch_momentum, eps=1e-5)
    batches = [torch.randn(6, 4) * 2 + torch.arange(4.0) for _ in range(5)]
    ys = [flat(bn(b)) for b in batches]
    out[name] = dict(batches=[flat(b) for b in batches], rows=6, channels=4, torch_momentum=torch_momentum,
                     last_y=ys[-1], running_mean=flat(bn.running_mean), running_var=flat(bn.running_var),
                     num_batches_tracked=int(bn.num_batches_tracked))


def norm_case(name, module, x, **extra):
    x = x.clone().requires_grad_(True)
    dy = torch.randn(x.shape)
    y = module(x)
    (y * dy).sum().backward()
    case = dict(shape=list(x.shape), x=flat(x), dy=flat(dy), y=flat(y), dx=flat(x.grad), **extra)
    if getattr(module, "weight", None) is not None:
        case.update(gamma=flat(module.weight), dgamma=flat(module.weight.grad))
    if getattr(module, "bias", None) is not None:
        case.update(beta=flat(module.bias), dbeta=flat(module.bias.grad))
    out[name] = case


def randomized(module):
    with torch.no_grad():
        if getattr(module, "weight", None) is not None: module.weight.copy_(torch.rand(module.weight.shape) + 0.5)
        if getattr(module, "bias", None) is not None: module.bias.copy_(torch.randn(module.bias.shape) * 0.3)
    return module


# LayerNorm over the last axis and over the last two (Keras axis [1, 2], gamma shaped [3, 6]).
norm_case("layernorm_last", randomized(torch.nn.LayerNorm(6, eps=1e-3)), torch.randn(4, 3, 6) * 2 + 0.5)
norm_case("layernorm_two_axes", randomized(torch.nn.LayerNorm((3, 6), eps=1e-3)), torch.randn(4, 3, 6) * 2 - 0.5)
# RMS normalization: Keras LayerNormalization(rms_scaling=True).
if hasattr(torch.nn, "RMSNorm"):
    norm_case("rmsnorm", randomized(torch.nn.RMSNorm(6, eps=1e-3)), torch.randn(4, 6) * 2)
# GroupNorm on channels-first data [N, C, L]: Keras GroupNormalization(groups, axis=1).
norm_case("groupnorm_axis1", randomized(torch.nn.GroupNorm(3, 6, eps=1e-3)), torch.randn(3, 6, 5) * 2 + 1, groups=3)

# AlphaDropout on zeros: kept units become b, dropped ones a*alpha' + b.
torch.manual_seed(11)
ad = F.alpha_dropout(torch.zeros(20000), p=0.2, training=True)
values = sorted(set(round(v, 12) for v in ad.tolist()))
out["alpha_dropout"] = dict(rate=0.2, values=values, dropped_fraction=float((ad != ad.max()).double().mean()))

# A model trained in PyTorch, exported under Keras names: Dense/BatchNormalization/LayerNormalization/Dropout.
torch.manual_seed(21)
net = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.BatchNorm1d(8, momentum=0.1, eps=1e-5), torch.nn.ReLU(),
                          torch.nn.Dropout(0.5), torch.nn.Linear(8, 6), torch.nn.LayerNorm(6, eps=1e-5), torch.nn.Linear(6, 2))
opt = torch.optim.SGD(net.parameters(), lr=0.05)
for _ in range(20):
    xb = torch.randn(16, 5) * 1.5 + 0.5
    loss = ((net(xb) - xb[:, :2]) ** 2).mean()
    opt.zero_grad(); loss.backward(); opt.step()
net.eval()
x = torch.randn(10, 5) * 1.5 + 0.5
eval_y = net(x)
net.train()
net[3].p = 0.0
train_y = net(x)  # batch statistics; also moves the running statistics once more
tensors = {
    "dense/kernel": net[0].weight.t(), "dense/bias": net[0].bias,
    "batch_normalization/gamma": net[1].weight, "batch_normalization/beta": net[1].bias,
    "dense_1/kernel": net[4].weight.t(), "dense_1/bias": net[4].bias,
    "layer_normalization/gamma": net[5].weight, "layer_normalization/beta": net[5].bias,
    "dense_2/kernel": net[6].weight.t(), "dense_2/bias": net[6].bias,
}
# The running statistics before the training-mode pass above: recompute them by undoing that update.
m = 0.1
n = x.shape[0]
h = net[0](x).detach()
batch_mean = h.mean(0); batch_var_unbiased = h.var(0, unbiased=True)
tensors["batch_normalization/moving_mean"] = (net[1].running_mean - m * batch_mean) / (1 - m)
tensors["batch_normalization/moving_variance"] = (net[1].running_var - m * batch_var_unbiased) / (1 - m)
order = ["dense/kernel", "dense/bias", "batch_normalization/gamma", "batch_normalization/beta",
         "batch_normalization/moving_mean", "batch_normalization/moving_variance", "dense_1/kernel", "dense_1/bias",
         "layer_normalization/gamma", "layer_normalization/beta", "dense_2/kernel", "dense_2/bias"]
import struct
header, blobs, offset = {}, [], 0
for key in order:
    data = tensors[key].detach().float().contiguous().numpy().tobytes()
    header[key] = dict(dtype="F32", shape=list(tensors[key].shape), data_offsets=[offset, offset + len(data)])
    blobs.append(data); offset += len(data)
head = json.dumps(header, separators=(",", ":")).encode()
head += b" " * (-len(head) % 8)
interop_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "interop")
os.makedirs(interop_dir, exist_ok=True)
with open(os.path.join(interop_dir, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))
out["interop"] = dict(x=flat(x), eval_y=flat(eval_y), train_y=flat(train_y), rows=10)


def layer(class_name, **config):
    return {"module": "keras.layers", "class_name": class_name, "config": config}


config = {"module": "keras", "class_name": "Sequential", "config": {"name": "from_pytorch", "layers": [
    layer("InputLayer", name="input_layer", batch_shape=[None, 5]),
    layer("Dense", name="dense", units=8),
    # PyTorch momentum 0.1 and eps 1e-5; running_var moves toward the unbiased batch variance.
    layer("BatchNormalization", name="batch_normalization", momentum=0.9, epsilon=1e-5, unbiased_moving_variance=True),
    layer("Activation", name="activation", activation="relu"),
    layer("Dropout", name="dropout", rate=0.5),
    layer("Dense", name="dense_1", units=6),
    layer("LayerNormalization", name="layer_normalization", epsilon=1e-5),
    layer("Dense", name="dense_2", units=2),
]}}
with open(os.path.join(interop_dir, "config.json"), "w") as f:
    json.dump(config, f, indent=1)

# --- Convolution and pooling --------------------------------------------------------------------
# PyTorch is channels-first: inputs are permuted to NHWC for Strata, kernels [out, in/groups, kh, kw]
# to Keras's [kh, kw, in/groups, out]. Keras's "same" padding puts the odd extra row/column after,
# which F.pad reproduces before a "valid" PyTorch convolution.
def same_padding(size, window, stride, dilation):
    span = (window - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def nhwc(t):
    return t.permute(0, 2, 3, 1)


def conv_case(name, shape_nchw, filters, kernel, stride=(1, 1), dilation=(1, 1), padding="valid", groups=1):
    x = (torch.randn(shape_nchw) * 1.5).requires_grad_(True)
    w = (torch.randn(filters, shape_nchw[1] // groups, *kernel) * 0.3).requires_grad_(True)
    b = (torch.randn(filters) * 0.1).requires_grad_(True)
    xp = x
    if padding == "same":
        top, bottom = same_padding(shape_nchw[2], kernel[0], stride[0], dilation[0])
        left, right = same_padding(shape_nchw[3], kernel[1], stride[1], dilation[1])
        xp = F.pad(x, (left, right, top, bottom))
    y = F.conv2d(xp, w, b, stride=stride, dilation=dilation, groups=groups)
    dy = torch.randn(y.shape)
    (y * dy).sum().backward()
    out[name] = dict(x=flat(nhwc(x)), x_shape=list(nhwc(x).shape), kernel=flat(w.permute(2, 3, 1, 0)), bias=flat(b),
                     filters=filters, kernel_size=list(kernel), strides=list(stride), dilation=list(dilation), padding=padding, groups=groups,
                     y=flat(nhwc(y)), y_shape=list(nhwc(y).shape), dy=flat(nhwc(dy)), dx=flat(nhwc(x.grad)),
                     dkernel=flat(w.grad.permute(2, 3, 1, 0)), dbias=flat(b.grad))


conv_case("conv_valid", (2, 3, 7, 6), 4, (3, 3))
conv_case("conv_same_stride", (2, 2, 7, 8), 5, (3, 2), stride=(2, 2), padding="same")
conv_case("conv_dilated_same", (1, 2, 9, 8), 3, (3, 3), dilation=(2, 2), padding="same")
conv_case("conv_groups", (2, 4, 6, 6), 6, (3, 3), groups=2)


def pool_case(name, shape_nchw, window, stride, padding, kind):
    x = (torch.randn(shape_nchw) * 2).requires_grad_(True)
    if padding == "same":
        top, bottom = same_padding(shape_nchw[2], window[0], stride[0], 1)
        left, right = same_padding(shape_nchw[3], window[1], stride[1], 1)
        if kind == "max":
            y = F.max_pool2d(F.pad(x, (left, right, top, bottom), value=float("-inf")), window, stride)
        else:  # average over the positions inside the map only
            ones = F.pad(torch.ones_like(x), (left, right, top, bottom))
            y = F.avg_pool2d(F.pad(x, (left, right, top, bottom)), window, stride) / F.avg_pool2d(ones, window, stride)
    else:
        y = (F.max_pool2d if kind == "max" else F.avg_pool2d)(x, window, stride)
    dy = torch.randn(y.shape)
    (y * dy).sum().backward()
    out[name] = dict(x=flat(nhwc(x)), x_shape=list(nhwc(x).shape), pool_size=list(window), strides=list(stride), padding=padding,
                     kind=kind, y=flat(nhwc(y)), y_shape=list(nhwc(y).shape), dy=flat(nhwc(dy)), dx=flat(nhwc(x.grad)))


pool_case("maxpool_valid", (2, 3, 6, 7), (2, 2), (2, 2), "valid", "max")
pool_case("maxpool_same", (2, 2, 5, 7), (3, 3), (2, 2), "same", "max")
pool_case("avgpool_same", (2, 2, 5, 6), (2, 3), (1, 2), "same", "avg")

# The Fashion-MNIST reference network in inference mode, weights under the Keras names of
# examples/fashion-cnn.json. Flatten differs: Keras flattens (h, w, c), PyTorch (c, h, w), so the first
# Dense kernel's rows are permuted.
torch.manual_seed(31)
def bn(c):
    m = torch.nn.BatchNorm2d(c, eps=1e-3) if c != 512 else torch.nn.BatchNorm1d(c, eps=1e-3)
    with torch.no_grad():
        m.weight.copy_(torch.rand(c) + 0.5); m.bias.copy_(torch.randn(c) * 0.1)
        m.running_mean.copy_(torch.randn(c) * 0.2); m.running_var.copy_(torch.rand(c) + 0.5)
    return m
cnn = torch.nn.Sequential(
    torch.nn.Conv2d(1, 32, 3), bn(32), torch.nn.ReLU(), torch.nn.Conv2d(32, 32, 3), bn(32), torch.nn.ReLU(),
    torch.nn.MaxPool2d(2), torch.nn.Dropout(0.2),
    torch.nn.Conv2d(32, 64, 3), bn(64), torch.nn.ReLU(), torch.nn.Conv2d(64, 64, 3), bn(64), torch.nn.ReLU(),
    torch.nn.MaxPool2d(2), torch.nn.Dropout(0.2), torch.nn.Flatten(),
    torch.nn.Linear(1024, 512), bn(512), torch.nn.ReLU(), torch.nn.Dropout(0.4), torch.nn.Linear(512, 10), torch.nn.Softmax(-1)).eval()
images = torch.rand(4, 1, 28, 28)
probabilities = cnn(images)
keras = {}
convs = [0, 3, 8, 11]
bns = [1, 4, 9, 12, 18]
for i, index in enumerate(convs):
    suffix = "" if i == 0 else f"_{i}"
    keras[f"conv2d{suffix}/kernel"] = cnn[index].weight.permute(2, 3, 1, 0)
    keras[f"conv2d{suffix}/bias"] = cnn[index].bias
for i, index in enumerate(bns):
    suffix = "" if i == 0 else f"_{i}"
    keras[f"batch_normalization{suffix}/gamma"] = cnn[index].weight
    keras[f"batch_normalization{suffix}/beta"] = cnn[index].bias
    keras[f"batch_normalization{suffix}/moving_mean"] = cnn[index].running_mean
    keras[f"batch_normalization{suffix}/moving_variance"] = cnn[index].running_var
keras["dense/kernel"] = cnn[17].weight.reshape(512, 64, 4, 4).permute(2, 3, 1, 0).reshape(1024, 512)
keras["dense/bias"] = cnn[17].bias
keras["dense_1/kernel"] = cnn[21].weight.t()
keras["dense_1/bias"] = cnn[21].bias
header, blobs, offset = {}, [], 0
for key in sorted(keras):
    data = keras[key].detach().float().contiguous().numpy().tobytes()
    header[key] = dict(dtype="F32", shape=list(keras[key].shape), data_offsets=[offset, offset + len(data)])
    blobs.append(data); offset += len(data)
head = json.dumps(header, separators=(",", ":")).encode()
head += b" " * (-len(head) % 8)
with open(os.path.join(interop_dir, "fashion-cnn.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))
out["fashion_cnn"] = dict(images=flat(nhwc(images)), probabilities=flat(probabilities))

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
