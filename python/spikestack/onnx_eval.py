"""A small ONNX evaluator for the graphs :mod:`spikestack.export` produces.

Debian's onnx 1.12 has no reference evaluator (``onnx.reference`` came with
1.13) and onnxruntime is not installed, so this module runs exported models
to check them: node by node in graph order, on PyTorch CPU tensors, so that
float kernels (Conv, MatMul, Softmax, BatchNormalization ...) are PyTorch's
own and the comparison with PyTorch's eager logits is tight.

    env = run(model_or_path, {"image": x}, keep=True)   # name -> np.ndarray

Supported: the ``ai.onnx`` ops of the zoo exports at opsets 13-17 (see
:data:`OPS`) and the custom-domain neurons ``snn::LIF`` / ``snn::IF``
(``docs/onnx.md``), which run :func:`spikestack.neurons.multi_step_lif` /
``multi_step_if``. Differences from the ONNX specification, chosen to match
PyTorch rather than the spec:

* ``TopK`` uses ``torch.topk``: on exact ties PyTorch's CPU kernel does
  not always return the lower index first (the spec requires it);
* ``Softmax`` is ``torch.softmax`` (``exp(z - max) * (1 / sum)``).

Unsupported ops or attributes raise ``NotImplementedError`` naming the node.
"""

from __future__ import annotations

import math
from typing import Callable, Dict, List, Optional, Union

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

from . import neurons
from .neurons import leak_factor

__all__ = ["run", "OPS", "value_types"]

_DTYPES = {
    onnx.TensorProto.FLOAT: torch.float32, onnx.TensorProto.DOUBLE: torch.float64,
    onnx.TensorProto.FLOAT16: torch.float16, onnx.TensorProto.INT64: torch.int64,
    onnx.TensorProto.INT32: torch.int32, onnx.TensorProto.INT16: torch.int16,
    onnx.TensorProto.INT8: torch.int8, onnx.TensorProto.UINT8: torch.uint8,
    onnx.TensorProto.BOOL: torch.bool,
}
_ONNX_TYPE = {v: k for k, v in _DTYPES.items()}

Tensor = torch.Tensor
OpFn = Callable[[Dict[str, object], List[Optional[Tensor]]], Union[Tensor, List[Tensor]]]

#: op type -> implementation ``fn(attrs, inputs) -> output(s)``.
OPS: Dict[str, OpFn] = {}


def _op(*names: str):
    def register(fn: OpFn) -> OpFn:
        for n in names:
            OPS[n] = fn
        return fn
    return register


def _attrs(node: onnx.NodeProto) -> Dict[str, object]:
    out = {}
    for a in node.attribute:
        v = onnx.helper.get_attribute_value(a)
        out[a.name] = v.decode() if isinstance(v, bytes) else v
    return out


def _ints(t: Optional[Tensor]) -> List[int]:
    return [] if t is None else [int(v) for v in t.reshape(-1).tolist()]


def _axes(attrs, inputs, index: int) -> Optional[List[int]]:
    """``axes`` as an attribute (older opsets) or as input ``index`` (newer)."""
    if "axes" in attrs:
        return list(attrs["axes"])
    if len(inputs) > index and inputs[index] is not None:
        return _ints(inputs[index])
    return None

# -- constants and types --------------------------------------------------------


@_op("Constant")
def _constant(a, i):
    if "value" in a:
        return torch.from_numpy(numpy_helper.to_array(a["value"]).copy())
    for key, dt in (("value_float", torch.float32), ("value_int", torch.int64)):
        if key in a:
            return torch.tensor(a[key], dtype=dt)
    for key, dt in (("value_floats", torch.float32), ("value_ints", torch.int64)):
        if key in a:
            return torch.tensor(list(a[key]), dtype=dt)
    raise NotImplementedError(f"Constant with {sorted(a)}")


@_op("ConstantOfShape")
def _constant_of_shape(a, i):
    v = torch.from_numpy(numpy_helper.to_array(a["value"]).copy()) if "value" in a \
        else torch.zeros(1, dtype=torch.float32)
    return torch.full(_ints(i[0]), v.reshape(-1)[0].item(), dtype=v.dtype)


