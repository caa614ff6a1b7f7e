"""Spiking-transformer model zoo for SpikeStack's ONNX front end.

Every model is written from the published architecture (the source of each
is cited in its class docstring), uses :mod:`spikestack.neurons` for its
neurons and the time-major layout ``[T, B, ...]`` internally, and takes an
image ``[B, 3, H, W]`` that it repeats ``T`` times
(``x.unsqueeze(0).repeat(T, 1, 1, 1, 1)``, as the sources do). Outputs are
logits ``[B, num_classes]``.

Families (see :data:`CONFIGS` for the named configurations):

* ``spikformer`` - Spikformer (Zhou et al., ICLR 2023), spike-shortcut
  residuals, spiking self-attention ``(Q K^T * 0.125) V`` without softmax.
* ``sdt`` - Spike-driven Transformer v1 (Yao et al., NeurIPS 2023),
  membrane shortcut, spike-driven self-attention (no matmul).
* ``spikformer_moe`` - Spikformer whose MLPs are GShard-style top-k
  mixtures of spiking MLP experts with expert capacity (dispatch and combine
  by ``Einsum``), as in the shipped ``sdtmoe`` export.
* ``spikformer_moe_dense`` - the same with a dense gate matrix built by
  ``scatter`` (every expert runs on every token; the gate zeroes the rest).
* ``spikformer_headmoe`` - Spikformer whose attention heads are experts: a
  per-token router keeps the top-k heads (mixture-of-head attention).

:func:`build_model` creates a model with seeded random weights and then
calibrates every BatchNorm (running statistics from the data, affine
parameters chosen so that the following LIF fires at 10-30 %), in eval mode.
No trained checkpoint is involved.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .neurons import MultiStepLIFNode, neuron_modules

__all__ = [
    "ZooConfig", "CONFIGS", "config", "build_model", "sample_image",
    "count_parameters", "calibrate_batchnorm", "record_firing_rates",
    "Spikformer", "SpikeDrivenTransformer", "gshard_routing",
    "kept_heads_mask", "set_head_keep_ratio",
]


def _lif(v_threshold: float = 1.0) -> MultiStepLIFNode:
    # As in both sources: MultiStepLIFNode(tau=2.0, detach_reset=True, ...).
    return MultiStepLIFNode(tau=2.0, v_threshold=v_threshold, detach_reset=True)


def _pooled(n: int) -> int:
    """Output size of MaxPool2d(kernel 3, stride 2, padding 1)."""
    return (n - 1) // 2 + 1

#===----------------------------------------------------------------------===#
# Spikformer (ZK-Zhou/spikformer, cifar10/model.py and imagenet/model.py)
#===----------------------------------------------------------------------===#


class SPS(nn.Module):
    """Spiking patch splitting stem of Spikformer.

    Four ``Conv3x3 -> BN2d -> LIF`` stages with ``C/8, C/4, C/2, C``
    channels; ``MaxPool(3, 2, 1)`` after the stages whose flag in
    ``pooling`` is ``'1'`` (``'0011'`` in ``cifar10/model.py``, ``'1111'``
    in ``imagenet/model.py``); then the relative position embedding
    ``x = LIF(BN(Conv3x3(x))) + x`` (spikes + spikes). Output
    ``[T, B, N, C]``. Attribute names follow the source (``proj_conv``,
    ``proj_conv1`` ..., ``maxpool2``, ``rpe_conv``), so ONNX node names look
    like those of the original code.
    """

    def __init__(self, img_size: int = 32, in_channels: int = 3,
                 embed_dims: int = 384, pooling: str = "0011"):
        super().__init__()
        assert len(pooling) == 4 and set(pooling) <= {"0", "1"}
        assert embed_dims % 8 == 0
        self.pooling = pooling
        chans = [in_channels, embed_dims // 8, embed_dims // 4, embed_dims // 2, embed_dims]
        for i, suffix in enumerate(("", "1", "2", "3")):
            setattr(self, f"proj_conv{suffix}", nn.Conv2d(
                chans[i], chans[i + 1], kernel_size=3, stride=1, padding=1, bias=False))
            setattr(self, f"proj_bn{suffix}", nn.BatchNorm2d(chans[i + 1]))
            setattr(self, f"proj_lif{suffix}", _lif())
            if pooling[i] == "1":
                setattr(self, f"maxpool{suffix}", nn.MaxPool2d(
                    kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False))
        self.rpe_conv = nn.Conv2d(embed_dims, embed_dims, kernel_size=3, stride=1,
                                  padding=1, bias=False)
        self.rpe_bn = nn.BatchNorm2d(embed_dims)
        self.rpe_lif = _lif()
        h = img_size
        for flag in pooling:
            h = _pooled(h) if flag == "1" else h
        self.out_hw = h
        self.num_patches = h * h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        T, B, _, H, W = x.shape
        x = x.flatten(0, 1)
        for i, suffix in enumerate(("", "1", "2", "3")):
            x = getattr(self, f"proj_conv{suffix}")(x)
            x = getattr(self, f"proj_bn{suffix}")(x).reshape(T, B, -1, H, W).contiguous()
            x = getattr(self, f"proj_lif{suffix}")(x).flatten(0, 1).contiguous()
            if self.pooling[i] == "1":
                x = getattr(self, f"maxpool{suffix}")(x)
                H, W = _pooled(H), _pooled(W)
        x_feat = x.reshape(T, B, -1, H, W).contiguous()
        x = self.rpe_conv(x)
        x = self.rpe_bn(x).reshape(T, B, -1, H, W).contiguous()
        x = self.rpe_lif(x)
        x = x + x_feat
        return x.flatten(-2).transpose(-1, -2)                    # [T, B, N, C]


class MLP(nn.Module):
    """Spikformer MLP: ``LIF(BN(Linear C->H))`` then ``LIF(BN(Linear H->C))``
    on ``[T, B, N, C]``; BatchNorm1d runs between two transposes (it stays a
    ``BatchNormalization`` node in ONNX). Also the expert body of the MoE
    variants (there ``N`` is the expert's capacity)."""

    def __init__(self, in_features: int, hidden_features: int):
        super().__init__()
        self.fc1_linear = nn.Linear(in_features, hidden_features)
        self.fc1_bn = nn.BatchNorm1d(hidden_features)
        self.fc1_lif = _lif()
        self.fc2_linear = nn.Linear(hidden_features, in_features)
        self.fc2_bn = nn.BatchNorm1d(in_features)
        self.fc2_lif = _lif()
        self.c_hidden = hidden_features
        self.c_output = in_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        T, B, N, C = x.shape
        x = self.fc1_linear(x.flatten(0, 1))
        x = self.fc1_bn(x.transpose(-1, -2)).transpose(-1, -2)
        x = self.fc1_lif(x.reshape(T, B, N, self.c_hidden).contiguous())
        x = self.fc2_linear(x.flatten(0, 1))
        x = self.fc2_bn(x.transpose(-1, -2)).transpose(-1, -2)
        return self.fc2_lif(x.reshape(T, B, N, C).contiguous())


def kept_heads_mask(q: torch.Tensor, keep_ratio: float) -> torch.Tensor:
    """``[B, H]`` float mask of the heads dynamic head pruning keeps, from
    query spikes ``q : [T, B, H, N, d]``: the ``ceil(p * H)`` heads with
    the most spikes, ties to the lower index."""
    T, B, H = q.shape[:3]
    keep = min(H, max(1, math.ceil(keep_ratio * H - 1e-9)))
    score = q.sum(dim=(0, 3, 4))                                  # [B, H]
    mask = torch.zeros(B, H, dtype=q.dtype)
    for b in range(B):
        order = sorted(range(H), key=lambda h: (-float(score[b, h]), h))
        mask[b, order[:keep]] = 1
    return mask


def set_head_keep_ratio(model: nn.Module, keep_ratio: Optional[float]) -> int:
    """Sets dynamic head pruning on every spiking self-attention of
    ``model`` (None turns it off); returns how many were set."""
    n = 0
    for m in model.modules():
        if isinstance(m, SSA):
            m.head_keep_ratio = keep_ratio
            n += 1
    return n


class SSA(nn.Module):
    """Spiking self-attention (Spikformer, ``cifar10/model.py``).

    ``Q, K, V = LIF(BN(Linear(x)))`` split into heads ``[T, B, H, N, d]``;
    ``x = (Q K^T * 0.125) V`` (no softmax); ``attn_lif`` with threshold
    0.5; then ``LIF(BN(Linear(x)))``. Subclasses may weight the heads
    through :meth:`head_gate`.

    ``head_keep_ratio = p`` (None: off; :func:`set_head_keep_ratio`) is
    dynamic head pruning as ``snn.spiking_attention`` defines it: per batch
    element the ``ceil(p * H)`` heads with the most spikes in ``Q`` (over
    time steps, tokens and the head's channels; ties keep the lower head
    index) run, the others' ``(Q K^T) V`` is zero, so the attention neuron
    never fires there.
    """

    head_keep_ratio: Optional[float] = None

    def __init__(self, dim: int, num_heads: int = 8):
        super().__init__()
        assert dim % num_heads == 0, f"dim {dim} must be divisible by num_heads {num_heads}"
        self.dim, self.num_heads, self.scale = dim, num_heads, 0.125
        for n in ("q", "k", "v"):
            setattr(self, f"{n}_linear", nn.Linear(dim, dim))
            setattr(self, f"{n}_bn", nn.BatchNorm1d(dim))
            setattr(self, f"{n}_lif", _lif())
        self.attn_lif = _lif(v_threshold=0.5)
        self.proj_linear = nn.Linear(dim, dim)
        self.proj_bn = nn.BatchNorm1d(dim)
        self.proj_lif = _lif()

    def _qkv(self, name: str, x_for_qkv, T, B, N, C):
        out = getattr(self, f"{name}_linear")(x_for_qkv)
        out = getattr(self, f"{name}_bn")(out.transpose(-1, -2)).transpose(-1, -2)
        out = getattr(self, f"{name}_lif")(out.reshape(T, B, N, C).contiguous())
        return out.reshape(T, B, N, self.num_heads, C // self.num_heads) \
                  .permute(0, 1, 3, 2, 4).contiguous()

    def head_gate(self, x: torch.Tensor) -> Optional[torch.Tensor]:
        """Per-token head weights ``[B, H, N]`` (None: all heads weight 1)."""
        return None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        T, B, N, C = x.shape
        x_for_qkv = x.flatten(0, 1)
        q = self._qkv("q", x_for_qkv, T, B, N, C)
        k = self._qkv("k", x_for_qkv, T, B, N, C)
        v = self._qkv("v", x_for_qkv, T, B, N, C)
        attn = (q @ k.transpose(-2, -1)) * self.scale
        y = attn @ v                                              # [T, B, H, N, d]
        gate = self.head_gate(x)
        if gate is not None:
            y = y * gate.unsqueeze(0).unsqueeze(-1)
        if self.head_keep_ratio is not None:
            y = y * kept_heads_mask(q, self.head_keep_ratio)[None, :, :, None, None]
        y = y.transpose(2, 3).reshape(T, B, N, C).contiguous()
        y = self.attn_lif(y)
        y = self.proj_linear(y.flatten(0, 1))
        y = self.proj_bn(y.transpose(-1, -2)).transpose(-1, -2)
        return self.proj_lif(y.reshape(T, B, N, C))


class Block(nn.Module):
    """``x = x + attn(x); x = x + mlp(x)`` (spike-shortcut residuals: the
    stream holds small integer counts)."""

    def __init__(self, attn: nn.Module, mlp: nn.Module):
        super().__init__()
        self.attn = attn
        self.mlp = mlp

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(x)
        x = x + self.mlp(x)
        return x

#===----------------------------------------------------------------------===#
# Mixture of experts (GShard routing with capacity; dense gate; head experts)
#===----------------------------------------------------------------------===#


def gshard_routing(probs: torch.Tensor, top_k: int, capacity: int,
                   normalize_gates: bool = True) -> Tuple[torch.Tensor, torch.Tensor]:
    """GShard top-k routing with expert capacity (Lepikhin et al., 2020;
    written after lucidrains/mixture-of-experts ``Top2Gating``, generalised
    to any ``k``).

    ``probs : [B, N, E]`` router probabilities. Returns ``dispatch`` and
    ``combine``, both ``[B, N, E, capacity]``: token ``n`` goes to slot
    ``c`` of expert ``e`` with weight ``combine[b, n, e, c]`` (its gate).
    Gates are the top-k probabilities, renormalised over the k choices when
    ``normalize_gates``. Slots are filled in GShard order: all first choices
    in token order, then all second choices, ...; an assignment whose slot
    would be ``>= capacity`` is dropped. This is ``snn.moe_router``'s
    definition (except that PyTorch's CPU ``topk`` breaks exact ties in its
    own way, not always toward the lower index).

    Written so that a traced export shows the usual GShard ops: ``TopK``,
    ``OneHot``, ``CumSum`` (slot positions), ``Less`` (capacity), ``Where``
    (drop), ``Equal`` (slot one-hot), ``ReduceSum``, ``Cast``.
    """
    B, N, E = probs.shape
    gates, index = probs.topk(top_k, dim=-1)                     # [B, N, k]
    if normalize_gates:
        gates = gates / gates.sum(dim=-1, keepdim=True)
    slots = torch.arange(capacity)
    filled = None                                                # [B, 1, E]
    combine = None
    for i in range(top_k):
        mask = F.one_hot(index[..., i], E).to(probs.dtype)      # [B, N, E]
        # Exclusive cumulative count over tokens = slot position.
        pos = torch.cumsum(mask, dim=1) - mask
        if filled is not None:
            pos = pos + filled
        pos = pos * mask
        mask = torch.where(pos < capacity, mask, torch.zeros_like(mask))
        count = mask.sum(dim=1, keepdim=True)
        filled = count if filled is None else filled + count
        kept = mask.sum(dim=-1)                                  # [B, N] 0/1
        slot = pos.sum(dim=-1).to(torch.int64)                   # [B, N]
        slot_1h = (slot.unsqueeze(-1) == slots).to(probs.dtype)  # [B, N, C]
        term = (gates[..., i] * kept)[..., None, None] * mask[..., None] \
            * slot_1h[..., None, :]
        combine = term if combine is None else combine + term
    dispatch = combine.bool().to(combine.dtype)
    return dispatch, combine


class GShardMoEMLP(nn.Module):
    """Spikformer MLP as a top-k mixture of spiking MLP experts (GShard).

    ``x : [T, B, N, D]`` (the spike-count residual stream). The router
    scores each token by its rate ``x.mean(0)`` (a multiple of ``1/T``):
    ``softmax(Linear(D -> E, no bias))``; :func:`gshard_routing` assigns
    slots with capacity ``max(min(N, int(N * capacity_factor / E)),
    min_capacity)`` (lucidrains' ``Top2Gating`` formula). Dispatch
    ``einsum('tbnd,bnec->tebcd')`` gathers the tokens into ``[T, E, B, C,
    D]`` expert buffers, each expert (a Spikformer :class:`MLP`, ending in
    a LIF) runs on ``[T, B, C, D]``, and the gate-weighted combine
    ``einsum('tebcd,bnec->tbnd')`` merges them ("aligned merge"). The output
    is real-valued (gate * spike), so the residual stream is real after the
    first MoE block.

    The dispatch is exact (0/1 weights, one token per slot), and so is the
    combine: expert outputs are spikes, so each ``gate * spike`` is exact
    and every output sums at most ``top_k`` nonzero terms.
    """

    def __init__(self, dim: int, hidden: int, num_experts: int = 4, top_k: int = 2,
                 capacity_factor: float = 2.0, min_capacity: int = 4,
                 normalize_gates: bool = True):
        super().__init__()
        assert 1 <= top_k <= num_experts
        self.num_experts, self.top_k = num_experts, top_k
        self.capacity_factor, self.min_capacity = capacity_factor, min_capacity
        self.normalize_gates = normalize_gates
        self.gate = nn.Linear(dim, num_experts, bias=False)
        self.experts = nn.ModuleList([MLP(dim, hidden) for _ in range(num_experts)])

    def capacity(self, num_tokens: int) -> int:
        c = min(num_tokens, int(num_tokens * self.capacity_factor / self.num_experts))
        return max(c, self.min_capacity)

    def route(self, x: torch.Tensor):
        probs = torch.softmax(self.gate(x.mean(0)), dim=-1)       # [B, N, E]
        return gshard_routing(probs, self.top_k, self.capacity(x.shape[2]),
                              self.normalize_gates)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dispatch, combine = self.route(x)
        xin = torch.einsum("tbnd,bnec->tebcd", x, dispatch)       # [T, E, B, C, D]
        outs = [expert(xin[:, e]) for e, expert in enumerate(self.experts)]
        out = torch.stack(outs, dim=1)                            # [T, E, B, C, D]
        return torch.einsum("tebcd,bnec->tbnd", out, combine)


class DenseGateMoEMLP(nn.Module):
    """Top-k MoE MLP with a dense gate matrix and no capacity.

    Router as :class:`GShardMoEMLP`; the top-k gates (renormalised) are
    scattered into a dense ``[B, N, E]`` matrix (``ScatterElements`` in
    ONNX), every expert runs on every token, and the output is
    ``sum_e gate[b, n, e] * expert_e(x)`` (``Mul`` + ``ReduceSum``). This is
    the simple "soft dispatch" form found in many MoE codes; the compiler can
    recover the sparse form because non-selected gates are exactly zero.
    """

    def __init__(self, dim: int, hidden: int, num_experts: int = 4, top_k: int = 2,
                 normalize_gates: bool = True):
        super().__init__()
        self.num_experts, self.top_k = num_experts, top_k
        self.normalize_gates = normalize_gates
        self.gate = nn.Linear(dim, num_experts, bias=False)
        self.experts = nn.ModuleList([MLP(dim, hidden) for _ in range(num_experts)])

    def dense_gates(self, x: torch.Tensor) -> torch.Tensor:
        probs = torch.softmax(self.gate(x.mean(0)), dim=-1)       # [B, N, E]
        top, index = probs.topk(self.top_k, dim=-1)
        if self.normalize_gates:
            top = top / top.sum(dim=-1, keepdim=True)
        return torch.zeros_like(probs).scatter(-1, index, top)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gates = self.dense_gates(x)                               # [B, N, E]
        outs = torch.stack([expert(x) for expert in self.experts], dim=0)  # [E, T, B, N, D]
        g = gates.permute(2, 0, 1).unsqueeze(1).unsqueeze(-1)     # [E, 1, B, N, 1]
        return (g * outs).sum(dim=0)


class HeadMoESSA(SSA):
    """Spiking self-attention whose heads are experts (mixture of heads).

    Each head is an expert: a router scores the heads per token from the
    token's rate ``x.mean(0)`` (``softmax(Linear(C -> H, no bias))``), keeps
    the top-k, renormalises their gates and scales them by ``k`` (mean
    weight 1, so the attention LIF sees inputs of the usual size); the other
    heads get weight 0. The head outputs ``(Q K^T * 0.125) V`` are weighted
    per token before ``attn_lif``. Head gating as in MoH (Jin et al., "MoH:
    Multi-Head Attention as Mixture-of-Head Attention", arXiv:2410.11842),
    applied to Spikformer's SSA. In ONNX: ``Softmax``, ``TopK``, ``OneHot``,
    ``ReduceSum``, ``Mul``.
    """

    def __init__(self, dim: int, num_heads: int = 8, top_k: int = 2):
        super().__init__(dim, num_heads)
        assert 1 <= top_k <= num_heads
        self.top_k = top_k
        self.router = nn.Linear(dim, num_heads, bias=False)

    def head_gate(self, x: torch.Tensor) -> torch.Tensor:
        probs = torch.softmax(self.router(x.mean(0)), dim=-1)     # [B, N, H]
        top, index = probs.topk(self.top_k, dim=-1)
        top = top / top.sum(dim=-1, keepdim=True) * float(self.top_k)
        onehot = F.one_hot(index, self.num_heads).to(probs.dtype)  # [B, N, k, H]
        gate = (onehot * top.unsqueeze(-1)).sum(dim=-2)            # [B, N, H]
        return gate.transpose(1, 2)                                # [B, H, N]


class Spikformer(nn.Module):
    """Spikformer (Zhou et al., "Spikformer: When Spiking Neural Network
    Meets Transformer", ICLR 2023; code ZK-Zhou/spikformer,
    ``cifar10/model.py``).

    ``image [B, 3, H, W]`` -> repeat ``T`` times -> :class:`SPS` ->
    ``depth`` blocks -> ``mean`` over tokens, then over ``T`` -> Linear.
    The blocks are those of ``cifar10/model.py`` (Linear + BatchNorm1d);
    the ImageNet configurations use them with the ImageNet stem (a max-pool
    after every stage, 224 -> 14x14 = 196 tokens). ``imagenet/model.py``
    writes the same layers as 1x1 Conv1d/Conv2d on ``[T, B, C, N]``, which
    changes the layout but not the computation or (up to the q/k/v biases)
    the parameter count.

    ``mlp`` selects the MLP of each block: ``'mlp'`` (Spikformer),
    ``'gshard_moe'`` (:class:`GShardMoEMLP`) or ``'dense_moe'``
    (:class:`DenseGateMoEMLP`); ``attention = 'head_moe'`` uses
    :class:`HeadMoESSA`.
    """

    def __init__(self, img_size: int = 32, in_channels: int = 3, num_classes: int = 10,
                 embed_dims: int = 384, num_heads: int = 12, mlp_ratio: int = 4,
                 depths: int = 4, T: int = 4, pooling: str = "0011",
                 mlp: str = "mlp", attention: str = "ssa", num_experts: int = 4,
                 top_k: int = 2, capacity_factor: float = 2.0):
        super().__init__()
        self.T = T
        self.patch_embed = SPS(img_size, in_channels, embed_dims, pooling)
        hidden = embed_dims * mlp_ratio
        blocks = []
        for _ in range(depths):
            if attention == "ssa":
                attn = SSA(embed_dims, num_heads)
            elif attention == "head_moe":
                attn = HeadMoESSA(embed_dims, num_heads, top_k)
            else:
                raise ValueError(f"unknown attention {attention!r}")
            if mlp == "mlp":
                ffn = MLP(embed_dims, hidden)
            elif mlp == "gshard_moe":
                ffn = GShardMoEMLP(embed_dims, hidden, num_experts, top_k, capacity_factor)
            elif mlp == "dense_moe":
                ffn = DenseGateMoEMLP(embed_dims, hidden, num_experts, top_k)
            else:
                raise ValueError(f"unknown mlp {mlp!r}")
            blocks.append(Block(attn, ffn))
        self.block = nn.ModuleList(blocks)
        self.head = nn.Linear(embed_dims, num_classes)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(m: nn.Module):
        # As the source: trunc_normal_(std=.02) for Linear weights, zero bias.
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=.02)
            if m.bias is not None:
                nn.init.constant_(m.bias, 0)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)
        for blk in self.block:
            x = blk(x)
        return x.mean(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (x.unsqueeze(0)).repeat(self.T, 1, 1, 1, 1)
        x = self.forward_features(x)
        return self.head(x.mean(0))

#===----------------------------------------------------------------------===#
# Spike-driven Transformer v1 (BICLab/Spike-Driven-Transformer)
#===----------------------------------------------------------------------===#


class MS_SPS(nn.Module):
    """Stem of the Spike-driven Transformer (``module/sps.py``, ``MS_SPS``).

    Stages 1-3: ``Conv3x3 -> BN2d -> LIF`` (then a max-pool where
    ``pooling_stat`` says so); stage 4: ``Conv3x3 -> BN2d`` (-> max-pool)
    -> LIF, i.e. the last max-pool acts on the membrane input; RPE:
    ``BN(Conv3x3(lif3)) + x_feat`` with ``x_feat`` the pre-LIF membrane
    (real + real). Output ``[T, B, C, H', W']`` (real-valued membrane).
    """

    def __init__(self, img_size: int = 32, in_channels: int = 3,
                 embed_dims: int = 512, pooling_stat: str = "0011"):
        super().__init__()
        self.pooling_stat = pooling_stat
        chans = [in_channels, embed_dims // 8, embed_dims // 4, embed_dims // 2, embed_dims]
        for i, suffix in enumerate(("", "1", "2", "3")):
            setattr(self, f"proj_conv{suffix}", nn.Conv2d(
                chans[i], chans[i + 1], kernel_size=3, stride=1, padding=1, bias=False))
            setattr(self, f"proj_bn{suffix}", nn.BatchNorm2d(chans[i + 1]))
            setattr(self, f"proj_lif{suffix}", _lif())
            setattr(self, f"maxpool{suffix}", nn.MaxPool2d(
                kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False))
        self.rpe_conv = nn.Conv2d(embed_dims, embed_dims, kernel_size=3, stride=1,
                                  padding=1, bias=False)
        self.rpe_bn = nn.BatchNorm2d(embed_dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        T, B, _, H, W = x.shape
        x = x.flatten(0, 1)
        for i, suffix in enumerate(("", "1", "2")):
            x = getattr(self, f"proj_conv{suffix}")(x)
            x = getattr(self, f"proj_bn{suffix}")(x).reshape(T, B, -1, H, W).contiguous()
            x = getattr(self, f"proj_lif{suffix}")(x).flatten(0, 1).contiguous()
            if self.pooling_stat[i] == "1":
                x = getattr(self, f"maxpool{suffix}")(x)
                H, W = _pooled(H), _pooled(W)
        x = self.proj_bn3(self.proj_conv3(x))
        if self.pooling_stat[3] == "1":
            x = self.maxpool3(x)
            H, W = _pooled(H), _pooled(W)
        x_feat = x
        x = self.proj_lif3(x.reshape(T, B, -1, H, W).contiguous())
        x = self.rpe_bn(self.rpe_conv(x.flatten(0, 1).contiguous()))
        return (x + x_feat).reshape(T, B, -1, H, W).contiguous()


class MS_SSA_Conv(nn.Module):
    """Spike-driven self-attention (SDSA, ``module/ms_conv.py``,
    ``MS_SSA_Conv`` with ``mode='direct_xor'`` and LIF neurons).

    ``identity = x``; ``x = shortcut_lif(x)``; ``Q, K, V = LIF(BN(Conv1x1(x)))``
    as ``[T, B, H, N, d]``; ``kv = LIF_0.5(sum_n K * V)``;
    ``x = Q * kv`` (no matmul, no scale); ``BN(Conv1x1(x)) + identity``
    (membrane shortcut). The source also builds ``attn_lif`` and a
    ``talking_heads`` Conv1d that this forward path never uses; they are
    omitted so that every neuron module here is a neuron of the graph.
    """

    def __init__(self, dim: int, num_heads: int = 8):
        super().__init__()
        assert dim % num_heads == 0
        self.dim, self.num_heads = dim, num_heads
        self.shortcut_lif = _lif()
        for n in ("q", "k", "v"):
            setattr(self, f"{n}_conv", nn.Conv2d(dim, dim, kernel_size=1, stride=1, bias=False))
            setattr(self, f"{n}_bn", nn.BatchNorm2d(dim))
            setattr(self, f"{n}_lif", _lif())
        self.talking_heads_lif = _lif(v_threshold=0.5)
        self.proj_conv = nn.Conv2d(dim, dim, kernel_size=1, stride=1)
        self.proj_bn = nn.BatchNorm2d(dim)

    def _qkv(self, name, x_for_qkv, T, B, C, H, W):
        N = H * W
        out = getattr(self, f"{name}_conv")(x_for_qkv)
        out = getattr(self, f"{name}_bn")(out).reshape(T, B, C, H, W).contiguous()
        out = getattr(self, f"{name}_lif")(out)
        return out.flatten(3).transpose(-1, -2) \
                  .reshape(T, B, N, self.num_heads, C // self.num_heads) \
                  .permute(0, 1, 3, 2, 4).contiguous()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        T, B, C, H, W = x.shape
        identity = x
        x = self.shortcut_lif(x)
        x_for_qkv = x.flatten(0, 1)
        q = self._qkv("q", x_for_qkv, T, B, C, H, W)
        k = self._qkv("k", x_for_qkv, T, B, C, H, W)
        v = self._qkv("v", x_for_qkv, T, B, C, H, W)
        kv = k.mul(v)
        kv = kv.sum(dim=-2, keepdim=True)
        kv = self.talking_heads_lif(kv)
        x = q.mul(kv)
        x = x.transpose(3, 4).reshape(T, B, C, H, W).contiguous()
        x = self.proj_bn(self.proj_conv(x.flatten(0, 1))).reshape(T, B, C, H, W).contiguous()
        return x + identity


class MS_MLP_Conv(nn.Module):
    """Spike-driven MLP (``module/ms_conv.py``, ``MS_MLP_Conv``):
    ``BN(Conv1x1(LIF(BN(Conv1x1(LIF(x)))))) + x`` (the LIF comes first;
    an inner residual exists only when ``hidden == in``)."""

    def __init__(self, in_features: int, hidden_features: int):
        super().__init__()
        self.res = in_features == hidden_features
        self.fc1_lif = _lif()
        self.fc1_conv = nn.Conv2d(in_features, hidden_features, kernel_size=1, stride=1)
        self.fc1_bn = nn.BatchNorm2d(hidden_features)
        self.fc2_lif = _lif()
        self.fc2_conv = nn.Conv2d(hidden_features, in_features, kernel_size=1, stride=1)
        self.fc2_bn = nn.BatchNorm2d(in_features)
        self.c_hidden = hidden_features
        self.c_output = in_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        T, B, C, H, W = x.shape
        identity = x
        x = self.fc1_lif(x)
        x = self.fc1_conv(x.flatten(0, 1))
        x = self.fc1_bn(x).reshape(T, B, self.c_hidden, H, W).contiguous()
        if self.res:
            x = identity + x
            identity = x
        x = self.fc2_lif(x)
        x = self.fc2_conv(x.flatten(0, 1))
        x = self.fc2_bn(x).reshape(T, B, C, H, W).contiguous()
        return x + identity


class MS_Block_Conv(nn.Module):
    def __init__(self, dim: int, num_heads: int, mlp_ratio: int = 4):
        super().__init__()
        self.attn = MS_SSA_Conv(dim, num_heads)
        self.mlp = MS_MLP_Conv(dim, dim * mlp_ratio)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.attn(x))


class SpikeDrivenTransformer(nn.Module):
    """Spike-driven Transformer v1 (Yao et al., "Spike-driven Transformer",
    NeurIPS 2023; code BICLab/Spike-Driven-Transformer,
    ``model/spikeformer.py`` with ``module/ms_conv.py`` and ``module/sps.py``).

    ``image`` -> repeat ``T`` -> :class:`MS_SPS` -> blocks (membrane
    shortcut, real-valued residual stream) -> mean over tokens ``[T, B, C]``
    -> ``head_lif`` -> Linear per time step -> mean over ``T``.
    """

    def __init__(self, img_size: int = 32, in_channels: int = 3, num_classes: int = 10,
                 embed_dims: int = 512, num_heads: int = 8, mlp_ratio: int = 4,
                 depths: int = 2, T: int = 4, pooling_stat: str = "0011"):
        super().__init__()
        self.T = T
        self.patch_embed = MS_SPS(img_size, in_channels, embed_dims, pooling_stat)
        self.block = nn.ModuleList(
            [MS_Block_Conv(embed_dims, num_heads, mlp_ratio) for _ in range(depths)])
        self.head_lif = _lif()
        self.head = nn.Linear(embed_dims, num_classes)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(m: nn.Module):
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.constant_(m.bias, 0)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)
        for blk in self.block:
            x = blk(x)
        return x.flatten(3).mean(3)                              # [T, B, C]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (x.unsqueeze(0)).repeat(self.T, 1, 1, 1, 1)
        x = self.forward_features(x)
        x = self.head_lif(x)
        x = self.head(x)
        return x.mean(0)

#===----------------------------------------------------------------------===#
# Configurations
#===----------------------------------------------------------------------===#


@dataclass(frozen=True)
class ZooConfig:
    """A named model configuration (all fields go to the export ``.json``)."""
    name: str
    family: str                 # spikformer | sdt | spikformer_moe | spikformer_moe_dense | spikformer_headmoe
    img_size: int
    num_classes: int
    embed_dims: int
    depths: int
    num_heads: int
    T: int
    mlp_ratio: int = 4
    pooling: str = "0011"       # max-pool after stem stage i where pooling[i] == '1'
    num_experts: int = 0
    top_k: int = 0
    capacity_factor: float = 0.0
    expected_params: Optional[float] = None   # published count, for tests
    source: str = ""

    def to_dict(self) -> Dict[str, object]:
        return dataclasses.asdict(self)

    @property
    def tokens(self) -> int:
        h = self.img_size
        for flag in self.pooling:
            h = _pooled(h) if flag == "1" else h
        return h * h


_SPIKFORMER_SRC = "ZK-Zhou/spikformer cifar10/model.py (Zhou et al., ICLR 2023)"
_SDT_SRC = "BICLab/Spike-Driven-Transformer (Yao et al., NeurIPS 2023)"

CONFIGS: Dict[str, ZooConfig] = {c.name: c for c in [
    # Published configurations (parameter counts from the papers).
    ZooConfig("spikformer_cifar_4_384", "spikformer", 32, 10, 384, 4, 12, 4,
              expected_params=9.32e6, source=_SPIKFORMER_SRC),
    ZooConfig("spikformer_imagenet_8_512", "spikformer", 224, 1000, 512, 8, 8, 4,
              pooling="1111", expected_params=29.68e6, source=_SPIKFORMER_SRC),
    ZooConfig("spikformer_imagenet_8_768", "spikformer", 224, 1000, 768, 8, 12, 4,
              pooling="1111", expected_params=66.34e6, source=_SPIKFORMER_SRC),
    ZooConfig("sdt_cifar_2_512", "sdt", 32, 10, 512, 2, 8, 4,
              expected_params=10.21e6, source=_SDT_SRC),
    # Spikformer-4-384 with each MLP a 4-expert top-2 mixture (capacity
    # factor 2), the MoE variant the 3D design targets (23.56 M
    # parameters: 4 x the MLP weights).
    ZooConfig("spikformer_moe_cifar_4_384", "spikformer_moe", 32, 10, 384, 4, 12, 4,
              num_experts=4, top_k=2, capacity_factor=2.0,
              source=_SPIKFORMER_SRC + " + GShard top-k MoE MLP"),
    # Two-block, dim-256 CIFAR configurations (T = 4, 64 tokens): about 2.4
    # MiB of int8 weights, more than the presets' 1 MiB of weight banks (the
    # weight-streaming tests and benchmarks).
    ZooConfig("spikformer_2_256", "spikformer", 32, 10, 256, 2, 8, 4, source=_SPIKFORMER_SRC),
    ZooConfig("sdt_2_256", "sdt", 32, 10, 256, 2, 8, 4, source=_SDT_SRC),
    ZooConfig("spikformer_moe_2_256", "spikformer_moe", 32, 10, 256, 2, 8, 4,
              num_experts=4, top_k=2, capacity_factor=2.0,
              source=_SPIKFORMER_SRC + " + GShard top-k MoE MLP"),
    # Small test configurations (T = 2, 32x32 input, 64 tokens).
    ZooConfig("spikformer_tiny", "spikformer", 32, 10, 64, 1, 4, 2, source=_SPIKFORMER_SRC),
    ZooConfig("sdt_tiny", "sdt", 32, 10, 64, 1, 4, 2, source=_SDT_SRC),
    ZooConfig("spikformer_moe_tiny", "spikformer_moe", 32, 10, 64, 1, 4, 2,
              num_experts=4, top_k=2, capacity_factor=2.0,
              source=_SPIKFORMER_SRC + " + GShard top-k MoE MLP"),
    ZooConfig("spikformer_moe_dense_tiny", "spikformer_moe_dense", 32, 10, 64, 1, 4, 2,
              num_experts=4, top_k=2, source=_SPIKFORMER_SRC + " + dense-gate top-k MoE MLP"),
    ZooConfig("spikformer_headmoe_tiny", "spikformer_headmoe", 32, 10, 64, 1, 4, 2,
              top_k=2, source=_SPIKFORMER_SRC + " + mixture-of-head attention"),
]}

TINY_CONFIGS = [n for n in CONFIGS if n.endswith("_tiny")]


def config(name: str) -> ZooConfig:
    try:
        return CONFIGS[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(CONFIGS)}") from None


def _construct(cfg: ZooConfig) -> nn.Module:
    common = dict(img_size=cfg.img_size, in_channels=3, num_classes=cfg.num_classes,
                  embed_dims=cfg.embed_dims, num_heads=cfg.num_heads,
                  mlp_ratio=cfg.mlp_ratio, depths=cfg.depths, T=cfg.T)
    if cfg.family == "sdt":
        return SpikeDrivenTransformer(pooling_stat=cfg.pooling, **common)
    extra = {
        "spikformer": {},
        "spikformer_moe": dict(mlp="gshard_moe", num_experts=cfg.num_experts,
                               top_k=cfg.top_k, capacity_factor=cfg.capacity_factor),
        "spikformer_moe_dense": dict(mlp="dense_moe", num_experts=cfg.num_experts,
                                     top_k=cfg.top_k),
        "spikformer_headmoe": dict(attention="head_moe", top_k=cfg.top_k),
    }
    if cfg.family not in extra:
        raise ValueError(f"unknown family {cfg.family!r}")
    model = Spikformer(pooling=cfg.pooling, **common, **extra[cfg.family])
    # Routers: larger weights than Spikformer's std 0.02 so that routing is
    # decisive, and zero-mean rows: the router input (a rate) is positive,
    # so a nonzero row sum would send most tokens to the same expert.
    for m in model.modules():
        router = m.gate if isinstance(m, (GShardMoEMLP, DenseGateMoEMLP)) else \
            m.router if isinstance(m, HeadMoESSA) else None
        if router is not None:
            with torch.no_grad():
                nn.init.normal_(router.weight, std=3.0 / math.sqrt(cfg.embed_dims))
                router.weight.sub_(router.weight.mean(dim=1, keepdim=True))
    return model

#===----------------------------------------------------------------------===#
# Calibration, statistics
#===----------------------------------------------------------------------===#


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters (BatchNorm running statistics are
    buffers and not counted, as in the papers)."""
    return sum(p.numel() for p in model.parameters())


def sample_image(cfg: ZooConfig, seed: int, batch: int = 1) -> torch.Tensor:
    """Deterministic random 'image' ``[batch, 3, H, W]`` (standard normal,
    i.e. like a normalised image), float32."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(batch, 3, cfg.img_size, cfg.img_size, generator=g)


@torch.no_grad()
def calibrate_batchnorm(model: nn.Module, images: torch.Tensor,
                        rng: np.random.RandomState,
                        target: Tuple[float, float] = (0.12, 0.25),
                        max_passes: int = 12, tol: float = 0.01,
                        max_samples: int = 1 << 16) -> int:
    """Give every BatchNorm realistic inference statistics and affine
    parameters so that the neurons fire at realistic rates.

    Runs ``model(images)`` with hooks (each layer is calibrated when the
    data reaches it, so downstream layers see calibrated inputs), repeatedly
    until every calibrated neuron fires within ``tol`` of its target rate
    (at most ``max_passes`` times); returns the number of passes:

    * first pass, each BatchNorm: running mean/var = the per-channel mean
      and (biased) variance of its input, ``gamma ~ U(1, 2)``,
      ``beta ~ 0.05 * N(0, 1)``;
    * every pass, each neuron reached from a BatchNorm without another
      neuron in between (the last BatchNorm that ran before it): its input
      is an affine image of that BatchNorm's output, possibly through a
      reshape, a residual add, a max-pool or a mean, so adding ``d`` to all
      of the BatchNorm's ``beta`` adds ``d`` to the neuron's input. If the
      neuron's rate (on a random subset of at most ``max_samples`` neuron
      positions) is more than ``tol`` away from its target, drawn once per
      neuron from ``U(*target)``, ``d`` is found by bisection and moved by a
      random 1e-3 so that no membrane sits exactly on the threshold.

    Neurons fed by other neurons only (the attention neurons) keep whatever
    rate results. One more pass is needed to see that nothing moves any
    more (Spikformer: 2 passes); when a neuron's input also carries a tensor
    computed before an upstream shift (the membrane shortcuts of the
    Spike-driven Transformer) the shifts converge over a few passes. The
    exporter reports the rates measured on its own input.
    """
    state = {"bn": None, "moved": 0}
    goals: Dict[int, float] = {}

    def bn_hook(bn, inputs, output):
        state["bn"] = bn
        z = inputs[0]
        C = z.shape[1]
        zc = z.transpose(0, 1).reshape(C, -1).double()
        bn.running_mean.copy_(zc.mean(1).float())
        bn.running_var.copy_(zc.var(1, unbiased=False).float())
        bn.weight.copy_(torch.from_numpy(rng.uniform(1.0, 2.0, C)).float())
        bn.bias.copy_(torch.from_numpy(0.05 * rng.randn(C)).float())
        return F.batch_norm(z, bn.running_mean, bn.running_var, bn.weight, bn.bias,
                            False, 0., bn.eps)

    def bn_seen(bn, inputs, output):
        state["bn"] = bn

    def neuron_hook(neuron, inputs):
        bn, state["bn"] = state["bn"], None
        if bn is None:
            return None
        x = inputs[0]
        seq = x.reshape(x.shape[0], -1)
        if seq.shape[1] > max_samples:
            idx = torch.from_numpy(rng.choice(seq.shape[1], max_samples, replace=False))
            seq = seq[:, idx]
        goal = goals.setdefault(id(neuron), rng.uniform(*target))
        if abs(float(neuron.simulate(seq).mean()) - goal) <= tol:
            return None
        state["moved"] += 1
        lo, hi = -16.0, 16.0
        for _ in range(32):
            mid = 0.5 * (lo + hi)
            if float(neuron.simulate(seq + mid).mean()) < goal:
                lo = mid
            else:
                hi = mid
        # Off the discontinuity that bisection converges to (a membrane
        # exactly on the threshold would make the spike depend on rounding).
        d = 0.5 * (lo + hi) + 1e-3 * rng.uniform(-1, 1)
        bn.bias.add_(d)
        return (x + d,)

    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    model.eval()
    for p in range(max_passes):
        handles = [m.register_forward_hook(bn_hook if p == 0 else bn_seen) for m in bns]
        handles += [m.register_forward_pre_hook(neuron_hook)
                    for _, m in neuron_modules(model)]
        try:
            state["bn"], state["moved"] = None, 0
            model(images)
        finally:
            for h in handles:
                h.remove()
        if p > 0 and state["moved"] == 0:
            break
    return p + 1


@torch.no_grad()
def record_firing_rates(model: nn.Module, image: torch.Tensor):
    """Run ``model(image)``; return ``(logits, rates)`` where ``rates`` lists
    one dict per neuron call in execution order: ``name``, ``kind``
    (``LIF``/``IF``), ``v_threshold``, ``shape`` and firing ``rate``."""
    rates: List[Dict[str, object]] = []
    handles = []
    for name, m in neuron_modules(model):
        def hook(mod, inputs, output, name=name):
            rates.append(dict(name=name, kind=mod.op_type, v_threshold=mod.v_threshold,
                              shape=list(output.shape), rate=float(output.double().mean())))
        handles.append(m.register_forward_hook(hook))
    try:
        logits = model(image)
    finally:
        for h in handles:
            h.remove()
    return logits, rates


def build_model(name: str, seed: int = 0, calibrate: bool = True,
                calibration_batch: Optional[int] = None) -> nn.Module:
    """Construct zoo model ``name`` with seeded random weights, in eval mode.

    With ``calibrate`` the BatchNorm layers are calibrated on
    ``calibration_batch`` random images (default 2, or 1 for inputs larger
    than 64x64; :func:`calibrate_batchnorm`; seed ``seed + 1`` for the
    images, so the export input, drawn with ``seed``, is not the
    calibration data). ``calibrate=False`` only constructs (enough for
    parameter counts; no forward pass is run).
    """
    cfg = config(name)
    torch.manual_seed(seed)
    model = _construct(cfg).eval()
    model.config = cfg
    if calibrate:
        if calibration_batch is None:
            calibration_batch = 2 if cfg.img_size <= 64 else 1
        rng = np.random.RandomState(seed)
        calibrate_batchnorm(model, sample_image(cfg, seed + 1, calibration_batch), rng)
    return model
