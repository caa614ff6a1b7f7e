"""Export zoo models to ONNX (the input of SpikeStack's ONNX importer).

    python -m spikestack.export MODEL_NAME OUTDIR [--style traced|snn]
                                [--seed N] [--opset 17] [--keep-batchnorm]
                                [--no-verify] [--stem STEM]
    python -m spikestack.export --list

writes, for ``NAME = MODEL_NAME`` (``-snn`` appended with ``--style snn``)::

    OUTDIR/NAME.onnx         torch.onnx.export, input "image" [1,3,H,W] f32,
                             output "logits" [1,classes], static shapes
    OUTDIR/NAME.input.npy    the input image (float32)
    OUTDIR/NAME.logits.npy   PyTorch's float32 eager output for it
    OUTDIR/NAME.json         config, seed, style, opset, parameter count,
                             per-neuron firing rates, ONNX op counts, checks

Styles (see ``docs/onnx.md``):

* ``traced``: every neuron is unrolled over ``T`` into ordinary ONNX ops,
  as a plain ``torch.onnx.export`` of SpikingJelly code produces;
* ``snn``: every neuron is one ``snn::LIF`` / ``snn::IF`` node (custom
  domain ``snn``, version 1), inside :func:`snn_domain`.

Checks after the export: the file is reloaded and passes
``onnx.checker.check_model(full_check=True)`` (a custom-domain failure is
recorded, not fatal); with verification on (default), the model is run by
ONNX's reference evaluator when the installed onnx has one (onnx >= 1.13;
Debian's 1.12 does not), else by :mod:`spikestack.onnx_eval`, and its
difference to PyTorch's logits is reported (in the ``.json`` and on stdout),
with the argmax agreement and, for the snn style, the spike agreement of
every neuron layer. Spikes are thresholded, so the weights of the
exporter's Conv+BatchNorm folding, which round differently, can flip a
spike near the threshold and the flip propagates: the tiny models reproduce
PyTorch exactly, large ones need ``--keep-batchnorm`` for that.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import copy
import importlib.util
import io
import json
import os
import sys
import time
import warnings
from typing import Dict, List, Optional

import numpy as np
import onnx
import torch

from . import neurons, zoo

__all__ = ["snn_domain", "STYLES", "export_model", "export_onnx",
           "annotate_custom_types", "op_counts", "main"]

STYLES = ("traced", "snn")
DEFAULT_OPSET = 17
#: Opsets the exporter accepts here (the importer's range, docs/onnx.md).
SUPPORTED_OPSETS = range(13, 18)


def snn_domain():
    """Context manager: while active, every spiking neuron module exports as
    ONE ``snn::LIF`` / ``snn::IF`` node. Eager outputs are unchanged."""
    return neurons.snn_domain_export()


def op_counts(model: onnx.ModelProto) -> Dict[str, int]:
    """Node counts by op type; custom domains as ``domain::Op``."""
    c = collections.Counter(
        (f"{n.domain}::{n.op_type}" if n.domain not in ("", "ai.onnx") else n.op_type)
        for n in model.graph.node)
    return dict(sorted(c.items()))


def annotate_custom_types(model: onnx.ModelProto,
                          feeds: Dict[str, np.ndarray]) -> onnx.ModelProto:
    """Replace PyTorch's value_info by the static types of the custom-domain
    node outputs, and give the graph outputs their static types.

    PyTorch 1.13 marks the result of a custom op as "unreliable" and writes
    symbolic dims (``LIF..._dim_0``) for it and everything downstream, even
    though the symbolic sets a complete type. ONNX's shape inference cannot
    recover them: it does not know the custom ops, onnx 1.12 crashes in
    data propagation on a node without a schema, and even with the custom
    nodes replaced by ``Identity`` it loses the static shapes of a traced
    model (``Expand`` by a ``ConstantOfShape``, ``Reshape`` to computed
    shapes). So the model is run once on ``feeds``
    (:func:`spikestack.onnx_eval.run`) and the concrete types are written.
    The result keeps value_info only for the custom node outputs (all that
    ONNX cannot infer itself); the graph outputs get static shapes.
    """
    from . import onnx_eval
    m = copy.deepcopy(model)
    g = m.graph
    env = onnx_eval.run(m, feeds, keep=True)
    custom = [n.output[0] for n in g.node if n.domain not in ("", "ai.onnx")]
    types = onnx_eval.value_types(env, custom + [o.name for o in g.output])
    del g.value_info[:]
    for name in custom:
        g.value_info.append(onnx.helper.make_value_info(name, types[name]))
    for o in g.output:
        o.type.CopyFrom(types[o.name])
    return m


def export_onnx(model: torch.nn.Module, image: torch.Tensor, style: str = "traced",
                opset: int = DEFAULT_OPSET, fold_batchnorm: bool = True) -> onnx.ModelProto:
    """``torch.onnx.export`` of ``model`` on ``image`` (input ``image``,
    output ``logits``, static shapes, constant folding), in ``style``.

    ``fold_batchnorm`` (the exporter's default, ``TrainingMode.EVAL``) lets
    PyTorch fold each BatchNorm2d into the preceding Conv, which rounds
    differently from the eager model; ``False`` exports with
    ``TrainingMode.PRESERVE`` on the eval-mode model, which keeps every
    ``BatchNormalization`` node (``training_mode = 0``), so an exact
    evaluator reproduces the eager spikes bit for bit.

    Exporter warnings (tracer warnings about shapes turned into constants,
    custom-op shape inference) are silenced: static shapes are intended."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")
    if opset not in SUPPORTED_OPSETS:
        raise ValueError(f"opset {opset} outside {SUPPORTED_OPSETS.start}-{SUPPORTED_OPSETS.stop - 1}")
    buf = io.BytesIO()
    ctx = snn_domain() if style == "snn" else contextlib.nullcontext()
    with ctx, warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, (image,), buf, opset_version=opset, input_names=["image"],
            output_names=["logits"], do_constant_folding=True,
            training=torch.onnx.TrainingMode.EVAL if fold_batchnorm
            else torch.onnx.TrainingMode.PRESERVE,
            custom_opsets={neurons.SNN_DOMAIN: neurons.SNN_DOMAIN_VERSION}
            if style == "snn" else None)
        logits = model(image)
    proto = onnx.load_from_string(buf.getvalue())
    if style == "snn":
        proto = annotate_custom_types(proto, {"image": image.numpy()})
    # Static output shape: PyTorch leaves a symbolic batch dim on outputs
    # whose shape its inference lost (e.g. after Einsum in the MoE models).
    out = proto.graph.output[0]
    if [d.dim_value for d in out.type.tensor_type.shape.dim] != list(logits.shape):
        out.type.CopyFrom(onnx.helper.make_tensor_type_proto(
            out.type.tensor_type.elem_type or onnx.TensorProto.FLOAT, list(logits.shape)))
    return proto


