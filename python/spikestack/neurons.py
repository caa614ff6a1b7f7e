"""SpikingJelly-exact multi-step spiking neurons that export to ONNX.

SpikingJelly is not a dependency: :class:`MultiStepLIFNode` and
:class:`MultiStepIFNode` re-implement SpikingJelly's ``MultiStepLIFNode`` /
``MultiStepIFNode`` with the pure-PyTorch backend (``backend='torch'``),
formula for formula, so that a model written against SpikingJelly can use
them unchanged (``from spikestack.neurons import MultiStepLIFNode``; the
constructors are keyword-compatible with SpikingJelly's, the positional
order is ``tau, v_threshold, v_reset, decay_input, compare``).

Semantics
---------
The input is time-major, ``x_seq : [T, B, ...]``; the output is a spike
tensor of the same shape and dtype (0.0 / 1.0). With ``V`` the membrane,
initially ``v_reset`` for a hard reset and ``0.`` for a soft reset
(``v_reset=None``), and ``X = x_seq[t]``, each step is::

    charge  LIF, decay_input, v_reset in (None, 0):  H = V + (X - V) / tau
            LIF, decay_input, v_reset != 0:         H = V + (X - (V - v_reset)) / tau
            LIF, not decay_input, v_reset in (None, 0): H = V * (1. - 1. / tau) + X
            LIF, not decay_input, v_reset != 0:     H = V - (V - v_reset) / tau + X
            IF:                                     H = V + X
    fire    S = (H - v_threshold >= 0)   (compare='ge', SpikingJelly's heaviside)
            S = (H - v_threshold >  0)   (compare='gt', NIR's convention)
    reset   hard: V = (1. - S) * H + S * v_reset
            soft: V = H - S * v_threshold

Every line is one f32 tensor operation with Python-float scalars (rounded to
f32 by PyTorch; ``1. - 1. / tau`` is computed in double and rounded once),
which is bit-identical to SpikingJelly and to ``snn.lif`` / ``snn.if`` in
SpikeStack's float domain (``docs/rationale.md``).

Differences from SpikingJelly, none of which changes inference results:

* the modules are stateless: every ``forward`` starts from the initial
  membrane (as if ``spikingjelly.clock_driven.functional.reset_net`` had
  been called before it); the final membrane is not kept;
* ``detach_reset`` and ``surrogate_function`` only matter for training and
  are accepted for signature compatibility; the forward is the heaviside;
* only ``backend='torch'`` exists (the CuPy kernels compute the same values).

Two ONNX export styles
----------------------
* **traced** (default): the Python loop over ``T`` is traced like
  SpikingJelly's torch backend, about 12 ONNX ops per step
  (``Gather -> Sub/Div/Add -> Sub, GreaterOrEqual, Cast -> Sub/Mul/Mul/Add ->
  Unsqueeze``, one ``Concat``). Like SpikingJelly, the initial membrane is a
  Python float, so the first step's charge contains constant operands
  (``Sub(x, 0)``, ``Add(., 0)``).
* **snn domain**: inside :func:`spikestack.export.snn_domain` (or
  :func:`snn_domain_export`), each neuron call becomes ONE node
  ``snn::LIF`` / ``snn::IF`` (domain ``"snn"``, version 1) through a
  ``torch.autograd.Function`` with a ``symbolic`` method. Its forward runs
  the same loop, so eager outputs are identical in both styles. The node's
  attributes are documented in ``docs/onnx.md``.
"""

from __future__ import annotations

import contextlib
from typing import Iterator, Optional

import torch
import torch.nn as nn

__all__ = [
    "MultiStepLIFNode", "MultiStepIFNode", "multi_step_lif", "multi_step_if",
    "SNN_DOMAIN", "SNN_DOMAIN_VERSION", "snn_domain_export", "leak_factor",
    "snn_domain_active", "neuron_modules",
]

#: ONNX domain and opset version of the custom neuron nodes.
SNN_DOMAIN = "snn"
SNN_DOMAIN_VERSION = 1

_COMPARES = ("ge", "gt")

# Export style switch; toggled by snn_domain_export() (re-exported as
# spikestack.export.snn_domain). Module-level so that every neuron module
# sees it without being rebuilt.
_snn_domain_depth = 0


@contextlib.contextmanager
def snn_domain_export() -> Iterator[None]:
    """While active, neuron modules run through autograd Functions whose
    ONNX symbolic emits one ``snn::LIF`` / ``snn::IF`` node per call.
    Nestable. Outputs are unchanged."""
    global _snn_domain_depth
    _snn_domain_depth += 1
    try:
        yield
    finally:
        _snn_domain_depth -= 1


def snn_domain_active() -> bool:
    """True inside :func:`snn_domain_export`."""
    return _snn_domain_depth > 0


def _check_compare(compare: str) -> str:
    if compare not in _COMPARES:
        raise ValueError(f"compare must be 'ge' or 'gt', got {compare!r}")
    return compare

#===----------------------------------------------------------------------===#
# The step functions (written exactly as SpikingJelly's LIFNode/IFNode)
#===----------------------------------------------------------------------===#


