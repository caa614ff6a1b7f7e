"""Print .npy files in a stable, FileCheck-friendly form.

    python -m spikestack.npyprint FILE.npy ...

prints `<stem> <dtype> [d0,d1,...] = v0 v1 ...` (values in C order; floats
with repr precision) per file.
"""
import pathlib
import sys

import numpy as np


def main(argv=None) -> int:
    for name in (argv if argv is not None else sys.argv[1:]):
        a = np.load(name)
        shape = ",".join(str(d) for d in a.shape)
        if np.issubdtype(a.dtype, np.floating):
            values = " ".join(repr(float(v)) for v in a.ravel())
        else:
            values = " ".join(str(int(v)) for v in a.ravel())
        print(f"{pathlib.Path(name).stem} {a.dtype} [{shape}] = {values}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
