"""validation-counters: every counter of a run on random spikes against a
functional count made in numpy from the same input, and against the
assembly text.

The module is a chain of snn.linear (int8 weights) + snn.if layers named
if1, if2, ... whose spike results are the function results s1, s2, ...
(Inputs/validation-two-layer.mlir).

usage: check_counters.py SRC_ROOT TARGET.json MODULE.mlir PROG.s X.npy
                         OUT_DIR REPORT.json TRACE.json THRESHOLD
                         [--expect-skips]
--expect-skips: the input must make the array skip vectors and passes and
load a layer input from a bank (the structured random inputs).
"""
import json
import math
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import numpy as np

from validation_lib import (Asm, Checker, Target, array_events,
                            block_nonzero, dense_constants, load_trace,
                            passes_of)

(src_root, target_path, mlir_path, asm_path, x_path, out_dir, report_path,
 trace_path, threshold) = sys.argv[1:10]
threshold = float(threshold)
expect_skips = "--expect-skips" in sys.argv[10:]

chk = Checker("check_counters")
tgt = Target(target_path, src_root)
asm = Asm(asm_path)
report = json.load(open(report_path))
ctr = report["counters"]
x = np.load(x_path)
weights = dense_constants(mlir_path)

# --- Function, in numpy: IF from rest over one step fires where the integer
# accumulation reaches the threshold.
ins = [x.reshape(-1, x.shape[-1]).astype(np.int64)]
outs = []
for w in weights:
    s = (ins[-1] @ w.T >= threshold).astype(np.int64)
    outs.append(s)
    ins.append(s)
for i, s in enumerate(outs):
    got = np.load(os.path.join(out_dir, f"s{i + 1}.npy"))
    chk.eq(f"s{i + 1} (numpy reference)", got.reshape(s.shape).tolist(),
           s.tolist())
if expect_skips:
    chk.true("the input has both zeros and ones",
             0 < int(ins[0].sum()) < ins[0].size)

clock = tgt.clock_mhz()
events = array_events(load_trace(trace_path, clock), len(asm.streams))
chk.eq("layers", list(asm.layers.values()), ["snn.linear"] * len(weights))

# --- Per array instruction and per layer, from numpy and the assembly.
exp = dict(synaptic_events=0, array_passes=0, skipped_passes=0,
           vectors_streamed=0, vectors_skipped=0)
layer_events = [0] * len(weights)
weight_bits = {}            # bank -> bits fetched by executed passes
busy = [0] * len(asm.streams)
transfers = []              # (core, bank, bits) for every bank/DRAM access
for c, idx, ins_ in asm.instrs("spike_acc"):
    L, task = ins_["layer"], ins_["task"]
    til = asm.tilings[L][ins_["tiling"]]
    R, Cc = til["rows"], til["cols"]
    xin = ins[L]
    chk.eq(f"L{L} reduction", til["reduction"], xin.shape[1])
    chk.eq(f"L{L} vectors", ins_["vectors"], xin.shape[0])
    nz = block_nonzero(xin, R)
    plan = passes_of(til, ins_, nz > 0)
    ran = [p for p in plan if p[1] > 0]
    cols = ins_["columns"]
    ev = events[(L, task)]["args"]
    events_here = int((xin != 0).sum()) * cols
    chk.eq(f"L{L} t{task} passes", ev["passes"], len(ran))
    chk.eq(f"L{L} t{task} skipped_passes", ev["skipped_passes"],
           len(plan) - len(ran))
    chk.eq(f"L{L} t{task} synaptic_events", ev["synaptic_events"],
           events_here)
    compute = sum(R + Cc - 2 + nzv for _, nzv, _ in ran)
    chk.eq(f"L{L} t{task} compute_cycles", ev["compute_cycles"], compute)
    busy[c] += compute
    exp["synaptic_events"] += events_here
    layer_events[L] += events_here
    exp["array_passes"] += len(ran)
    exp["skipped_passes"] += len(plan) - len(ran)
    exp["vectors_streamed"] += sum(nzv for _, nzv, _ in plan)
    exp["vectors_skipped"] += sum(vn - nzv for _, nzv, vn in plan)
    bank = asm.weight_bank_of(c, idx)
    for rows, _, _ in ran:
        bits = rows * cols * til["held"]
        weight_bits[bank] = weight_bits.get(bank, 0) + bits
        transfers.append((c, bank, bits))

# The brief's closed forms, in terms of the layers alone.
tasks = {}
for _, _, i in asm.instrs("spike_acc"):
    tasks[i["layer"]] = tasks.get(i["layer"], 0) + 1
chk.eq("synaptic_events = sum over layers of nnz(input) x N",
       ctr["synaptic_events"],
       sum(int((ins[L] != 0).sum()) * w.shape[0]
           for L, w in enumerate(weights)))
zero_pairs = sum(tasks[L] * int((block_nonzero(ins[L], asm.tilings[L][0]["rows"])
                                 == 0).sum()) for L in range(len(weights)))
chk.eq("vectors_skipped = tasks x all-zero (vector, k block) pairs",
       ctr["vectors_skipped"], zero_pairs)
if expect_skips:
    chk.true("some vectors are skipped", zero_pairs > 0)
    chk.true("some passes are skipped", exp["skipped_passes"] > 0)
for k, v in exp.items():
    chk.eq(f"report {k}", ctr[k], v)