def _reference_evaluator():
    """onnx's own reference evaluator (onnx >= 1.13), or None."""
    if importlib.util.find_spec("onnx.reference") is None:
        return None
    from onnx.reference import ReferenceEvaluator  # pragma: no cover
    return ReferenceEvaluator                        # pragma: no cover


def verify(proto: onnx.ModelProto, image: np.ndarray, logits: np.ndarray,
           neuron_outputs: Optional[List[np.ndarray]] = None) -> Dict[str, object]:
    """Run the exported model and compare with PyTorch's logits (and, for
    the snn style, with every neuron's eager spikes)."""
    ref = _reference_evaluator()
    report: Dict[str, object] = {}
    snn_outputs: List[np.ndarray] = []
    if ref is not None and not any(n.domain == neurons.SNN_DOMAIN for n in proto.graph.node):
        out = ref(proto).run(None, {"image": image})[0]      # pragma: no cover
        report["evaluator"] = "onnx.reference"               # pragma: no cover
    else:
        from . import onnx_eval
        env = onnx_eval.run(proto, {"image": image}, keep=True)
        out = env["logits"]
        report["evaluator"] = "spikestack.onnx_eval"
        snn_outputs = [env[n.output[0]] for n in proto.graph.node
                       if n.domain == neurons.SNN_DOMAIN]
    diff = np.abs(out.astype(np.float64) - logits.astype(np.float64))
    report.update(max_abs_diff=float(diff.max()), max_abs_logit=float(np.abs(logits).max()),
                  argmax_equal=bool((out.argmax(-1) == logits.argmax(-1)).all()))
    if neuron_outputs is not None and snn_outputs:
        same = sum(int((a == b).sum()) for a, b in zip(snn_outputs, neuron_outputs))
        total = sum(a.size for a in neuron_outputs)
        report["spike_agreement"] = same / total
    return report


