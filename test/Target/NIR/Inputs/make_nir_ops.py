#!/usr/bin/env python3
"""Writes two small NIR graphs (h5py) that use the primitives the NIR
paper's files do not: ops2d.nir (Conv2d -> LIF -> AvgPool2d -> Scale ->
IF -> Flatten -> Affine -> LIF) and ops1d.nir (Conv1d -> IF), with
seeded random weights, and their inputs, into DIR
(test/Target/NIR/ops.test)."""
import os
import sys

import h5py
import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(5)
STR = h5py.string_dtype()


def graph(name, chain):
    with h5py.File(os.path.join(out, name), "w") as f:
        f["version"] = "0.2.0"
        g = f.create_group("node/nodes")
        names = [n for n, _, _ in chain]
        for n, t, params in chain:
            h = g.create_group(n)
            h.create_dataset("type", data=t, dtype=STR)
            for k, v in params.items():
                h[k] = v
        f["node"].create_dataset(
            "edges", data=np.array(list(zip(names, names[1:])), dtype=object),
            dtype=STR)


def lif(n, tau):
    return {"tau": np.full(n, tau), "r": np.ones(n), "v_leak": np.zeros(n),
            "v_threshold": np.full(n, 0.5)}


w = lambda *s: rng.normal(0, 0.6, s).astype(np.float32)
graph("ops2d.nir", [
    ("input", "Input", {"shape": np.array([2, 8, 8])}),
    ("conv", "Conv2d", {"weight": w(3, 2, 3, 3), "bias": w(3),
                        "stride": np.array([1, 1]), "padding": np.array([1, 1]),
                        "dilation": np.array([1, 1]), "groups": np.array(1)}),
    ("lif1", "LIF", lif(3 * 8 * 8, 0.005)),
    ("avg", "AvgPool2d", {"kernel_size": np.array([2, 2]),
                          "stride": np.array([2, 2]),
                          "padding": np.array([0, 0])}),
    ("scale", "Scale", {"scale": np.full((3, 4, 4), 2.0)}),
    # r dt = 500 x 1e-3 = 0.5: an snn.scale before the neuron.
    ("if1", "IF", {"r": np.full((3, 4, 4), 500.0),
                   "v_threshold": np.full((3, 4, 4), 0.6)}),
    ("flat", "Flatten", {"start_dim": np.array(0), "end_dim": np.array(-1)}),
    ("fc", "Affine", {"weight": w(4, 48) * 4, "bias": w(4) + 1}),
    ("lif2", "LIF", lif(4, 0.002)),
    ("output", "Output", {"shape": np.array([4])}),
])
graph("ops1d.nir", [
    ("input", "Input", {"shape": np.array([3, 16])}),
    ("conv1", "Conv1d", {"weight": w(4, 3, 3), "bias": w(4),
                         "stride": np.array([2]), "padding": np.array([1]),
                         "dilation": np.array([1]), "groups": np.array(1)}),
    ("if1", "IF", {"r": np.ones((4, 8)), "v_threshold": np.full((4, 8), 0.5)}),
    ("output", "Output", {"shape": np.array([4, 8])}),
])
np.save(os.path.join(out, "in2d.npy"),
        (rng.random((10, 1, 2, 8, 8)) < 0.4).astype(np.float32))
np.save(os.path.join(out, "in1d.npy"),
        (rng.random((10, 1, 3, 16)) < 0.4).astype(np.float32))
