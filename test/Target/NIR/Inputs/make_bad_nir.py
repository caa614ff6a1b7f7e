#!/usr/bin/env python3
"""Writes NIR files SpikeStack must refuse, each with a clear error
(test/Target/NIR/errors.test), with h5py, into DIR."""
import os
import sys

import h5py
import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
STR = h5py.string_dtype()


def graph(name, nodes, edges, extra=None):
    with h5py.File(os.path.join(out, name), "w") as f:
        f["version"] = "0.2.0"
        g = f.create_group("node/nodes")
        for n, (t, params) in nodes.items():
            h = g.create_group(n)
            h.create_dataset("type", data=t, dtype=STR)
            for k, v in params.items():
                h[k] = v
        if edges is not None:
            f["node"].create_dataset("edges", data=np.array(edges, dtype=object),
                                     dtype=STR)
        if extra:
            extra(f)


inp = ("Input", {"shape": np.array([2])})
outp = ("Output", {"shape": np.array([2])})
aff = ("Affine", {"weight": np.eye(2, dtype=np.float32),
                  "bias": np.zeros(2, np.float32)})
lif = ("LIF", {"tau": np.full(2, 0.01), "r": np.ones(2), "v_leak": np.zeros(2),
               "v_threshold": np.ones(2)})
graph("delay.nir", {"input": inp, "d": ("Delay", {"delay": np.ones(2)}),
                    "output": outp},
      [["input", "d"], ["d", "output"]])
graph("recurrent.nir", {"input": inp, "a": aff, "l": lif, "output": outp},
      [["input", "a"], ["a", "l"], ["l", "output"], ["l", "a"]])
graph("branch.nir", {"input": inp, "a": aff, "b": aff, "output": outp},
      [["input", "a"], ["input", "b"], ["a", "output"]])
graph("no_edges.nir", {"input": inp, "output": outp}, None)
graph("threshold_per_neuron.nir",
      {"input": inp, "a": aff,
       "l": ("LIF", dict(lif[1], v_threshold=np.array([1.0, 2.0]))),
       "output": outp},
      [["input", "a"], ["a", "l"], ["l", "output"]])
graph("flat_conv.nir",
      {"input": inp,
       "c": ("Conv2d", {"weight": np.ones((1, 1, 3, 3), np.float32)}),
       "output": outp},
      [["input", "c"], ["c", "output"]])
graph("dangling_edge.nir", {"input": inp, "output": outp},
      [["input", "nowhere"], ["nowhere", "output"]])


def external(f):
    f["node/nodes"]["ext"] = h5py.ExternalLink("/etc/passwd", "/x")


graph("external.nir", {"input": inp, "output": outp},
      [["input", "output"]], external)


def nested(f):
    f["node/nodes"].create_group("sub/nodes")
    f["node/nodes/sub"].create_dataset("type", data="NIRGraph", dtype=STR)


graph("nested.nir", {"input": inp, "output": outp},
      [["input", "sub"], ["sub", "output"]], nested)
with open(os.path.join(out, "text.nir"), "w") as f:
    f.write("not HDF5\n")
