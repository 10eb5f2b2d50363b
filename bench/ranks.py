#!/usr/bin/env python3
"""Training with several ranks (Open MPI's mpirun) against one process: the README's "Scaling out" figures.

1. Differences: each spec is trained for --epochs epochs by 1, 2 and 3 ranks (`strata train --ranks N`),
   with BatchNormalization as the spec has it and with synchronized=true; the table gives the relative
   difference of loss and val_loss (the larger) from the single process after the first and the last
   epoch, ||w_N - w_1|| / ||w_1|| over all kernels together, and the largest such ratio of any one
   weight array (small arrays such as biases feeding BatchNormalization, whose gradients are mostly
   rounding, lead that column).
2. Throughput: `strata bench redwine` with 1 rank x 2 threads against 2 ranks x 1 thread (the mpirun
   arguments `--ranks` uses), alternating, median epoch time over --bench-epochs epochs, and the time per
   step the ranks spend exchanging.

Usage: bench/ranks.py [--epochs 10] [--fashion-limit 6000] [--bench-epochs 20] [--repeats 3] [--skip-fashion] [--skip-throughput]
       [--reproducible-sums]
"""
import argparse, io, json, os, shutil, statistics, struct, subprocess, tempfile, zipfile
import numpy as np

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
p = argparse.ArgumentParser()
p.add_argument("--epochs", type=int, default=10)
p.add_argument("--fashion-limit", type=int, default=6000)
p.add_argument("--bench-epochs", type=int, default=20)
p.add_argument("--repeats", type=int, default=3)
p.add_argument("--skip-fashion", action="store_true")
p.add_argument("--skip-throughput", action="store_true")
p.add_argument("--reproducible-sums", action="store_true", help="every run takes its sums over rows in fixed point (fit.reproducible_sums)")
a = p.parse_args()

subprocess.run(["dotnet", "build", "src/Strata.Cli", "-c", "Release", "-v", "quiet", "-nologo"], cwd=root, check=True, stdout=subprocess.DEVNULL)
strata = os.path.join(root, "src", "Strata.Cli", "bin", "Release", "net10.0", "Strata.Cli")
scratch = tempfile.mkdtemp(prefix="strata-ranks-")
env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def weights(model):
    """The arrays of a .strata file's model.safetensors, by name."""
    with zipfile.ZipFile(model) as z:
        data = z.read("model.safetensors")
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    return {k: np.frombuffer(body[v["data_offsets"][0]:v["data_offsets"][1]], dtype="<f4")
            for k, v in header.items() if k != "__metadata__"}


def history(run):
    with open(os.path.join(run, "history.csv")) as f:
        names = f.readline().strip().split(",")
        return [dict(zip(names, map(float, line.split(",")))) for line in f if line.strip()]


def train(spec, ranks, out, extra):
    command = [strata, "train", spec, "--out", out, "--no-lint", "--epochs", str(a.epochs)] + extra
    if ranks > 1:
        command += ["--ranks", str(ranks)]
    subprocess.run(command, cwd=root, check=True, stdout=subprocess.DEVNULL, env=env)


def variant(source, name, synchronized, loss=None):
    with open(os.path.join(root, source)) as f:
        spec = json.load(f)
    if "path" in spec["data"]:
        spec["data"]["path"] = os.path.join(root, "examples", spec["data"]["path"])
    for layer in spec["model"]["config"]["layers"]:
        if layer["class_name"] == "BatchNormalization" and synchronized:
            layer["config"]["synchronized"] = True
    if loss:
        spec["compile"]["loss"] = loss
    if a.reproducible_sums:
        spec["fit"]["reproducible_sums"] = True
    path = os.path.join(scratch, name + ".json")
    with open(path, "w") as f:
        json.dump(spec, f)
    return path


