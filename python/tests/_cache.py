"""Shared, lazily built zoo models for the tests (each tiny model is built
and calibrated once per test process)."""

import functools

from spikestack import zoo

SEED = 0


@functools.lru_cache(maxsize=None)
def tiny_model(name: str):
    """``zoo.build_model(name, SEED)``, calibrated, eval mode (shared: do
    not modify)."""
    return zoo.build_model(name, SEED)
