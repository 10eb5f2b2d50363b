#!/usr/bin/env python3
"""PyTorch CPU reference for the project's benchmark workloads.

Runs the same models as the seed examples in PyTorch (Debian's python3-torch,
with libopenblas0-pthread as the BLAS) and prints one JSON object per workload.
Usage: /usr/bin/python3 torch_reference.py WORKLOAD [--threads N] [--epochs N] [--data DIR]
Workloads:
  gemm          fp32 square matrix products (256, 1024, 2048): GFLOP/s
  redwine       Dense(1024,relu)-Dropout(0.3)-BatchNorm x3, Dense(1); adam, mae,
                batch 256; red-wine.csv split 70/30 (seeded); seconds per epoch
                (train + validation pass) and best validation MAE
  redwine-infer the same model in inference mode: latency of batch 1 and
                throughput at batch 1024
  fashion-cnn   the CNN of the Conv/BatchNorm/Dropout ordering example, on
                Fashion-MNIST (28x28x1): seconds per epoch over N training
                images (--limit), test accuracy
  fashion-rnn   Fashion-MNIST read row by row (28 steps of 28 pixels):
                LSTM(128) on the last step's output, Linear(10); adam, batch
                128; seconds per epoch over N training images, test accuracy

A copy of ../shared/bench/torch_reference.py with the fashion-rnn workload added and
every result carrying the process's peak resident memory (peak_rss_mb); the workloads
they share are the same code.
"""
import argparse, gzip, json, os, struct, sys, time

# Some machines of this kind set OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE, which force OpenBLAS (PyTorch's BLAS here)
# onto an older kernel; the reference must run with the kernel OpenBLAS picks for this CPU.
if "OPENBLAS_CORETYPE" in os.environ or "OPENBLAS_L2_SIZE" in os.environ:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

import torch
import torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument("workload")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--epochs", type=int, default=3)
p.add_argument("--limit", type=int, default=60000)
p.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "datasets"))
p.add_argument("--fashion", default="/usr/share/datasets/fashion-mnist")
p.add_argument("--seed", type=int, default=0)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)


def emit(**kw):
    import resource
    kw.update(engine="pytorch", version=torch.__version__, threads=torch.get_num_threads(),
              peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(kw), flush=True)


def bn1d(n):  # Keras defaults: momentum 0.99 (PyTorch 0.01), epsilon 1e-3
    return nn.BatchNorm1d(n, momentum=0.01, eps=1e-3)


def bn2d(n):
    return nn.BatchNorm2d(n, momentum=0.01, eps=1e-3)


def redwine_model():
    return nn.Sequential(
        nn.Linear(11, 1024), nn.ReLU(), nn.Dropout(0.3), bn1d(1024),
        nn.Linear(1024, 1024), nn.ReLU(), nn.Dropout(0.3), bn1d(1024),
        nn.Linear(1024, 1024), nn.ReLU(), nn.Dropout(0.3), bn1d(1024),
        nn.Linear(1024, 1))


def load_redwine():
    import csv
    path = os.path.join(a.data, "red-wine.csv")
    with open(path) as f:
        sample = f.readline()
        f.seek(0)
        delim = ";" if sample.count(";") > sample.count(",") else ","
        rows = list(csv.reader(f, delimiter=delim))
    body = [[float(v) for v in r] for r in rows[1:]]
    t = torch.tensor(body, dtype=torch.float32)
    g = torch.Generator().manual_seed(a.seed)
    perm = torch.randperm(len(t), generator=g)
    n_train = int(round(0.7 * len(t)))
    tr, va = t[perm[:n_train]], t[perm[n_train:]]
    return tr[:, :-1], tr[:, -1:], va[:, :-1], va[:, -1:]


def bench_gemm():
    for n in (256, 1024, 2048):
        x, y = torch.randn(n, n), torch.randn(n, n)
        for _ in range(3):
            x @ y
        reps = max(3, int(2e10 / (2 * n ** 3)))
        t = time.perf_counter()
        for _ in range(reps):
            x @ y
        dt = (time.perf_counter() - t) / reps
        emit(workload="gemm", n=n, gflops=2 * n ** 3 / dt / 1e9, seconds=dt)


