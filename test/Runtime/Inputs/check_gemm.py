"""validation-gemm: the weight-stationary timing of one snn.linear + IF layer
on all-ones spikes, against closed forms derived from the target file and
the assembly text.

usage: check_gemm.py SRC_ROOT TARGET.json MODULE.mlir PROG.s X.npy S.npy
                     REPORT.json TRACE.json THRESHOLD [--single-pass]
"""
import json
import math
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import numpy as np

from validation_lib import (Asm, Checker, Target, array_events,
                            dense_constants, load_trace)

(src_root, target_path, mlir_path, asm_path, x_path, s_path, report_path,
 trace_path, threshold) = sys.argv[1:10]
single = "--single-pass" in sys.argv[10:]
threshold = float(threshold)

chk = Checker("check_gemm" + (" (single pass)" if single else ""))
tgt = Target(target_path, src_root)
asm = Asm(asm_path)
report = json.load(open(report_path))
x = np.load(x_path)
s = np.load(s_path)
(w,) = dense_constants(mlir_path)
N, K = w.shape
x2 = x.reshape(-1, x.shape[-1])
V = x2.shape[0]
chk.eq("input width", x.shape[-1], K)
chk.true("the input is all ones", bool((x == 1).all()))

# The target: one core type; R x C from the file.
cores = [tgt.core_spec(c) for c in range(len(tgt.cores))]
R, C = cores[0]["array_rows"], cores[0]["array_cols"]
clock = tgt.clock_mhz()
chk.close("report clock_mhz (derived from the floorplan)",
          report["clock_mhz"], clock)

# The tiling the compiler chose, as the assembly states it.
chk.eq("layers", list(asm.layers.values()), ["snn.linear"])
til = asm.tilings[0][0]
chk.eq("tiling kind", til["kind"], "synaptic")
chk.eq("tiling rows (array rows of the target)", til["rows"], R)
chk.eq("tiling cols (array cols of the target)", til["cols"], C)
chk.eq("tiling reduction", til["reduction"], K)
chk.eq("tiling outputs", til["outputs"], N)
chk.eq("tiling vectors", til["vectors"], V)
kT = math.ceil(K / R)
accs = list(asm.instrs("spike_acc"))
chk.eq("spike_acc columns cover N", sum(i["columns"] for _, _, i in accs), N)
for c, idx, ins in accs:
    chk.eq(f"k_tiles of task {ins['task']}", ins["k_tiles"], kT)
    chk.eq(f"vectors of task {ins['task']}", ins["vectors"], V)
    chk.eq(f"bundle of task {ins['task']}", ins["bundle"], til["bundle"])
    chk.true(f"columns of task {ins['task']} fit the array",
             1 <= ins["columns"] <= C)
if single:
    chk.true("single-pass case: K <= R, V <= bundle, N <= C",
             K <= R and V <= til["bundle"] and N <= C and len(accs) == 1)

trace = load_trace(trace_path, clock)
events = array_events(trace, len(asm.streams))
chk.eq("array events in the trace", sorted(events),
       sorted((0, i["task"]) for _, _, i in accs))

total_events = 0
total_passes = 0
for c, idx, ins in accs:
    task, cols, B = ins["task"], ins["columns"], ins["bundle"]
    ev = events[(0, task)]
    a = ev["args"]
    bundles = math.ceil(V / B)
    # Closed form: every (bundle, k block) pass computes for
    # R + C - 2 (fill and drain) + its vectors.
    chk.eq(f"task {task} compute_cycles", a["compute_cycles"],
           kT * bundles * (R + C - 2) + kT * V)
    chk.eq(f"task {task} passes", a["passes"], kT * bundles)
    chk.eq(f"task {task} skipped_passes", a["skipped_passes"], 0)
    chk.eq(f"task {task} synaptic_events", a["synaptic_events"], K * cols * V)
    chk.eq(f"task {task} runs on its stream's core", ev["core"], c)
    total_events += K * cols * V
    total_passes += kT * bundles

    # Whole duration: the passes in order, each loading its held block
    # (k rows x columns x 8 bits) from the bank of the preceding
    # `load weights`, double-buffered: a pass's load is requested when the
    # previous pass starts computing; a pass starts when its block has
    # arrived and the previous pass has finished.
    bank = asm.weight_bank_of(c, idx)
    lat = tgt.latency(c, bank)
    t0 = ev["start"]
    prev_start = prev_end = t0
    load_total = 0
    for b0 in range(0, V, B):
        vn = min(B, V - b0)
        for k in range(kT):
            rows = min(R, K - k * R)
            bits = rows * cols * til["held"]
            load_end = prev_start + lat + tgt.serialization(c, bank, bits)
            load_total += load_end - prev_start
            start = max(prev_end, load_end)
            prev_start, prev_end = start, start + (R + C - 2 + vn)
    chk.eq(f"task {task} load_cycles", a["load_cycles"], load_total)
    chk.eq(f"task {task} duration", ev["dur"], prev_end - t0)
    if single:
        bits = K * cols * til["held"]
        width = tgt.block(tgt.banks[bank])["width_bits"]
        closed = lat + math.ceil(bits / width) + R + C - 2 + V
        chk.eq(f"task {task} duration (one pass, closed form "
               f"{lat} + ceil({bits}/{width}) + {R}+{C}-2 + {V})",
               ev["dur"], closed)

# LIF epilogues: ceil(elements / LIF units) cycles, elements = columns x V.
lifs = {(e["args"]["layer"], e["start"]): e for e in trace
        if e["name"].startswith("lif L")}
lif_instrs = list(asm.instrs("lif"))
chk.eq("lif events", len(lifs), len(lif_instrs))
for (c, idx, ins), e in zip(lif_instrs, sorted(lifs.values(),
                                               key=lambda e: (e["tid"], e["start"]))):
    prev = asm.streams[c][idx - 1]
    chk.eq(f"lif task {ins['task']} elements", ins["elements"],
           prev["columns"] * V)
    chk.eq(f"lif task {ins['task']} duration", e["dur"],
           math.ceil(ins["elements"] / cores[c]["lif_units"]))

ctr = report["counters"]
chk.eq("report synaptic_events == K*N*V", ctr["synaptic_events"], K * N * V)
chk.eq("report layer synaptic_events", ctr["layers"][0]["synaptic_events"],
       K * N * V)
chk.eq("report array_passes", ctr["array_passes"], total_passes)
chk.eq("report skipped_passes", ctr["skipped_passes"], 0)
chk.eq("report vectors_streamed", ctr["vectors_streamed"],
       len(accs) * kT * V)
chk.eq("report vectors_skipped", ctr["vectors_skipped"], 0)
chk.eq("report macs (spike input: none)", ctr["macs"], 0)
chk.eq("report bank_conflicts (one core, nothing in flight)",
       ctr["bank_conflicts"], 0)

# Function: IF from rest over one step fires where x.W^T >= threshold.
acc = x.reshape(-1, K).astype(np.int64) @ w.T
chk.eq("output spikes", s.reshape(-1, N).tolist(),
       (acc >= threshold).astype(np.uint8).tolist())
chk.finish()
