"""bounds: prints the bound analysis of a plan or executor report for
FileCheck, and checks its structure.

usage: check_bounds.py REPORT.json [SUMMARY.txt]

Prints `total KEY VALUE` and `layer I NAME KEY VALUE` lines (numbers with
%.6g) and fails unless every bounds object has all keys, largest is the
maximum of events, sram_port, bond and dram, binding names it, events <=
compute, and efficiency = min(1, largest / achieved) lies in [0, 1] (in
(0, 1] for the total). With SUMMARY.txt (snn-run's stdout), also checks
that its efficiency line names the total's binding bound.
"""
import json
import math
import re
import sys

sys.dont_write_bytecode = True

KEYS = ["compute", "events", "events_measured", "sram_port", "bond", "dram",
        "largest", "binding", "achieved", "efficiency"]
report = json.load(open(sys.argv[1]))
b = report["bounds"]
bad = []


def check(where, o):
    for k in KEYS:
        if k not in o:
            bad.append(f"{where}: no {k}")
            return
    cands = {"sram_port": o["sram_port"], "bond": o["bond"], "dram": o["dram"]}
    largest = max([o["events"]] + list(cands.values()))
    if not math.isclose(o["largest"], largest, rel_tol=1e-12, abs_tol=1e-12):
        bad.append(f"{where}: largest {o['largest']} != {largest}")
    name = o["binding"]
    value = o["events"] if name in ("compute", "events") else cands.get(name)
    if value is None or not math.isclose(value, largest, rel_tol=1e-12,
                                         abs_tol=1e-12):
        bad.append(f"{where}: binding {name} is not the largest")
    if o["events"] > o["compute"] * (1 + 1e-12):
        bad.append(f"{where}: events above compute")
    want = min(1.0, largest / o["achieved"]) if o["achieved"] > 0 else None
    if want is not None and not math.isclose(o["efficiency"], want,
                                             rel_tol=1e-12):
        bad.append(f"{where}: efficiency {o['efficiency']} != {want}")
    if not 0 <= o["efficiency"] <= 1:
        bad.append(f"{where}: efficiency {o['efficiency']} outside [0, 1]")


def fmt(v):
    return ("%.6g" % v) if isinstance(v, (int, float)) and not isinstance(
        v, bool) else str(v).lower()


check("total", b["total"])
if not 0 < b["total"]["efficiency"] <= 1:
    bad.append("total efficiency not in (0, 1]")
for k in KEYS:
    print("total", k, fmt(b["total"][k]))
for i, layer in enumerate(b["per_layer"]):
    check(f"layer {i}", layer)
    for k in KEYS:
        print("layer", i, layer["layer"], k, fmt(layer[k]))
if len(sys.argv) > 2:
    text = open(sys.argv[2]).read()
    m = re.search(r"efficiency +([0-9.]+) % of the (\w+) bound \(([0-9,]+) "
                  r"of ([0-9,]+) cycles\)", text)
    if not m:
        bad.append("no efficiency line in the summary")
    else:
        t = b["total"]
        if m.group(2) != t["binding"]:
            bad.append(f"summary names {m.group(2)}, not {t['binding']}")
        if abs(float(m.group(1)) - 100 * t["efficiency"]) > 0.051:
            bad.append("summary efficiency differs from the report's")
        if int(m.group(4).replace(",", "")) != int(t["achieved"]):
            bad.append("summary achieved cycles differ from the report's")
for line in bad:
    print("BAD", line)
print("check_bounds:", "FAILED" if bad else "OK")
sys.exit(1 if bad else 0)
