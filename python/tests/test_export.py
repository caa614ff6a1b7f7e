"""Tests of spikestack.export: every tiny zoo model in both styles, the
files it writes, the op types the importer will see, the CLI."""

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
import torch

from spikestack import export, zoo

from . import _cache

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Ops every traced / snn export of the family must contain.
COMMON = {"Conv", "MaxPool", "Tile", "ReduceMean"}
FAMILY_OPS = {
    "spikformer": {"BatchNormalization", "MatMul", "Gemm"},
    "sdt": {"ReduceSum", "MatMul"},
    "spikformer_moe": {"Softmax", "TopK", "OneHot", "CumSum", "Less", "Equal", "Where",
                       "Einsum", "ReduceSum", "BatchNormalization"},
    "spikformer_moe_dense": {"Softmax", "TopK", "ScatterElements", "ReduceSum",
                             "BatchNormalization"},
    "spikformer_headmoe": {"Softmax", "TopK", "OneHot", "ReduceSum", "BatchNormalization"},
}


def _shape(t):
    return [d.dim_value if d.HasField("dim_value") else None for d in t.tensor_type.shape.dim]


class ExportTinyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="spikestack-export-")
        cls.infos = {}
        for name in zoo.TINY_CONFIGS:
            for style in export.STYLES:
                cls.infos[name, style] = export.export_model(
                    name, cls.tmp, style, seed=_cache.SEED, model=_cache.tiny_model(name))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_files(self):
        for (name, style), info in self.infos.items():
            with self.subTest(model=name, style=style):
                stem = name if style == "traced" else f"{name}-snn"
                for ext in (".onnx", ".input.npy", ".logits.npy", ".json"):
                    self.assertTrue(os.path.isfile(os.path.join(self.tmp, stem + ext)))
                x = np.load(info["paths"]["input"])
                logits = np.load(info["paths"]["logits"])
                self.assertEqual((x.dtype, x.shape), (np.float32, (1, 3, 32, 32)))
                self.assertEqual((logits.dtype, logits.shape), (np.float32, (1, 10)))
                with torch.no_grad():
                    eager = _cache.tiny_model(name)(torch.from_numpy(x)).numpy()
                np.testing.assert_array_equal(logits, eager)
                with open(info["paths"]["json"]) as f:
                    meta = json.load(f)
                self.assertEqual((meta["model"], meta["style"], meta["seed"], meta["opset"]),
                                 (name, style, _cache.SEED, 17))
                self.assertEqual(meta["config"]["name"], name)
                self.assertEqual(meta["parameters"],
                                 zoo.count_parameters(_cache.tiny_model(name)))
                self.assertEqual(len(meta["firing_rates"]), meta["neuron_layers"])
                self.assertTrue(all(0. <= r["rate"] <= 1. for r in meta["firing_rates"]))
                self.assertEqual(meta["onnx"]["checker"], "ok")

    def test_graph_interface(self):
        for (name, style), info in self.infos.items():
            with self.subTest(model=name, style=style):
                m = onnx.load(info["paths"]["onnx"])
                self.assertLessEqual(m.ir_version, 8)
                opsets = {(o.domain or "ai.onnx"): o.version for o in m.opset_import}
                self.assertEqual(opsets["ai.onnx"], 17)
                self.assertEqual([i.name for i in m.graph.input], ["image"])
                self.assertEqual([o.name for o in m.graph.output], ["logits"])
                self.assertEqual(_shape(m.graph.input[0].type), [1, 3, 32, 32])
                self.assertEqual(_shape(m.graph.output[0].type), [1, 10])
                if style == "snn":
                    self.assertEqual(opsets["snn"], 1)
                else:
                    self.assertNotIn("snn", opsets)

    def test_op_types(self):
        for (name, style), info in self.infos.items():
            with self.subTest(model=name, style=style):
                cfg = zoo.config(name)
                m = onnx.load(info["paths"]["onnx"])
                ops = info["onnx"]["op_counts"]
                self.assertEqual(ops, export.op_counts(m))
                present = set(ops)
                self.assertLessEqual(COMMON | FAMILY_OPS[cfg.family], present)
                n_neurons = info["neuron_layers"]
                if style == "traced":
                    self.assertEqual(ops.get("GreaterOrEqual"), cfg.T * n_neurons)
                    self.assertFalse(any(k.startswith("snn::") for k in ops))
                else:
                    self.assertEqual(ops.get("snn::LIF"), n_neurons)
                    self.assertNotIn("snn::IF", ops)
                    self.assertNotIn("GreaterOrEqual", ops)
                    self.assertLess(info["onnx"]["nodes"],
                                    self.infos[name, "traced"]["onnx"]["nodes"])

    def test_custom_nodes_typed(self):
        for name in zoo.TINY_CONFIGS:
            with self.subTest(model=name):
                m = onnx.load(self.infos[name, "snn"]["paths"]["onnx"])
                vi = {v.name: v.type for v in m.graph.value_info}
                lifs = [n for n in m.graph.node if n.domain == "snn"]
                self.assertEqual(sorted(vi), sorted(n.output[0] for n in lifs))
                shapes = [_shape(vi[n.output[0]]) for n in lifs]
                rates = self.infos[name, "snn"]["firing_rates"]
                # Graph order = execution order of the neuron modules.
                self.assertEqual(shapes, [r["shape"] for r in rates])
                thresholds = [next(a.f for a in n.attribute if a.name == "v_threshold")
                              for n in lifs]
                self.assertEqual(thresholds, [r["v_threshold"] for r in rates])

    def test_verification(self):
        for (name, style), info in self.infos.items():
            with self.subTest(model=name, style=style):
                v = info["verification"]
                self.assertEqual(v["evaluator"], "spikestack.onnx_eval")
                self.assertLessEqual(v["max_abs_diff"], 1e-5)
                self.assertTrue(v["argmax_equal"])
                if style == "snn":
                    self.assertEqual(v["spike_agreement"], 1.0)

    def test_older_opset(self):
        # Opset 13: Squeeze/Unsqueeze/ReduceSum take axes as an input,
        # ReduceMean keeps the attribute; IR version 7.
        info = export.export_model("sdt_tiny", self.tmp, "traced", seed=_cache.SEED,
                                   opset=13, model=_cache.tiny_model("sdt_tiny"),
                                   stem="sdt_tiny-op13")
        m = onnx.load(info["paths"]["onnx"])
        self.assertEqual(info["onnx"]["opset_import"], {"ai.onnx": 13})
        self.assertEqual(m.ir_version, 7)
        for n in m.graph.node:
            attrs = {a.name for a in n.attribute}
            if n.op_type in ("Unsqueeze", "Squeeze", "ReduceSum"):
                self.assertEqual(len(n.input), 2, n.name)
                self.assertNotIn("axes", attrs)
            if n.op_type == "ReduceMean":
                self.assertIn("axes", attrs)
        self.assertLessEqual(info["verification"]["max_abs_diff"], 1e-5)
        with self.assertRaises(ValueError):
            export.export_onnx(_cache.tiny_model("sdt_tiny"),
                               zoo.sample_image(zoo.config("sdt_tiny"), 0), opset=12)


    def test_keep_batchnorm(self):
        # By default the exporter folds every BatchNorm2d of the SDT into its
        # Conv; with fold_batchnorm=False they stay BatchNormalization nodes.
        self.assertNotIn("BatchNormalization", self.infos["sdt_tiny", "traced"]["onnx"]["op_counts"])
        info = export.export_model("sdt_tiny", self.tmp, "snn", seed=_cache.SEED,
                                   model=_cache.tiny_model("sdt_tiny"),
                                   stem="sdt_tiny-bn", fold_batchnorm=False)
        m = onnx.load(info["paths"]["onnx"])
        bns = [n for n in m.graph.node if n.op_type == "BatchNormalization"]
        self.assertEqual(len(bns), 11)
        for n in bns:
            self.assertEqual({a.name: onnx.helper.get_attribute_value(a)
                              for a in n.attribute}.get("training_mode", 0), 0)
            self.assertEqual(len(n.output), 1)
        self.assertEqual(info["verification"]["max_abs_diff"], 0.0)
        self.assertEqual(info["verification"]["spike_agreement"], 1.0)


