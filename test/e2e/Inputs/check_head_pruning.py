#!/usr/bin/env python3
"""Checks dynamic head pruning end to end (test/e2e/head-pruning.test).

usage: check_head_pruning.py TAGS_DIR HW.mlir FULL.json HALF.json
                             DENSE_FULL.json DENSE_HALF.json RATIO HALF.s

TAGS_DIR holds the reference interpreter's dump of the pruned, quantized
module (snn-interpret --dump-tagged): per block the query spikes
(q_lif, [T, B * N, C]) and the attention output ([T, B, N, C]). From the queries alone, in numpy:
head h's score is its spike count over time steps, tokens and its d =
C / H channels; the kept heads are the ceil(RATIO x H) best, ties to the
lower index. The executor's report must name exactly those heads, the
attention output must be silent in the pruned heads' channels, and the
pruned program must take fewer cycles than the unpruned one, in the run
and in the dense estimate. The tasks skipped (per layer, from the
report): the attention's products and its K and V projections, each
(H - keep) / H of the layer's tasks (one head per 32-column task here;
tasks per layer from the program's layer table, HALF.s), nothing else.
"""
import csv
import json
import math
import os
import re
import sys

import numpy as np

tags, hw, full, half, dense_full, dense_half, ratio, asm = sys.argv[1:9]
ratio = float(ratio)
heads = int(re.search(r"num_heads = (\d+)", open(hw).read()).group(1))
keep = math.ceil(ratio * heads)
rows = list(csv.reader(
    (l for l in open(os.path.join(tags, "tagged.tsv")) if l[0] != "#"),
    delimiter="\t"))
queries = [r[0] for r in rows if "/attn/q_lif/" in r[1]]
outputs = [r[0] for r in rows if r[2] == "snn.spiking_attention"]
assert queries and len(queries) == len(outputs), (queries, outputs)

want = []
failures = []
for qf, of in zip(queries, outputs):
    out = np.load(os.path.join(tags, of))
    # The neuron runs on [T, B * N, C]; the attention reshapes to [T, B, N, C].
    q = np.load(os.path.join(tags, qf)).reshape(out.shape)
    T, B, N, C = q.shape
    d = C // heads
    kept_b = []
    for b in range(B):
        score = q[:, b].reshape(T * N, heads, d).sum(axis=(0, 2))
        order = sorted(range(heads), key=lambda h: (-score[h], h))
        kept = sorted(order[:keep])
        kept_b.append(kept)
        for h in range(heads):
            silent = not out[:, b, :, h * d:(h + 1) * d].any()
            if h not in kept and not silent:
                failures.append(f"{of}: pruned head {h} (batch {b}) spikes")
    want.append(kept_b)

report = json.load(open(half))
got = [l["heads_kept"] for l in report["counters"]["layers"]
       if "heads_kept" in l]
if got != want:
    failures.append(f"heads_kept: executor {got}, numpy {want}")
unpruned = json.load(open(full))
if any("heads_kept" in l for l in unpruned["counters"]["layers"]):
    failures.append("the unpruned program reports kept heads")
if not report["counters"]["skipped_head_tasks"] > 0:
    failures.append("no head task skipped")
if unpruned["counters"]["skipped_head_tasks"] != 0:
    failures.append("the unpruned program skipped head tasks")
# Tasks per layer: groups x ceil(outputs / cols) x row tiles, summed over
# the layer's tilings ("; layer L: OP" then "  tiling k: KIND RxC ...").
tasks, ops, layer = {}, {}, None
for line in open(asm):
    m = re.match(r"; layer (\d+): (\S+)", line)
    if m:
        layer = int(m.group(1))
        ops[layer] = m.group(2)
        continue
    m = re.match(r";   tiling \d+: \w+ (\d+)x(\d+) reduction \d+ outputs (\d+) "
                 r"groups (\d+).*?(?:row_tiles (\d+))?$", line.rstrip())
    if m and layer is not None:
        cols, outputs, groups = int(m.group(2)), int(m.group(3)), int(m.group(4))
        rt = int(m.group(5) or 1)
        tasks[layer] = tasks.get(layer, 0) + groups * -(-outputs // cols) * rt
pruned = {i: l["pruned_head_tasks"]
          for i, l in enumerate(report["counters"]["layers"])
          if "pruned_head_tasks" in l}
kinds = sorted(ops[i] for i in pruned)
if kinds != sorted(["snn.linear", "snn.linear",
                    "snn.spiking_attention"] * len(want)):
    failures.append(f"layers with pruned tasks: {kinds}")
for i, n in pruned.items():
    if n * heads != tasks[i] * (heads - keep):
        failures.append(f"layer {i} ({ops[i]}): {n} of {tasks[i]} tasks "
                        f"pruned, expected {heads - keep} / {heads}")
for name, a, b in (("run", half, full), ("dense estimate", dense_half,
                                         dense_full)):
    ca, cb = json.load(open(a))["cycles"], json.load(open(b))["cycles"]
    if not ca < cb:
        failures.append(f"{name}: pruned {ca} cycles, unpruned {cb}")
for f in failures:
    print("check_head_pruning: FAIL", f)
if failures:
    sys.exit(1)
print(f"check_head_pruning: OK ({len(want)} attention layers, {heads} heads, "
      f"keep {keep}: {want})")
