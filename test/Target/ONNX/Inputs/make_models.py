"""Small ONNX models for the importer's error tests (onnx.helper)."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

out = sys.argv[1]


def save(name, nodes, inputs, outputs, inits=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, f"{out}/{name}.onnx")


x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
save("unsupported", [helper.make_node("Sin", ["x"], ["y"], name="my_sin")],
     [x], [y])
xd = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])
yd = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])
save("dynamic", [helper.make_node("Identity", ["x"], ["y"], name="id")],
     [xd], [yd])
with open(f"{out}/truncated.onnx", "wb") as f:
    f.write(open(f"{out}/unsupported.onnx", "rb").read()[:40])