class CliTest(unittest.TestCase):
    def test_cli(self):
        env = dict(os.environ, PYTHONPATH=PYTHON_DIR)
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run(
                [sys.executable, "-m", "spikestack.export", "spikformer_headmoe_tiny", tmp,
                 "--style", "snn", "--seed", "3", "--opset", "17"],
                env=env, capture_output=True, text=True, timeout=300)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("spikformer_headmoe_tiny-snn.onnx: ", r.stdout)
            self.assertIn("spike agreement 100.0000 %", r.stdout)
            self.assertEqual(sorted(os.listdir(tmp)), sorted(
                f"spikformer_headmoe_tiny-snn{e}"
                for e in (".onnx", ".input.npy", ".logits.npy", ".json")))
            with open(os.path.join(tmp, "spikformer_headmoe_tiny-snn.json")) as f:
                self.assertEqual(json.load(f)["seed"], 3)

    def test_cli_usage(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(export.main(["--list"]), 0)
        for name in zoo.CONFIGS:
            self.assertIn(name, out.getvalue())
        for argv in (["no_such_model", "/tmp/x"], ["spikformer_tiny"],
                     ["spikformer_tiny", "/tmp/x", "--style", "loop"],
                     ["spikformer_tiny", "/tmp/x", "--opset", "18"]):
            with self.subTest(argv=argv), contextlib.redirect_stderr(io.StringIO()):
                with self.assertRaises(SystemExit) as cm:
                    export.main(argv)
                self.assertEqual(cm.exception.code, 2)


if __name__ == "__main__":
    unittest.main()
