"""Unit tests of the spikestack Python package (run by test/Python/zoo.test):
``python -m unittest discover -s python/tests -t python`` from the source
root, or ``python -m unittest discover -s tests -t .`` from python/. No path
set-up: the package and these tests import from the python/ directory."""
