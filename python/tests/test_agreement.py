"""Tests of spikestack.agreement (per-layer spike agreement of interpreter
taps with the ONNX graph) and of the onnx_eval Slice it relies on."""

import contextlib
import io
import os
import shutil
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from spikestack import agreement, onnx_eval

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _threshold_model():
    """y = Cast(x >= 1) (a one-step neuron), z = y * 2."""
    one = numpy_helper.from_array(np.array(1.0, np.float32), "one")
    two = numpy_helper.from_array(np.array(2.0, np.float32), "two")
    nodes = [
        helper.make_node("GreaterOrEqual", ["x", "one"], ["ge"]),
        helper.make_node("Cast", ["ge"], ["y"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["y", "two"], ["z"]),
    ]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [2, 4])], [one, two])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


class AgreementTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="spikestack-agreement-")
        self.model = os.path.join(self.tmp, "m.onnx")
        onnx.save(_threshold_model(), self.model)
        # x >= 1 gives y = [[0,1,1,0],[1,0,0,1]].
        self.x = np.array([[0.5, 1.0, 2.0, -1.0], [3.0, 0.0, 0.99, 1.5]], np.float32)
        self.y = np.array([[0, 1, 1, 0], [1, 0, 0, 1]], np.uint8)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _taps(self, rows):
        lines = ["# file\tonnx tensor\top"]
        for k, (name, value) in enumerate(rows):
            np.save(os.path.join(self.tmp, f"tap{k}.npy"), value)
            lines.append(f"tap{k}.npy\t{name}\tsnn.lif")
        with open(os.path.join(self.tmp, "tagged.tsv"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def _compare(self, min_agreement=99.9):
        out = io.StringIO()
        ok = agreement.compare(self.model, {"x": self.x}, self.tmp, min_agreement, out)
        return ok, out.getvalue()

    def test_exact(self):
        self._taps([("y", self.y), ("z", 2.0 * self.y.astype(np.float32))])
        ok, text = self._compare()
        self.assertTrue(ok, text)
        self.assertIn("summary: 2 tagged layers, min agreement 100.000 %", text)

    def test_one_flipped_spike(self):
        flipped = self.y.copy()
        flipped[1, 2] ^= 1  # 7 of 8 elements agree
        self._taps([("y", flipped)])
        ok, text = self._compare()
        self.assertFalse(ok)
        self.assertIn("min agreement 87.500 %", text)
        # The threshold is the user's: 87.5 % passes a bound of 80 %.
        ok, _ = self._compare(min_agreement=80.0)
        self.assertTrue(ok)

    def test_real_valued_tolerance(self):
        z = 2.0 * self.y.astype(np.float32)
        z[0, 0] += 5e-7  # within 1e-6
        z[0, 1] += 1e-3  # not
        self._taps([("z", z)])
        ok, text = self._compare(min_agreement=0.0)
        self.assertIn("min agreement 87.500 %", text)

    def test_expected_outputs(self):
        self._taps([("y", self.y)])
        z = 2.0 * self.y.astype(np.float32)
        out = io.StringIO()
        self.assertTrue(agreement.compare(self.model, {"x": self.x}, self.tmp, 99.9, out,
                                          expected={"z": z}), out.getvalue())
        self.assertIn("max abs difference 0 (ok)", out.getvalue())
        z[1, 1] = 1e-4
        out = io.StringIO()
        self.assertFalse(agreement.compare(self.model, {"x": self.x}, self.tmp, 99.9, out,
                                           expected={"z": z}))
        self.assertIn("exceeds 1e-5", out.getvalue())

    def test_missing_and_reshaped(self):
        self._taps([("nope", self.y)])
        ok, text = self._compare()
        self.assertFalse(ok)
        self.assertIn("missing from the ONNX graph", text)
        self._taps([("y", self.y.reshape(8))])
        ok, text = self._compare()
        self.assertFalse(ok)
        self.assertIn("shape [8] but the ONNX tensor is [2, 4]", text)

    def test_cli(self):
        self._taps([("y", self.y)])
        np.save(os.path.join(self.tmp, "x.npy"), self.x)
        with contextlib.redirect_stdout(io.StringIO()) as out:
            rc = agreement.main([self.model, "--input", f"x={self.tmp}/x.npy",
                                 "--taps", self.tmp])
        self.assertEqual(rc, 0, out.getvalue())
        os.remove(os.path.join(self.tmp, "tagged.tsv"))
        with contextlib.redirect_stderr(io.StringIO()) as err:
            rc = agreement.main([self.model, "--input", f"x={self.tmp}/x.npy",
                                 "--taps", self.tmp])
        self.assertEqual(rc, 1)
        self.assertIn("tagged.tsv", err.getvalue())


class SliceTest(unittest.TestCase):
    """ONNX Slice semantics (negative steps, clamping) in onnx_eval."""

    def _slice(self, x, starts, ends, axes, steps):
        ints = lambda v: numpy_helper.from_array(np.array(v, np.int64))  # noqa: E731
        names = ["s", "e", "a", "st"]
        inits = []
        for n, v in zip(names, [starts, ends, axes, steps]):
            t = ints(v)
            t.name = n
            inits.append(t)
        node = helper.make_node("Slice", ["x"] + names, ["y"])
        graph = helper.make_graph(
            [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        return onnx_eval.run(model, {"x": x})["y"]

    def test_steps(self):
        x = np.arange(6, dtype=np.float32)
        # Worked by hand from the ONNX specification's clamping rules.
        self.assertEqual(self._slice(x, [-1], [-7], [0], [-1]).tolist(), [5, 4, 3, 2, 1, 0])
        self.assertEqual(self._slice(x, [4], [0], [0], [-2]).tolist(), [4, 2])
        self.assertEqual(self._slice(x, [100], [-100], [0], [-3]).tolist(), [5, 2])
        self.assertEqual(self._slice(x, [1], [100], [0], [2]).tolist(), [1, 3, 5])
        self.assertEqual(self._slice(x, [3], [1], [0], [1]).tolist(), [])
        y = np.arange(6, dtype=np.float32).reshape(2, 3)
        self.assertEqual(self._slice(y, [-1], [-4], [-1], [-1]).tolist(), [[2, 1, 0], [5, 4, 3]])


if __name__ == "__main__":
    unittest.main()
