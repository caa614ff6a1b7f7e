"""Shared, lazily built zoo models for the tests (each tiny model is built
and calibrated once per test process)."""

import functools
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from spikestack import zoo  # noqa: E402

SEED = 0


@functools.lru_cache(maxsize=None)
def tiny_model(name: str):
    """``zoo.build_model(name, SEED)``, calibrated, eval mode (shared: do
    not modify)."""
    return zoo.build_model(name, SEED)
