"""validation-shipped: a shipped model's runs on the three presets.

usage: check_shipped.py SRC_ROOT TORCH_LOGITS.npy
                        (PRESET LOGITS.npy REPORT.json PROGRAM.s)...

Per run: the argmax of the executor's logits equals PyTorch's; the report
has every documented key with sane values; clock, footprint and tier areas
equal what the docs/targets.md floorplan gives for the preset; energy
totals add up; every (vector, k block) of every array instruction of the
assembly is either streamed or skipped. Across runs: the activity counters do not depend on the
target (same model, same input), 2D has no vertical traffic and the
slower clock, the stacks have the smaller footprints and 3d-mol moves
fewer bit-mm than 2D.
"""
import json
import math
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import numpy as np

from validation_lib import Asm, Checker, Target

src_root, torch_path = sys.argv[1:3]
runs = {}
for preset, logits, rep, asm in zip(sys.argv[3::4], sys.argv[4::4],
                                    sys.argv[5::4], sys.argv[6::4]):
    runs[preset] = (np.load(logits), json.load(open(rep)), Asm(asm))
torch = np.load(torch_path)
chk = Checker("check_shipped")

COUNTERS = ["synaptic_events", "macs", "lif_updates", "vector_ops",
            "array_passes", "skipped_passes", "vectors_streamed",
            "vectors_skipped"]
KINDS = ["compute", "lif", "sram", "wire", "bond", "dram", "leakage"]


