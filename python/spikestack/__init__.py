"""SpikeStack Python helpers.

* :mod:`spikestack.reference` - an independent PyTorch reference of the
  spiking blocks the compiler handles (SpikingJelly-exact LIF/IF neurons,
  a Spikformer block, a spiking mixture-of-experts block), used to generate
  end-to-end test data for ``snn-run --interpret``.
* :mod:`spikestack.compare` - compares interpreter outputs with reference
  ``.ref.npy`` files (also runnable as a script).

Only ``compare`` is imported lazily-free (it needs numpy only); importing
``reference`` needs torch.
"""

__all__ = ["reference", "compare"]
