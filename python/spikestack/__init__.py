"""SpikeStack Python helpers (used by the lit tests through PYTHONPATH).

* :mod:`spikestack.reference` - an independent PyTorch reference of the
  spiking blocks the compiler handles (SpikingJelly-exact LIF/IF neurons,
  a Spikformer block, a spiking mixture-of-experts block), used by
  ``test/e2e/gen_reference.py`` to generate end-to-end test data for
  ``snn-run --interpret``. Needs torch.
* :mod:`spikestack.compare` - compares interpreter outputs with reference
  ``.ref.npy`` files (also runnable as a script). Needs numpy only.

Nothing is imported eagerly, so numpy-only modules stay usable without torch.
"""