print(f"Differences from one process after {a.epochs} epochs\n")
print("| spec | BatchNormalization | ranks | loss, epoch 1 | loss, last epoch | kernels, ‖Δw‖/‖w‖ | largest ‖Δw‖/‖w‖ of one array |")
print("|---|---|---:|---:|---:|---:|---:|")
cases = [("examples/red-wine.json", "red wine (mae, as shipped)", None, []),
         ("examples/red-wine.json", "red wine with mse", "mse", [])]
if not a.skip_fashion:
    cases.append(("examples/fashion-cnn.json", f"fashion cnn, {a.fashion_limit} images", None, ["--limit", str(a.fashion_limit)]))
for source, label, loss, extra in cases:
    for synchronized in (False, True):
        name = f"{os.path.basename(source)[:-5]}-{loss or 'spec'}-{'sync' if synchronized else 'local'}"
        spec = variant(source, name, synchronized, loss)
        runs = {}
        for ranks in (1, 2, 3):
            runs[ranks] = os.path.join(scratch, f"{name}-{ranks}")
            train(spec, ranks, runs[ranks], extra)
        one, w1 = history(runs[1]), weights(os.path.join(runs[1], "model.strata"))
        for ranks in (2, 3):
            other, w = history(runs[ranks]), weights(os.path.join(runs[ranks], "model.strata"))
            first, last = (max(abs(x[k] - y[k]) / abs(x[k]) for k in ("loss", "val_loss") if k in x) for x, y in ((one[0], other[0]), (one[-1], other[-1])))
            norm = max(float(np.linalg.norm(w1[k] - w[k]) / max(float(np.linalg.norm(w1[k])), 1e-30)) for k in w1)
            kernels = [k for k in w1 if k.endswith("/kernel")]
            together = float(np.sqrt(sum(np.sum((w1[k] - w[k]).astype(np.float64) ** 2) for k in kernels) / sum(np.sum(w1[k].astype(np.float64) ** 2) for k in kernels)))
            print(f"| {label} | {'synchronized' if synchronized else 'per rank'} | {ranks} | {first:.1e} | {last:.1e} | {together:.1e} | {norm:.1e} |", flush=True)

if a.skip_throughput:
    shutil.rmtree(scratch, ignore_errors=True)
    raise SystemExit(0)
print(f"\nRed Wine throughput, median s/epoch over {a.bench_epochs} epochs (min over {a.repeats} repeats of the median)\n")
bench = [strata, "bench", "redwine", "--epochs", str(a.bench_epochs), "--data", os.path.join(root, "data")]
mpirun = ["mpirun", "-np", "2", "--map-by", "slot:PE=1", "--bind-to", "core", "-x", "DOTNET_TC_CallCountingDelayMs=0", "-x", "TERM=dumb"]
if os.geteuid() == 0:
    mpirun.append("--allow-run-as-root")
results = {"1 rank x 2 threads": [], "2 ranks x 1 thread": []}
exchange = []
for r in range(a.repeats):
    for label in (list(results) if r % 2 == 0 else list(reversed(list(results)))):
        command = bench + ["--threads", "2"] if label.startswith("1") else mpirun + bench
        out = subprocess.run(command, cwd=root, check=True, capture_output=True, text=True, env=env).stdout
        row = next(json.loads(l) for l in out.splitlines() if l.startswith("{"))
        results[label].append(row["seconds_per_epoch_median"])
        if row.get("exchange_ms_per_step") is not None:
            exchange.append(row["exchange_ms_per_step"])
one, two = min(results["1 rank x 2 threads"]), min(results["2 ranks x 1 thread"])
print("| engine | s/epoch | throughput relative to 1 rank x 2 threads | exchange ms/step |")
print("|---|---:|---:|---:|")
print(f"| 1 rank x 2 threads | {one:.3f} | 1.00 | — |")
print(f"| 2 ranks x 1 thread | {two:.3f} | {one / two:.2f} | {statistics.median(exchange):.1f} |")
shutil.rmtree(scratch)
