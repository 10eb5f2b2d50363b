#!/usr/bin/env python3
"""Writes optimizers.json beside this file: weights after each step of Keras 3's optimizers.

Standard library only:  python3 tests/Strata.Tests/Fixtures/generate_optimizer_fixtures.py

Each update rule is written as keras/src/optimizers/{sgd,rmsprop,adam}.py computes it (AdamW is
Adam after the base optimizer's decoupled decay, w <- w - w * weight_decay * lr, applied before the
update step). Keras computes in float32; this script in float64, so the tests compare with a
tolerance. Some cases change the learning rate between steps, as ReduceLROnPlateau does: that is
where Keras's forms (velocity holding lr * g) differ from PyTorch's (lr applied outside the buffer).
Config keys left out of a case take Keras's defaults, which the tests thereby pin.
"""
import json, math, os

KERAS_DEFAULTS = {
    "sgd": {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False},
    "rmsprop": {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, "centered": False},
    "adam": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "adamw": {"learning_rate": 0.001, "weight_decay": 0.004, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
}


def sgd(c, w, g, s, lr, t):
    if c["momentum"] == 0:
        return [wi - gi * lr for wi, gi in zip(w, g)]
    m = s.setdefault("m", [0.0] * len(w))
    out = []
    for i in range(len(w)):
        m[i] = m[i] * c["momentum"] - g[i] * lr
        if c["nesterov"]:
            out.append(w[i] + (m[i] * c["momentum"] - g[i] * lr))
        else:
            out.append(w[i] + m[i])
    return out


def rmsprop(c, w, g, s, lr, t):
    rho, eps = c["rho"], c["epsilon"]
    velocity = s.setdefault("velocity", [0.0] * len(w))
    average = s.setdefault("average_grad", [0.0] * len(w))
    momentum = s.setdefault("momentum", [0.0] * len(w))
    out = []
    for i in range(len(w)):
        velocity[i] = rho * velocity[i] + (1 - rho) * g[i] ** 2
        if c["centered"]:
            average[i] = rho * average[i] + (1 - rho) * g[i]
            denominator = velocity[i] - average[i] ** 2 + eps
        else:
            denominator = velocity[i] + eps
        increment = lr * g[i] / math.sqrt(denominator)
        if c["momentum"] > 0:
            momentum[i] = c["momentum"] * momentum[i] + increment
            out.append(w[i] - momentum[i])
        else:
            out.append(w[i] - increment)
    return out


def adam(c, w, g, s, lr, t):
    b1, b2 = c["beta_1"], c["beta_2"]
    m = s.setdefault("m", [0.0] * len(w))
    v = s.setdefault("v", [0.0] * len(w))
    # local_step = iterations + 1, with iterations counted from 0.
    alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    out = []
    for i in range(len(w)):
        m[i] += (g[i] - m[i]) * (1 - b1)
        v[i] += (g[i] ** 2 - v[i]) * (1 - b2)
        out.append(w[i] - m[i] * alpha / (math.sqrt(v[i]) + c["epsilon"]))
    return out


def adamw(c, w, g, s, lr, t):
    w = [wi - wi * c["weight_decay"] * lr for wi in w]
    return adam(c, w, g, s, lr, t)


RULES = {"sgd": sgd, "rmsprop": rmsprop, "adam": adam, "adamw": adamw}
CLASS_NAMES = {"sgd": "SGD", "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW"}

W0 = [0.5, -1.0, 2.0, -0.25, 0.0, 1.5, -2.5, 0.75, 3.0, -0.6, 0.1]
GRADIENTS = [
    [0.3, -0.2, 1.0, 0.0, -0.5, 0.25, -1.2, 0.8, 0.05, -0.9, 0.4],
    [0.1, -0.4, 0.6, 0.2, -0.3, -0.25, -0.8, 0.9, 0.15, -0.7, -0.4],
    [-0.2, -0.1, 0.4, 0.3, 0.1, 0.5, -0.6, 1.1, 0.25, -0.2, 0.0],
    [0.05, 0.3, -0.2, -0.1, 0.2, 0.6, 0.4, 0.7, -0.35, 0.1, 0.2],
]
TINY = [[g * 1e-4 for g in step] for step in GRADIENTS]
ZERO = [[0.0] * len(W0) for _ in GRADIENTS]


def case(name, optimizer, config, gradients=GRADIENTS, learning_rates=None):
    c = dict(KERAS_DEFAULTS[optimizer], **config)
    lrs = learning_rates or [c["learning_rate"]] * len(gradients)
    w, state, steps = list(W0), {}, []
    for t, (g, lr) in enumerate(zip(gradients, lrs), start=1):
        w = RULES[optimizer](c, w, g, state, lr, t)
        steps.append(w)
    entry = {"name": name, "optimizer": {"class_name": CLASS_NAMES[optimizer], "config": config}, "weights": W0, "gradients": gradients, "expected": steps}
    if learning_rates:
        entry["learning_rates"] = learning_rates
    return entry


CASES = [
    case("sgd", "sgd", {"learning_rate": 0.1}),
    case("sgd momentum", "sgd", {"learning_rate": 0.1, "momentum": 0.9}),
    case("sgd nesterov", "sgd", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    case("sgd nesterov, learning rate cut after two steps", "sgd", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True},
         learning_rates=[0.1, 0.1, 0.02, 0.02]),
    case("sgd momentum, learning rate cut after two steps", "sgd", {"learning_rate": 0.1, "momentum": 0.8},
         learning_rates=[0.1, 0.1, 0.02, 0.02]),
    case("rmsprop", "rmsprop", {"learning_rate": 0.01}),
    case("rmsprop momentum", "rmsprop", {"learning_rate": 0.01, "momentum": 0.5}),
    case("rmsprop momentum, learning rate cut after two steps", "rmsprop", {"learning_rate": 0.01, "momentum": 0.9},
         learning_rates=[0.01, 0.01, 0.001, 0.001]),
    case("rmsprop centered", "rmsprop", {"learning_rate": 0.01, "rho": 0.8, "centered": True}),
    case("rmsprop centered momentum, large epsilon", "rmsprop", {"learning_rate": 0.01, "rho": 0.8, "momentum": 0.9, "centered": True, "epsilon": 0.1}),
    # Gradients of 1e-4: the squared average (~1e-9) is below Keras's default epsilon (1e-7), so
    # the default's value and its place inside the square root decide the step.
    case("rmsprop defaults, tiny gradients", "rmsprop", {}, gradients=TINY),
    case("adam defaults, tiny gradients", "adam", {}, gradients=TINY),
    case("adamw", "adamw", {"learning_rate": 0.01, "weight_decay": 0.1}),
    case("adamw, learning rate cut after two steps", "adamw", {"learning_rate": 0.05, "weight_decay": 0.2},
         learning_rates=[0.05, 0.05, 0.01, 0.01]),
    # No gradient: only the decay moves the weights, w * (1 - lr * 0.004) per step with Keras's default.
    case("adamw default weight decay, zero gradients", "adamw", {"learning_rate": 1.0}, gradients=ZERO),
]

if __name__ == "__main__":
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optimizers.json")
    with open(path, "w") as f:
        # One case a line: small enough to read, and a changed case shows as one changed line.
        f.write('{"cases": [\n' + ",\n".join(json.dumps(c) for c in CASES) + "\n]}\n")
    print(f"wrote {len(CASES)} cases to {path}")
