"""Print a summary of the .npy outputs of `snn-run`.

    python -m spikestack.summarize OUTDIR

Spike tensors (uint8) are summarised by their firing rate per time step,
counts by their histogram, real values by range and mean.
"""
import argparse
import pathlib
import sys

import numpy as np


def describe(name: str, a: np.ndarray) -> str:
    shape = "x".join(str(d) for d in a.shape)
    if a.dtype == np.uint8:
        per_t = ", ".join(f"{r:.3f}" for r in a.reshape(a.shape[0], -1).mean(1))
        return f"{name:<16} spikes [{shape}]  firing rate {a.mean():.3f} (per t: {per_t})"
    if np.issubdtype(a.dtype, np.integer):
        values, counts = np.unique(a, return_counts=True)
        hist = ", ".join(f"{v}:{c}" for v, c in zip(values[:8], counts[:8]))
        return f"{name:<16} int [{shape}]  values {hist}"
    return (f"{name:<16} f32 [{shape}]  min {a.min():.5g} max {a.max():.5g} "
            f"mean {a.mean():.5g}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("outdir", type=pathlib.Path)
    args = parser.parse_args(argv)
    files = sorted(args.outdir.glob("*.npy"))
    if not files:
        print(f"no .npy files in {args.outdir}", file=sys.stderr)
        return 1
    for f in files:
        print(describe(f.stem, np.load(f)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
