"""Per-layer spike agreement between the reference interpreter and the ONNX graph.

    python -m spikestack.agreement MODEL.onnx --input NAME=FILE.npy ... \\
        --taps DIR [--expect NAME=FILE.npy] [--min-agreement 99.9]

``DIR`` is what ``snn-run --interpret M.mlir --dump-tagged DIR`` wrote: one
``tap<k>.npy`` per op of the imported function that carries
``snn.onnx_name`` (the importer tags every raised neuron and spiking
attention op with the ONNX tensor it computes), listed in ``tagged.tsv``.
The ONNX model is evaluated independently with :mod:`spikestack.onnx_eval`
(PyTorch kernels, node by node), and each tap is compared with the ONNX
tensor of the same name: the percentage of equal elements (spikes are
exact; real-valued taps count as equal within 1e-6) and both firing rates.
With ``--expect logits=REF.npy`` the evaluation must first reproduce the
given graph output (PyTorch's, from the fixture) to 1e-5.

Prints one line per layer and a summary line

    summary: N tagged layers, min agreement A % (required >= M %)

and exits with status 1 when a tap is missing from the graph, has another
shape, or agrees on less than ``--min-agreement`` percent (2 on usage
errors).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Dict, List, Tuple

import numpy as np


def read_taps(directory: str) -> List[Tuple[str, str, str]]:
    """``(file, onnx tensor, op)`` rows of ``directory/tagged.tsv``."""
    rows = []
    with open(os.path.join(directory, "tagged.tsv")) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 3:
                raise ValueError(f"malformed tagged.tsv line {line!r}")
            rows.append((parts[0], parts[1], parts[2]))
    return rows


def agreement(ours: np.ndarray, ref: np.ndarray) -> float:
    """Percentage of elements of ``ours`` equal to ``ref`` (same shape)."""
    if ours.size == 0:
        return 100.0
    a, b = ours.astype(np.float64), ref.astype(np.float64)
    if np.issubdtype(ours.dtype, np.integer) or ours.dtype == np.bool_:
        equal = a == b
    else:
        equal = np.isclose(a, b, rtol=0.0, atol=1e-6)
    return 100.0 * float(np.count_nonzero(equal)) / ours.size


def compare(model: str, feeds: Dict[str, np.ndarray], taps_dir: str,
            min_agreement: float, out=sys.stdout,
            expected: Dict[str, np.ndarray] = None) -> bool:
    """Compares the taps in ``taps_dir`` with the ONNX tensors; first checks
    the evaluation against ``expected`` graph outputs (e.g. PyTorch's
    logits) to |diff| <= 1e-5, so the reference itself is vouched for."""
    from . import onnx_eval  # torch is imported only when needed

    env = onnx_eval.run(model, feeds, keep=True)
    ok = True
    for name, want in (expected or {}).items():
        got = np.asarray(env.get(name)) if name in env else None
        if got is None or got.shape != want.shape:
            print(f"reference check: graph output {name!r} is missing or has "
                  f"another shape", file=out)
            ok = False
            continue
        diff = float(np.max(np.abs(got.astype(np.float64) - want))) if got.size else 0.0
        good = diff <= 1e-5
        ok &= good
        print(f"reference check: ONNX evaluation of {name!r} vs expected: max abs "
              f"difference {diff:.3g} ({'ok' if good else 'exceeds 1e-5'})", file=out)
    worst = 100.0
    rows = read_taps(taps_dir)
    print(f"{'ONNX tensor':48} {'op':24} {'elements':>9} {'agree %':>9} "
          f"{'rate ref':>8} {'rate ours':>9}", file=out)
    for file, name, op in rows:
        ours = np.load(os.path.join(taps_dir, file))
        if name not in env:
            print(f"{name:48} {op:24} missing from the ONNX graph", file=out)
            ok = False
            continue
        ref = np.asarray(env[name])
        if ours.shape != ref.shape:
            print(f"{name:48} {op:24} shape {list(ours.shape)} but the ONNX "
                  f"tensor is {list(ref.shape)}", file=out)
            ok = False
            continue
        pct = agreement(ours, ref)
        worst = min(worst, pct)
        print(f"{name:48} {op:24} {ours.size:9d} {pct:9.3f} "
              f"{float(ref.mean()):8.4f} {float(ours.astype(np.float64).mean()):9.4f}",
              file=out)
    if worst < min_agreement:
        ok = False
    print(f"summary: {len(rows)} tagged layers, min agreement {worst:.3f} % "
          f"(required >= {min_agreement} %)", file=out)
    return ok


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m spikestack.agreement",
        description="Per-layer spike agreement of snn-run --dump-tagged taps "
                    "with an independent evaluation of the ONNX model.")
    p.add_argument("model", help="the ONNX model that was imported")
    p.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy",
                   help="graph input (repeatable)")
    p.add_argument("--taps", required=True, metavar="DIR",
                   help="directory written by snn-run --dump-tagged")
    p.add_argument("--expect", action="append", default=[], metavar="NAME=FILE.npy",
                   help="graph output the ONNX evaluation must reproduce "
                        "(to 1e-5) before it serves as the reference")
    p.add_argument("--min-agreement", type=float, default=99.9, metavar="PCT",
                   help="fail below this per-layer agreement (default 99.9)")
    args = p.parse_args(argv)

    def arrays(specs, flag):
        out = {}
        for spec in specs:
            name, eq, path = spec.partition("=")
            if not eq or not name or not path:
                p.error(f"{flag} expects NAME=FILE.npy, got {spec!r}")
            out[name] = np.load(path)
        return out

    feeds = arrays(args.input, "--input")
    expected = arrays(args.expect, "--expect")
    try:
        ok = compare(args.model, feeds, args.taps, args.min_agreement,
                     expected=expected)
        return 0 if ok else 1
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
