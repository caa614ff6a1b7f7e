"""Spike inputs for the executor validation tests.

gen_spikes.py ones OUT.npy AxBxK
    all ones (uint8); `zeros`: all zeros
gen_spikes.py blocks OUT.npy AxBxK SEED
    Bernoulli(0.3) spikes with structure the array can skip: vector 0 all
    zero, vectors 4..7 zero in inputs 32..39, vector 9 zero in inputs 0..15,
    vector 11 all ones
gen_spikes.py nested OUT_PREFIX AxBxK SEED RATE...
    one uniform draw u; OUT_PREFIX-RATE.npy = (u < RATE): each mask is a
    superset of the previous one for increasing rates
"""
import sys

import numpy as np

mode, out, shape = sys.argv[1], sys.argv[2], tuple(
    int(d) for d in sys.argv[3].split("x"))
if mode == "ones":
    np.save(out, np.ones(shape, np.uint8))
elif mode == "zeros":
    np.save(out, np.zeros(shape, np.uint8))
elif mode == "blocks":
    rng = np.random.default_rng(int(sys.argv[4]))
    x = (rng.random(shape) < 0.3).astype(np.uint8)
    v = x.reshape(-1, shape[-1])
    v[0, :] = 0
    v[4:8, 32:40] = 0
    v[9, 0:16] = 0
    v[11, :] = 1
    np.save(out, v.reshape(shape))
elif mode == "nested":
    rng = np.random.default_rng(int(sys.argv[4]))
    u = rng.random(shape)
    for rate in sys.argv[5:]:
        np.save(f"{out}-{rate}.npy", (u < float(rate)).astype(np.uint8))
else:
    sys.exit(f"unknown mode {mode}")
