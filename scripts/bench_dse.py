#!/usr/bin/python3
"""Design-space exploration throughput (docs/benchmarks.md, "Design-space
exploration"): points per second of `python -m spikestack.dse` in full
and fast mode on 1 and 2 LocalCluster workers, end to end (cluster start
included) and per point, and how well fast mode's estimate ranks points
(from a database of full-mode rows, which hold both the estimate and the
run).

  scripts/bench_dse.py [--sweep FILE] [--cache DIR] [--json OUT]
                       [--rank-db STUDY.sqlite]
"""
import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))


def sweep_once(sweep, mode, workers, cache, tmp):
    db = os.path.join(tmp, f"{mode}-{workers}.sqlite")
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "spikestack.dse", sweep, "--db", db,
                    "--workers", str(workers), "--mode", mode, "--cache",
                    cache, "--no-progress"], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    with sqlite3.connect(db) as c:
        points = c.execute("SELECT COUNT(*) FROM points").fetchone()[0]
        work = c.execute("SELECT SUM(COALESCE(compile_s, 0) + "
                         "COALESCE(estimate_s, 0) + COALESCE(run_s, 0)) "
                         "FROM points").fetchone()[0]
        reruns = c.execute("SELECT COUNT(*) FROM points WHERE evaluated = "
                           "'run'").fetchone()[0]
    return {"mode": mode, "workers": workers, "points": points,
            "reruns": reruns if mode == "fast" else 0, "wall_s": wall,
            "points_per_s": points / wall, "cpu_s_per_point": work / points}


def spearman(xs, ys):
    def ranks(v):
        order = sorted(range(len(v)), key=lambda i: v[i])
        r = [0] * len(v)
        for rank, i in enumerate(order):
            r[i] = rank
        return r
    rx, ry = ranks(xs), ranks(ys)
    n = len(xs)
    return 1 - 6 * sum((a - b) ** 2 for a, b in zip(rx, ry)) / (n * (n * n - 1))


def ranking(db):
    """Per model: rank correlation of the estimated and the run EDP, and
    whether fast mode's re-run choice (3 best estimates per side) holds
    each side's true best."""
    out = {}
    with sqlite3.connect(db) as c:
        c.row_factory = sqlite3.Row
        rows = [dict(r) for r in c.execute(
            "SELECT model, stacking, key, est_edp_uj_us, edp_uj_us, "
            "est_error FROM points WHERE status = 'ok' AND evaluated = 'run'")]
    for model in sorted({r["model"] for r in rows}):
        rs = [r for r in rows if r["model"] == model]
        hit = True
        for flat in (True, False):
            side = [r for r in rs if (r["stacking"] == "2d") == flat]
            if not side:
                continue
            best = min(side, key=lambda r: (r["edp_uj_us"], r["key"]))
            top = sorted(side, key=lambda r: (r["est_edp_uj_us"], r["key"]))[:3]
            hit &= best in top
        errs = [abs(r["est_error"]) for r in rs]
        out[model] = {"points": len(rs),
                      "spearman_edp": spearman([r["est_edp_uj_us"] for r in rs],
                                               [r["edp_uj_us"] for r in rs]),
                      "max_cycle_error": max(errs),
                      "rerun_holds_best": hit}
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sweep", default=os.path.join(ROOT, "examples", "dse",
                                                   "small.yaml"))
    p.add_argument("--cache", default=os.path.join(
        tempfile.gettempdir(), "spikestack-zoo"))
    p.add_argument("--json")
    p.add_argument("--rank-db", help="a full-mode database to measure fast "
                   "mode's ranking on")
    args = p.parse_args()
    results = {"sweep": os.path.relpath(args.sweep, ROOT), "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("full", "fast"):
            for workers in (1, 2):
                r = sweep_once(args.sweep, mode, workers, args.cache, tmp)
                results["runs"].append(r)
                print(f"{mode:4} {workers} worker(s): {r['points']} points "
                      f"({r['reruns']} re-run) in {r['wall_s']:.1f} s = "
                      f"{r['points_per_s']:.2f} points/s; "
                      f"{r['cpu_s_per_point']:.3f} s of work per point")
    if args.rank_db:
        results["ranking"] = ranking(args.rank_db)
        for model, r in results["ranking"].items():
            print(f"{model}: {r['points']} points, Spearman(est EDP, run EDP) "
                  f"= {r['spearman_edp']:.3f}, max |cycle error| "
                  f"{r['max_cycle_error'] * 100:.1f} %, re-run holds the "
                  f"best: {r['rerun_holds_best']}")
    if args.json:
        from spikestack.output import write_text
        write_text(args.json, json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
