"""Unit tests of the spikestack Python package (run by test/python/zoo.test:
``python -m unittest discover -s python/tests``)."""
