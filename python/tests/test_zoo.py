"""Tests of spikestack.zoo: parameter counts of the published
configurations, structure and firing rates of the tiny models, MoE routing."""

import unittest

import numpy as np
import torch

from spikestack import export, zoo
from spikestack.neurons import neuron_modules

from . import _cache


class ParameterCountTest(unittest.TestCase):
    """Constructed only (no forward pass, no calibration)."""

    # Published counts (Spikformer, ICLR 2023, Tables 1/3; Spike-driven
    # Transformer, NeurIPS 2023, Table 2) and this code's exact counts.
    EXPECTED = {
        "spikformer_cifar_4_384": (9.32e6, 9_324_730),
        "spikformer_imagenet_8_512": (29.68e6, 29_701_672),
        "spikformer_imagenet_8_768": (66.34e6, 66_357_064),
        "sdt_cifar_2_512": (10.21e6, 10_233_418),
    }

    def test_published_counts(self):
        for name, (published, exact) in self.EXPECTED.items():
            with self.subTest(model=name):
                cfg = zoo.config(name)
                self.assertEqual(cfg.expected_params, published)
                model = zoo.build_model(name, seed=0, calibrate=False)
                n = zoo.count_parameters(model)
                self.assertLess(abs(n - published) / published, 0.03, f"{name}: {n}")
                self.assertEqual(n, exact)
                del model

    def test_config_shapes(self):
        self.assertEqual(zoo.config("spikformer_cifar_4_384").tokens, 64)
        self.assertEqual(zoo.config("spikformer_imagenet_8_512").tokens, 196)
        self.assertEqual(zoo.config("spikformer_imagenet_8_768").num_heads, 12)
        self.assertEqual(zoo.config("spikformer_tiny").tokens, 64)
        with self.assertRaises(KeyError):
            zoo.config("no_such_model")


def _expected_neurons(cfg):
    d = cfg.depths
    if cfg.family == "sdt":
        return 4 + 7 * d + 1                      # stem, 5 attention + 2 MLP, head
    if cfg.family in ("spikformer_moe", "spikformer_moe_dense"):
        return 5 + 5 * d + 2 * cfg.num_experts * d
    return 5 + 7 * d                              # stem + RPE, q k v attn proj fc1 fc2


class TinyModelTest(unittest.TestCase):
    def test_forward_and_rates(self):
        for name in zoo.TINY_CONFIGS:
            with self.subTest(model=name):
                cfg = zoo.config(name)
                model = _cache.tiny_model(name)
                self.assertFalse(model.training)
                image = zoo.sample_image(cfg, _cache.SEED)
                self.assertEqual(tuple(image.shape), (1, 3, 32, 32))
                logits, rates = zoo.record_firing_rates(model, image)
                self.assertEqual(tuple(logits.shape), (1, cfg.num_classes))
                self.assertTrue(torch.isfinite(logits).all())
                self.assertEqual(len(rates), _expected_neurons(cfg))
                self.assertEqual(len(rates), len(neuron_modules(model)))
                for r in rates:
                    self.assertEqual(r["shape"][0], cfg.T)
                    if r["v_threshold"] == 1.0 and r["name"] != "head_lif":
                        # BatchNorm-calibrated neurons.
                        self.assertTrue(0.05 <= r["rate"] <= 0.40, r)
                    else:
                        self.assertTrue(0.01 <= r["rate"] <= 0.95, r)
                mean = np.mean([r["rate"] for r in rates])
                self.assertTrue(0.10 <= mean <= 0.35, mean)

    def test_snn_domain_forward_identical(self):
        for name in zoo.TINY_CONFIGS:
            with self.subTest(model=name):
                model = _cache.tiny_model(name)
                image = zoo.sample_image(model.config, 3)
                with torch.no_grad():
                    plain = model(image)
                    with export.snn_domain():
                        custom = model(image)
                self.assertTrue(torch.equal(plain, custom))

    def test_deterministic(self):
        a = zoo.build_model("spikformer_tiny", seed=5)
        b = zoo.build_model("spikformer_tiny", seed=5)
        c = zoo.build_model("spikformer_tiny", seed=6)
        x = zoo.sample_image(a.config, 1)
        with torch.no_grad():
            self.assertTrue(torch.equal(a(x), b(x)))
            self.assertFalse(torch.equal(a(x), c(x)))
        for (n, p), (_, q) in zip(a.state_dict().items(), b.state_dict().items()):
            self.assertTrue(torch.equal(p, q), n)

    def test_time_major_layout_and_residual_streams(self):
        seen = {}
        for name, where in (("spikformer_tiny", "block.0"), ("sdt_tiny", "block.0")):
            model = _cache.tiny_model(name)
            h1 = model.patch_embed.register_forward_pre_hook(
                lambda m, i, name=name: seen.__setitem__((name, "in"), i[0]))
            h2 = model.get_submodule(where).register_forward_hook(
                lambda m, i, o, name=name: seen.__setitem__((name, "out"), o))
            with torch.no_grad():
                model(zoo.sample_image(model.config, 0))
            h1.remove()
            h2.remove()
        x = seen[("spikformer_tiny", "in")]
        self.assertEqual(tuple(x.shape), (2, 1, 3, 32, 32))     # [T, B, C, H, W]
        self.assertTrue(torch.equal(x[0], x[1]))                 # image repeated T times
        y = seen[("spikformer_tiny", "out")]                     # [T, B, N, C] counts
        self.assertEqual(tuple(y.shape), (2, 1, 64, 64))
        self.assertTrue(torch.equal(y, y.round()))
        self.assertGreater(int(y.max()), 1)
        self.assertGreaterEqual(int(y.min()), 0)
        z = seen[("sdt_tiny", "out")]                            # [T, B, C, H, W] membrane
        self.assertEqual(tuple(z.shape), (2, 1, 64, 8, 8))
        self.assertFalse(torch.equal(z, z.round()))


