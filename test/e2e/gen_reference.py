#!/usr/bin/env python3
"""Generate inputs and reference outputs for the end-to-end interpreter tests.

    gen_reference.py BLOCK OUTDIR [--seed N] [--check-mlir FILE] [--sanity]

BLOCK is ``spikformer`` (examples/spikformer_block.mlir) or ``moe``
(examples/moe_block.mlir). Writes into OUTDIR

* ``<name>.npy`` for every function argument (input and weights), named by
  the argument's ``snn.name``, in the snn-run input dtypes (spike -> uint8,
  count -> int32, f32 -> float32);
* ``<name>.ref.npy`` for every function result (final outputs and the
  intermediate spike tensors the .mlir also returns), in the snn-run output
  dtypes (spike -> uint8, count -> int32, f32 -> float32, i32 -> int32);
* ``outputs.txt``: the result names in function order (refcheck.py lists
  the tensors in this order);
* ``stats.json``: seed, firing rates, routing statistics.

``--check-mlir FILE`` checks that FILE's function takes exactly these
arguments and returns exactly these results (names, order, shapes and
element types), so that the data and the hand-written .mlir cannot drift
apart. ``--print-run-args`` prints the ``--input`` arguments for snn-run.
``--sanity`` runs the self-checks of the reference (determinism, exactness
of every Linear and of the attention against float64, float64
re-computation of the spikes, the emulated fmaf, PyTorch's own BatchNorm
kernel against the spec formula) and fails if any of them fails.

Everything is seeded; two runs produce identical files.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import sys
from fractions import Fraction

import numpy as np


import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from spikestack import reference as R  # noqa: E402

DEFAULT_SEEDS = {"spikformer": 20240611, "moe": 20240612}

#===----------------------------------------------------------------------===#
# Signature check against the .mlir
#===----------------------------------------------------------------------===#


def _split_top(s: str, sep: str = ","):
    """Splits at `sep` outside <>, (), {}, [] and string literals."""
    parts, depth, cur, quote = [], 0, [], False
    for ch in s:
        if ch == '"':
            quote = not quote
        if not quote:
            if ch in "<({[":
                depth += 1
            elif ch in ">)}]":
                depth -= 1
            elif ch == sep and depth == 0:
                parts.append("".join(cur).strip())
                cur = []
                continue
        cur.append(ch)
    if "".join(cur).strip():
        parts.append("".join(cur).strip())
    return parts


def _balanced(text: str, start: int) -> int:
    """Index just past the parenthesis group opening at text[start]."""
    assert text[start] == "("
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    raise ValueError("unbalanced parentheses in function signature")


_TENSOR = re.compile(r"tensor<((?:\d+x)*)(.+)>$")


def _parse_type(t: str, aliases=None):
    t = t.strip()
    while aliases and t.startswith("!") and t[1:] in aliases:
        t = aliases[t[1:]]
    m = _TENSOR.match(t)
    if not m:
        raise ValueError(f"unsupported type {t!r}")
    dims = tuple(int(d) for d in m.group(1).split("x") if d)
    return dims, m.group(2)


def _parse_entry(entry: str, has_value: bool, aliases):
    name = None
    m = re.search(r'\{[^{}]*snn\.name\s*=\s*"([^"]*)"[^{}]*\}\s*$', entry)
    if m:
        name = m.group(1)
        entry = entry[:m.start()].strip()
    if has_value:
        entry = entry.split(":", 1)[1].strip()
    return name, _parse_type(entry, aliases)


def read_signature(mlir_path: str):
    """(args, results) of @main (else the first func): lists of
    (snn.name, shape, element type)."""
    text = open(mlir_path).read()
    text = "\n".join(l.split("//")[0] if not l.lstrip().startswith("//") else ""
                     for l in text.splitlines())
    aliases = dict(re.findall(r"^\s*!([\w$]+)\s*=\s*(.+?)\s*$", text, re.M))
    m = re.search(r"func\.func\s+@main\s*\(", text) or \
        re.search(r"func\.func\s+@[\w$.]+\s*\(", text)
    if not m:
        raise ValueError(f"{mlir_path}: no func.func found")
    a0 = m.end() - 1
    a1 = _balanced(text, a0)
    args = [_parse_entry(e, True, aliases) for e in _split_top(text[a0 + 1:a1 - 1])]
    rest = text[a1:].lstrip()
    results = []
    if rest.startswith("->"):
        rest = rest[2:].lstrip()
        if rest.startswith("("):
            r1 = _balanced(rest, 0)
            results = [_parse_entry(e, False, aliases) for e in _split_top(rest[1:r1 - 1])]
        else:
            first = rest.split(None, 1)[0] if rest.startswith("!") else \
                rest[:rest.index(">") + 1]
            name = re.match(r'\s*\{[^{}]*snn\.name\s*=\s*"([^"]*)"',
                            rest[len(first):])
            results = [(name.group(1) if name else None,
                        _parse_type(first, aliases))]
    return args, results


def _elem_ok(elem: str, arr: np.ndarray, is_input: bool) -> bool:
    if elem == "f32":
        return arr.dtype == np.float32
    if elem == "i32":
        return arr.dtype == np.int32
    if elem == "!snn.spike":
        return arr.dtype == np.uint8 and bool(np.isin(arr, (0, 1)).all())
    m = re.fullmatch(r"!snn\.count<(\d+)>", elem)
    if m:
        return arr.dtype == np.int32 and arr.min() >= 0 and arr.max() <= int(m.group(1))
    return False


def check_mlir(case, mlir_path: str) -> list:
    errors = []
    args, results = read_signature(mlir_path)
    for what, sig, data, is_input in (("argument", args, case.inputs, True),
                                      ("result", results, case.outputs, False)):
        names = [n for n, _ in sig]
        if names != list(data.keys()):
            errors.append(f"{what} names differ:\n  mlir: {names}\n  data: {list(data.keys())}")
            continue
        for name, (shape, elem) in sig:
            arr = data[name]
            if tuple(arr.shape) != shape:
                errors.append(f"{what} '{name}': mlir shape {shape}, data {arr.shape}")
            if not _elem_ok(elem, arr, is_input):
                errors.append(f"{what} '{name}': element type {elem} does not fit "
                              f"data dtype {arr.dtype} (range {arr.min()}..{arr.max()})")
    return errors

#===----------------------------------------------------------------------===#
# Sanity checks of the reference
#===----------------------------------------------------------------------===#


def _exact_fma(a, b, c) -> np.float32:
    v = Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c))
    # Round the rational to the nearest f32 (ties to even) by bracketing.
    f = np.float32(float(v))           # f64 rounding then f32: maybe off by one
    cands = [np.nextafter(f, np.float32(-np.inf)), f, np.nextafter(f, np.float32(np.inf))]
    best = min(cands, key=lambda x: (abs(Fraction(float(x)) - v),
                                     int(np.array(x).view(np.uint32)) & 1))
    return best


def check_fmaf(rng) -> list:
    errs = []
    f32 = np.float32
    # Constructed double-rounding trap: (1+2^-15)(1-2^-15)*2^-24 + (1+2^-23):
    # the f64 sum rounds to an f32 midpoint, the exact value lies below it.
    a = f32(1 + 2.0 ** -15)
    b = f32((1 - 2.0 ** -15) * 2.0 ** -24)
    c = f32(1 + 2.0 ** -23)
    naive = f32(np.float64(a) * np.float64(b) + np.float64(c))
    got = R.fmaf(a, b, c)
    want = _exact_fma(a, b, c)
    if got != want or naive == want:
        errs.append(f"fmaf trap case: got {got!r}, exact {want!r}, naive {naive!r}")
    x = (rng.randn(3000) * 4).astype(f32)
    y = (rng.randn(3000) * 4).astype(f32)
    z = (rng.randn(3000) * 8).astype(f32)
    got = R.fmaf(x, y, z)
    bad = sum(got[i] != _exact_fma(x[i], y[i], z[i]) for i in range(len(x)))
    if bad:
        errs.append(f"fmaf differs from exact rational fma on {bad}/3000 samples")
    return errs


def sanity(block: str, seed: int) -> list:
    """Returns a list of failure messages (empty = all good); prints facts."""
    errs = []
    rng = np.random.RandomState(1)
    errs += check_fmaf(rng)
    print("sanity: emulated fmaf == exact rational fma (3000 random + trap case):",
          "ok" if not errs else "FAILED")

    make = R.CASES[block]
    c1 = make(seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(2 if threads == 1 else 1)
    try:
        c2 = make(seed)
    finally:
        torch.set_num_threads(threads)
    same = all(np.array_equal(c1.inputs[k], c2.inputs[k]) for k in c1.inputs) and \
        all(np.array_equal(c1.outputs[k], c2.outputs[k]) for k in c1.outputs)
    print(f"sanity: two runs (torch threads {threads} and "
          f"{2 if threads == 1 else 1}) bit-identical:", "ok" if same else "FAILED")
    if not same:
        errs.append("reference is not deterministic")

    model, rec = c1.model, c1.rec
    dd = lambda t: t.detach().double()

    # 1. Every Linear (and the attention matmuls) is exact: its f32 result
    #    equals the float64 result on the same inputs.
    lin_checks = []
    if block == "spikformer":
        x = torch.from_numpy(c1.inputs["x"].astype(np.float32))
        a, m = model.attn, model.mlp
        src = {"q": x, "k": x, "v": x, "proj": rec["attn"], "fc1": rec["x1"],
               "fc2": rec["fc1"]}
        lins = {"q": a.q_linear, "k": a.k_linear, "v": a.v_linear,
                "proj": a.proj_linear, "fc1": m.fc1_linear, "fc2": m.fc2_linear}
        for key, lin in lins.items():
            want = F.linear(dd(src[key]), dd(lin.weight), dd(lin.bias))
            lin_checks.append((f"{key}_linear", rec[f"{key}_linear"], want))
        T, B, N, C = rec["q"].shape
        h = a.num_heads
        sp = lambda s: dd(s).reshape(T, B, N, h, C // h).permute(0, 1, 3, 2, 4)
        att = ((sp(rec["q"]) @ sp(rec["k"]).transpose(-2, -1)) * 0.125) @ sp(rec["v"])
        lin_checks.append(("attention (QK^T*0.125)V", rec["attn_pre"],
                           att.transpose(2, 3).reshape(T, B, N, C)))
    else:
        lin_checks.append(("router logits", rec["logits"],
                           F.linear(dd(rec["rate"]), dd(model.gate.weight))))
        for e, ex in enumerate(model.experts):
            lin_checks.append((f"expert{e}.fc1_linear", rec[f"expert{e}.fc1_linear"],
                               F.linear(dd(rec["dispatched"][e]), dd(ex.fc1_linear.weight),
                                        dd(ex.fc1_linear.bias))))
            lin_checks.append((f"expert{e}.fc2_linear", rec[f"expert{e}.fc2_linear"],
                               F.linear(dd(rec[f"expert{e}.fc1"]), dd(ex.fc2_linear.weight),
                                        dd(ex.fc2_linear.bias))))
    for name, got, want in lin_checks:
        ok = torch.equal(dd(got), want)
        print(f"sanity: {name:28s} f32 == float64 exactly: {'ok' if ok else 'FAILED'}"
              f"  (max |value| {float(want.abs().max()):g})")
        if not ok:
            errs.append(f"{name} is not exact in f32")

    # 2. Float64 re-computation of the whole block: the spikes (and counts,
    #    and the routing) must be identical; float outputs close.
    m64 = copy.deepcopy(model).double()
    rec64 = {}
    x64 = torch.from_numpy(c1.inputs["x"].astype(np.float64))
    with torch.no_grad():
        m64(x64, rec64)
    if block == "spikformer":
        exact_keys = ["q", "k", "v", "attn", "proj", "fc1", "fc2", "x1", "y", "readout"]
        close_keys = ["q_bn"]
    else:
        exact_keys = ["s", "expert_index", "slot", "dispatched"] + \
            [f"expert{e}.fc1" for e in range(len(model.experts))]
        close_keys = ["gate", "expert_out", "moe_out", "y"]
    for k in exact_keys:
        ok = torch.equal(dd(rec[k]), dd(rec64[k]))
        diff = int((dd(rec[k]) != dd(rec64[k])).sum())
        print(f"sanity: float64 re-run, {k:16s} identical: {'ok' if ok else 'FAILED'}"
              + ("" if ok else f" ({diff} elements differ)"))
        if not ok:
            errs.append(f"float64 re-computation changes {k}")
    for k in close_keys:
        d = (dd(rec[k]) - rec64[k]).abs()
        rel = float((d / rec64[k].abs().clamp(min=1e-6)).max())
        print(f"sanity: float64 re-run, {k:16s} max|diff| {float(d.max()):.3g}, "
              f"max rel {rel:.3g}")

    # 3. PyTorch's own BatchNorm kernel versus the spec formula the reference
    #    uses (informational: the FMA contraction is build-dependent).
    bns = [mod for mod in model.modules() if isinstance(mod, R.SpecBatchNorm1d)]
    eq = tot = 0
    for bn in bns:
        z = torch.from_numpy((rng.randn(64, bn.num_features, 16) * 3).astype(np.float32))
        with torch.no_grad():
            spec = bn(z)
            R.SpecBatchNorm1d.exact_spec = False
            try:
                native = bn(z)
            finally:
                R.SpecBatchNorm1d.exact_spec = True
        eq += int((spec == native).sum())
        tot += spec.numel()
    print(f"sanity: torch's native BatchNorm1d kernel == snn.batch_norm formula on "
          f"{100.0 * eq / tot:.3f}% of {tot} elements (informational)")
    return errs

#===----------------------------------------------------------------------===#
# Main
#===----------------------------------------------------------------------===#


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("block", choices=sorted(R.CASES))
    p.add_argument("outdir")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--check-mlir", metavar="FILE")
    p.add_argument("--print-run-args", action="store_true",
                   help="print the snn-run --input arguments")
    p.add_argument("--sanity", action="store_true")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    seed = DEFAULT_SEEDS[args.block] if args.seed is None else args.seed

    case = R.CASES[args.block](seed)
    os.makedirs(args.outdir, exist_ok=True)
    for name, arr in case.inputs.items():
        np.save(os.path.join(args.outdir, name + ".npy"), arr)
    for name, arr in case.outputs.items():
        np.save(os.path.join(args.outdir, name + ".ref.npy"), arr)
    # Result order of the .mlir function: refcheck.py prints its table in it.
    with open(os.path.join(args.outdir, "outputs.txt"), "w") as f:
        f.write("".join(n + "\n" for n in case.outputs))
    stats = dict(block=args.block, seed=seed, **case.stats)
    with open(os.path.join(args.outdir, "stats.json"), "w") as f:
        json.dump(stats, f, indent=2)
    if not args.quiet:
        print(f"{args.block}: wrote {len(case.inputs)} inputs and "
              f"{len(case.outputs)} references to {args.outdir}")
        for k, v in case.stats.get("rates", {}).items():
            print(f"  firing rate {k:28s} {100 * v:6.2f}%")
        if "routing" in case.stats:
            r = case.stats["routing"]
            print(f"  routing: capacity {case.stats['capacity']}, "
                  f"{r['dropped']} dropped assignments "
                  f"(first choice {r['dropped_per_choice'][0]}, second "
                  f"{r['dropped_per_choice'][1]}; per batch {r['dropped_per_batch']}), "
                  f"assignments per expert {r['assignments_per_expert']}, "
                  f"min relative probability gap {r['min_rel_prob_gap']:.3g}")
    if args.print_run_args:
        print(" ".join(f"--input {n}={os.path.join(args.outdir, n + '.npy')}"
                       for n in case.inputs))

    status = 0
    if args.check_mlir:
        errors = check_mlir(case, args.check_mlir)
        for e in errors:
            print(f"error: {args.check_mlir}: {e}", file=sys.stderr)
        if errors:
            status = 1
        elif not args.quiet:
            print(f"signature of {os.path.basename(args.check_mlir)} matches the data")
    if args.sanity:
        errs = sanity(args.block, seed)
        for e in errs:
            print(f"error: sanity: {e}", file=sys.stderr)
        print("sanity: " + ("all checks passed" if not errs else f"{len(errs)} FAILED"))
        if errs:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
