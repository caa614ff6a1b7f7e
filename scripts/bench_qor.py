#!/usr/bin/python3
"""Quality-of-results benchmark (issue 16; docs/benchmarks.md): how close
the executor's cycles come to the lower bounds of docs/isa.md ("Bounds",
lib/Hardware/Bounds.cpp), and how close the plan's estimate comes to the
executor.

For each model x target it runs

  snn-compile MODEL.onnx --target T -o X.snnp --plan-report X.plan.json
  snn-run X.snnp --input image=X.input.npy --output-dir D --report X.report.json --quiet
  snn-run X.snnp --dense --report X.dense.json --quiet

and prints one Markdown row: the executor's cycles, its bounds
(`bounds.total` of the executor report: compute, events, sram_port, bond,
dram; rounded up to whole cycles, since no schedule beats a bound), the
binding bound, achieved / largest, efficiency (largest / achieved), the
compiler's estimate (the plan report's `estimate`, which snn-compile adds:
the program's timing without inputs, every vector and every expert dense;
Executor::estimate, also `snn-run --dense`) and its
error (estimate - executor) / executor, and the list schedule's makespan
(`makespan_cycles` of the plan report, the closed-form task costs the
passes plan with) and its error. Then one totals row per target (sums
over the models) and whether the issue's targets are met:

  every row     achieved <= 2x its largest bound
  every target  sum of achieved <= 1.5x sum of largest
  every row     |estimate error| <= 5 %

For each row that misses, the executor report's layer
(`bounds.per_layer`) with the largest achieved - largest gap, and its
binding bound; for an estimate miss also the layer whose plan and
executor cycles differ most.

  scripts/bench_qor.py [--bin DIR] [--cache DIR] [--models M ...]
                       [--targets T ...] [--json FILE] [--jobs N]

Models are the shipped fixtures (test/data/models/STEM.onnx, input
STEM.input.npy) or zoo configurations (python/spikestack/zoo.py), exported
once into CACHE/exports (`python -m spikestack.export MODEL DIR --style
traced --no-verify`; re-exported only if missing). Programs, reports,
outputs and tool logs go to CACHE/runs. At most 2 model x target pairs run
at a time (the executor is single-threaded; the machine has 2 cores).
"""
import argparse
import glob
import json
import math
import os
import subprocess
import sys
import time
from multiprocessing import Pool

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIPPED = os.path.join(ROOT, "test", "data", "models")
PY = "/usr/bin/python3"
DEFAULT_MODELS = ["spikformer-c1-128", "sdtmoe-1-128", "spikformer_2_256",
                  "sdt_2_256", "spikformer_moe_2_256", "spikformer_cifar_4_384"]
DEFAULT_TARGETS = ["2d", "3d-mol", "3d-lol"]
INPUT_NAME = "image"  # the input of every shipped and zoo model
BOUND_KEYS = ["compute", "events", "sram_port", "bond", "dram"]
ROW_RATIO_TARGET = 2.0
TOTAL_RATIO_TARGET = 1.5
ERROR_TARGET_PCT = 5.0
MAX_WORKERS = 2


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def cycles(x):
    """A cycle count for the table: whole cycles, thin-space thousands as in
    docs/benchmarks.md; bounds are rounded up."""
    if x is None:
        return "-"
    return f"{math.ceil(x - 1e-9):,}".replace(",", " ")


# --- models ------------------------------------------------------------------

def export_dir(cache):
    return os.path.join(cache, "exports")


def model_files(model, cache):
    """(onnx, input .npy) of a shipped fixture or a zoo export."""
    shipped = os.path.join(SHIPPED, model + ".onnx")
    if os.path.exists(shipped):
        return shipped, os.path.join(SHIPPED, model + ".input.npy")
    d = export_dir(cache)
    inputs = sorted(glob.glob(os.path.join(d, model + "*.input.npy")))
    return (os.path.join(d, model + ".onnx"),
            inputs[0] if inputs else os.path.join(d, model + ".input.npy"))


