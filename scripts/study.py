#!/usr/bin/python3
"""The 2D versus 3D study: regenerates docs/results.md and its plots.

Compiles each model for 2d, 3d-mol, 3d-lol and 3d-mol-iso with
snn-compile, runs every program with snn-run on the model's input at the
technology's typical corner and again at the hot one (the same program:
a corner changes energy only), compiles and runs it once more with
dynamic head pruning at p = 0.5 (--head-keep-ratio), and writes

  DOCS/results.md                    tables, the published claims beside
                                     ours, the GPU a user would otherwise use
  DOCS/results/energy-by-tier.png    energy per tier and kind (matplotlib)
  DOCS/results/ratios-3d-over-2d.png latency and energy, 3D over 2D
  OUT/study.json                     every report, keyed model/target/corner

Models: the two shipped fixtures (test/data/models) and zoo exports with
random weights (traced, T = 4, one image, int8): Spikformer-4-384,
SDT-2-512 and Spikformer-4-384 with a top-2 MoE MLP on every target, and
Spikformer-8-768 (ImageNet) on 3d-mol for the GPU comparison. Exports are
cached in --cache. Numbers, plots and the text around them come from the
reports; study_text.py holds the text.

  scripts/study.py [--out DIR] [--docs DIR] [--build DIR] [--cache DIR]
                   [--models NAME ...] [--from-json]
The whole run takes about 5 minutes on 2 cores (the exports, once, more).
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import study_text  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
from spikestack.exported import export_zoo  # noqa: E402
from spikestack.output import write_figure, write_text  # noqa: E402

TARGETS = ["2d", "3d-mol", "3d-lol", "3d-mol-iso"]
CORNERS = ["typical", "hot"]
PRUNE = 0.5  # head keep ratio of the pruned runs
KINDS = ["compute", "lif", "sram", "wire", "bond", "dram", "leakage"]
COLORS = {"compute": "#4e79a7", "lif": "#59a14f", "sram": "#f28e2b",
          "wire": "#e15759", "bond": "#b07aa1", "dram": "#9c755f",
          "leakage": "#bab0ac"}

# name: (source, zoo config or shipped fixture, targets)
MODELS = {
    "Spikformer-c1-128": ("shipped", "spikformer-c1-128", TARGETS),
    "SDT-MoE-1-128": ("shipped", "sdtmoe-1-128", TARGETS),
    "Spikformer-4-384": ("zoo", "spikformer_cifar_4_384", TARGETS),
    "SDT-2-512": ("zoo", "sdt_cifar_2_512", TARGETS),
    "Spikformer-MoE-4-384": ("zoo", "spikformer_moe_cifar_4_384", TARGETS),
    "Spikformer-8-768": ("zoo", "spikformer_imagenet_8_768", ["3d-mol"]),
}


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def model_files(kind, name, cache):
    """(ONNX path, input .npy path) of a shipped fixture or zoo export."""
    if kind == "shipped":
        base = os.path.join(ROOT, "test", "data", "models", name)
        return base + ".onnx", base + ".input.npy"
    return export_zoo(name, cache)


def measure(args):
    """Every report, keyed "model/target/corner"."""
    os.environ["PYTHONPATH"] = os.path.join(ROOT, "python")
    bin_dir = os.path.join(args.build, "bin")
    reports = {}
    for name in args.models:
        kind, source, targets = MODELS[name]
        onnx, image = model_files(kind, source, args.cache)
        for target in targets:
            prog = os.path.join(args.out, f"{name}-{target}.snnp")
            run([os.path.join(bin_dir, "snn-compile"), onnx, "--target",
                 target, "-o", prog])
            for corner in CORNERS:
                rep = os.path.join(args.out, f"{name}-{target}-{corner}.json")
                run([os.path.join(bin_dir, "snn-run"), prog, "--input",
                     "image=" + image, "--output-dir",
                     os.path.join(args.out, f"{name}-{target}-out"),
                     "--report", rep, "--corner", corner, "--quiet"])
                with open(rep) as f:
                    reports[f"{name}/{target}/{corner}"] = json.load(f)
            # Dynamic head pruning at p = PRUNE (typical corner).
            pruned = os.path.join(args.out, f"{name}-{target}-pruned.snnp")
            rep = os.path.join(args.out, f"{name}-{target}-pruned.json")
            run([os.path.join(bin_dir, "snn-compile"), onnx, "--target",
                 target, f"--head-keep-ratio={PRUNE}", "-o", pruned])
            run([os.path.join(bin_dir, "snn-run"), pruned, "--input",
                 "image=" + image, "--output-dir",
                 os.path.join(args.out, f"{name}-{target}-pruned-out"),
                 "--report", rep, "--quiet"])
            with open(rep) as f:
                reports[f"{name}/{target}/pruned"] = json.load(f)
            print(f"{name}/{target}: "
                  f"{reports[f'{name}/{target}/typical']['cycles']} cycles",
                  file=sys.stderr)
    write_text(os.path.join(args.out, "study.json"),
               json.dumps(reports, indent=1))
    return reports


def plot_energy(reports, models, path):
    """One panel per model: a stacked bar per target and tier, by kind."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    def targets(model):
        return [t for t in TARGETS if f"{model}/{t}/typical" in reports]
    models = [m for m in models if len(targets(m)) > 1]
    fig, axes = plt.subplots(1, len(models), figsize=(3.4 * len(models), 4.4),
                             squeeze=False)
    for ax, model in zip(axes[0], models):
        xs, labels, x = [], [], 0.0
        top = 0.0
        for target in targets(model):
            r = reports[f"{model}/{target}/typical"]
            start = x
            for tier, v in r["energy_pj"]["by_tier"].items():
                if tier == "off-chip":  # DRAM: written, not drawn
                    continue
                bottom = 0.0
                for k in KINDS:
                    h = v["by_kind"][k] * 1e-6
                    ax.bar(x, h, bottom=bottom, color=COLORS[k], width=0.8)
                    bottom += h
                top = max(top, bottom)
                xs.append(x)
                labels.append(f"{target} {tier}")
                x += 1
            off = r["energy_pj"]["by_tier"].get("off-chip", {}).get("total", 0)
            ax.text((start + x - 1) / 2, 0, f"DRAM\n{off * 1e-6:,.0f}",
                    ha="center", va="top", fontsize=6,
                    transform=ax.get_xaxis_transform(), color=COLORS["dram"])
            x += 0.6
        ax.set_xticks(xs)
        ax.set_xticklabels(labels, rotation=90, fontsize=7)
        ax.tick_params(axis="x", pad=18)
        ax.set_title(model, fontsize=9)
    axes[0][0].set_ylabel("on-chip energy per inference (µJ)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=COLORS[k]) for k in KINDS]
    fig.legend(handles, KINDS, loc="upper center", ncol=len(KINDS),
               fontsize=8, frameon=False,
               title="typical corner; off-chip DRAM energy (µJ) under each "
                     "target", title_fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 0.88))
    write_figure(path, fig)
    plt.close(fig)


