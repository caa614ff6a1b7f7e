"""Tests of spikestack.neurons: SpikingJelly semantics against hand-worked
values, every charge branch, both export styles."""

import io
import unittest
import warnings

import numpy as np
import onnx
import torch

from spikestack import export, neurons, onnx_eval, reference
from spikestack.neurons import MultiStepIFNode, MultiStepLIFNode

f32 = np.float32


def seq(*values):
    """A [T, 1] input sequence (one neuron)."""
    return torch.tensor([[v] for v in values], dtype=torch.float32)


def spikes(module, *values):
    return [int(s) for s in module(seq(*values))[:, 0].tolist()]


def numpy_lif(x, tau, v_th, v_reset, decay_input, compare):
    """The workloads.md / rationale.md equations in numpy f32, one IEEE op
    at a time (an independent oracle)."""
    x = x.astype(f32)
    reset0 = v_reset is None or v_reset == 0.
    v = np.full(x.shape[1:], f32(0. if v_reset is None else v_reset), f32)
    out = []
    for t in range(x.shape[0]):
        X = x[t]
        if decay_input:
            d = (X - v) if reset0 else (X - (v - f32(v_reset)))
            h = v + d / f32(tau)
        elif reset0:
            h = v * f32(1. - 1. / tau) + X
        else:
            h = v - (v - f32(v_reset)) / f32(tau) + X
        diff = h - f32(v_th)
        s = (diff >= 0) if compare == "ge" else (diff > 0)
        s = s.astype(f32)
        v = (f32(1.) - s) * h + s * f32(v_reset) if v_reset is not None else h - s * f32(v_th)
        out.append(s)
    return np.stack(out)


class HandWorkedTest(unittest.TestCase):
    def test_default_lif(self):
        # tau 2, threshold 1, hard reset to 0, decay_input, '>='.
        # H: 0.5, 0.75, 0.875, 0.875 + (2 - 0.875)/2 = 1.4375 (fire, V = 0), 0.
        self.assertEqual(spikes(MultiStepLIFNode(), 1., 1., 1., 2., 0.), [0, 0, 0, 1, 0])

    def test_ge_vs_gt_at_threshold(self):
        # H = 2 / 2 = 1.0 exactly at the threshold.
        self.assertEqual(spikes(MultiStepLIFNode(compare="ge"), 2.), [1])
        self.assertEqual(spikes(MultiStepLIFNode(compare="gt"), 2.), [0])
        # IF: H = 0.5 + 0.5 = 1.0.
        self.assertEqual(spikes(MultiStepIFNode(compare="ge"), .5, .5), [0, 1])
        self.assertEqual(spikes(MultiStepIFNode(compare="gt"), .5, .5), [0, 0])

    def test_soft_vs_hard_reset(self):
        # H0 = 1.5 fires in both. Soft: V = 0.5, H1 = 0.5 + (1.75 - 0.5)/2
        # = 1.125 fires. Hard: V = 0, H1 = 0.875 does not.
        self.assertEqual(spikes(MultiStepLIFNode(v_reset=None), 3., 1.75, 0.), [1, 1, 0])
        self.assertEqual(spikes(MultiStepLIFNode(v_reset=0.), 3., 1.75, 0.), [1, 0, 0])
        # IF soft: 1.5 fires (V = 0.5), 0.5 no, 1.0 fires; hard: V = 0 after
        # the first spike, then 0, 0.5.
        self.assertEqual(spikes(MultiStepIFNode(v_reset=None), 1.5, 0., .5), [1, 0, 1])
        self.assertEqual(spikes(MultiStepIFNode(), 1.5, 0., .5), [1, 0, 0])

    def test_decay_input_false_reset0(self):
        # H = V * (1 - 1/2) + X: 0.75, 0.375 + 0.75 = 1.125 (fire), 0.75.
        self.assertEqual(spikes(MultiStepLIFNode(decay_input=False), .75, .75, .75), [0, 1, 0])
        # decay_input: 0.375, 0.5625, 0.65625: never fires.
        self.assertEqual(spikes(MultiStepLIFNode(decay_input=True), .75, .75, .75), [0, 0, 0])

    def test_decay_input_false_nonzero_reset(self):
        # V0 = v_reset = -0.5; H = V - (V - Vr)/2 + X: -0.5 + 1 = 0.5,
        # 0.5 - 0.5 + 1.25 = 1.25 (fire, V = -0.5), -0.5 + 0.5 = 0.0.
        m = MultiStepLIFNode(v_reset=-.5, decay_input=False)
        self.assertEqual(spikes(m, 1., 1.25, .5), [0, 1, 0])

    def test_decay_input_true_nonzero_reset(self):
        # V0 = -0.5; H = V + (X - (V - Vr))/2: -0.5 + 1 = 0.5,
        # 0.5 + (2 - 1)/2 = 1.0 exactly: fires with '>=' only.
        self.assertEqual(spikes(MultiStepLIFNode(v_reset=-.5), 2., 2.), [0, 1])
        self.assertEqual(spikes(MultiStepLIFNode(v_reset=-.5, compare="gt"), 2., 2.), [0, 0])

    def test_threshold_half_and_dtype(self):
        out = MultiStepLIFNode(v_threshold=.5)(seq(1., 0.))
        self.assertEqual(out.dtype, torch.float32)
        self.assertEqual(out[:, 0].tolist(), [1., 0.])
        self.assertEqual(out.shape, (2, 1))

    def test_invalid_arguments(self):
        with self.assertRaises(ValueError):
            MultiStepLIFNode(compare="lt")
        with self.assertRaises(ValueError):
            MultiStepLIFNode(tau=0.)
        with self.assertRaises(NotImplementedError):
            MultiStepLIFNode(backend="cupy")