def export_model(name: str, outdir: str, style: str = "traced", seed: int = 0,
                 opset: int = DEFAULT_OPSET, verify_outputs: bool = True,
                 model: Optional[torch.nn.Module] = None,
                 stem: Optional[str] = None,
                 fold_batchnorm: bool = True,
                 head_keep_ratio: Optional[float] = None) -> Dict[str, object]:
    """Build (or take) zoo model ``name``, export it and write the four
    files; returns the ``.json`` content (plus ``"paths"``).

    With ``head_keep_ratio = p`` also writes ``<stem>.logits-pruned.npy``:
    the logits of the same model and input with dynamic head pruning
    (``zoo.set_head_keep_ratio``), to compare with a program compiled with
    ``snn-compile --head-keep-ratio=p``. The ONNX graph is the unpruned
    model either way (pruning is a compile option).

    ``model`` lets a caller reuse a model built by
    ``zoo.build_model(name, seed)``; ``stem`` overrides the file stem
    (default ``name``, ``name-snn`` for the snn style)."""
    t0 = time.time()
    cfg = zoo.config(name)
    if model is None:
        model = zoo.build_model(name, seed)
    model.eval()
    image = zoo.sample_image(cfg, seed)
    logits, rates = zoo.record_firing_rates(model, image)

    spikes: List[np.ndarray] = []
    if style == "snn":
        # The custom-op path must give the same eager outputs.
        handles = [m.register_forward_hook(lambda mod, i, o: spikes.append(o.numpy()))
                   for _, m in neurons.neuron_modules(model)]
        try:
            with snn_domain(), torch.no_grad():
                logits_snn = model(image)
        finally:
            for h in handles:
                h.remove()
        if not torch.equal(logits, logits_snn):
            raise AssertionError("snn-domain forward differs from the traced forward")

    proto = export_onnx(model, image, style, opset, fold_batchnorm)
    stem = stem or (name if style == "traced" else f"{name}-snn")
    os.makedirs(outdir, exist_ok=True)
    paths = {k: os.path.join(outdir, stem + ext) for k, ext in
             (("onnx", ".onnx"), ("input", ".input.npy"), ("logits", ".logits.npy"),
              ("json", ".json"))}
    onnx.save(proto, paths["onnx"])
    image_np = image.numpy().astype(np.float32)
    logits_np = logits.numpy().astype(np.float32)
    np.save(paths["input"], image_np)
    np.save(paths["logits"], logits_np)

    loaded = onnx.load(paths["onnx"])
    try:
        onnx.checker.check_model(loaded, full_check=True)
        checker = "ok"
    except Exception as e:  # custom domains may be refused by some versions
        if style != "snn":
            raise
        checker = f"skipped for the custom domain: {str(e).splitlines()[0]}"

    counts = op_counts(loaded)
    n_custom = sum(v for k, v in counts.items() if k.startswith(neurons.SNN_DOMAIN + "::"))
    if style == "snn" and n_custom != len(rates):
        raise AssertionError(f"{n_custom} snn nodes for {len(rates)} neuron calls")

    info: Dict[str, object] = collections.OrderedDict(
        model=name, style=style, seed=seed, opset=opset,
        batchnorm="Conv+BatchNorm2d folded by the exporter" if fold_batchnorm
        else "every BatchNormalization kept",
        config=cfg.to_dict(), parameters=zoo.count_parameters(model),
        input_shape=list(image.shape), logits_shape=list(logits.shape),
        logits_argmax=int(logits.argmax()),
        neuron_layers=len(rates),
        mean_firing_rate=float(np.mean([r["rate"] for r in rates])) if rates else 0.0,
        firing_rates=rates,
        onnx=collections.OrderedDict(
            ir_version=loaded.ir_version,
            opset_import={(o.domain or "ai.onnx"): o.version for o in loaded.opset_import},
            nodes=len(loaded.graph.node), initializers=len(loaded.graph.initializer),
            op_counts=counts, checker=checker),
        versions=dict(torch=torch.__version__, onnx=onnx.__version__),
    )
    if verify_outputs:
        info["verification"] = verify(loaded, image_np, logits_np,
                                      spikes if style == "snn" else None)
    else:
        info["verification"] = "skipped (--no-verify)"
    if head_keep_ratio is not None:
        zoo.set_head_keep_ratio(model, head_keep_ratio)
        try:
            with torch.no_grad():
                pruned = model(image).numpy().astype(np.float32)
        finally:
            zoo.set_head_keep_ratio(model, None)
        paths["logits_pruned"] = os.path.join(outdir, stem + ".logits-pruned.npy")
        np.save(paths["logits_pruned"], pruned)
        info["head_keep_ratio"] = head_keep_ratio
        info["logits_pruned_argmax"] = int(pruned.argmax())
    info["seconds"] = round(time.time() - t0, 2)
    with open(paths["json"], "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")
    info["paths"] = paths
    return info


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m spikestack.export",
        description="Export a SpikeStack zoo model to ONNX (+ input, logits, json).")
    p.add_argument("model", nargs="?", help="zoo model name (see --list)")
    p.add_argument("outdir", nargs="?", help="output directory")
    p.add_argument("--style", choices=STYLES, default="traced",
                   help="traced: neurons unrolled into ONNX ops; "
                        "snn: one snn::LIF/snn::IF node per neuron")
    p.add_argument("--seed", type=int, default=0, help="weights and input seed")
    p.add_argument("--opset", type=int, default=DEFAULT_OPSET,
                   help=f"ONNX opset ({SUPPORTED_OPSETS.start}-{SUPPORTED_OPSETS.stop - 1})")
    p.add_argument("--stem", help="output file stem (default: MODEL, MODEL-snn for --style snn)")
    p.add_argument("--keep-batchnorm", action="store_true",
                   help="do not let the exporter fold BatchNorm2d into Conv (the "
                        "folded weights round differently, which flips a few spikes "
                        "in large models)")
    p.add_argument("--no-verify", action="store_true",
                   help="do not evaluate the exported model")
    p.add_argument("--head-keep-ratio", type=float, metavar="P",
                   help="also write MODEL.logits-pruned.npy: the logits with "
                        "dynamic head pruning keeping ceil(P x heads) heads "
                        "(compare with snn-compile --head-keep-ratio=P)")
    p.add_argument("--list", action="store_true", help="list the zoo models and exit")
    args = p.parse_args(argv)
    if args.list:
        for n, c in zoo.CONFIGS.items():
            print(f"{n:<28} {c.family:<22} T={c.T} {c.img_size}x{c.img_size} "
                  f"dim {c.embed_dims} depth {c.depths} heads {c.num_heads}")
        return 0
    if not args.model or not args.outdir:
        p.error("MODEL and OUTDIR are required")
    if args.model not in zoo.CONFIGS:
        p.error(f"unknown model {args.model!r}; known: {', '.join(zoo.CONFIGS)}")
    if args.head_keep_ratio is not None and not 0 < args.head_keep_ratio <= 1:
        p.error("--head-keep-ratio must be in (0, 1]")
    if args.opset not in SUPPORTED_OPSETS:
        p.error(f"--opset must be in {SUPPORTED_OPSETS.start}..{SUPPORTED_OPSETS.stop - 1}")
    info = export_model(args.model, args.outdir, args.style, args.seed, args.opset,
                        verify_outputs=not args.no_verify, stem=args.stem,
                        fold_batchnorm=not args.keep_batchnorm,
                        head_keep_ratio=args.head_keep_ratio)
    v = info["verification"]
    print(f"wrote {info['paths']['onnx']}: {info['onnx']['nodes']} nodes, "
          f"{info['parameters']} parameters, {info['neuron_layers']} neuron layers, "
          f"mean firing rate {info['mean_firing_rate']:.3f}, checker {info['onnx']['checker']}")
    if isinstance(v, dict):
        line = (f"verification ({v['evaluator']}): max |logits diff| {v['max_abs_diff']:.3g} "
                f"(max |logit| {v['max_abs_logit']:.3g}), argmax equal {v['argmax_equal']}")
        if "spike_agreement" in v:
            line += f", spike agreement {100 * v['spike_agreement']:.4f} %"
        print(line)
    print(f"done in {info['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