def plot_ratios(ratios, path):
    """Latency and energy (typical and hot corner) of each 3D target over
    2d, one group per model."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    models = sorted({m for m, _ in ratios}, key=list(MODELS).index)
    targets = [t for t in TARGETS if any((m, t) in ratios for m in models)]
    series = [("latency", "latency"), ("energy", "energy, typical"),
              ("energy_hot", "energy, hot")]
    fig, axes = plt.subplots(1, len(series), figsize=(12, 4), sharey=True)
    width = 0.8 / len(targets)
    for ax, (key, title) in zip(axes, series):
        for j, target in enumerate(targets):
            xs = [i + (j - (len(targets) - 1) / 2) * width
                  for i, m in enumerate(models) if (m, target) in ratios]
            ys = [100 * (ratios[(m, target)][key] - 1) for m in models
                  if (m, target) in ratios]
            ax.bar(xs, ys, width=width, label=target)
        ax.axhline(0.0, color="black", linewidth=0.8)
        ax.grid(axis="y", color="#ddd")
        ax.set_xticks(range(len(models)))
        ax.set_xticklabels(models, rotation=30, ha="right", fontsize=8)
        ax.set_title(f"{title}: 3D against 2d", fontsize=10)
    axes[0].set_ylabel("change against 2d (%), below 0: 3D better")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    write_figure(path, fig)
    plt.close(fig)


def ratios_of(reports):
    """(model, 3D target) -> ratios against the model's 2d run."""
    out = {}
    for key in reports:
        model, target, corner = key.split("/")
        if target == "2d" or corner != "typical" or \
                f"{model}/2d/typical" not in reports:
            continue
        a, b = reports[key], reports[f"{model}/2d/typical"]
        ah, bh = reports[f"{model}/{target}/hot"], reports[f"{model}/2d/hot"]

        def power(r):
            return r["energy_pj"]["total"] / r["latency_us"]
        out[(model, target)] = {
            "latency": a["latency_us"] / b["latency_us"],
            "cycles": a["cycles"] / b["cycles"],
            "clock": a["clock_mhz"] / b["clock_mhz"],
            "energy": a["energy_pj"]["total"] / b["energy_pj"]["total"],
            "energy_hot": ah["energy_pj"]["total"] / bh["energy_pj"]["total"],
            "power": power(a) / power(b),
            "footprint": a["footprint_mm2"] / b["footprint_mm2"],
            "silicon": a["area_mm2"]["silicon"] / b["area_mm2"]["silicon"],
            "mem_ns": a["memory_access_latency_ns"]["mean"] /
            b["memory_access_latency_ns"]["mean"],
            "mem_ns_unloaded": a["memory_access_latency_ns"]["unloaded_mean"] /
            b["memory_access_latency_ns"]["unloaded_mean"],
        }
    return out


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="/tmp/spikestack-study")
    p.add_argument("--docs", default=os.path.join(ROOT, "docs"))
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--cache", default="/tmp/spikestack-bench")
    p.add_argument("--models", nargs="+", default=list(MODELS),
                   choices=list(MODELS))
    p.add_argument("--from-json", action="store_true",
                   help="reuse OUT/study.json instead of compiling and "
                        "running again (regenerates the page and plots)")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    plots = os.path.join(args.docs, "results")
    os.makedirs(plots, exist_ok=True)
    if args.from_json:
        with open(os.path.join(args.out, "study.json")) as f:
            reports = json.load(f)
        args.models = [m for m in args.models
                       if any(k.startswith(m + "/") for k in reports)]
    else:
        reports = measure(args)
    ratios = ratios_of(reports)
    plot_energy(reports, args.models, os.path.join(plots, "energy-by-tier.png"))
    plot_ratios(ratios, os.path.join(plots, "ratios-3d-over-2d.png"))
    text = study_text.results_md(
        reports, ratios, args.models, MODELS, prune=PRUNE,
        date=datetime.date.today().isoformat(), machine=machine())
    write_text(os.path.join(args.docs, "results.md"), text)
    print(f"wrote {os.path.join(args.docs, 'results.md')} and {plots}/",
          file=sys.stderr)


if __name__ == "__main__":
    main()
