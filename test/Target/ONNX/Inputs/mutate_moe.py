"""Variants of the shipped GShard MoE model for the MoE-raising tests.

usage: mutate_moe.py MODEL.onnx OUTDIR
  renamed.onnx   Einsum letters renamed (same meaning: must still import)
  capacity.onnx  the capacity test compares with 8 while the slot one-hot
                 keeps 64 slots (not snn.moe_router's routing: an error)
  smallest.onnx  TopK picks the smallest probabilities (an error)
  leak.onnx      the router probabilities are also a graph output (an error)
"""
import copy
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

model = onnx.load(sys.argv[1])
out = sys.argv[2]


def variant(name, edit):
    m = copy.deepcopy(model)
    edit(m.graph)
    onnx.save(m, os.path.join(out, name))


def nodes(g, op):
    return [n for n in g.node if n.op_type == op]


def renamed(g):
    for n in nodes(g, "Einsum"):
        for a in n.attribute:
            if a.name == "equation":
                a.s = a.s.decode().translate(str.maketrans("tbnecd", "xyzuvw")).encode()


def capacity(g):
    (less,) = nodes(g, "Less")
    g.initializer.append(numpy_helper.from_array(np.array(8.0, np.float32), "cap8"))
    less.input[1] = "cap8"


def smallest(g):
    (topk,) = nodes(g, "TopK")
    for a in topk.attribute:
        if a.name == "largest":
            a.i = 0


def leak(g):
    (softmax,) = nodes(g, "Softmax")
    g.output.append(helper.make_tensor_value_info(softmax.output[0],
                                                  onnx.TensorProto.FLOAT, None))


for name, edit in [("renamed.onnx", renamed), ("capacity.onnx", capacity),
                   ("smallest.onnx", smallest), ("leak.onnx", leak)]:
    variant(name, edit)
