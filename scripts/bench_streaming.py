#!/usr/bin/python3
"""Weight-streaming benchmark (docs/benchmarks.md, "Weight streaming"):
compiles published-size zoo models, whose weights do not fit any preset's
weight banks, for the presets and the iso-footprint memory-on-logic stack,
runs each program on the executor and prints one Markdown row per (model,
target): compile and executor wall time (best of RUNS), cycles, the weight
bytes kept resident and streamed, DRAM traffic by purpose and the energy
by kind.

  scripts/bench_streaming.py [MODEL ...]
      default: spikformer_cifar_4_384 sdt_cifar_2_512 spikformer_imagenet_8_512

Environment: BUILD_DIR (build), CACHE (/tmp/spikestack-bench), RUNS (1),
TARGETS (space-separated; default "2d 3d-mol 3d-lol 3d-mol-iso").
"""
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(os.environ.get("BUILD_DIR", os.path.join(ROOT, "build")), "bin")
CACHE = os.environ.get("CACHE", "/tmp/spikestack-bench")
sys.path.insert(0, os.path.join(ROOT, "python"))
from spikestack.exported import export_zoo  # noqa: E402
RUNS = int(os.environ.get("RUNS", "1"))
TARGETS = os.environ.get("TARGETS", "2d 3d-mol 3d-lol 3d-mol-iso").split()
DEFAULT_MODELS = ["spikformer_cifar_4_384", "sdt_cifar_2_512",
                  "spikformer_imagenet_8_512"]


def export(model):
    return export_zoo(model, CACHE)[0]


def best_time(cmd):
    best = None
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


def mib(nbytes):
    return f"{nbytes / 2**20:.2f}"


def row(model, target):
    onnx = export(model)
    base = os.path.join(CACHE, f"{model}-{target}")
    compile_s = best_time([os.path.join(BIN, "snn-compile"), onnx, "--target", target,
                           "-o", base + ".snnp", "--plan-report", base + ".plan.json"])
    run_s = best_time([os.path.join(BIN, "snn-run"), base + ".snnp",
                       "--input", f"image={os.path.join(CACHE, model + '.input.npy')}",
                       "--output-dir", base + ".out", "--report", base + ".report.json"])
    with open(base + ".plan.json") as f:
        plan = json.load(f)
    with open(base + ".report.json") as f:
        report = json.load(f)
    residency = plan.get("residency", {})
    dram = report.get("dram", {}).get("bits", {})
    kinds = report["energy_pj"]["by_kind"]
    energy = " ".join(f"{k} {v / 1e6:.1f}" for k, v in kinds.items() if v)
    return (f"| {model} | {target} | {compile_s:.2f} | {run_s:.2f} | {report['cycles']} "
            f"| {mib(residency.get('resident_bytes', 0))} | {mib(residency.get('streamed_bytes', 0))} "
            f"| {mib(dram.get('weights', 0) / 8)} | {mib(dram.get('inputs', 0) / 8)} "
            f"| {mib(dram.get('spills', 0) / 8)} | {report['energy_pj']['total'] / 1e6:.1f} "
            f"| {energy} |")


def main():
    models = sys.argv[1:] or DEFAULT_MODELS
    os.makedirs(CACHE, exist_ok=True)
    print("| model | target | compile s | executor s | cycles | resident MiB | streamed MiB "
          "| DRAM weights MiB | DRAM inputs MiB | DRAM spills MiB | energy uJ | energy by kind (uJ) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for model in models:
        for target in TARGETS:
            try:
                print(row(model, target), flush=True)
            except subprocess.CalledProcessError as e:
                print(f"| {model} | {target} | failed: {' '.join(e.cmd[:2])} exit {e.returncode} |",
                      flush=True)


if __name__ == "__main__":
    main()
