#!/usr/bin/env python3
"""Compare interpreter outputs with reference tensors.

    refcheck.py --ref-dir D --out-dir O [--rtol 1e-5] [--atol 1e-6]

For every ``D/<name>.ref.npy`` (listed in the order of ``D/outputs.txt``
if that exists, else alphabetically) the interpreter output ``O/<name>.npy`` must
exist and have the same shape and dtype (the snn-run contract: spikes uint8,
counts int32, f32 float32, i32 int32). Then

* integer and bool tensors (spikes, counts, routing indices) must be
  identical; the table shows the percentage of equal elements;
* float tensors must satisfy ``|out - ref| <= max(rtol * |ref|, atol)``
  elementwise: relative tolerance ``rtol`` with an absolute floor ``atol``
  (default 1e-6) so that values near zero are not held to a relative bound.
  NaN must match NaN and infinities must match exactly.

Prints one line per tensor and a summary line

    summary: <passed>/<total> tensors match (<exact> exact, <float> float with rtol=..., atol=...)

and exits with status 1 if any tensor is missing or differs (2 on usage
errors). Needs numpy only.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

REF_SUFFIX = ".ref.npy"
ORDER_FILE = "outputs.txt"  # optional: tensor names in display order


def _fmt_shape(shape) -> str:
    return "x".join(str(d) for d in shape) if shape else "scalar"


def compare_one(ref: np.ndarray, out: np.ndarray, rtol: float, atol: float):
    """Returns (ok, kind, agree_percent, detail)."""
    if ref.dtype != out.dtype:
        return False, "-", 0.0, f"dtype {out.dtype}, expected {ref.dtype}"
    if ref.shape != out.shape:
        return (False, "-", 0.0,
                f"shape {_fmt_shape(out.shape)}, expected {_fmt_shape(ref.shape)}")
    n = ref.size
    if np.issubdtype(ref.dtype, np.floating):
        r = ref.astype(np.float64)
        o = out.astype(np.float64)
        both_nan = np.isnan(r) & np.isnan(o)
        with np.errstate(invalid="ignore"):
            diff = np.abs(o - r)
            tol = np.maximum(rtol * np.abs(r), atol)
            good = (diff <= tol) | both_nan | ((r == o) & np.isinf(r))
        agree = 100.0 * good.sum() / n if n else 100.0
        finite = np.isfinite(diff)
        max_abs = float(diff[finite].max()) if finite.any() else 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(np.abs(r) > 0, diff / np.abs(r), np.where(diff > 0, np.inf, 0.0))
        rel_f = rel[finite]
        max_rel = float(rel_f.max()) if rel_f.size else 0.0
        bitexact = 100.0 * np.sum((o == r) | both_nan) / n if n else 100.0
        detail = (f"max|diff| {max_abs:.3g}  max rel {max_rel:.3g}  "
                  f"bit-exact {bitexact:.3f}%")
        ok = bool(good.all())
        if not ok:
            bad = np.argwhere(~good)
            idx = tuple(int(i) for i in bad[0])
            detail += (f"  first bad {list(idx)}: out {out[idx]!r} "
                       f"ref {ref[idx]!r} ({len(bad)} bad)")
        return ok, "float", agree, detail
    equal = (out == ref)
    agree = 100.0 * equal.sum() / n if n else 100.0
    ok = bool(equal.all())
    detail = ""
    if ref.dtype in (np.uint8, np.bool_):
        detail = f"nnz ref {int(np.count_nonzero(ref))} out {int(np.count_nonzero(out))}"
    elif n:
        detail = (f"range ref [{ref.min()}, {ref.max()}] "
                  f"out [{out.min()}, {out.max()}]")
    if not ok:
        bad = np.argwhere(~equal)
        idx = tuple(int(i) for i in bad[0])
        detail += (f"  first bad {list(idx)}: out {out[idx]!r} ref {ref[idx]!r} "
                   f"({len(bad)} bad)")
        if n:
            detail += f"  max|diff| {int(np.abs(out.astype(np.int64) - ref.astype(np.int64)).max())}"
    return ok, "exact", agree, detail.strip()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ref-dir", required=True, help="directory with <name>.ref.npy")
    p.add_argument("--out-dir", required=True, help="directory with <name>.npy")
    p.add_argument("--rtol", type=float, default=1e-5,
                   help="relative tolerance for float tensors (default 1e-5)")
    p.add_argument("--atol", type=float, default=1e-6,
                   help="absolute floor of the float tolerance (default 1e-6)")
    args = p.parse_args(argv)

    if not os.path.isdir(args.ref_dir):
        print(f"compare: error: reference directory '{args.ref_dir}' does not exist",
              file=sys.stderr)
        return 2
    names = sorted(f[:-len(REF_SUFFIX)] for f in os.listdir(args.ref_dir)
                   if f.endswith(REF_SUFFIX))
    order_file = os.path.join(args.ref_dir, ORDER_FILE)
    if os.path.exists(order_file):
        with open(order_file) as f:
            order = [l.strip() for l in f if l.strip()]
        names = [n for n in order if n in names] + [n for n in names if n not in order]
    if not names:
        print(f"compare: error: no *{REF_SUFFIX} files in '{args.ref_dir}'",
              file=sys.stderr)
        return 2

    rows = []
    n_exact = n_float = n_pass = 0
    for name in names:
        ref = np.load(os.path.join(args.ref_dir, name + REF_SUFFIX))
        out_path = os.path.join(args.out_dir, name + ".npy")
        if not os.path.exists(out_path):
            rows.append((name, "-", str(ref.dtype), _fmt_shape(ref.shape), "-",
                         "FAIL", f"missing output {out_path}"))
            continue
        try:
            out = np.load(out_path, allow_pickle=False)
        except Exception as e:  # noqa: BLE001 - report any unreadable file
            rows.append((name, "-", str(ref.dtype), _fmt_shape(ref.shape), "-",
                         "FAIL", f"cannot load {out_path}: {e}"))
            continue
        ok, kind, agree, detail = compare_one(ref, out, args.rtol, args.atol)
        n_exact += kind == "exact"
        n_float += kind == "float"
        n_pass += ok
        rows.append((name, kind, str(ref.dtype), _fmt_shape(ref.shape),
                     f"{agree:.3f}%", "ok" if ok else "FAIL", detail))

    header = ("tensor", "compare", "dtype", "shape", "agree", "status", "detail")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(6)]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r[:6], widths)) + "  " + r[6]
    print(line(header).rstrip())
    for r in rows:
        print(line(r).rstrip())
    extra = []
    if os.path.isdir(args.out_dir):
        extra = sorted(f for f in os.listdir(args.out_dir)
                       if f.endswith(".npy") and f[:-4] not in names)
    if extra:
        print(f"note: outputs without a reference (not compared): {', '.join(extra)}")
    print(f"summary: {n_pass}/{len(names)} tensors match ({n_exact} exact, "
          f"{n_float} float with rtol={args.rtol:g}, atol={args.atol:g})")
    return 0 if n_pass == len(names) else 1


if __name__ == "__main__":
    sys.exit(main())
