#!/usr/bin/env python3
"""Red Wine training time as the layer width and the batch size grow, with 1 and 2 threads, and the
process's peak memory: the README's scaling table. Strata only (the PyTorch reference has no such
options); each row is the median epoch time over --epochs epochs after the first.

Usage: bench/scaling.py [--epochs 4]
"""
import argparse, json, os, subprocess

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
p = argparse.ArgumentParser()
p.add_argument("--epochs", type=int, default=4)
a = p.parse_args()

subprocess.run(["dotnet", "build", "src/Strata.Cli", "-c", "Release", "-v", "quiet", "-nologo"], cwd=root, check=True,
               stdout=subprocess.DEVNULL)
strata = os.path.join(root, "src", "Strata.Cli", "bin", "Release", "net10.0", "Strata.Cli")


def run(width, batch, threads):
    out = subprocess.run([strata, "bench", "redwine", "--epochs", str(a.epochs), "--width", str(width),
                          "--batch-size", str(batch), "--threads", str(threads), "--data", os.path.join(root, "data")],
                         cwd=root, check=True, capture_output=True, text=True).stdout
    return next(json.loads(line) for line in out.splitlines() if line.startswith("{"))


def table(title, rows):
    print(f"\n{title}\n")
    print("| width | batch | s/epoch, 1 thread | s/epoch, 2 threads | speed-up | peak memory (MB) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for width, batch in rows:
        one, two = run(width, batch, 1), run(width, batch, 2)
        t1, t2 = one["seconds_per_epoch_median"], two["seconds_per_epoch_median"]
        print(f"| {width} | {batch} | {t1:.3f} | {t2:.3f} | {t1 / t2:.2f} | {two['peak_working_set_mb']:.0f} |", flush=True)


table("Width (batch 256)", [(w, 256) for w in (256, 512, 1024, 2048, 4096)])
table("Batch size (width 1024)", [(1024, b) for b in (32, 64, 128, 256, 512, 1024)])