for L in range(len(weights)):
    chk.eq(f"report layers[{L}].synaptic_events",
           ctr["layers"][L]["synaptic_events"], layer_events[L])
chk.eq("report macs", ctr["macs"], 0)
chk.eq("report vector_ops", ctr["vector_ops"], 0)

# --- LIF updates (dense: every neuron, every step) and firing rates.
lif_elems = sum(i["elements"] for _, _, i in asm.instrs("lif"))
chk.eq("lif_updates = sum of lif elements", ctr["lif_updates"], lif_elems)
chk.eq("lif_updates = sum over layers of V x N", ctr["lif_updates"],
       sum(o.size for o in outs))
for c, _, i in asm.instrs("lif"):
    busy[c] += math.ceil(i["elements"] / tgt.core_spec(c)["lif_units"])
for i, s in enumerate(outs):
    chk.close(f"firing_rate of if{i + 1} = mean of s{i + 1}",
              report["firing_rate"][f"if{i + 1}"], s.mean())

# --- Memory traffic, from the assembly.
read = {b: 0 for b in range(len(tgt.banks))}
write = {b: 0 for b in range(len(tgt.banks))}
dram_bits = 0
for b, bits in weight_bits.items():
    read[b] += bits
for c, _, i in asm.instrs():
    if i["op"] == "load" and i["sub"] == "input" or i["op"] == "store":
        bits = 8 * i["bytes"]
        transfers.append((c, i["bank"], bits))
        if i["bank"] < 0:
            dram_bits += bits
        elif i["op"] == "load":
            read[i["bank"]] += bits
        else:
            write[i["bank"]] += bits
chk.eq("bank count", len(ctr["banks"]), len(tgt.banks))
for b, rec in enumerate(ctr["banks"]):
    chk.eq(f"bank {b} name", rec["name"], tgt.block(tgt.banks[b])["name"])
    chk.eq(f"bank {b} read_bits", rec["read_bits"], read[b])
    chk.eq(f"bank {b} write_bits", rec["write_bits"], write[b])
input_bits = 8 * sum(i["bytes"] for _, _, i in asm.instrs("load")
                     if i["sub"] == "input" and i["bank"] >= 0)
chk.eq("sum of bank read_bits = 8 x bank input-load bytes + weight bits "
       "of executed passes", sum(r["read_bits"] for r in ctr["banks"]),
       input_bits + sum(weight_bits.values()))
if expect_skips:
    chk.true("some input is loaded from a bank", input_bits > 0)
chk.eq("traffic dram", report["traffic_bits"]["dram"], dram_bits)
chk.eq("memory accesses", report["memory_access_latency_cycles"]["accesses"],
       len(transfers))
vertical = horizontal = bond_pj = 0.0
for c, b, bits in transfers:
    if b < 0:
        continue
    crossed = tgt.crossed(c, b)
    vertical += bits * len(crossed)
    bond_pj += bits * sum(tgt.links[i]["pj_per_bit"] for i in crossed)
    horizontal += bits * tgt.wire_mm(tgt.cores[c], tgt.banks[b])
chk.close("traffic vertical", report["traffic_bits"]["vertical"], vertical)
chk.close("traffic horizontal_bit_mm",
          report["traffic_bits"]["horizontal_bit_mm"], horizontal)

# --- Energy that follows from counts and the technology table.
T = tgt.tech
kinds = report["energy_pj"]["by_kind"]
chk.close("energy compute = synaptic events x e_accumulate",
          kinds["compute"], ctr["synaptic_events"] * T["e_accumulate_pj"])
# A neuron update: the arithmetic, and the membrane's read and write at
# the scratchpad rate (both layers' membranes have one width).
widths = set(re.findall(r"membrane_type = !snn.fixed<(\d+)",
                        open(mlir_path).read()))
assert len(widths) == 1, widths
membrane_bits = int(widths.pop())
chk.close("energy lif = lif updates x (e_lif_update + 2 x membrane bits x "
          "e_scratchpad)", kinds["lif"],
          ctr["lif_updates"] * (T["e_lif_update_pj"] + 2 * membrane_bits *
                                T["e_scratchpad_fj_per_bit"] * 1e-3))
chk.close("energy dram = DRAM bits x dram_energy", kinds["dram"],
          dram_bits * T["dram_energy_pj_per_bit"])
chk.close("energy bond", kinds["bond"], bond_pj)
chk.close("energy wire = bit-mm x wire energy", kinds["wire"],
          horizontal * T["wire_energy_pj_per_bit_mm"])
seconds = report["cycles"] * (1e-6 / clock)
chk.close("energy leakage", kinds["leakage"],
          sum(T["sram_leakage_mw_per_32k"] * tgt.block(b)["capacity_bytes"] /
              32768 * 1e-3 * seconds * 1e12 for b in tgt.banks))
total = report["energy_pj"]["total"]
chk.close("energy total = sum by kind", total, sum(kinds.values()))
chk.close("energy total = sum by tier", total,
          sum(t["total"] for t in report["energy_pj"]["by_tier"].values()))
chk.close("latency_us", report["latency_us"], report["cycles"] / clock)

# --- Utilization: array compute plus LIF cycles over the run.
for c in range(len(asm.streams)):
    name = tgt.core_spec(c)["name"]
    chk.close(f"utilization of {name} x cycles = busy cycles",
              report["utilization"][name] * report["cycles"], busy[c],
              rel=1e-9)
chk.finish()