def export(args):
    """Exports a zoo model into CACHE/exports unless it is shipped or there
    already. Returns (model, error or None)."""
    model, cache = args
    onnx, npy = model_files(model, cache)
    if os.path.exists(onnx) and os.path.exists(npy):
        return model, None
    d = export_dir(cache)
    os.makedirs(d, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    log(f"exporting {model} ...")
    start = time.perf_counter()
    with open(os.path.join(d, model + ".export.log"), "w") as out:
        rc = subprocess.run([PY, "-m", "spikestack.export", model, d, "--style", "traced",
                             "--no-verify"], env=env, stdout=out,
                            stderr=subprocess.STDOUT).returncode
    log(f"exported {model} in {time.perf_counter() - start:.1f} s (exit {rc})")
    onnx, npy = model_files(model, cache)
    if rc != 0 or not os.path.exists(onnx) or not os.path.exists(npy):
        return model, f"export exit {rc} (see {d}/{model}.export.log)"
    return model, None


# --- one model x target --------------------------------------------------------

def tool(cmd, logfile):
    """Runs cmd with its output in logfile; returns (exit code, seconds, last
    line of the output)."""
    start = time.perf_counter()
    with open(logfile, "w") as out:
        rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT).returncode
    elapsed = time.perf_counter() - start
    last = ""
    with open(logfile, errors="replace") as f:
        lines = [l.strip() for l in f if l.strip()]
        if lines:
            last = lines[-1][:160]
    return rc, elapsed, last


def worst_gap_layer(per_layer):
    """The layer with the largest achieved - largest gap."""
    best = None
    for i, l in enumerate(per_layer or []):
        gap = l.get("achieved", 0) - l.get("largest", 0)
        if best is None or gap > best["gap"]:
            best = {"index": i, "layer": l.get("layer", "?"), "gap": gap,
                    "achieved": l.get("achieved", 0), "largest": l.get("largest", 0),
                    "binding": l.get("binding", "?")}
    return best


def worst_estimate_layer(plan_layers, exec_layers):
    """The layer whose plan and executor cycles differ most (None if the
    two lists do not describe the same layers)."""
    if not plan_layers or not exec_layers or len(plan_layers) != len(exec_layers):
        return None
    best = None
    for i, (p, e) in enumerate(zip(plan_layers, exec_layers)):
        if p.get("layer") != e.get("layer"):
            return None
        diff = p.get("achieved", 0) - e.get("achieved", 0)
        if best is None or abs(diff) > abs(best["diff"]):
            best = {"index": i, "layer": e.get("layer", "?"), "diff": diff,
                    "plan": p.get("achieved", 0), "executor": e.get("achieved", 0),
                    "binding": e.get("binding", "?")}
    return best


def run_pair(args):
    model, target, bindir, cache, export_error = args
    row = {"model": model, "target": target}
    if export_error:
        row["error"] = export_error
        return row
    onnx, npy = model_files(model, cache)
    runs = os.path.join(cache, "runs")
    os.makedirs(runs, exist_ok=True)
    base = os.path.join(runs, f"{model}-{target}")
    for stale in (base + ".plan.json", base + ".report.json", base + ".dense.json"):
        if os.path.exists(stale):
            os.remove(stale)
    rc, secs, last = tool([os.path.join(bindir, "snn-compile"), onnx, "--target", target,
                           "-o", base + ".snnp", "--plan-report", base + ".plan.json"],
                          base + ".compile.log")
    row["compile_s"] = round(secs, 2)
    if rc != 0:
        row["error"] = f"snn-compile exit {rc}: {last}"
        return row
    with open(base + ".plan.json") as f:
        plan = json.load(f)
    row["plan_cycles"] = plan.get("makespan_cycles",
                                  plan.get("bounds", {}).get("total", {}).get("achieved"))
    row["plan_bounds"] = plan.get("bounds", {}).get("total")
    rc, secs, last = tool([os.path.join(bindir, "snn-run"), base + ".snnp",
                           "--input", f"{INPUT_NAME}={npy}", "--output-dir", base + ".out",
                           "--report", base + ".report.json", "--quiet"], base + ".run.log")
    row["run_s"] = round(secs, 2)
    if rc != 0:
        row["error"] = f"snn-run exit {rc}: {last}"
        return row
    # The plan report's estimate (snn-compile adds it); the same timing
    # model as `snn-run --dense`, whose report gives the per-layer spans.
    rc, secs, last = tool([os.path.join(bindir, "snn-run"), base + ".snnp", "--dense",
                           "--report", base + ".dense.json", "--quiet"], base + ".dense.log")
    if rc != 0:
        row["error"] = f"snn-run --dense exit {rc}: {last}"
        return row
    with open(base + ".dense.json") as f:
        dense = json.load(f)
    row["dense_cycles"] = plan.get("estimate", {}).get("cycles", dense["cycles"])
    with open(base + ".report.json") as f:
        report = json.load(f)
    total = report["bounds"]["total"]
    row["bounds"] = total
    row["achieved"] = total["achieved"]
    row["cycles"] = report.get("cycles")
    row["largest"] = total["largest"]
    row["binding"] = total["binding"]
    row["efficiency"] = total["efficiency"]
    row["ratio"] = total["achieved"] / total["largest"] if total["largest"] else None
    row["estimate_error_pct"] = (100.0 * (row["dense_cycles"] - row["achieved"])
                                 / row["achieved"] if row["achieved"] else None)
    if row["plan_cycles"] is not None and row["achieved"]:
        row["schedule_error_pct"] = 100.0 * (row["plan_cycles"] - row["achieved"]) / row["achieved"]
    else:
        row["schedule_error_pct"] = None
    exec_layers = report["bounds"].get("per_layer", [])
    row["worst_layer"] = worst_gap_layer(exec_layers)
    row["worst_estimate_layer"] = worst_estimate_layer(
        dense.get("bounds", {}).get("per_layer"), exec_layers)
    return row


