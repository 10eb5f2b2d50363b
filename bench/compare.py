#!/usr/bin/env python3
"""Runs Strata's and PyTorch's benchmark workloads side by side on this machine and prints ratios.

Each repeat runs every workload once with each engine, alternating which goes first, so drift in
a shared machine's speed hits both. The table shows min and median over the repeats and the
Strata / PyTorch ratio of the medians (for throughputs, higher is better; for times, lower). The
Red Wine inference workload also runs in ONNX Runtime (../shared/bench/onnxruntime, the NuGet package
Microsoft.ML.OnnxRuntime) on the model `strata export` writes, and the Strata / ORT ratios follow.

Usage: bench/compare.py [--repeats 3] [--epochs 6] [--fashion-limit 6000] [--fashion-epochs 1]
                        [--rnn-limit 6000] [--rnn-epochs 2] [--threads 2] [--reference bench/torch_reference.py]
                        [--ort-reference ../shared/bench/onnxruntime] [WORKLOAD ...]
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
p = argparse.ArgumentParser()
p.add_argument("workloads", nargs="*", default=["gemm", "redwine", "redwine-infer", "fashion-cnn", "fashion-rnn"])
p.add_argument("--repeats", type=int, default=3)
p.add_argument("--epochs", type=int, default=6)
p.add_argument("--fashion-limit", type=int, default=6000)
p.add_argument("--fashion-epochs", type=int, default=1)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--rnn-limit", type=int, default=6000)
p.add_argument("--rnn-epochs", type=int, default=2)
# bench/torch_reference.py is ../shared/bench/torch_reference.py with the fashion-rnn workload added.
p.add_argument("--reference", default=os.path.join(root, "bench", "torch_reference.py"))
p.add_argument("--ort-reference", default=os.path.join(root, "..", "shared", "bench", "onnxruntime"),
               help="the folder of the ONNX Runtime reference (Program.cs, ort_reference.csproj); built in a scratch folder")
a = p.parse_args()

subprocess.run(["dotnet", "build", "src/Strata.Cli", "-c", "Release", "-v", "quiet", "-nologo"], cwd=root, check=True,
               stdout=subprocess.DEVNULL)
strata = os.path.join(root, "src", "Strata.Cli", "bin", "Release", "net10.0", "Strata.Cli")
scratch = tempfile.mkdtemp(prefix="strata-compare-")


def onnx_runtime():
    """Builds the ONNX Runtime reference and exports the Red Wine model for it; None when the reference is missing."""
    if "redwine-infer" not in a.workloads or not os.path.isfile(os.path.join(a.ort_reference, "Program.cs")):
        return None
    project = os.path.join(scratch, "ort")
    shutil.copytree(a.ort_reference, project)
    subprocess.run(["dotnet", "build", project, "-c", "Release", "-v", "quiet", "-nologo", "-o", os.path.join(project, "out")],
                   check=True, stdout=subprocess.DEVNULL)
    run_dir = os.path.join(scratch, "redwine")
    subprocess.run([strata, "train", "examples/red-wine.json", "--epochs", "1", "--out", run_dir, "--no-lint"], cwd=root, check=True,
                   stdout=subprocess.DEVNULL)
    model = os.path.join(scratch, "red-wine.onnx")
    subprocess.run([strata, "export", os.path.join(run_dir, "model.strata"), "--output", model], cwd=root, check=True, stdout=subprocess.DEVNULL)
    return [os.path.join(project, "out", "ort_reference"), model]


ort = onnx_runtime()


def options(workload):
    if workload == "redwine":
        return ["--epochs", str(a.epochs)]
    if workload == "fashion-cnn":
        return ["--epochs", str(a.fashion_epochs), "--limit", str(a.fashion_limit)]
    if workload == "fashion-rnn":
        return ["--epochs", str(a.rnn_epochs), "--limit", str(a.rnn_limit)]
    return []


def run(engine, workload):
    if engine == "onnxruntime":
        command = ort + ["--threads", str(a.threads)]
    elif engine == "strata":
        command = [strata, "bench", workload, "--threads", str(a.threads), "--data", os.path.join(root, "data")] + options(workload)
    else:
        command = ["/usr/bin/python3", a.reference, workload, "--threads", str(a.threads),
                   "--data", os.path.join(root, "data")] + options(workload)
    out = subprocess.run(command, cwd=root, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


# (workload, key that tells results apart, metric, higher is better, target ratio)
rows = [("gemm", 256, "gflops", True, None), ("gemm", 1024, "gflops", True, 0.9), ("gemm", 2048, "gflops", True, 0.9),
        ("redwine", None, "seconds_per_epoch_median", False, 0.25),
        ("redwine-infer", None, "batch1_latency_us", False, 0.25), ("redwine-infer", None, "batch1024_rows_per_s", True, 1.5),
        ("fashion-cnn", None, "seconds_per_epoch_median", False, 0.5),
        ("fashion-rnn", None, "seconds_per_epoch_median", False, 0.5)]
results = {}
for r in range(a.repeats):
    for workload in a.workloads:
        engines = ["strata", "pytorch"] if r % 2 == 0 else ["pytorch", "strata"]
        if workload == "redwine-infer" and ort:
            engines.append("onnxruntime")
        for engine in engines:
            for item in run(engine, workload):
                key = (workload, item.get("n"))
                for metric, value in item.items():
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        results.setdefault((engine, key, metric), []).append(value)
        print(f"repeat {r + 1}/{a.repeats}: {workload} done", file=sys.stderr)

with open("/proc/cpuinfo") as f:
    cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "unknown processor")
print(f"processor: {cpu}; strata instruction set: {os.environ.get('STRATA_ISA', 'default (the widest this processor runs)')}")
print(f"{'workload':<16} {'metric':<26} {'strata min/median':>22} {'pytorch min/median':>22} {'ratio':>7} {'target':>8}")
for workload, n, metric, higher, target in rows:
    if workload not in a.workloads:
        continue
    s = results.get(("strata", (workload, n), metric))
    t = results.get(("pytorch", (workload, n), metric))
    if not s or not t:
        continue
    best = max if higher else min
    ratio = statistics.median(s) / statistics.median(t)
    goal = "" if target is None else (f">= {target}" if higher else f"<= {target}")
    name = workload + (f" {n}" if n else "")
    print(f"{name:<16} {metric:<26} {best(s):>10.4g}/{statistics.median(s):<11.4g} {best(t):>10.4g}/{statistics.median(t):<11.4g} {ratio:>7.2f} {goal:>8}")
for metric, higher in (("batch1_latency_us", False), ("batch1024_rows_per_s", True)):
    s, o = results.get(("strata", ("redwine-infer", None), metric)), results.get(("onnxruntime", ("redwine-infer", None), metric))
    if s and o:
        best = max if higher else min
        goal = ">= 1.0" if higher else "<= 1.0"
        print(f"{'redwine-infer':<16} {metric + ' vs ORT':<26} {best(s):>10.4g}/{statistics.median(s):<11.4g} {best(o):>10.4g}/{statistics.median(o):<11.4g} "
              f"{statistics.median(s) / statistics.median(o):>7.2f} {goal:>8}")
    p_ = results.get(("strata", ("redwine-infer", None), "predict_" + metric))
    if p_:
        print(f"{'redwine-infer':<16} {'Sequential.Predict ' + metric.split('_')[0]:<26} {(max if higher else min)(p_):>10.4g}/{statistics.median(p_):<11.4g} {'(strata only)':>22}")
for n in (256, 1024, 2048):
    s = results.get(("strata", ("gemm", n), "peak_fraction"))
    if s:
        print(f"{'gemm ' + str(n):<16} {'fraction of FMA peak':<26} {max(s):>10.2f}/{statistics.median(s):<11.2f} {'(strata only)':>22}")
for workload in ("redwine", "fashion-cnn", "fashion-rnn"):
    s = results.get(("strata", (workload, None), "allocated_bytes_per_step"))
    if s:
        print(f"{workload:<16} {'allocated_bytes_per_step':<26} {min(s):>10.4g}/{statistics.median(s):<11.4g} {'(strata only)':>22}")
for workload in ("redwine", "fashion-cnn", "fashion-rnn"):
    s, t = results.get(("strata", (workload, None), "peak_working_set_mb")), results.get(("pytorch", (workload, None), "peak_rss_mb"))
    if s and t:
        print(f"{workload:<16} {'peak memory, MB':<26} {max(s):>10.4g}/{statistics.median(s):<11.4g} {max(t):>10.4g}/{statistics.median(t):<11.4g}")
for workload, metric in (("redwine", "best_val_mae"), ("fashion-cnn", "test_accuracy"), ("fashion-rnn", "test_accuracy")):
    s, t = results.get(("strata", (workload, None), metric)), results.get(("pytorch", (workload, None), metric))
    if s and t:
        print(f"{workload:<16} {metric:<26} {statistics.median(s):>22.4f} {statistics.median(t):>22.4f}")