class BitExactTest(unittest.TestCase):
    """Random inputs through every branch: the module equals the numpy
    oracle and reference.MultiStepLIF bit for bit."""

    CASES = [dict(tau=t, v_reset=r, decay_input=d, compare=c)
             for t in (2., 1.3, 3.)
             for r in (0., None, -0.3)
             for d in (True, False)
             for c in ("ge", "gt")]

    def test_branches(self):
        rng = np.random.RandomState(0)
        x = (rng.randn(6, 4, 257) * 1.5 + 0.4).astype(f32)
        for kw in self.CASES:
            with self.subTest(**kw):
                m = MultiStepLIFNode(v_threshold=0.75, **kw)
                got = m(torch.from_numpy(x)).numpy()
                want = numpy_lif(x, kw["tau"], 0.75, kw["v_reset"], kw["decay_input"],
                                 kw["compare"])
                np.testing.assert_array_equal(got, want)
                ref = reference.MultiStepLIF(v_threshold=0.75, **kw)(torch.from_numpy(x))
                np.testing.assert_array_equal(got, ref.numpy())
                self.assertTrue(0.05 < got.mean() < 0.95)

    def test_decay_factor_branch_rounds_differently(self):
        # v * (1 - 1/tau) + x and v - v/tau + x are different f32 programs;
        # the module must use the first when decay_input=False, v_reset=0.
        rng = np.random.RandomState(1)
        x = (rng.randn(8, 20000) * 0.7 + 0.3).astype(f32)
        v = np.zeros(x.shape[1:], f32)
        differs = False
        for t in range(x.shape[0]):
            a = v * f32(1. - 1. / 3.) + x[t]
            b = v - v / f32(3.) + x[t]
            differs |= bool((a != b).any())
            v = a
        self.assertTrue(differs)
        got = MultiStepLIFNode(tau=3., decay_input=False)(torch.from_numpy(x)).numpy()
        np.testing.assert_array_equal(got, numpy_lif(x, 3., 1., 0., False, "ge"))

    def test_if_matches_reference(self):
        rng = np.random.RandomState(2)
        x = torch.from_numpy((rng.randn(5, 300) * 0.8).astype(f32))
        for v_reset in (0., None, 0.25):
            for compare in ("ge", "gt"):
                got = MultiStepIFNode(v_threshold=0.9, v_reset=v_reset, compare=compare)(x)
                ref = reference.MultiStepIF(v_threshold=0.9, v_reset=v_reset, compare=compare)(x)
                self.assertTrue(torch.equal(got, ref))


def _export(module, x, style):
    buf = io.BytesIO()
    ctx = export.snn_domain() if style == "snn" else warnings.catch_warnings()
    with ctx, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (x,), buf, opset_version=17, input_names=["x"],
                          output_names=["s"],
                          custom_opsets={"snn": 1} if style == "snn" else None)
    return onnx.load_from_string(buf.getvalue())


def _attrs(node):
    out = {}
    for a in node.attribute:
        v = onnx.helper.get_attribute_value(a)
        out[a.name] = (a.type, v.decode() if isinstance(v, bytes) else v)
    return out