# --- output ------------------------------------------------------------------

def ratio_str(r):
    return "-" if r is None else f"{r:.2f}x"


def pct_str(p, signed=False):
    if p is None:
        return "-"
    return f"{p:+.1f} %" if signed else f"{p:.1f} %"


def table_row(row):
    if "error" in row:
        plan = cycles(row.get("plan_cycles"))
        return (f"| {row['model']} | {row['target']} | failed: {row['error']} "
                f"| | | | | | | | | | | {plan} | |")
    b = row["bounds"]
    return (f"| {row['model']} | {row['target']} | {cycles(row['achieved'])} | "
            + " | ".join(cycles(b[k]) for k in BOUND_KEYS)
            + f" | {row['binding']} | {ratio_str(row['ratio'])} "
              f"| {pct_str(100 * row['efficiency'])} | {cycles(row['dense_cycles'])} "
              f"| {pct_str(row['estimate_error_pct'], signed=True)} "
              f"| {cycles(row['plan_cycles'])} "
              f"| {pct_str(row['schedule_error_pct'], signed=True)} |")


def layer_str(l):
    return (f"layer {l['index']} ({l['layer']}): achieved {cycles(l['achieved'])}, "
            f"largest {cycles(l['largest'])} ({l['binding']}), gap {cycles(l['gap'])}")


def misses(row):
    out = []
    if row.get("ratio") is not None and row["ratio"] > ROW_RATIO_TARGET:
        out.append(f"{row['ratio']:.2f}x > {ROW_RATIO_TARGET:g}x")
    err = row.get("estimate_error_pct")
    if err is not None and abs(err) > ERROR_TARGET_PCT:
        out.append(f"estimate error {err:+.1f} %")
    return out


