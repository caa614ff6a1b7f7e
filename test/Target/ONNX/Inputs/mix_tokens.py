"""Makes the experts of a dense-gate MoE model mix tokens.

usage: mix_tokens.py MODEL.onnx OUT.onnx
The Reshape of the MoE input to [T*B, N, D] that the experts' first linear
layers read (the exporter shares it between experts) is followed by a
Transpose of the token and feature axes (the tiny zoo config has N = D, so shapes still
fit): each output then depends on all tokens, and the dense form may no
longer be raised to snn.moe_dispatch/experts/combine.
"""
import re
import sys

import onnx
from onnx import helper

model = onnx.load(sys.argv[1])
g = model.graph
nodes = list(g.node)
for n in nodes:
    if n.op_type == "Reshape" and re.fullmatch(r"/block\.0/mlp/experts\.\d+/Reshape", n.name) \
            and n.input[0] == "/block.0/Add_output_0":
        mixed = n.output[0] + "_mixed"
        for m in g.node:
            for i, name in enumerate(m.input):
                if name == n.output[0]:
                    m.input[i] = mixed
        t = helper.make_node("Transpose", [n.output[0]], [mixed],
                             name=n.name + "_mix", perm=[0, 2, 1])
        g.node.insert(list(g.node).index(n) + 1, t)
onnx.save(model, sys.argv[2])
