#!/usr/bin/python3
"""The 2D versus 3D study (docs/results.md).

Compiles each model for 2d, 3d-mol and 3d-lol with snn-compile, runs it
with snn-run on its shipped (or exported) input, and writes
  OUT/study.json           every report, keyed "model/target"
  OUT/study-table.md       the comparison table
  OUT/energy-by-tier.svg   stacked energy per tier and kind

Models: the two shipped fixtures (test/data/models) on the presets, and
Spikformer-4-384 (zoo export, random weights, T=4, one CIFAR image) on the
presets with every SRAM bank scaled to 2 MiB: its 9 MB of int8 weights do
not fit the presets' 1 MiB of weight banks.

  scripts/study.py OUT [--build build] [--cache /tmp/spikestack-bench]
"""
import argparse
import json
import os
import subprocess
import sys

from scale_target import scaled_target

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRESETS = ["2d", "3d-mol", "3d-lol"]
KINDS = ["compute", "lif", "sram", "wire", "bond", "dram", "leakage"]
COLORS = {"compute": "#4e79a7", "lif": "#59a14f", "sram": "#f28e2b",
          "wire": "#e15759", "bond": "#b07aa1", "dram": "#9c755f",
          "leakage": "#bab0ac"}


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def study(args):
    os.makedirs(args.out, exist_ok=True)
    bin_dir = os.path.join(args.build, "bin")
    models = []
    for m in ["spikformer-c1-128", "sdtmoe-1-128"]:
        base = os.path.join(ROOT, "test/data/models", m)
        models.append((m, base + ".onnx", base + ".input.npy",
                       {p: p for p in PRESETS}))
    big = os.path.join(args.cache, "spikformer_cifar_4_384")
    if not os.path.exists(big + ".onnx"):
        os.makedirs(args.cache, exist_ok=True)
        subprocess.run([sys.executable, "-m", "spikestack.export",
                        "spikformer_cifar_4_384", args.cache, "--style",
                        "traced", "--no-verify"], check=True,
                       env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python")),
                       stdout=subprocess.DEVNULL)
    models.append(("spikformer-4-384", big + ".onnx", big + ".input.npy",
                   {p: scaled_target(p, 2, args.out) for p in PRESETS}))
    reports = {}
    for name, onnx, inp, targets in models:
        for preset, target in targets.items():
            prog = os.path.join(args.out, f"{name}-{preset}.snnp")
            rep = os.path.join(args.out, f"{name}-{preset}.json")
            run([os.path.join(bin_dir, "snn-compile"), onnx, "--target", target,
                 "-o", prog])
            run([os.path.join(bin_dir, "snn-run"), prog, "--input",
                 "image=" + inp, "--output-dir",
                 os.path.join(args.out, f"{name}-{preset}-out"),
                 "--report", rep, "--quiet"])
            with open(rep) as f:
                reports[f"{name}/{preset}"] = json.load(f)
            print(f"{name}/{preset}: {reports[f'{name}/{preset}']['cycles']} cycles",
                  file=sys.stderr)
    with open(os.path.join(args.out, "study.json"), "w") as f:
        json.dump(reports, f, indent=1)
    return reports


def table(reports):
    rows = ["| model | target | silicon mm² | footprint mm² | clock MHz | "
            "latency µs | energy µJ | compute | LIF | SRAM | wire | bond | DRAM "
            "| leakage | mem. latency cycles (unloaded) | mem. latency ns "
            "(unloaded) | vertical Mbit | horizontal Mbit·mm |",
            "|" + "---|" * 18]
    for key, r in reports.items():
        model, target = key.split("/")
        e = r["energy_pj"]
        share = {k: 100 * e["by_kind"][k] / e["total"] for k in KINDS}
        m = r["memory_access_latency_cycles"]
        ns = r["memory_access_latency_ns"]
        rows.append(
            f"| {model} | {target} | {r['area_mm2']['silicon']:.2f} | "
            f"{r['footprint_mm2']:.2f} | {r['clock_mhz']:.1f} | "
            f"{r['latency_us']:.1f} | {e['total'] * 1e-6:.1f} | " +
            " | ".join(f"{share[k]:.1f} %" for k in KINDS) +
            f" | {m['mean']:.1f} ({m['unloaded_mean']:.2f}) | "
            f"{ns['mean']:.1f} ({ns['unloaded_mean']:.2f}) | "
            f"{r['traffic_bits']['vertical'] * 1e-6:.1f} | "
            f"{r['traffic_bits']['horizontal_bit_mm'] * 1e-6:.1f} |")
    return "\n".join(rows) + "\n"


def svg(reports, path):
    """Stacked bars: energy (µJ, without leakage, which is drawn as a
    hatched cap) per tier, one group per model/target."""
    bars = []
    for key, r in reports.items():
        for tier, v in r["energy_pj"]["by_tier"].items():
            bars.append((key, tier, v["by_kind"]))
    dyn_max = max(sum(v for k, v in kinds.items() if k != "leakage")
                  for _, _, kinds in bars) * 1e-6
    W, H, left, top, bottom = 60 + 34 * len(bars), 440, 60, 30, 150
    scale = (H - top - bottom) / dyn_max
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W + 150}" '
           f'height="{H}" font-family="sans-serif" font-size="10">',
           f'<text x="{left}" y="16" font-size="12">Dynamic energy per tier '
           f'(µJ per inference; leakage in the table)</text>']
    for i in range(6):
        v = dyn_max * i / 5
        y = H - bottom - v * scale
        out.append(f'<line x1="{left}" x2="{W}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="#ddd"/><text x="{left - 4}" y="{y + 3:.1f}" '
                   f'text-anchor="end">{v:.1f}</text>')
    x = left + 6
    prev = None
    for key, tier, kinds in bars:
        if prev is not None and prev != key:
            x += 10
        prev = key
        y = H - bottom
        for k in KINDS:
            if k == "leakage":
                continue
            h = kinds[k] * 1e-6 * scale
            if h > 0:
                out.append(f'<rect x="{x}" y="{y - h:.1f}" width="26" '
                           f'height="{h:.1f}" fill="{COLORS[k]}"/>')
                y -= h
        label = f"{key} · {tier}"
        out.append(f'<text transform="translate({x + 16},{H - bottom + 6}) '
                   f'rotate(60)">{label}</text>')
        x += 30
    for i, k in enumerate(k for k in KINDS if k != "leakage"):
        out.append(f'<rect x="{W + 10}" y="{top + 16 * i}" width="10" '
                   f'height="10" fill="{COLORS[k]}"/><text x="{W + 24}" '
                   f'y="{top + 9 + 16 * i}">{k}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--cache", default="/tmp/spikestack-bench")
    args = p.parse_args()
    reports = study(args)
    with open(os.path.join(args.out, "study-table.md"), "w") as f:
        f.write(table(reports))
    svg(reports, os.path.join(args.out, "energy-by-tier.svg"))
    print(table(reports))


if __name__ == "__main__":
    main()
