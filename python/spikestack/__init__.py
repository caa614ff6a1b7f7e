"""SpikeStack Python helpers (used by the lit tests through PYTHONPATH).

* :mod:`spikestack.reference` - an independent PyTorch reference of the
  spiking blocks the compiler handles (SpikingJelly-exact LIF/IF neurons,
  a Spikformer block, a spiking mixture-of-experts block), used by
  ``test/e2e/gen_reference.py`` to generate end-to-end test data for
  ``snn-run --interpret``. Needs torch.
* :mod:`spikestack.compare` - compares interpreter outputs with reference
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

Nothing is imported eagerly, so numpy-only modules stay usable without torch.
"""