def main():
    ap = argparse.ArgumentParser(
        description="Quality-of-results benchmark (issue 16): executor cycles "
                    "against the lower bounds and the plan's estimate.")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"),
                    help="directory of snn-compile and snn-run (default build/bin)")
    ap.add_argument("--cache", default="/tmp/spikestack-qor",
                    help="exports, programs and reports (default /tmp/spikestack-qor)")
    ap.add_argument("--models", nargs="+", default=DEFAULT_MODELS,
                    help="shipped stems (test/data/models) or zoo names "
                         f"(default: {' '.join(DEFAULT_MODELS)})")
    ap.add_argument("--targets", nargs="+", default=DEFAULT_TARGETS,
                    help=f"target presets or files (default: {' '.join(DEFAULT_TARGETS)})")
    ap.add_argument("--json", help="also write every row, the totals and the "
                                   "summary to this JSON file")
    ap.add_argument("--jobs", type=int, default=MAX_WORKERS,
                    help=f"parallel model x target pairs, 1 or 2 (default {MAX_WORKERS})")
    args = ap.parse_args()
    jobs = max(1, min(MAX_WORKERS, args.jobs))
    bindir = os.path.abspath(args.bin)
    cache = os.path.abspath(args.cache)
    for t in ("snn-compile", "snn-run"):
        if not os.access(os.path.join(bindir, t), os.X_OK):
            sys.exit(f"bench_qor: no {t} in {bindir}")
    os.makedirs(cache, exist_ok=True)
    start = time.perf_counter()

    with Pool(jobs) as pool:
        export_errors = dict(pool.map(export, [(m, cache) for m in args.models]))
        pairs = [(m, t, bindir, cache, export_errors[m])
                 for m in args.models for t in args.targets]
        print("| model | target | achieved (cycles) | compute | events | sram_port | bond "
              "| dram | binding | achieved / largest | efficiency | estimate (cycles) "
              "| estimate error | list schedule (cycles) | schedule error |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        rows = []
        for row in pool.imap(run_pair, pairs):
            rows.append(row)
            log(f"done {row['model']} {row['target']}"
                + (f" (failed: {row['error']})" if "error" in row else
                   f" (compile {row['compile_s']} s, run {row['run_s']} s)"))
            print(table_row(row), flush=True)

    # Totals per target over the models that ran.
    totals = []
    print()
    print("| target | models | achieved (cycles) | largest (cycles) | achieved / largest "
          "| estimate (cycles) | estimate error | list schedule (cycles) | schedule error |")
    print("|---|---|---|---|---|---|---|---|---|")
    for t in args.targets:
        ok = [r for r in rows if r["target"] == t and "error" not in r]
        n_failed = sum(1 for r in rows if r["target"] == t and "error" in r)
        ach = sum(r["achieved"] for r in ok)
        lg = sum(r["largest"] for r in ok)
        plan = sum(r["plan_cycles"] for r in ok)
        dense = sum(r["dense_cycles"] for r in ok)
        tot = {"target": t, "models": len(ok), "failed": n_failed, "achieved": ach,
               "largest": lg, "ratio": ach / lg if lg else None, "plan_cycles": plan,
               "dense_cycles": dense,
               "estimate_error_pct": 100.0 * (dense - ach) / ach if ach else None,
               "schedule_error_pct": 100.0 * (plan - ach) / ach if ach else None}
        totals.append(tot)
        models = f"{len(ok)}" + (f" ({n_failed} failed)" if n_failed else "")
        print(f"| {t} | {models} | {cycles(ach)} | {cycles(lg)} | {ratio_str(tot['ratio'])} "
              f"| {cycles(dense)} | {pct_str(tot['estimate_error_pct'], signed=True)} "
              f"| {cycles(plan)} | {pct_str(tot['schedule_error_pct'], signed=True)} |")

    # The targets.
    ran = [r for r in rows if "error" not in r]
    failed = [r for r in rows if "error" in r]
    row_ratio_miss = [r for r in ran if r["ratio"] is not None and r["ratio"] > ROW_RATIO_TARGET]
    total_miss = [t for t in totals if t["ratio"] is not None and t["ratio"] > TOTAL_RATIO_TARGET]
    err_miss = [r for r in ran if r["estimate_error_pct"] is not None
                and abs(r["estimate_error_pct"]) > ERROR_TARGET_PCT]
    missed_rows = [r for r in ran if misses(r)]

    def verdict(miss, n):
        return "met" if not miss else f"missed by {len(miss)} of {n}"

    print()
    print(f"Targets (issue 16): every row <= {ROW_RATIO_TARGET:g}x its largest bound: "
          f"{verdict(row_ratio_miss, len(ran))}; every target's total <= "
          f"{TOTAL_RATIO_TARGET:g}x: {verdict(total_miss, len(totals))}"
          + (" (" + ", ".join(f"{t['target']} {ratio_str(t['ratio'])}" for t in total_miss)
             + ")" if total_miss else "")
          + f"; |estimate error| <= {ERROR_TARGET_PCT:g} %: {verdict(err_miss, len(ran))}"
          + (f"; {len(failed)} of {len(rows)} rows failed" if failed else "") + ".")
    for r in missed_rows:
        line = f"* {r['model']} {r['target']}: {', '.join(misses(r))}"
        if r.get("worst_layer"):
            line += f"; largest gap {layer_str(r['worst_layer'])}"
        e = r.get("worst_estimate_layer")
        if e and r in err_miss:
            line += (f"; largest estimate difference layer {e['index']} ({e['layer']}): "
                     f"estimate {cycles(e['plan'])}, executor {cycles(e['executor'])}")
        print(line)
    for r in failed:
        print(f"* {r['model']} {r['target']}: failed: {r['error']}")
    wall = time.perf_counter() - start
    log(f"bench_qor: {len(rows)} rows in {wall:.0f} s")

    if args.json:
        summary = {
            "row_ratio_target": ROW_RATIO_TARGET, "total_ratio_target": TOTAL_RATIO_TARGET,
            "estimate_error_target_pct": ERROR_TARGET_PCT,
            "row_ratio_misses": [f"{r['model']} {r['target']}" for r in row_ratio_miss],
            "total_ratio_misses": [t["target"] for t in total_miss],
            "estimate_error_misses": [f"{r['model']} {r['target']}" for r in err_miss],
            "failed": [f"{r['model']} {r['target']}" for r in failed],
            "met": not (row_ratio_miss or total_miss or err_miss or failed),
        }
        with open(args.json, "w") as f:
            json.dump({"bin": bindir, "models": args.models, "targets": args.targets,
                       "wall_s": round(wall, 1), "rows": rows, "totals": totals,
                       "summary": summary}, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
