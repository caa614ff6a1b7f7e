"""Design-space exploration (docs/dse.md): sweeps of models over targets
on Dask distributed, results in SQLite, Pareto fronts and a
recommendation per model.

    python -m spikestack.dse SWEEP.yaml [--scheduler ADDRESS] [--workers N]
                             [--db results.sqlite] [--mode fast]
    python -m spikestack.dse report results.sqlite [-o report.md]

Modules: :mod:`.sweep` (the YAML description, points, keys),
:mod:`.targets` (targets generated from a base target), :mod:`.evaluate`
(one point on a worker), :mod:`.store` (SQLite), :mod:`.runner` (Dask),
:mod:`.pareto`, :mod:`.report`.
"""