class ExportStyleTest(unittest.TestCase):
    def test_snn_domain_eager_identical(self):
        x = torch.randn(4, 3, 50)
        for m in (MultiStepLIFNode(), MultiStepLIFNode(tau=1.3, decay_input=False, v_reset=None),
                  MultiStepIFNode(v_threshold=.5, compare="gt")):
            plain = m(x)
            with export.snn_domain():
                self.assertTrue(neurons.snn_domain_active())
                custom = m(x)
            self.assertFalse(neurons.snn_domain_active())
            self.assertTrue(torch.equal(plain, custom))

    def test_traced_form(self):
        T = 4
        model = _export(MultiStepLIFNode(), torch.randn(T, 2, 8), "traced")
        ops = [n.op_type for n in model.graph.node if n.op_type != "Constant"]
        # SpikingJelly's torch backend: 12 ops per step, the last step
        # without its (dead) reset, one Concat.
        self.assertEqual(ops.count("GreaterOrEqual"), T)
        self.assertEqual(ops.count("Gather"), T)
        self.assertEqual(ops.count("Cast"), T)
        self.assertEqual(ops[-1], "Concat")
        self.assertEqual(len(ops), 12 * (T - 1) + 8 + 1)
        self.assertEqual(ops[:12], ["Gather", "Sub", "Div", "Add", "Sub", "GreaterOrEqual",
                                    "Cast", "Sub", "Mul", "Mul", "Add", "Unsqueeze"])
        gt = _export(MultiStepLIFNode(compare="gt"), torch.randn(T, 2, 8), "traced")
        self.assertEqual([n.op_type for n in gt.graph.node].count("Greater"), T)

    def test_custom_node_attributes(self):
        A = onnx.AttributeProto
        x = torch.randn(3, 2, 5)
        model = _export(MultiStepLIFNode(tau=1.3, v_threshold=.5, v_reset=None,
                                         decay_input=False, compare="gt"), x, "snn")
        (node,) = model.graph.node
        self.assertEqual((node.domain, node.op_type), ("snn", "LIF"))
        self.assertEqual({(o.domain, o.version) for o in model.opset_import},
                         {("", 17), ("snn", 1)})
        self.assertEqual(_attrs(node), {
            "tau": (A.FLOAT, float(f32(1.3))), "v_threshold": (A.FLOAT, .5),
            "v_reset": (A.FLOAT, 0.), "reset": (A.STRING, "soft"),
            "decay_input": (A.INT, 0), "compare": (A.STRING, "gt"),
            "leak_factor": (A.FLOAT, float(f32(1. - 1. / 1.3)))})
        # Why leak_factor exists: the factor cannot be recovered from f32(tau).
        self.assertNotEqual(f32(1. - 1. / 1.3), f32(1. - 1. / float(f32(1.3))))

        (node,) = _export(MultiStepLIFNode(), x, "snn").graph.node
        self.assertEqual(_attrs(node), {
            "tau": (A.FLOAT, 2.), "v_threshold": (A.FLOAT, 1.), "v_reset": (A.FLOAT, 0.),
            "reset": (A.STRING, "hard"), "decay_input": (A.INT, 1),
            "compare": (A.STRING, "ge")})
        (node,) = _export(MultiStepIFNode(v_reset=.25), x, "snn").graph.node
        self.assertEqual((node.domain, node.op_type), ("snn", "IF"))
        self.assertEqual(_attrs(node), {
            "v_threshold": (A.FLOAT, 1.), "v_reset": (A.FLOAT, .25),
            "reset": (A.STRING, "hard"), "compare": (A.STRING, "ge")})

    def test_output_type_is_input_type(self):
        x = torch.randn(3, 2, 5)
        model = export.annotate_custom_types(
            _export(torch.nn.Sequential(MultiStepLIFNode(), torch.nn.Linear(5, 4),
                                        MultiStepIFNode()), x, "snn"),
            {"x": x.numpy()})
        types = {v.name: v.type.tensor_type for v in model.graph.value_info}
        self.assertEqual(len(types), 2)
        shapes = sorted([d.dim_value for d in t.shape.dim] for t in types.values())
        self.assertEqual(shapes, [[3, 2, 4], [3, 2, 5]])
        self.assertTrue(all(t.elem_type == onnx.TensorProto.FLOAT for t in types.values()))
        out = model.graph.output[0].type.tensor_type
        self.assertEqual([d.dim_value for d in out.shape.dim], [3, 2, 4])
        onnx.checker.check_model(model, full_check=True)

    def test_both_styles_evaluate_bit_exactly(self):
        # The exported graphs (unrolled ops / one custom node) reproduce the
        # module on every branch, including the leak_factor branch.
        x = torch.randn(5, 3, 64) * 1.5 + .3
        mods = [MultiStepLIFNode(tau=1.3, decay_input=False),
                MultiStepLIFNode(tau=1.8, decay_input=False, v_reset=None, compare="gt"),
                MultiStepLIFNode(tau=.7, v_reset=.2),
                MultiStepLIFNode(tau=1.1, decay_input=False, v_reset=-.3),
                MultiStepIFNode(v_reset=None), MultiStepIFNode(v_threshold=.5, v_reset=.1)]
        for m in mods:
            want = m(x).numpy()
            for style in export.STYLES:
                with self.subTest(module=repr(m), style=style):
                    got = onnx_eval.run(_export(m, x, style), {"x": x.numpy()})["s"]
                    np.testing.assert_array_equal(got, want)


if __name__ == "__main__":
    unittest.main()