def _lif_charge(x: torch.Tensor, v, tau: float, v_reset: Optional[float],
                decay_input: bool):
    if decay_input:
        if v_reset is None or v_reset == 0.:
            return v + (x - v) / tau
        return v + (x - (v - v_reset)) / tau
    if v_reset is None or v_reset == 0.:
        return v * (1. - 1. / tau) + x
    return v - (v - v_reset) / tau + x


def _fire(h: torch.Tensor, v_threshold: float, compare: str) -> torch.Tensor:
    d = h - v_threshold
    if compare == "ge":
        return (d >= 0.).to(h.dtype)
    return (d > 0.).to(h.dtype)


def _reset(h: torch.Tensor, s: torch.Tensor, v_threshold: float,
           v_reset: Optional[float]) -> torch.Tensor:
    if v_reset is None:
        return h - s * v_threshold
    return (1. - s) * h + s * v_reset


def _run(x_seq: torch.Tensor, charge, v_threshold: float,
         v_reset: Optional[float], compare: str) -> torch.Tensor:
    # The membrane starts as a Python float, as in SpikingJelly (BaseNode.v
    # is a float until the first step); the first charge therefore traces
    # with constant operands.
    v = 0. if v_reset is None else v_reset
    spikes = []
    for t in range(x_seq.shape[0]):
        h = charge(x_seq[t], v)
        s = _fire(h, v_threshold, compare)
        v = _reset(h, s, v_threshold, v_reset)
        spikes.append(s.unsqueeze(0))
    return torch.cat(spikes, 0)


def multi_step_lif(x_seq: torch.Tensor, tau: float = 2., v_threshold: float = 1.,
                   v_reset: Optional[float] = 0., decay_input: bool = True,
                   compare: str = "ge") -> torch.Tensor:
    """Functional multi-step LIF over dim 0 (see the module docstring)."""
    _check_compare(compare)
    return _run(x_seq, lambda x, v: _lif_charge(x, v, tau, v_reset, decay_input),
                v_threshold, v_reset, compare)


def multi_step_if(x_seq: torch.Tensor, v_threshold: float = 1.,
                  v_reset: Optional[float] = 0., compare: str = "ge") -> torch.Tensor:
    """Functional multi-step IF (``H = V + X``) over dim 0."""
    _check_compare(compare)
    return _run(x_seq, lambda x, v: v + x, v_threshold, v_reset, compare)

#===----------------------------------------------------------------------===#
# Custom-domain export (one node per neuron)
#===----------------------------------------------------------------------===#


def leak_factor(tau: float, v_reset: Optional[float], decay_input: bool) -> Optional[float]:
    """The multiplier ``1. - 1. / tau`` of the ``V * (1 - 1/tau) + X``
    charge (``decay_input=False`` with ``v_reset`` None or 0), else None.

    PyTorch computes it in double from the Python float ``tau`` and rounds
    it once to f32. An ONNX float attribute holds only ``f32(tau)``, from
    which ``f32(1 - 1/f32(tau))`` differs in the last bit for many ``tau``
    (1.3, 1.8, 0.7, 1.1 ...), so ``snn::LIF`` carries the factor itself as
    ``leak_factor`` (the value is stored as f32, which is exactly the
    factor PyTorch multiplies by)."""
    if decay_input or not (v_reset is None or v_reset == 0.):
        return None
    return 1. - 1. / tau


def _reset_attrs(v_reset: Optional[float]):
    """(reset mode, v_reset attribute): a soft reset exports v_reset 0."""
    return ("soft", 0.) if v_reset is None else ("hard", float(v_reset))


def _set_output_type(y, x_seq, shape, dtype):
    """Give the custom node's output the input's type (spikes have the
    input's dtype and shape). The traced value's type may lack the dtype or
    the sizes (it is the output of another custom node, or the tracer did
    not record them), so they are taken from the concrete tensor seen by
    the module's forward. PyTorch 1.13 still treats a custom op's type as
    unreliable and writes symbolic dims into the file;
    :func:`spikestack.export.annotate_custom_types` repairs that."""
    y.setType(x_seq.type().with_dtype(dtype).with_sizes(list(shape)))
    return y


class _LIFFunction(torch.autograd.Function):
    """``snn::LIF`` (inference only: no backward). ``shape`` and ``dtype``
    are those of ``x_seq``, passed for :func:`_set_output_type`."""

    @staticmethod
    def forward(ctx, x_seq, tau, v_threshold, v_reset, decay_input, compare,
                shape, dtype):
        return multi_step_lif(x_seq, tau, v_threshold, v_reset, decay_input, compare)

    @staticmethod
    def symbolic(g, x_seq, tau, v_threshold, v_reset, decay_input, compare,
                 shape, dtype):
        reset, v_reset_attr = _reset_attrs(v_reset)
        attrs = dict(tau_f=float(tau), v_threshold_f=float(v_threshold),
                     v_reset_f=v_reset_attr, reset_s=reset,
                     decay_input_i=int(bool(decay_input)), compare_s=compare)
        k = leak_factor(tau, v_reset, decay_input)
        if k is not None:
            attrs["leak_factor_f"] = k
        y = g.op(f"{SNN_DOMAIN}::LIF", x_seq, **attrs)
        return _set_output_type(y, x_seq, shape, dtype)


