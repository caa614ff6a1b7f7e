"""Independent PyTorch reference for SpikeStack's end-to-end tests.

Written from ``workloads.md`` and the op descriptions in ``SNNOps.td``; it
does not import SpikingJelly (not installed) or any SpikeStack code.

Contents
--------
* :class:`MultiStepLIF`, :class:`MultiStepIF` - SpikingJelly's multi-step
  neurons with exactly its charge/fire/reset formulas (including the
  ``v * (1 - 1/tau) + x`` branch of ``decay_input=False, v_reset=0``).
* :class:`SpecBatchNorm1d` - ``nn.BatchNorm1d`` whose inference forward
  evaluates the formula ``snn.batch_norm`` specifies (PyTorch's CPU kernel:
  ``a = (1/sqrtf(var+eps))*w; b = fmaf(-mean, a, bias); y = fmaf(x, a, b)``)
  bit-exactly on every machine, with an emulated single-rounding fmaf.
* :class:`SpikformerBlock` - SSA + MLP exactly as in Spikformer's CIFAR code.
* :class:`SpikingMoEBlock` - a Spike-driven-Transformer style MoE block
  (membrane shortcut) with top-k routing, GShard capacity and per-expert
  spiking MLPs, following ``snn.moe_router/dispatch/experts/combine``.
* :func:`make_spikformer_case`, :func:`make_moe_case` - deterministic test
  cases (inputs, weights, reference outputs, statistics) for the hand-written
  ``test/e2e/*.mlir`` functions.

Numerics. All Linear weights and biases are multiples of 2^-6 with
``|w| < 4`` and every Linear input is a spike/count tensor (or a spike rate,
a multiple of 1/T), so every partial sum of every matmul is representable in
f32: Linear outputs are exact and independent of the summation order (BLAS,
thread count, interpreter). The remaining f32 operations (BatchNorm, LIF,
softmax, gate products, residual adds) are elementwise and fixed by the spec.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, Optional

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = [
    "fmaf", "spec_batch_norm_f32", "dyadic", "MultiStepLIF", "MultiStepIF",
    "SpecBatchNorm1d", "SSA", "MLP", "SpikformerBlock", "SpikingExpert",
    "SpikingMoEBlock", "Case", "make_spikformer_case", "make_moe_case",
    "firing_rate",
]

#===----------------------------------------------------------------------===#
# Exact f32 helpers
#===----------------------------------------------------------------------===#


def fmaf(a, b, c) -> np.ndarray:
    """Correctly rounded single-precision fused multiply-add ``a*b + c``.

    ``a*b`` of two f32 values is exact in f64 (48 significant bits). ``s =
    p + c`` in f64 is rounded once; rounding ``s`` to f32 again is wrong only
    when ``s`` is exactly halfway between two f32 values although the exact
    sum is not (double rounding). The TwoSum error term tells on which side
    the exact sum lies. Normal (non-overflowing) values only.
    """
    a = np.asarray(a, dtype=np.float32)
    b = np.asarray(b, dtype=np.float32)
    c = np.asarray(c, dtype=np.float32)
    p = a.astype(np.float64) * b.astype(np.float64)        # exact
    c64 = c.astype(np.float64)
    s = p + c64
    bb = s - p
    err = (p - (s - bb)) + (c64 - bb)                      # s + err == p + c
    r = s.astype(np.float32)
    r64 = r.astype(np.float64)
    d = s - r64
    towards = np.where(d > 0, np.float32(np.inf), np.float32(-np.inf))
    nb = np.nextafter(r, towards.astype(np.float32))
    half = (nb.astype(np.float64) - r64) * 0.5
    fix = (d != 0) & (d == half) & (err != 0) & (np.sign(err) == np.sign(d))
    return np.where(fix, nb, r).astype(np.float32)


def spec_batch_norm_f32(x: np.ndarray, weight, bias, mean, var, eps: float,
                        channel_dim: int) -> np.ndarray:
    """``snn.batch_norm`` in f32, bit-exact:
    ``a = (1/sqrtf(var + (f32)eps)) * w``, ``b = fmaf(-mean, a, bias)``,
    ``y = fmaf(x, a, b)``; channels along ``channel_dim``."""
    f32 = np.float32
    x = np.asarray(x, f32)
    invstd = f32(1.0) / np.sqrt(np.asarray(var, f32) + f32(eps))
    alpha = (invstd * np.asarray(weight, f32)).astype(f32)
    beta = fmaf(-np.asarray(mean, f32), alpha, np.asarray(bias, f32))
    shape = [1] * x.ndim
    shape[channel_dim] = -1
    return fmaf(x, alpha.reshape(shape), beta.reshape(shape))


def dyadic(rng: np.random.RandomState, shape, scale: float,
           frac_bits: int = 6, limit: float = 4.0) -> np.ndarray:
    """``round(randn * scale * 2^frac) / 2^frac`` clipped to ``|w| < limit``:
    f32 values with at most ``frac_bits`` fractional bits."""
    q = float(2 ** frac_bits)
    w = np.round(rng.randn(*shape) * scale * q) / q
    top = limit - 1.0 / q
    return np.clip(w, -top, top).astype(np.float32)


def firing_rate(s: torch.Tensor) -> float:
    return float(s.double().mean())

#===----------------------------------------------------------------------===#
# Neurons (SpikingJelly-exact)
#===----------------------------------------------------------------------===#


class MultiStepLIF(nn.Module):
    """SpikingJelly ``MultiStepLIFNode`` (torch backend), time-major input.

    For ``X = x_seq[t]`` and membrane ``V`` (initially ``v_init``, default
    ``v_reset`` for a hard reset and 0 for a soft one):

    * decay_input, v_reset in (None, 0): ``H = V + (X - V) / tau``
    * decay_input, v_reset != 0:        ``H = V + (X - (V - v_reset)) / tau``
    * not decay_input, v_reset in (None, 0): ``H = V * (1. - 1./tau) + X``
      (the factor is computed in double and rounded once to the tensor dtype)
    * not decay_input, v_reset != 0:    ``H = V - (V - v_reset) / tau + X``
    * fire: ``S = (H - v_threshold >= 0)`` or ``> 0`` with ``compare='gt'``
    * hard reset: ``V = (1 - S) * H + S * v_reset``;
      soft (``v_reset=None``): ``V = H - S * v_threshold``

    Every step is an elementwise torch op in the tensor dtype, scalars are
    Python floats (rounded to the tensor dtype by torch).
    """

    def __init__(self, tau: float = 2.0, v_threshold: float = 1.0,
                 v_reset: Optional[float] = 0.0, decay_input: bool = True,
                 compare: str = "ge", v_init: Optional[float] = None):
        super().__init__()
        if compare not in ("ge", "gt"):
            raise ValueError(f"compare must be 'ge' or 'gt', got {compare!r}")
        self.tau = float(tau)
        self.v_threshold = float(v_threshold)
        self.v_reset = None if v_reset is None else float(v_reset)
        self.decay_input = bool(decay_input)
        self.compare = compare
        self.v_init = v_init

    def extra_repr(self) -> str:
        return (f"tau={self.tau}, v_threshold={self.v_threshold}, "
                f"v_reset={self.v_reset}, decay_input={self.decay_input}, "
                f"compare={self.compare}")

    def initial_v(self) -> float:
        if self.v_init is not None:
            return float(self.v_init)
        return 0.0 if self.v_reset is None else self.v_reset

    def charge(self, x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        tau = self.tau
        reset0 = self.v_reset is None or self.v_reset == 0.0
        if self.decay_input:
            if reset0:
                return v + (x - v) / tau
            return v + (x - (v - self.v_reset)) / tau
        if reset0:
            return v * (1. - 1. / tau) + x
        return v - (v - self.v_reset) / tau + x

    def fire(self, h: torch.Tensor) -> torch.Tensor:
        d = h - self.v_threshold
        return (d >= 0).to(h.dtype) if self.compare == "ge" else (d > 0).to(h.dtype)

    def reset(self, h: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        if self.v_reset is None:
            return h - s * self.v_threshold
        return (1. - s) * h + s * self.v_reset

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        if not x_seq.is_floating_point():
            x_seq = x_seq.float()
        v = torch.full_like(x_seq[0], self.initial_v())
        out = []
        margin = math.inf
        for t in range(x_seq.shape[0]):
            h = self.charge(x_seq[t], v)
            s = self.fire(h)
            v = self.reset(h, s)
            out.append(s)
            if h.numel():
                margin = min(margin, float((h.double() - self.v_threshold).abs().min()))
        # Smallest distance of any charged membrane from the threshold: a
        # test case is robust against last-bit differences upstream of the
        # neuron only if this is well above the f32 resolution.
        self.min_margin = margin
        return torch.stack(out)


class MultiStepIF(MultiStepLIF):
    """SpikingJelly ``MultiStepIFNode``: ``H = V + X``, then fire/reset as LIF."""

    def __init__(self, v_threshold: float = 1.0,
                 v_reset: Optional[float] = 0.0, compare: str = "ge",
                 v_init: Optional[float] = None):
        super().__init__(tau=1.0, v_threshold=v_threshold, v_reset=v_reset,
                         compare=compare, v_init=v_init)

    def charge(self, x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return v + x

#===----------------------------------------------------------------------===#
# BatchNorm with the spec's (= PyTorch CPU kernel's) f32 formula
#===----------------------------------------------------------------------===#


class SpecBatchNorm1d(nn.BatchNorm1d):
    """``nn.BatchNorm1d`` (inference only) on ``[N, C]`` or ``[N, C, L]``.

    In f32 the forward evaluates ``snn.batch_norm``'s formula bit-exactly
    (emulated fmaf), independent of how the local torch build contracts its
    kernel. ``exact_spec = False`` uses torch's own kernel instead; in f64
    the textbook formula is used (for order-independence cross-checks).
    """

    exact_spec = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            raise RuntimeError("SpecBatchNorm1d is inference-only; call .eval()")
        if x.dtype == torch.float64 or not self.exact_spec:
            return F.batch_norm(x, self.running_mean, self.running_var,
                                self.weight, self.bias, False, 0.0, self.eps)
        y = spec_batch_norm_f32(
            x.detach().cpu().numpy(), self.weight.detach().numpy(),
            self.bias.detach().numpy(), self.running_mean.numpy(),
            self.running_var.numpy(), self.eps, channel_dim=1)
        return torch.from_numpy(y)

#===----------------------------------------------------------------------===#
# Spikformer block (CIFAR code: model.py, SSA / MLP / Block)
#===----------------------------------------------------------------------===#


class SSA(nn.Module):
    def __init__(self, dim: int, num_heads: int = 8):
        super().__init__()
        assert dim % num_heads == 0
        self.dim, self.num_heads, self.scale = dim, num_heads, 0.125
        for n in ("q", "k", "v"):
            setattr(self, f"{n}_linear", nn.Linear(dim, dim))
            setattr(self, f"{n}_bn", SpecBatchNorm1d(dim))
            setattr(self, f"{n}_lif", MultiStepLIF(tau=2.0))
        self.attn_lif = MultiStepLIF(tau=2.0, v_threshold=0.5)
        self.proj_linear = nn.Linear(dim, dim)
        self.proj_bn = SpecBatchNorm1d(dim)
        self.proj_lif = MultiStepLIF(tau=2.0)

    def _branch(self, name: str, x_for_qkv, T, B, N, C, rec):
        lin = getattr(self, f"{name}_linear")(x_for_qkv)                 # [TB, N, C]
        rec[f"{name}_linear"] = lin.reshape(T, B, N, C)
        out = getattr(self, f"{name}_bn")(lin.transpose(-1, -2)).transpose(-1, -2)
        out = out.reshape(T, B, N, C).contiguous()
        rec[f"{name}_bn"] = out
        out = getattr(self, f"{name}_lif")(out)
        rec[name] = out
        heads = out.reshape(T, B, N, self.num_heads, C // self.num_heads)
        return heads.permute(0, 1, 3, 2, 4).contiguous()                  # [T,B,H,N,d]

    def forward(self, x: torch.Tensor, rec: Dict[str, torch.Tensor]):
        T, B, N, C = x.shape
        x_for_qkv = x.flatten(0, 1)
        q = self._branch("q", x_for_qkv, T, B, N, C, rec)
        k = self._branch("k", x_for_qkv, T, B, N, C, rec)
        v = self._branch("v", x_for_qkv, T, B, N, C, rec)
        attn = (q @ k.transpose(-2, -1)) * self.scale
        x = attn @ v
        x = x.transpose(2, 3).reshape(T, B, N, C).contiguous()
        rec["attn_pre"] = x
        x = self.attn_lif(x)
        rec["attn"] = x
        x = x.flatten(0, 1)
        lin = self.proj_linear(x)
        rec["proj_linear"] = lin.reshape(T, B, N, C)
        x = self.proj_bn(lin.transpose(-1, -2)).transpose(-1, -2).reshape(T, B, N, C)
        rec["proj_bn"] = x
        x = self.proj_lif(x)
        rec["proj"] = x
        return x


class MLP(nn.Module):
    def __init__(self, in_features: int, hidden_features: int):
        super().__init__()
        self.c_hidden, self.c_output = hidden_features, in_features
        self.fc1_linear = nn.Linear(in_features, hidden_features)
        self.fc1_bn = SpecBatchNorm1d(hidden_features)
        self.fc1_lif = MultiStepLIF(tau=2.0)
        self.fc2_linear = nn.Linear(hidden_features, in_features)
        self.fc2_bn = SpecBatchNorm1d(in_features)
        self.fc2_lif = MultiStepLIF(tau=2.0)

    def forward(self, x: torch.Tensor, rec: Dict[str, torch.Tensor]):
        T, B, N, C = x.shape
        x_ = x.flatten(0, 1)
        x = self.fc1_linear(x_)
        rec["fc1_linear"] = x.reshape(T, B, N, self.c_hidden)
        x = self.fc1_bn(x.transpose(-1, -2)).transpose(-1, -2)
        x = x.reshape(T, B, N, self.c_hidden).contiguous()
        rec["fc1_bn"] = x
        x = self.fc1_lif(x)
        rec["fc1"] = x
        x = self.fc2_linear(x.flatten(0, 1))
        rec["fc2_linear"] = x.reshape(T, B, N, C)
        x = self.fc2_bn(x.transpose(-1, -2)).transpose(-1, -2)
        x = x.reshape(T, B, N, C).contiguous()
        rec["fc2_bn"] = x
        x = self.fc2_lif(x)
        rec["fc2"] = x
        return x


class SpikformerBlock(nn.Module):
    """``x = x + SSA(x); x = x + MLP(x)`` on ``[T, B, N, C]`` spike counts."""

    def __init__(self, dim: int = 64, num_heads: int = 4, mlp_ratio: int = 4):
        super().__init__()
        self.attn = SSA(dim, num_heads)
        self.mlp = MLP(dim, dim * mlp_ratio)

    def forward(self, x: torch.Tensor, rec: Optional[Dict] = None):
        rec = {} if rec is None else rec
        x = x + self.attn(x, rec)
        rec["x1"] = x
        x = x + self.mlp(x, rec)
        rec["y"] = x
        # Classifier readout as in Spikformer's head: x.mean(2).mean(0).
        rec["readout"] = x.mean(2).mean(0)
        return x

    def bn_lif_layers(self):
        """(linear, bn, rec key of the spikes, lif) in forward order."""
        a, m = self.attn, self.mlp
        return [(a.q_linear, a.q_bn, "q", a.q_lif), (a.k_linear, a.k_bn, "k", a.k_lif),
                (a.v_linear, a.v_bn, "v", a.v_lif),
                (a.proj_linear, a.proj_bn, "proj", a.proj_lif),
                (m.fc1_linear, m.fc1_bn, "fc1", m.fc1_lif),
                (m.fc2_linear, m.fc2_bn, "fc2", m.fc2_lif)]

#===----------------------------------------------------------------------===#
# Spiking mixture of experts (Spike-driven Transformer style)
#===----------------------------------------------------------------------===#


class SpikingExpert(nn.Module):
    """Expert MLP on a token buffer ``[T, B, C, D]`` of spikes:
    ``BN(fc2(LIF(BN(fc1(x)))))`` (BN over channels)."""

    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.dim, self.hidden = dim, hidden
        self.fc1_linear = nn.Linear(dim, hidden)
        self.fc1_bn = SpecBatchNorm1d(hidden)
        self.fc1_lif = MultiStepLIF(tau=2.0)
        self.fc2_linear = nn.Linear(hidden, dim)
        self.fc2_bn = SpecBatchNorm1d(dim)

    def forward(self, x: torch.Tensor, rec: Optional[Dict] = None):
        T, B, C, D = x.shape
        h = self.fc1_linear(x.flatten(0, 1))
        if rec is not None:
            rec["fc1_linear"] = h.reshape(T, B, C, self.hidden)
        h = self.fc1_bn(h.transpose(-1, -2)).transpose(-1, -2)
        h = h.reshape(T, B, C, self.hidden).contiguous()
        h = self.fc1_lif(h)
        if rec is not None:
            rec["fc1"] = h
        o = self.fc2_linear(h.flatten(0, 1))
        if rec is not None:
            rec["fc2_linear"] = o.reshape(T, B, C, D)
        o = self.fc2_bn(o.transpose(-1, -2)).transpose(-1, -2)
        return o.reshape(T, B, C, D).contiguous()


class SpikingMoEBlock(nn.Module):
    """Membrane-shortcut spiking MoE block on real-valued ``x : [T, B, N, D]``.

    ``s = LIF(x)`` (the branch's shortcut LIF) feeds both the router and the
    experts; ``y = x + combine``. Routing follows ``snn.moe_router``:
    rate = mean over T, logits = rate W^T (no bias), softmax, top-k by
    probability (ties to the lower index), gates optionally renormalised over
    the top-k, capacity per expert and batch element in GShard order (all
    first choices in token order, then all second choices, ...).
    """

    def __init__(self, dim: int = 64, hidden: int = 128, num_experts: int = 4,
                 top_k: int = 2, capacity: Optional[int] = 8,
                 normalize_gates: bool = True):
        super().__init__()
        self.dim, self.hidden = dim, hidden
        self.num_experts, self.top_k = num_experts, top_k
        self.capacity, self.normalize_gates = capacity, normalize_gates
        self.shortcut_lif = MultiStepLIF(tau=2.0)
        self.gate = nn.Linear(dim, num_experts, bias=False)
        self.experts = nn.ModuleList(
            [SpikingExpert(dim, hidden) for _ in range(num_experts)])

    # -- routing ------------------------------------------------------------
    def route(self, s: torch.Tensor, rec: Optional[Dict] = None,
              order: str = "gshard"):
        T, B, N, D = s.shape
        rate = s.mean(0)                                    # [B, N, D]
        logits = self.gate(rate)                            # [B, N, E]
        probs = torch.softmax(logits, dim=-1)
        srt = torch.sort(probs, dim=-1, descending=True, stable=True)
        index = srt.indices[..., :self.top_k]
        gate = srt.values[..., :self.top_k].clone()
        if self.normalize_gates:
            denom = gate[..., 0].clone()
            for j in range(1, self.top_k):
                denom = denom + gate[..., j]
            gate = gate / denom[..., None]
        cap = N if self.capacity is None else self.capacity
        slot = torch.full_like(index, -1)
        for b in range(B):
            fill = [0] * self.num_experts
            if order == "gshard":
                seq = [(i, n) for i in range(self.top_k) for n in range(N)]
            else:  # token-major, only used to show that the order matters
                seq = [(i, n) for n in range(N) for i in range(self.top_k)]
            for i, n in seq:
                e = int(index[b, n, i])
                if fill[e] < cap:
                    slot[b, n, i] = fill[e]
                    fill[e] += 1
        if rec is not None:
            rec.update(rate=rate, logits=logits, probs=probs)
        return index.to(torch.int32), gate, slot.to(torch.int32)

    def dispatch(self, s: torch.Tensor, index, slot) -> torch.Tensor:
        T, B, N, D = s.shape
        cap = N if self.capacity is None else self.capacity
        buf = s.new_zeros(self.num_experts, T, B, cap, D)
        for b in range(B):
            for n in range(N):
                for i in range(self.top_k):
                    if int(slot[b, n, i]) >= 0:
                        buf[int(index[b, n, i]), :, b, int(slot[b, n, i])] = s[:, b, n]
        return buf

    def combine(self, expert_out: torch.Tensor, index, gate, slot) -> torch.Tensor:
        """``sum_i gate_i * expert_out[e_i, :, b, s_i]`` in f32, i = 0..k-1,
        one rounded multiply and one rounded add per term (no fma)."""
        E, T, B, C, D = expert_out.shape
        N = index.shape[1]
        acc = expert_out.new_zeros(T, B, N, D)
        bidx = torch.arange(B)[:, None].expand(B, N)
        for i in range(self.top_k):
            e = index[..., i].long()
            sl = slot[..., i].long()
            keep = (sl >= 0)
            sel = expert_out[e, :, bidx, sl.clamp(min=0), :]     # [B, N, T, D]
            term = gate[..., i][..., None, None] * sel
            term = torch.where(keep[..., None, None], term, torch.zeros_like(term))
            acc = acc + term.permute(2, 0, 1, 3)
        return acc

    def forward(self, x: torch.Tensor, rec: Optional[Dict] = None):
        rec = {} if rec is None else rec
        s = self.shortcut_lif(x)
        rec["s"] = s
        index, gate, slot = self.route(s, rec)
        rec.update(expert_index=index, gate=gate, slot=slot)
        buf = self.dispatch(s, index, slot)
        rec["dispatched"] = buf
        outs = []
        for e, expert in enumerate(self.experts):
            er = {}
            outs.append(expert(buf[e], er))
            for k, v in er.items():
                rec[f"expert{e}.{k}"] = v
        expert_out = torch.stack(outs)
        rec["expert_out"] = expert_out
        moe_out = self.combine(expert_out, index, gate, slot)
        rec["moe_out"] = moe_out
        y = x + moe_out
        rec["y"] = y
        return y

#===----------------------------------------------------------------------===#
# Deterministic test cases
#===----------------------------------------------------------------------===#


@dataclass
class Case:
    """A generated test case. ``inputs``/``outputs`` map the ``snn.name`` of
    each function argument/result (in signature order) to a numpy array with
    the dtype of the snn-run contract (spike -> uint8, count -> int32,
    f32 -> float32, i32 -> int32)."""
    name: str
    model: nn.Module
    inputs: "OrderedDict[str, np.ndarray]"
    outputs: "OrderedDict[str, np.ndarray]"
    rec: Dict[str, torch.Tensor]
    stats: Dict[str, object] = field(default_factory=dict)


def _set(param: torch.Tensor, value: np.ndarray):
    with torch.no_grad():
        param.copy_(torch.from_numpy(np.ascontiguousarray(value, np.float32)))


def _stats_over_channels(t: torch.Tensor, channel_dim: int = -1):
    d = t.double().movedim(channel_dim, -1).reshape(-1, t.shape[channel_dim])
    return d.mean(0).numpy(), d.var(0, unbiased=False).numpy()


MIN_MARGIN = 1e-5


def _calibrate_bn(run, lin_key, spike_key, bn: nn.BatchNorm1d, target: float,
                  rng: np.random.RandomState, mask_fn=None, lif=None):
    """Set realistic inference statistics and parameters on ``bn``:
    running mean/var from the real pre-BN values (with +-20 % jitter),
    gamma ~ U(1, 3), beta = base + 0.3 * randn with ``base`` chosen by
    bisection so that the following LIF fires at about ``target``.

    Bisection converges onto a discontinuity of the rate, i.e. onto a bias
    that puts some membrane exactly on the threshold, which would make the
    spikes depend on the last bit of BatchNorm. The final base is therefore
    moved off that point until every membrane of ``lif`` is at least
    MIN_MARGIN away from its threshold."""
    rec = run()
    z = rec[lin_key]
    if mask_fn is not None:
        z = mask_fn(z)
    mean, var = _stats_over_channels(z)
    C = mean.shape[0]
    mean = mean + 0.1 * np.sqrt(var + 1e-3) * rng.randn(C)
    var = (var + 1e-2) * rng.uniform(0.8, 1.2, C)
    gamma = rng.uniform(1.0, 3.0, C)
    jitter = 0.3 * rng.randn(C)
    _set(bn.running_mean, mean)
    _set(bn.running_var, var)
    _set(bn.weight, gamma)

    def rate_for(base):
        _set(bn.bias, base + jitter)
        r = run()[spike_key]
        if mask_fn is not None:
            r = mask_fn(r)
        return firing_rate(r)

    lo, hi = -6.0, 6.0
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if rate_for(mid) < target:
            lo = mid
        else:
            hi = mid
    base = 0.5 * (lo + hi)
    for k in range(1, 200):
        cand = base + (k // 2) * (1e-3 if k % 2 else -1e-3)
        rate = rate_for(cand)
        if lif is None or (lif.min_margin > MIN_MARGIN and abs(rate - target) < 0.02):
            return rate
    raise RuntimeError(f"no bias with a spike margin > {MIN_MARGIN} for {spike_key}")


def _np_out(t: torch.Tensor, kind: str) -> np.ndarray:
    a = t.detach().cpu().numpy()
    if kind == "spike":
        assert np.isin(a, (0, 1)).all()
        return a.astype(np.uint8)
    if kind == "count":
        assert (a == np.round(a)).all() and a.min() >= 0
        return a.astype(np.int32)
    if kind == "i32":
        return a.astype(np.int32)
    assert kind == "f32"
    return a.astype(np.float32)


SPIKFORMER_LAYERS = ("q", "k", "v", "proj", "fc1", "fc2")

# (result name, rec key, kind) in the order of the .mlir results.
SPIKFORMER_RESULTS = [
    ("q_bn", "q_bn", "f32"), ("q", "q", "spike"), ("k", "k", "spike"),
    ("v", "v", "spike"), ("attn", "attn", "spike"), ("proj", "proj", "spike"),
    ("x1", "x1", "count"), ("fc1", "fc1", "spike"), ("fc2", "fc2", "spike"),
    ("y", "y", "count"), ("readout", "readout", "f32"),
]


def make_spikformer_case(seed: int = 20240611, T: int = 4, B: int = 2,
                         N: int = 16, C: int = 64, heads: int = 4,
                         mlp_ratio: int = 4) -> Case:
    """Spikformer block on a ``!snn.count<2>`` input (stem spikes + RPE
    spikes, as in Spikformer's SPS output)."""
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    x = (rng.rand(T, B, N, C) < 0.2).astype(np.int32) + \
        (rng.rand(T, B, N, C) < 0.15).astype(np.int32)            # 0..2
    block = SpikformerBlock(C, heads, mlp_ratio).eval()
    for lin, _, _, _ in block.bn_lif_layers():
        fan_in = lin.in_features
        _set(lin.weight, dyadic(rng, (lin.out_features, fan_in), 1.5 / math.sqrt(fan_in)))
        _set(lin.bias, dyadic(rng, (lin.out_features,), 0.2))
    xt = torch.from_numpy(x.astype(np.float32))

    def run():
        rec = {}
        with torch.no_grad():
            block(xt, rec)
        return rec

    targets = dict(q=0.25, k=0.25, v=0.30, proj=0.20, fc1=0.15, fc2=0.20)
    for lin, bn, key, lif in block.bn_lif_layers():
        _calibrate_bn(run, f"{key}_linear", key, bn, targets[key], rng, lif=lif)
    rec = run()
    margins = OrderedDict((key, lif.min_margin) for _, _, key, lif in block.bn_lif_layers())
    margins["attn (exact dyadic input)"] = block.attn.attn_lif.min_margin

    inputs = OrderedDict(x=x)
    for lin, bn, key, _ in block.bn_lif_layers():
        inputs[f"{key}_weight"] = lin.weight.detach().numpy().copy()
        inputs[f"{key}_bias"] = lin.bias.detach().numpy().copy()
        inputs[f"{key}_bn_weight"] = bn.weight.detach().numpy().copy()
        inputs[f"{key}_bn_bias"] = bn.bias.detach().numpy().copy()
        inputs[f"{key}_bn_mean"] = bn.running_mean.numpy().copy()
        inputs[f"{key}_bn_var"] = bn.running_var.numpy().copy()
    outputs = OrderedDict(
        (name, _np_out(rec[key], kind)) for name, key, kind in SPIKFORMER_RESULTS)
    stats = OrderedDict(
        input_rate_nonzero=float((x > 0).mean()),
        rates=OrderedDict((k, firing_rate(rec[k])) for k in
                          ("q", "k", "v", "attn", "proj", "fc1", "fc2")),
        min_spike_margin=margins,
        y_max=int(outputs["y"].max()), x1_max=int(outputs["x1"].max()))
    return Case("spikformer", block, inputs, outputs, rec, stats)


MOE_RESULTS = [
    ("s", "s", "spike"), ("expert_index", "expert_index", "i32"),
    ("gate", "gate", "f32"), ("slot", "slot", "i32"),
    ("dispatched", "dispatched", "spike"), ("expert_out", "expert_out", "f32"),
    ("moe_out", "moe_out", "f32"), ("y", "y", "f32"),
]

MOE_PARAMS = ("fc1_weight", "fc1_bias", "fc1_bn_weight", "fc1_bn_bias",
              "fc1_bn_mean", "fc1_bn_var", "fc2_weight", "fc2_bias",
              "fc2_bn_weight", "fc2_bn_bias", "fc2_bn_mean", "fc2_bn_var")


def routing_checks(block: SpikingMoEBlock, s: torch.Tensor) -> Dict[str, object]:
    """Statistics that make a routing a good test: drops, ties, GShard order."""
    rec = {}
    index, gate, slot = block.route(s, rec)
    _, _, slot_tok = block.route(s, order="token")
    p = rec["probs"].double()
    ps = torch.sort(p, dim=-1, descending=True).values
    gaps = (ps[..., :-1] - ps[..., 1:]) / ps[..., :-1]
    B, N, K = index.shape
    dropped = (slot < 0)
    counts = torch.zeros(B, block.num_experts, dtype=torch.int64)
    for b in range(B):
        for e in range(block.num_experts):
            counts[b, e] = int((index[b] == e).sum())
    return OrderedDict(
        dropped=int(dropped.sum()),
        dropped_per_choice=[int(dropped[..., i].sum()) for i in range(K)],
        dropped_per_batch=[int(dropped[b].sum()) for b in range(B)],
        assignments_per_expert=counts.tolist(),
        min_rel_prob_gap=float(gaps.min()),
        gshard_order_matters=bool((slot != slot_tok).any()),
        tokens_fully_dropped=int(dropped.all(-1).sum()),
    )


def make_moe_case(seed: int = 20240612, T: int = 4, B: int = 2, N: int = 16,
                  D: int = 64, H: int = 128, E: int = 4, top_k: int = 2,
                  capacity: int = 8) -> Case:
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    # Real-valued residual stream (membrane shortcut): per-channel offsets
    # plus time-varying noise, arbitrary f32 values.
    # Redrawn until no membrane of the shortcut LIF is within MIN_MARGIN of
    # the threshold (keeps the float64 cross-check meaningful).
    block = SpikingMoEBlock(D, H, E, top_k, capacity, normalize_gates=True).eval()
    for _ in range(100):
        chan = 0.6 * rng.randn(1, 1, 1, D)
        x = (0.6 + chan + 1.2 * rng.randn(T, B, N, D)).astype(np.float32)
        xt = torch.from_numpy(x)
        with torch.no_grad():
            s = block.shortcut_lif(xt)
        if block.shortcut_lif.min_margin > MIN_MARGIN:
            break
    else:
        raise RuntimeError("no input with a spike margin")

    # Router weights: draw until the routing is a discriminating test case:
    # assignments dropped in every batch element (but not too many), every
    # expert used, GShard order makes a difference (a first-choice-before-
    # second-choice order gives other slots than a token-major order), and
    # no near-ties between the probabilities of a token (min relative gap
    # 1e-3, far above the last-bit differences of exp implementations).
    for attempt in range(1000):
        _set(block.gate.weight, dyadic(rng, (E, D), 0.35))
        chk = routing_checks(block, s)
        if (1 <= min(chk["dropped_per_batch"])
                and max(chk["dropped_per_batch"]) <= 8
                and min(min(c) for c in chk["assignments_per_expert"]) >= 4
                and chk["gshard_order_matters"]
                and chk["min_rel_prob_gap"] > 1e-3):
            break
    else:
        raise RuntimeError("no suitable router weights found")
    chk["router_attempts"] = attempt + 1

    for ex in block.experts:
        _set(ex.fc1_linear.weight, dyadic(rng, (H, D), 1.5 / math.sqrt(D)))
        _set(ex.fc1_linear.bias, dyadic(rng, (H,), 0.2))
        _set(ex.fc2_linear.weight, dyadic(rng, (D, H), 1.0 / math.sqrt(H)))
        _set(ex.fc2_linear.bias, dyadic(rng, (D,), 0.2))

    def run():
        rec = {}
        with torch.no_grad():
            block(xt, rec)
        return rec

    rec0 = run()
    slot = rec0["slot"]
    index = rec0["expert_index"]
    masks = []
    for e, ex in enumerate(block.experts):
        # Statistics over the filled slots of this expert only.
        filled = torch.zeros(B, capacity, dtype=torch.bool)
        for b in range(B):
            for sl in slot[b][index[b] == e].tolist():
                if sl >= 0:
                    filled[b, sl] = True

        def mask_fn(t, filled=filled):                  # t: [T, B, C, F]
            return t[:, filled]

        masks.append(mask_fn)
        _calibrate_bn(run, f"expert{e}.fc1_linear", f"expert{e}.fc1",
                      ex.fc1_bn, 0.2, rng, mask_fn, lif=ex.fc1_lif)
        z = mask_fn(run()[f"expert{e}.fc2_linear"])
        mean, var = _stats_over_channels(z)
        _set(ex.fc2_bn.running_mean, mean + 0.1 * np.sqrt(var + 1e-3) * rng.randn(D))
        _set(ex.fc2_bn.running_var, (var + 1e-2) * rng.uniform(0.8, 1.2, D))
        _set(ex.fc2_bn.weight, rng.uniform(1.0, 3.0, D))
        _set(ex.fc2_bn.bias, 0.3 * rng.randn(D))
    rec = run()
    hidden_rates = [firing_rate(masks[e](rec[f"expert{e}.fc1"])) for e in range(E)]

    inputs = OrderedDict(x=x, gate_weight=block.gate.weight.detach().numpy().copy())
    for pname in MOE_PARAMS:
        layer, attr = pname.split("_", 1)
        vals = []
        for ex in block.experts:
            lin = getattr(ex, f"{layer}_linear")
            bn = getattr(ex, f"{layer}_bn")
            src = {"weight": lin.weight, "bias": lin.bias,
                   "bn_weight": bn.weight, "bn_bias": bn.bias,
                   "bn_mean": bn.running_mean, "bn_var": bn.running_var}[attr]
            vals.append(src.detach().numpy().copy())
        inputs[pname] = np.stack(vals).astype(np.float32)
    outputs = OrderedDict(
        (name, _np_out(rec[key], kind)) for name, key, kind in MOE_RESULTS)
    stats = OrderedDict(
        rates=OrderedDict(
            [("s (shortcut LIF)", firing_rate(rec["s"]))] +
            [(f"expert{e}.fc1 (filled slots)", r) for e, r in enumerate(hidden_rates)]),
        routing=chk, capacity=capacity,
        min_spike_margin=OrderedDict(
            [("s", block.shortcut_lif.min_margin)] +
            [(f"expert{e}.fc1", ex.fc1_lif.min_margin)
             for e, ex in enumerate(block.experts)]))
    return Case("moe", block, inputs, outputs, rec, stats)


CASES = {"spikformer": make_spikformer_case, "moe": make_moe_case}