def bench_redwine():
    xtr, ytr, xva, yva = load_redwine()
    m = redwine_model()
    opt = torch.optim.Adam(m.parameters(), lr=1e-3, eps=1e-7)  # Keras Adam defaults
    loss = nn.L1Loss()
    epoch_times, best = [], float("inf")
    for ep in range(a.epochs):
        t = time.perf_counter()
        m.train()
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 256):
            idx = perm[i:i + 256]
            opt.zero_grad(set_to_none=True)
            l = loss(m(xtr[idx]), ytr[idx])
            l.backward()
            opt.step()
        m.eval()
        with torch.no_grad():
            v = loss(m(xva), yva).item()
        epoch_times.append(time.perf_counter() - t)
        best = min(best, v)
    s = sorted(epoch_times[1:] or epoch_times)
    emit(workload="redwine", epochs=a.epochs, train_rows=len(xtr),
         seconds_per_epoch_median=s[len(s) // 2], seconds_per_epoch_min=s[0], best_val_mae=best)


def bench_redwine_infer():
    m = redwine_model().eval()
    with torch.no_grad():
        x1 = torch.randn(1, 11)
        for _ in range(50):
            m(x1)
        reps = 2000
        t = time.perf_counter()
        for _ in range(reps):
            m(x1)
        lat = (time.perf_counter() - t) / reps
        xb = torch.randn(1024, 11)
        for _ in range(3):
            m(xb)
        t = time.perf_counter()
        for _ in range(20):
            m(xb)
        thr = 20 * 1024 / (time.perf_counter() - t)
    emit(workload="redwine-infer", batch1_latency_us=lat * 1e6, batch1024_rows_per_s=thr)


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    nd = magic & 0xFF
    dims = struct.unpack(">" + "I" * nd, data[4:4 + 4 * nd])
    t = torch.frombuffer(bytearray(data[4 + 4 * nd:]), dtype=torch.uint8)
    return t.reshape(dims)


def fashion_model():
    # Keras Conv2D default padding is 'valid'; the ordering follows the example model.
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), bn2d(32), nn.ReLU(),
        nn.Conv2d(32, 32, 3), bn2d(32), nn.ReLU(),
        nn.MaxPool2d(2), nn.Dropout(0.2),
        nn.Conv2d(32, 64, 3), bn2d(64), nn.ReLU(),
        nn.Conv2d(64, 64, 3), bn2d(64), nn.ReLU(),
        nn.MaxPool2d(2), nn.Dropout(0.2),
        nn.Flatten(),
        nn.Linear(4 * 4 * 64, 512), bn1d(512), nn.ReLU(), nn.Dropout(0.4),
        nn.Linear(512, 10))


def bench_fashion():
    xtr = idx(os.path.join(a.fashion, "train-images-idx3-ubyte.gz"))[:a.limit].float().div_(255).unsqueeze(1)
    ytr = idx(os.path.join(a.fashion, "train-labels-idx1-ubyte.gz"))[:a.limit].long()
    xte = idx(os.path.join(a.fashion, "t10k-images-idx3-ubyte.gz")).float().div_(255).unsqueeze(1)
    yte = idx(os.path.join(a.fashion, "t10k-labels-idx1-ubyte.gz")).long()
    m = fashion_model()
    opt = torch.optim.Adam(m.parameters(), lr=1e-3, eps=1e-7)
    loss = nn.CrossEntropyLoss()
    times = []
    for ep in range(a.epochs):
        t = time.perf_counter()
        m.train()
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 128):
            idx_ = perm[i:i + 128]
            opt.zero_grad(set_to_none=True)
            loss(m(xtr[idx_]), ytr[idx_]).backward()
            opt.step()
        times.append(time.perf_counter() - t)
    m.eval()
    with torch.no_grad():
        acc = sum((m(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item() for i in range(0, 10000, 1000)) / 10000
    s = sorted(times)
    emit(workload="fashion-cnn", epochs=a.epochs, train_images=len(xtr),
         seconds_per_epoch_median=s[len(s) // 2], seconds_per_epoch_min=s[0], test_accuracy=acc)


class RowLSTM(nn.Module):
    # Keras's LSTM defaults: Glorot-uniform kernel, orthogonal recurrent kernel, zero bias with the
    # forget gate's at 1 (PyTorch has two biases; bias_hh stays zero).
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(28, 128, batch_first=True)
        self.head = nn.Linear(128, 10)
        nn.init.xavier_uniform_(self.lstm.weight_ih_l0)
        nn.init.orthogonal_(self.lstm.weight_hh_l0)
        nn.init.zeros_(self.lstm.bias_ih_l0)
        nn.init.zeros_(self.lstm.bias_hh_l0)
        with torch.no_grad():
            self.lstm.bias_ih_l0[128:256] = 1

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def bench_fashion_rnn():
    xtr = idx(os.path.join(a.fashion, "train-images-idx3-ubyte.gz"))[:a.limit].float().div_(255)
    ytr = idx(os.path.join(a.fashion, "train-labels-idx1-ubyte.gz"))[:a.limit].long()
    xte = idx(os.path.join(a.fashion, "t10k-images-idx3-ubyte.gz")).float().div_(255)
    yte = idx(os.path.join(a.fashion, "t10k-labels-idx1-ubyte.gz")).long()
    m = RowLSTM()
    opt = torch.optim.Adam(m.parameters(), lr=1e-3, eps=1e-7)
    loss = nn.CrossEntropyLoss()
    times = []
    for ep in range(a.epochs):
        t = time.perf_counter()
        m.train()
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 128):
            idx_ = perm[i:i + 128]
            opt.zero_grad(set_to_none=True)
            loss(m(xtr[idx_]), ytr[idx_]).backward()
            opt.step()
        times.append(time.perf_counter() - t)
    m.eval()
    with torch.no_grad():
        acc = sum((m(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item() for i in range(0, 10000, 1000)) / 10000
    s = sorted(times)
    emit(workload="fashion-rnn", epochs=a.epochs, train_images=len(xtr),
         seconds_per_epoch_median=s[len(s) // 2], seconds_per_epoch_min=s[0], test_accuracy=acc)


{"gemm": bench_gemm, "redwine": bench_redwine, "redwine-infer": bench_redwine_infer,
 "fashion-cnn": bench_fashion, "fashion-rnn": bench_fashion_rnn}[a.workload]()