class _IFFunction(torch.autograd.Function):
    """``snn::IF`` (inference only: no backward)."""

    @staticmethod
    def forward(ctx, x_seq, v_threshold, v_reset, compare, shape, dtype):
        return multi_step_if(x_seq, v_threshold, v_reset, compare)

    @staticmethod
    def symbolic(g, x_seq, v_threshold, v_reset, compare, shape, dtype):
        reset, v_reset_attr = _reset_attrs(v_reset)
        y = g.op(f"{SNN_DOMAIN}::IF", x_seq,
                 v_threshold_f=float(v_threshold), v_reset_f=v_reset_attr,
                 reset_s=reset, compare_s=compare)
        return _set_output_type(y, x_seq, shape, dtype)


def _static_shape(x: torch.Tensor):
    return tuple(int(d) for d in x.shape)

#===----------------------------------------------------------------------===#
# Modules
#===----------------------------------------------------------------------===#


class MultiStepIFNode(nn.Module):
    """SpikingJelly ``MultiStepIFNode``: integrate-and-fire, ``H = V + X``.

    Args:
        v_threshold: firing threshold.
        v_reset: hard-reset value, or ``None`` for a soft reset
            (``V = H - S * v_threshold``; the membrane then starts at 0).
        compare: ``'ge'`` (SpikingJelly: ``H - v_threshold >= 0``) or
            ``'gt'`` (NIR: ``> 0``).
        detach_reset, surrogate_function: accepted and ignored (training only).
        backend: only ``'torch'``.
    """

    op_type = "IF"

    def __init__(self, v_threshold: float = 1., v_reset: Optional[float] = 0.,
                 compare: str = "ge", detach_reset: bool = False,
                 surrogate_function=None, backend: str = "torch"):
        super().__init__()
        if backend != "torch":
            raise NotImplementedError(f"backend {backend!r}: only 'torch' exists here")
        self.v_threshold = float(v_threshold)
        self.v_reset = None if v_reset is None else float(v_reset)
        self.compare = _check_compare(compare)
        self.detach_reset = detach_reset
        self.backend = backend

    @property
    def reset_mode(self) -> str:
        return "soft" if self.v_reset is None else "hard"

    def extra_repr(self) -> str:
        return (f"v_threshold={self.v_threshold}, v_reset={self.v_reset}, "
                f"compare={self.compare}")

    def simulate(self, x_seq: torch.Tensor) -> torch.Tensor:
        """The neuron's function, bypassing module hooks and the export
        style (for calibration and tests)."""
        return multi_step_if(x_seq, self.v_threshold, self.v_reset, self.compare)

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        if snn_domain_active():
            return _IFFunction.apply(x_seq, self.v_threshold, self.v_reset,
                                     self.compare, _static_shape(x_seq), x_seq.dtype)
        return self.simulate(x_seq)


class MultiStepLIFNode(MultiStepIFNode):
    """SpikingJelly ``MultiStepLIFNode`` (torch backend), time-major input.

    Args:
        tau: membrane time constant (> 1 for a leak; any nonzero value is
            accepted, as in SpikingJelly).
        decay_input: whether the input is divided by ``tau`` too (see the
            module docstring for the four charge branches).
        v_threshold, v_reset, compare, detach_reset, surrogate_function,
        backend: as :class:`MultiStepIFNode`.
    """

    op_type = "LIF"

    def __init__(self, tau: float = 2., v_threshold: float = 1.,
                 v_reset: Optional[float] = 0., decay_input: bool = True,
                 compare: str = "ge", detach_reset: bool = False,
                 surrogate_function=None, backend: str = "torch"):
        super().__init__(v_threshold=v_threshold, v_reset=v_reset,
                         compare=compare, detach_reset=detach_reset,
                         surrogate_function=surrogate_function, backend=backend)
        self.tau = float(tau)
        if self.tau == 0.:
            raise ValueError("tau must be nonzero")
        self.decay_input = bool(decay_input)

    def extra_repr(self) -> str:
        return (f"tau={self.tau}, decay_input={self.decay_input}, "
                + super().extra_repr())

    def simulate(self, x_seq: torch.Tensor) -> torch.Tensor:
        return multi_step_lif(x_seq, self.tau, self.v_threshold, self.v_reset,
                              self.decay_input, self.compare)

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        if snn_domain_active():
            return _LIFFunction.apply(x_seq, self.tau, self.v_threshold,
                                      self.v_reset, self.decay_input, self.compare,
                                      _static_shape(x_seq), x_seq.dtype)
        return self.simulate(x_seq)


def neuron_modules(model: nn.Module):
    """``(qualified name, module)`` of every spiking neuron in ``model``,
    in registration order."""
    return [(n, m) for n, m in model.named_modules() if isinstance(m, MultiStepIFNode)]
