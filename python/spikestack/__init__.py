"""SpikeStack from Python (docs/python.md).

    import spikestack
    prog = spikestack.compile("model.onnx", target="3d-mol")
    outputs, report = prog.run({"image": x})
    print(report.summary())

* :func:`spikestack.compile`, :func:`spikestack.compare` - compile a torch
  module, an ONNX file or model for a target; compare a program with the
  model (:mod:`spikestack.compiler`).
* :class:`spikestack.Program`, :class:`spikestack.Report` - load and run
  compiled programs, NumPy in and out (:mod:`spikestack.runtime`, over the
  C++ executor ``spikestack._runtime``).

The modules beside them, used by the tests and scripts:

* :mod:`spikestack.reference` - an independent PyTorch reference of the
  spiking blocks the compiler handles (SpikingJelly-exact LIF/IF neurons,
  a Spikformer block, a spiking mixture-of-experts block), used by
  ``test/e2e/gen_reference.py`` to generate end-to-end test data for
  ``snn-run --interpret``. Needs torch.
* :mod:`spikestack.refcheck` - compares interpreter outputs with reference
  ``.ref.npy`` files (also runnable as a script). Needs numpy only.
* :mod:`spikestack.neurons` - SpikingJelly-exact ``MultiStepLIFNode`` /
  ``MultiStepIFNode`` that export to ONNX either traced (unrolled over T) or
  as one ``snn::LIF`` / ``snn::IF`` custom-domain node. Needs torch.
* :mod:`spikestack.zoo` - Spikformer, Spike-driven Transformer and spiking
  MoE models (random weights, calibrated BatchNorm). Needs torch.
* :mod:`spikestack.export` - ``python -m spikestack.export MODEL OUTDIR``:
  ONNX + input + logits + json for a zoo model (``docs/onnx.md``). Needs
  torch and onnx.
* :mod:`spikestack.onnx_eval` - a small evaluator for those ONNX files
  (onnx 1.12 has no reference evaluator). Needs torch and onnx.
* :mod:`spikestack.dse` - ``python -m spikestack.dse SWEEP.yaml``:
  design-space sweeps on Dask, results in SQLite, fronts and a
  recommendation (``docs/dse.md``).
* :mod:`spikestack.exported` - zoo exports cached on disk, made in a
  subprocess (numpy only); :mod:`spikestack.output` - the one output
  writer of the Python tools.

Nothing is imported eagerly, so numpy-only modules stay usable without torch.
"""

_LAZY = {"compile": "compiler", "compare": "compiler",
         "CompileError": "compiler", "Program": "runtime", "Report": "runtime"}


def __getattr__(name):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__),
                       name)
    raise AttributeError(f"module 'spikestack' has no attribute {name!r}")


__all__ = sorted(_LAZY)