@_op("Identity")
def _identity(a, i):
    return i[0]


@_op("Cast")
def _cast(a, i):
    return i[0].to(_DTYPES[a["to"]])


@_op("Shape")
def _shape(a, i):
    dims = list(i[0].shape)
    start, end = a.get("start", 0), a.get("end", len(dims))
    return torch.tensor(dims[start:end], dtype=torch.int64)


@_op("Size")
def _size(a, i):
    return torch.tensor(i[0].numel(), dtype=torch.int64)


@_op("Range")
def _range(a, i):
    return torch.arange(i[0].item(), i[1].item(), i[2].item(), dtype=i[0].dtype)

# -- elementwise ------------------------------------------------------------------


def _div(x, y):
    if x.dtype.is_floating_point:
        return x / y
    return torch.div(x, y, rounding_mode="trunc")


_BINARY = {
    "Add": torch.add, "Sub": torch.sub, "Mul": torch.mul, "Div": _div,
    "Pow": torch.pow, "Equal": torch.eq, "Less": torch.lt, "Greater": torch.gt,
    "LessOrEqual": torch.le, "GreaterOrEqual": torch.ge,
    "And": torch.logical_and, "Or": torch.logical_or, "Xor": torch.logical_xor,
}
for _name, _fn in _BINARY.items():
    OPS[_name] = (lambda fn: lambda a, i: fn(i[0], i[1]))(_fn)

_UNARY = {
    "Neg": torch.neg, "Abs": torch.abs, "Sqrt": torch.sqrt, "Exp": torch.exp,
    "Log": torch.log, "Reciprocal": torch.reciprocal, "Not": torch.logical_not,
    "Relu": torch.relu, "Sigmoid": torch.sigmoid, "Floor": torch.floor,
    "Ceil": torch.ceil,
}
for _name, _fn in _UNARY.items():
    OPS[_name] = (lambda fn: lambda a, i: fn(i[0]))(_fn)


@_op("Where")
def _where(a, i):
    return torch.where(i[0], i[1], i[2])

# -- shape manipulation -------------------------------------------------------------


@_op("Reshape")
def _reshape(a, i):
    x, shape = i[0], _ints(i[1])
    if not a.get("allowzero", 0):
        shape = [x.shape[k] if s == 0 else s for k, s in enumerate(shape)]
    return x.reshape(shape)


@_op("Transpose")
def _transpose(a, i):
    perm = a.get("perm", list(reversed(range(i[0].dim()))))
    return i[0].permute(*perm)


@_op("Squeeze")
def _squeeze(a, i):
    axes = _axes(a, i, 1)
    x = i[0]
    if axes is None:
        return x.squeeze()
    for ax in sorted((ax % x.dim() for ax in axes), reverse=True):
        x = x.squeeze(ax)
    return x


@_op("Unsqueeze")
def _unsqueeze(a, i):
    axes = _axes(a, i, 1)
    x = i[0]
    rank = x.dim() + len(axes)
    for ax in sorted(ax % rank for ax in axes):
        x = x.unsqueeze(ax)
    return x


@_op("Flatten")
def _flatten(a, i):
    ax = a.get("axis", 1) % max(i[0].dim(), 1)
    return i[0].reshape(int(np.prod(i[0].shape[:ax])), -1)


@_op("Concat")
def _concat(a, i):
    return torch.cat([t for t in i if t is not None], dim=a["axis"])


