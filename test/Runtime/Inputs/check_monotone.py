"""validation-energy-monotone: the same program on nested spike masks of
increasing firing rate.

usage: check_monotone.py N_OUTPUTS X1.npy REPORT1.json X2.npy REPORT2.json ...
(in increasing rate order)
"""
import json
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import numpy as np

from validation_lib import Checker

chk = Checker("check_monotone")
n_out = int(sys.argv[1])
pairs = list(zip(sys.argv[2::2], sys.argv[3::2]))
xs = [np.load(x) for x, _ in pairs]
reports = [json.load(open(r)) for _, r in pairs]
for i in range(1, len(xs)):
    chk.true(f"mask {i} is a superset of mask {i - 1}",
             bool((xs[i] >= xs[i - 1]).all()))
    chk.true(f"mask {i} has more spikes than mask {i - 1}",
             int(xs[i].sum()) > int(xs[i - 1].sum()))
for i, (x, r) in enumerate(zip(xs, reports)):
    chk.eq(f"run {i} synaptic_events = nnz x N",
           r["counters"]["synaptic_events"], int(x.sum()) * n_out)
for i in range(1, len(reports)):
    a, b = reports[i - 1], reports[i]
    ea, eb = a["energy_pj"], b["energy_pj"]
    chk.true(f"total energy increases ({ea['total']} -> {eb['total']})",
             eb["total"] > ea["total"])
    chk.true(f"compute energy increases ({ea['by_kind']['compute']} -> "
             f"{eb['by_kind']['compute']})",
             eb["by_kind"]["compute"] > ea["by_kind"]["compute"])
    chk.true(f"cycles do not decrease ({a['cycles']} -> {b['cycles']})",
             b["cycles"] >= a["cycles"])
    chk.true("array passes do not decrease",
             b["counters"]["array_passes"] >= a["counters"]["array_passes"])
chk.true("the sparsest run skips vectors",
         reports[0]["counters"]["vectors_skipped"] > 0)
chk.eq("the densest run skips none",
       reports[-1]["counters"]["vectors_skipped"], 0)
chk.true("the densest run is slower than the sparsest",
         reports[-1]["cycles"] > reports[0]["cycles"])
chk.finish()