def nonneg_int(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


first = None
for preset, (logits, r, asm) in runs.items():
    p = preset
    tgt = Target(preset, src_root)
    chk.eq(f"{p}: logits shape", logits.shape, torch.shape)
    chk.true(f"{p}: logits finite", bool(np.isfinite(logits).all()))
    chk.eq(f"{p}: argmax = PyTorch's", int(logits.argmax()),
           int(torch.argmax()))

    # Keys and types.
    for k in ["cycles", "clock_mhz", "latency_us", "energy_pj", "area_mm2",
              "footprint_mm2", "traffic_bits", "memory_access_latency_cycles",
              "utilization", "firing_rate", "counters"]:
        chk.true(f"{p}: report has '{k}'", k in r)
    chk.true(f"{p}: cycles > 0", nonneg_int(r["cycles"]) and r["cycles"] > 0)
    clock = tgt.clock_mhz()
    chk.close(f"{p}: clock_mhz (floorplan)", r["clock_mhz"], clock)
    chk.close(f"{p}: latency_us = cycles / clock", r["latency_us"],
              r["cycles"] / clock)

    e = r["energy_pj"]
    chk.eq(f"{p}: energy kinds", sorted(e["by_kind"]), sorted(KINDS))
    chk.true(f"{p}: energy total > 0", e["total"] > 0)
    chk.true(f"{p}: energies by kind >= 0",
             all(v >= 0 for v in e["by_kind"].values()))
    chk.close(f"{p}: energy total = sum by kind", e["total"],
              sum(e["by_kind"].values()), rel=1e-6)
    chk.close(f"{p}: energy total = sum by tier", e["total"],
              sum(t["total"] for t in e["by_tier"].values()), rel=1e-6)
    tiers = [t["name"] for t in tgt.tiers]
    chk.true(f"{p}: energy tiers are the preset's (and off-chip)",
             set(e["by_tier"]) <= set(tiers) | {"off-chip"} and
             set(tiers) <= set(e["by_tier"]))
    for name, t in e["by_tier"].items():
        chk.close(f"{p}: tier {name} total = sum of its kinds", t["total"],
                  sum(t["by_kind"].values()), rel=1e-6)
    chk.true(f"{p}: compute and LIF energy > 0",
             e["by_kind"]["compute"] > 0 and e["by_kind"]["lif"] > 0)

    a = r["area_mm2"]["by_tier"]
    chk.eq(f"{p}: area tiers", list(a), tiers)
    for i, name in enumerate(tiers):
        w, h = tgt.boxes[i]
        chk.close(f"{p}: area of tier {name}", a[name], w * h, rel=1e-9)
    chk.close(f"{p}: footprint_mm2", r["footprint_mm2"], tgt.footprint())

    tr = r["traffic_bits"]
    for k in ["vertical", "horizontal_bit_mm", "dram"]:
        chk.true(f"{p}: traffic {k} >= 0", tr[k] >= 0)
    chk.true(f"{p}: memory latency mean >= 1",
             r["memory_access_latency_cycles"]["mean"] >= 1)
    u = r["utilization"]
    chk.eq(f"{p}: utilization cores", sorted(u),
           sorted(tgt.block(c)["name"] for c in tgt.cores))
    chk.true(f"{p}: utilization in [0, 1]",
             all(0 <= v <= 1 for v in u.values()))
    chk.true(f"{p}: some core is busy", max(u.values()) > 0)
    fr = r["firing_rate"]
    chk.true(f"{p}: firing rates", len(fr) > 0 and
             all(0 <= v <= 1 for v in fr.values()))

    c = r["counters"]
    for k in COUNTERS:
        chk.true(f"{p}: counter {k} is a non-negative integer",
                 nonneg_int(c.get(k)))
    chk.true(f"{p}: synaptic events > 0", c["synaptic_events"] > 0)
    chk.true(f"{p}: array passes > 0", c["array_passes"] > 0)
    chk.eq(f"{p}: bank names", [b["name"] for b in c["banks"]],
           [tgt.block(b)["name"] for b in tgt.banks])
    chk.eq(f"{p}: bank tiers", [b["tier"] for b in c["banks"]],
           [tiers[b[0]] for b in tgt.banks])
    chk.true(f"{p}: bank bits", all(nonneg_int(b["read_bits"]) and
                                    nonneg_int(b["write_bits"])
                                    for b in c["banks"]))
    chk.true(f"{p}: layers", len(c["layers"]) > 0 and all(
        isinstance(l["op"], str) and nonneg_int(l["cycles"]) and
        nonneg_int(l["synaptic_events"]) for l in c["layers"]))
    chk.eq(f"{p}: layer synaptic events add up",
           sum(l["synaptic_events"] for l in c["layers"]),
           c["synaptic_events"])
    # Every (vector, k block) of every array instruction is streamed or
    # skipped (a dynamic expert task that received nothing skips all).
    arrays = [i for _, _, i in asm.instrs()
              if i["op"] in ("spike_acc", "and_acc", "score_value")]
    chk.eq(f"{p}: vectors streamed + skipped = sum of vectors x k_tiles",
           c["vectors_streamed"] + c["vectors_skipped"],
           sum(i["vectors"] * i["k_tiles"] for i in arrays))
    # Weight-stationary: a pass per bundle and k block; output-stationary:
    # a fold of `bundle` vectors covers every k block (docs/isa.md, "Array
    # passes").
    def units(i):
        t = asm.tilings[i["layer"]][i["tiling"]]
        k = 1 if t["dataflow"] == "output_stationary" else i["k_tiles"]
        return math.ceil(i["vectors"] / i["bundle"]) * k
    all_passes = sum(units(i) for i in arrays)
    # (A dynamic task with no tokens counts all its passes as skipped.)
    chk.eq(f"{p}: passes run + skipped = sum of bundles x k_tiles "
           "(folds for output-stationary)",
           c["array_passes"] + c["skipped_passes"], all_passes)
    bank_bits = sum(b["read_bits"] + b["write_bits"] for b in c["banks"])
    core_tiers = {ci[0] for ci in tgt.cores}
    bank_tiers = {bi[0] for bi in tgt.banks}
    if len(tiers) == 1:
        chk.eq(f"{p}: 2D vertical traffic", tr["vertical"], 0)
    elif len(tiers) == 2 and not (core_tiers & bank_tiers):
        # Every transfer crosses the one link once.
        chk.eq(f"{p}: vertical traffic = all bank bits", tr["vertical"],
               bank_bits)
    else:
        chk.true(f"{p}: vertical traffic <= all bank bits",
                 0 <= tr["vertical"] <= bank_bits)

    if first is None:
        first = (p, logits, c)
    else:
        fp, flog, fc = first
        chk.true(f"{p}: logits identical to {fp}'s",
                 np.array_equal(logits, flog))
        for k in ["synaptic_events", "macs", "lif_updates", "vector_ops"]:
            chk.eq(f"{p}: {k} equals {fp}'s", c[k], fc[k])

if {"2d", "3d-mol", "3d-lol"} <= set(runs):
    r2, rm, rl = (runs[k][1] for k in ("2d", "3d-mol", "3d-lol"))
    chk.true("clock: 2d < 3d-mol", r2["clock_mhz"] < rm["clock_mhz"])
    chk.true("clock: 2d < 3d-lol", r2["clock_mhz"] < rl["clock_mhz"])
    chk.true("horizontal bit-mm: 3d-mol < 2d",
             rm["traffic_bits"]["horizontal_bit_mm"] <
             r2["traffic_bits"]["horizontal_bit_mm"])
    chk.true("footprint: 3d-mol < 2d",
             rm["footprint_mm2"] < r2["footprint_mm2"])
    chk.true("footprint: 3d-lol < 2d",
             rl["footprint_mm2"] < r2["footprint_mm2"])
    chk.true("vertical: 3d-mol > 0", rm["traffic_bits"]["vertical"] > 0)
chk.finish()