@_op("Split")
def _split(a, i):
    axis = a.get("axis", 0)
    sizes = a.get("split") or (_ints(i[1]) if len(i) > 1 and i[1] is not None else None)
    if sizes is None:
        n = a["num_outputs"]
        sizes = [i[0].shape[axis] // n] * n
    return list(torch.split(i[0], list(sizes), dim=axis))


@_op("Slice")
def _slice(a, i):
    x = i[0]
    starts, ends = _ints(i[1]), _ints(i[2])
    axes = _ints(i[3]) if len(i) > 3 and i[3] is not None else list(range(len(starts)))
    steps = _ints(i[4]) if len(i) > 4 and i[4] is not None else [1] * len(starts)
    for s, e, ax, st in zip(starts, ends, axes, steps):
        ax = ax % x.dim()
        n = x.shape[ax]
        if st == 0:
            raise NotImplementedError("Slice with step 0")
        s = s + n if s < 0 else s
        e = e + n if e < 0 else e
        if st > 0:  # clamp to [0, n]
            s, e = max(0, min(n, s)), max(0, min(n, e))
        else:  # ONNX: start in [0, n-1], end in [-1, n-1]
            s, e = max(0, min(n - 1, s)), max(-1, min(n - 1, e))
        x = torch.index_select(x, ax, torch.tensor(list(range(s, e, st)), dtype=torch.long))
    return x


@_op("Gather")
def _gather(a, i):
    x, idx = i[0], i[1].long()
    ax = a.get("axis", 0) % x.dim()
    idx = torch.where(idx < 0, idx + x.shape[ax], idx)
    out = torch.index_select(x, ax, idx.reshape(-1))
    return out.reshape(x.shape[:ax] + idx.shape + x.shape[ax + 1:])


@_op("Expand")
def _expand(a, i):
    x, shape = i[0], _ints(i[1])
    # ONNX Expand broadcasts both ways (a dim of 1 in `shape` keeps x's dim).
    out_shape = torch.broadcast_shapes(tuple(x.shape), tuple(shape))
    return x.expand(out_shape).clone()


@_op("Tile")
def _tile(a, i):
    return i[0].repeat(*_ints(i[1]))


@_op("Pad")
def _pad(a, i):
    if a.get("mode", "constant") != "constant":
        raise NotImplementedError(f"Pad mode {a['mode']}")
    x, pads = i[0], _ints(i[1])
    value = i[2].item() if len(i) > 2 and i[2] is not None else 0
    if len(i) > 3 and i[3] is not None:
        raise NotImplementedError("Pad with axes")
    r = x.dim()
    torch_pads = []
    for ax in reversed(range(r)):
        torch_pads += [pads[ax], pads[ax + r]]
    return F.pad(x, torch_pads, value=value)

# -- reductions, scans, indexing --------------------------------------------------


def _reduce(fn):
    def impl(a, i):
        x = i[0]
        axes = _axes(a, i, 1)
        keep = bool(a.get("keepdims", 1))
        if not axes:
            if a.get("noop_with_empty_axes", 0):
                return x
            axes = list(range(x.dim()))
        return fn(x, [ax % x.dim() for ax in axes], keep)
    return impl


OPS["ReduceSum"] = _reduce(lambda x, ax, k: torch.sum(x, dim=ax, keepdim=k))
OPS["ReduceMean"] = _reduce(lambda x, ax, k: torch.mean(x, dim=ax, keepdim=k))
OPS["ReduceMax"] = _reduce(lambda x, ax, k: torch.amax(x, dim=ax, keepdim=k))
OPS["ReduceMin"] = _reduce(lambda x, ax, k: torch.amin(x, dim=ax, keepdim=k))


@_op("CumSum")
def _cumsum(a, i):
    x, ax = i[0], int(i[1].item())
    if a.get("reverse", 0):
        x = x.flip(ax)
    c = torch.cumsum(x, dim=ax)
    if a.get("exclusive", 0):
        c = c - x
    return c.flip(ax) if a.get("reverse", 0) else c


@_op("OneHot")
def _one_hot(a, i):
    idx, depth, values = i[0].long(), int(i[1].item()), i[2]
    ax = a.get("axis", -1)
    idx = torch.where(idx < 0, idx + depth, idx)
    hot = idx.unsqueeze(-1) == torch.arange(depth)          # out of range -> all off
    out = torch.where(hot, values[1], values[0])
    return out if ax in (-1, out.dim() - 1) else out.movedim(-1, ax)


@_op("TopK")
def _topk(a, i):
    k = int(i[1].reshape(-1)[0].item())
    v, idx = torch.topk(i[0], k, dim=a.get("axis", -1), largest=bool(a.get("largest", 1)),
                        sorted=bool(a.get("sorted", 1)))
    return [v, idx]


@_op("ScatterND")
def _scatter_nd(a, i):
    if a.get("reduction", "none") != "none":
        raise NotImplementedError("ScatterND with a reduction")
    out = i[0].clone()
    idx, upd = i[1].long(), i[2]
    k = idx.shape[-1]
    idx2 = idx.reshape(-1, k)
    upd2 = upd.reshape((idx2.shape[0],) + tuple(out.shape[k:]))
    for j in range(idx2.shape[0]):
        out[tuple(idx2[j].tolist())] = upd2[j]
    return out


@_op("ScatterElements")
def _scatter_elements(a, i):
    if a.get("reduction", "none") != "none":
        raise NotImplementedError("ScatterElements with a reduction")
    ax = a.get("axis", 0)
    idx = i[1].long()
    idx = torch.where(idx < 0, idx + i[0].shape[ax], idx)
    return i[0].scatter(ax, idx, i[2])


@_op("GatherElements")
def _gather_elements(a, i):
    return torch.gather(i[0], a.get("axis", 0), i[1].long())

# -- neural network ops -------------------------------------------------------------


@_op("MatMul")
def _matmul(a, i):
    return torch.matmul(i[0], i[1])


@_op("Gemm")
def _gemm(a, i):
    A, B = i[0], i[1]
    if a.get("transA", 0):
        A = A.t()
    if a.get("transB", 0):
        B = B.t()
    y = A @ B
    if a.get("alpha", 1.0) != 1.0:
        y = y * a["alpha"]
    if len(i) > 2 and i[2] is not None:
        c = i[2] if a.get("beta", 1.0) == 1.0 else i[2] * a["beta"]
        y = y + c
    return y


@_op("Einsum")
def _einsum(a, i):
    return torch.einsum(a["equation"], *i)


@_op("Softmax")
def _softmax(a, i):
    return torch.softmax(i[0], dim=a.get("axis", -1))


def _spatial_pads(a, nd):
    if a.get("auto_pad", "NOTSET") not in ("NOTSET", ""):
        raise NotImplementedError(f"auto_pad {a['auto_pad']}")
    p = list(a.get("pads", [0] * (2 * nd)))
    return p[:nd], p[nd:]


@_op("Conv")
def _conv(a, i):
    x, w = i[0], i[1]
    b = i[2] if len(i) > 2 else None
    nd = w.dim() - 2
    begin, end = _spatial_pads(a, nd)
    fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[nd]
    kw = dict(stride=a.get("strides", [1] * nd), dilation=a.get("dilations", [1] * nd),
              groups=a.get("group", 1))
    if begin == end:
        return fn(x, w, b, padding=begin, **kw)
    torch_pads = []
    for d in reversed(range(nd)):
        torch_pads += [begin[d], end[d]]
    return fn(F.pad(x, torch_pads), w, b, padding=0, **kw)


@_op("MaxPool")
def _max_pool(a, i):
    x = i[0]
    nd = x.dim() - 2
    begin, end = _spatial_pads(a, nd)
    if a.get("storage_order", 0):
        raise NotImplementedError("MaxPool storage_order")
    kw = dict(kernel_size=a["kernel_shape"], stride=a.get("strides", [1] * nd),
              dilation=a.get("dilations", [1] * nd), ceil_mode=bool(a.get("ceil_mode", 0)))
    fn = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[nd]
    if begin == end:
        return fn(x, padding=begin, **kw)
    torch_pads = []
    for d in reversed(range(nd)):
        torch_pads += [begin[d], end[d]]
    return fn(F.pad(x, torch_pads, value=-float("inf")), padding=0, **kw)


@_op("BatchNormalization")
def _batch_norm(a, i):
    if a.get("training_mode", 0):
        raise NotImplementedError("BatchNormalization in training mode")
    x, scale, bias, mean, var = i[:5]
    return F.batch_norm(x, mean, var, scale, bias, False, 0.0, a.get("epsilon", 1e-5))

# -- custom domain ---------------------------------------------------------------------


def _snn_lif(a, i):
    reset = a.get("reset", "hard")
    v_reset = None if reset == "soft" else float(a.get("v_reset", 0.0))
    decay_input = bool(a.get("decay_input", 1))
    tau = float(a.get("tau", 2.0))
    if "leak_factor" in a and leak_factor(tau, v_reset, decay_input) is not None:
        # V * k + X with k = leak_factor: any double tau with
        # f32(1 - 1/tau) == k reproduces it; 1 / (1 - k) is one (the error
        # of the double round trip is far below half an f32 ulp of k).
        k = float(a["leak_factor"])
        tau = math.inf if k == 1. else 1. / (1. - k)
    return neurons.multi_step_lif(
        i[0], tau=tau, v_threshold=float(a.get("v_threshold", 1.0)),
        v_reset=v_reset, decay_input=decay_input, compare=a.get("compare", "ge"))


def _snn_if(a, i):
    reset = a.get("reset", "hard")
    v_reset = None if reset == "soft" else float(a.get("v_reset", 0.0))
    return neurons.multi_step_if(i[0], v_threshold=float(a.get("v_threshold", 1.0)),
                                 v_reset=v_reset, compare=a.get("compare", "ge"))


CUSTOM_OPS: Dict[tuple, OpFn] = {
    (neurons.SNN_DOMAIN, "LIF"): _snn_lif,
    (neurons.SNN_DOMAIN, "IF"): _snn_if,
}

#===----------------------------------------------------------------------===#


def run(model: Union[str, onnx.ModelProto], feeds: Dict[str, np.ndarray],
        keep: bool = False) -> Dict[str, np.ndarray]:
    """Evaluate ``model`` on ``feeds`` (graph input name -> array).

    Returns the graph outputs by name, or with ``keep=True`` every value of
    the graph (initializers, inputs and node outputs), as numpy arrays."""
    if isinstance(model, str):
        model = onnx.load(model)
    g = model.graph
    env: Dict[str, Tensor] = {}
    for t in g.initializer:
        env[t.name] = torch.from_numpy(numpy_helper.to_array(t).copy())
    for name, value in feeds.items():
        env[name] = torch.from_numpy(np.ascontiguousarray(value))
    missing = [v.name for v in g.input if v.name not in env]
    if missing:
        raise ValueError(f"missing inputs {missing}")
    with torch.no_grad():
        for node in g.node:
            domain = "" if node.domain in ("", "ai.onnx") else node.domain
            fn = OPS.get(node.op_type) if domain == "" else CUSTOM_OPS.get((domain, node.op_type))
            if fn is None:
                raise NotImplementedError(
                    f"node {node.name!r}: op {domain + '::' if domain else ''}{node.op_type} "
                    "is not supported")
            inputs = [env[n] if n else None for n in node.input]
            try:
                out = fn(_attrs(node), inputs)
            except NotImplementedError as e:
                raise NotImplementedError(f"node {node.name!r} ({node.op_type}): {e}") from None
            outs = out if isinstance(out, list) else [out]
            for name, v in zip(node.output, outs):
                if name:
                    env[name] = v
    names = list(env) if keep else [o.name for o in g.output]
    return {n: env[n].numpy() for n in names}


def value_types(env: Dict[str, np.ndarray], names) -> Dict[str, onnx.TypeProto]:
    """ONNX tensor types (element type and static shape) of evaluated values."""
    out = {}
    for n in names:
        arr = env[n]
        elem = _ONNX_TYPE[torch.from_numpy(np.zeros(0, arr.dtype)).dtype]
        out[n] = onnx.helper.make_tensor_type_proto(elem, list(arr.shape))
    return out
