#!/usr/bin/python3
"""Writes a preset with every SRAM bank scaled to MIB MiB (same cores, tiers
and floorplan rules), named PRESET-<MIB>mib, for models whose weights do
not fit the presets (the executor and pipeline benchmarks).

  scripts/scale_target.py PRESET MIB OUT_DIR      prints the file written
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def scaled_target(preset, mib, out_dir):
    with open(os.path.join(ROOT, "lib/Hardware/presets", preset + ".json")) as f:
        t = json.load(f)
    t["name"] = f"{preset}-{mib}mib"
    t["description"] = f"{preset} with every SRAM bank scaled to {mib} MiB"
    for tier in t["tiers"]:
        for b in tier["blocks"]:
            if b["kind"] == "sram":
                b["capacity_bytes"] = mib << 20
    path = os.path.join(out_dir, t["name"] + ".json")
    with open(path, "w") as f:
        json.dump(t, f, indent=1)
    return path


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    print(scaled_target(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