def naive_gshard(probs, top_k, capacity):
    """Sequential GShard assignment (snn.moe_router's definition)."""
    B, N, E = probs.shape
    order = torch.sort(probs, dim=-1, descending=True, stable=True)
    index, gate = order.indices[..., :top_k], order.values[..., :top_k]
    gate = gate / gate.sum(-1, keepdim=True)
    combine = torch.zeros(B, N, E, capacity)
    for b in range(B):
        fill = [0] * E
        for i in range(top_k):
            for n in range(N):
                e = int(index[b, n, i])
                if fill[e] < capacity:
                    combine[b, n, e, fill[e]] = gate[b, n, i]
                    fill[e] += 1
    return combine


class RoutingTest(unittest.TestCase):
    def test_gshard_matches_sequential_definition(self):
        g = torch.Generator().manual_seed(0)
        for top_k, capacity in ((1, 3), (2, 5), (2, 16), (3, 6)):
            with self.subTest(top_k=top_k, capacity=capacity):
                probs = torch.softmax(torch.randn(3, 16, 4, generator=g) * 2, -1)
                dispatch, combine = zoo.gshard_routing(probs, top_k, capacity)
                want = naive_gshard(probs, top_k, capacity)
                torch.testing.assert_close(combine, want, rtol=0, atol=0)
                self.assertTrue(torch.equal(dispatch, (want != 0).float()))
                # Each slot holds at most one token, each token at most k slots.
                self.assertLessEqual(float(dispatch.sum(1).max()), 1.)
                self.assertLessEqual(float(dispatch.sum((2, 3)).max()), top_k)
                if capacity * 4 < 16 * top_k:
                    self.assertLess(float(dispatch.sum()), 3 * 16 * top_k)   # drops

    def test_moe_layers(self):
        gshard = _cache.tiny_model("spikformer_moe_tiny").block[0].mlp
        dense = _cache.tiny_model("spikformer_moe_dense_tiny").block[0].mlp
        heads = _cache.tiny_model("spikformer_headmoe_tiny").block[0].attn
        self.assertIsInstance(gshard, zoo.GShardMoEMLP)
        self.assertEqual(gshard.capacity(64), 32)                 # 64 * 2.0 / 4
        x = (torch.rand(2, 1, 64, 64, generator=torch.Generator().manual_seed(1)) < .3).float()
        x = x + (torch.rand(2, 1, 64, 64, generator=torch.Generator().manual_seed(2)) < .2).float()
        with torch.no_grad():
            dispatch, combine = gshard.route(x)
            self.assertEqual(tuple(dispatch.shape), (1, 64, 4, 32))
            used = dispatch.sum((0, 1, 3))
            self.assertTrue(bool((used > 0).all()), used)         # every expert used
            dg = dense.dense_gates(x)                             # [B, N, E]
            self.assertTrue(bool(((dg > 0).sum(-1) == 2).all()))
            torch.testing.assert_close(dg.sum(-1), torch.ones(1, 64))
            hg = heads.head_gate(x)                               # [B, H, N]
            self.assertTrue(bool(((hg > 0).sum(1) == 2).all()))
            torch.testing.assert_close(hg.sum(1), torch.full((1, 64), 2.))
            y = gshard(x)
            self.assertEqual(tuple(y.shape), (2, 1, 64, 64))
            # Each output is a gate-weighted sum of expert spikes.
            self.assertTrue(bool((y >= 0).all()) and float(y.max()) <= 1. + 1e-6)

class HeadPruningTest(unittest.TestCase):
    def test_kept_heads_mask_hand_worked(self):
        # q : [T=1, B=2, H=4, N=1, d=2]. Batch 0 scores 2, 0, 1, 2: keep
        # ceil(0.5 x 4) = 2, heads 0 and 3 (the best two). Batch 1 scores
        # 0, 1, 1, 1: heads 1 and 2 (a tie of three goes to the lower
        # indices). With one head kept, batch 0's tie of 0 and 3 keeps 0.
        q = torch.zeros(1, 2, 4, 1, 2)
        q[0, 0, 0, 0, :] = 1
        q[0, 0, 2, 0, 0] = 1
        q[0, 0, 3, 0, :] = 1
        q[0, 1, 1:, 0, 0] = 1
        mask = zoo.kept_heads_mask(q, 0.5)
        self.assertEqual(mask.tolist(), [[1, 0, 0, 1], [0, 1, 1, 0]])
        # 0.3 x 4 = 1.2: two heads; 0.25 x 4 = 1: one; a tiny ratio keeps one.
        self.assertEqual(zoo.kept_heads_mask(q, 0.3).sum(dim=1).tolist(), [2, 2])
        self.assertEqual(zoo.kept_heads_mask(q, 0.25).tolist(),
                         [[1, 0, 0, 0], [0, 1, 0, 0]])
        self.assertEqual(zoo.kept_heads_mask(q, 1e-6).sum().item(), 2)

    def test_set_head_keep_ratio_changes_only_pruned_heads(self):
        model = zoo.build_model("spikformer_tiny", seed=0)
        image = zoo.sample_image(zoo.config("spikformer_tiny"), seed=0)
        with torch.no_grad():
            full = model(image)
            self.assertEqual(zoo.set_head_keep_ratio(model, 1.0), 1)
            same = model(image)
            zoo.set_head_keep_ratio(model, 0.5)
            pruned = model(image)
            zoo.set_head_keep_ratio(model, None)
        self.assertTrue(torch.equal(full, same))
        self.assertFalse(torch.equal(full, pruned))


if __name__ == "__main__":
    unittest.main()
