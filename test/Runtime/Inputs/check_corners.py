#!/usr/bin/env python3
"""Checks the executor's reports of one program and input at the typical,
hot and worst technology corners (test/Runtime/corners.test).

usage: check_corners.py SRC_ROOT TARGET.json TYPICAL.json HOT.json WORST.json

A corner changes SRAM leakage only: 0.1, 0.5 and 4 mW per 32 KB
(accelerator.md's typical figure, the middle of its 85-110 C range and
CACTI's high-performance-transistor worst case). So cycles, traffic and
every other energy kind are equal; leakage is mW x capacity / 32 KiB x
run time, per bank, from the target file's banks and the derated clock
(validation_lib.Target); totals are ordered typical < hot < worst.
"""
import json
import os
import sys

src_root, target_path, *reports = sys.argv[1:]
sys.path.insert(0, os.path.join(src_root, "test", "Runtime", "Inputs"))
from validation_lib import Checker, Target  # noqa: E402

tgt = Target(target_path, src_root)
chk = Checker("check_corners")
runs = [json.load(open(p)) for p in reports]
MW = {"typical": 0.1, "hot": 0.5, "worst": 4.0}
base = runs[0]
for run, (name, mw) in zip(runs, MW.items()):
    chk.eq(f"{name}: corner", run["corner"], name)
    chk.eq(f"{name}: cycles", run["cycles"], base["cycles"])
    chk.eq(f"{name}: traffic", run["traffic_bits"], base["traffic_bits"])
    kinds = run["energy_pj"]["by_kind"]
    for k, v in kinds.items():
        if k != "leakage":
            chk.close(f"{name}: energy {k}", v,
                      base["energy_pj"]["by_kind"][k])
    seconds = run["cycles"] * 1e-6 / tgt.clock_mhz()
    chk.close(f"{name}: leakage = {mw} mW x capacity / 32 KiB x time",
              kinds["leakage"],
              sum(mw * tgt.block(b)["capacity_bytes"] / 32768 * 1e-3 *
                  seconds * 1e12 for b in tgt.banks))
totals = [r["energy_pj"]["total"] for r in runs]
chk.true("totals ordered typical < hot < worst",
         totals[0] < totals[1] < totals[2], str(totals))
chk.finish()
