"""Quantization report: what ``--snn-quantize`` does to a model's spikes and logits.

    python -m spikestack.quant_report MODEL.mlir --input NAME=FILE.npy ... \\
        [--reference logits=PYTORCH.npy] [--weight-bits 8 4] \\
        [--bin-dir DIR] [--json REPORT.json] [--work DIR]

``MODEL.mlir`` is an imported model (``snn-translate --import-onnx``). The
float baseline is ``snn-opt --snn-fold-layout`` (exact layout folding, so
the quantized and float IR have the same tapped layers); each quantized
variant adds ``--snn-quantize=weight-bits=B``. Both run on the reference
interpreter (``snn-run --interpret --dump-tagged``) and are compared:

* per tagged layer (neurons and attention, ``snn.onnx_name``): spike
  agreement (percentage of equal elements) and both firing rates, and
  whether the layer is quantized (its neuron has a ``membrane_type``);
* per graph output: max |quantized - float| and whether the argmax agrees
  with the float run and with ``--reference`` (PyTorch's output).

Prints a table and writes the same numbers as JSON. Exit status 1 if a tool
fails or the taps of the two runs do not line up (2 on usage errors); the
report itself does not judge the numbers, tests do.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from typing import Dict, List

import numpy as np

from spikestack.agreement import agreement, read_taps


def tool(bin_dir: str | None, name: str) -> str:
    if bin_dir:
        return os.path.join(bin_dir, name)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"quant_report: error: {name} not on PATH (--bin-dir)")
    return found


def run(cmd: List[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"quant_report: error: {' '.join(cmd)} failed "
                         f"with status {proc.returncode}")


def quantized_layers(mlir_path: str) -> set:
    """ONNX names of the neurons that run in fixed point."""
    names = set()
    pattern = re.compile(r'snn\.onnx_name = "([^"]*)"')
    with open(mlir_path) as f:
        for line in f:
            if "membrane_type" in line:
                m = pattern.search(line)
                if m:
                    names.add(m.group(1))
    return names


def variant(args, work: str, label: str, source: str,
            passes: List[str]) -> Dict:
    mlir = os.path.join(work, f"{label}.mlir")
    run([tool(args.bin_dir, "snn-opt"), source, *passes, "-o", mlir])
    out, taps = os.path.join(work, f"{label}.out"), os.path.join(work, f"{label}.taps")
    cmd = [tool(args.bin_dir, "snn-run"), "--interpret", mlir,
           "--output-dir", out, "--dump-tagged", taps]
    for binding in args.input:
        cmd += ["--input", binding]
    run(cmd)
    outputs = {f[:-4]: np.load(os.path.join(out, f))
               for f in sorted(os.listdir(out)) if f.endswith(".npy")}
    layers = {name: np.load(os.path.join(taps, file))
              for file, name, _ in read_taps(taps)}
    with open(mlir) as f:
        weight_only = sum("snn.dequantize" in line for line in f)
    return {"mlir": mlir, "outputs": outputs, "layers": layers,
            "quantized": quantized_layers(mlir), "weight_only": weight_only}


def rate(x: np.ndarray) -> float:
    return float(np.count_nonzero(x)) / x.size if x.size else 0.0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m spikestack.quant_report",
                                description=__doc__.split("\n")[0])
    p.add_argument("model")
    p.add_argument("--input", action="append", default=[],
                   metavar="NAME=FILE.npy")
    p.add_argument("--reference", action="append", default=[],
                   metavar="NAME=FILE.npy",
                   help="PyTorch's value of a graph output")
    p.add_argument("--weight-bits", type=int, nargs="+", default=[8, 4])
    p.add_argument("--bin-dir")
    p.add_argument("--json")
    p.add_argument("--work", help="keep intermediate files here")
    args = p.parse_args(argv)
    refs = {}
    for binding in args.reference:
        name, _, path = binding.partition("=")
        if not path:
            p.error(f"--reference wants NAME=FILE.npy, got {binding!r}")
        refs[name] = np.load(path)

    work = args.work or tempfile.mkdtemp(prefix="quant_report.")
    os.makedirs(work, exist_ok=True)
    try:
        base = variant(args, work, "float", args.model, ["--snn-fold-layout"])
        report = {"model": os.path.basename(args.model), "variants": []}
        for bits in args.weight_bits:
            # Quantize the float baseline (already layout folded).
            q = variant(args, work, f"int{bits}", base["mlir"],
                        [f"--snn-quantize=weight-bits={bits}"])
            if set(q["layers"]) != set(base["layers"]):
                print("quant_report: error: the float and quantized runs tap "
                      "different layers", file=sys.stderr)
                return 1
            layers = []
            for name, f in base["layers"].items():
                g = q["layers"][name]
                if f.shape != g.shape:
                    print(f"quant_report: error: layer {name}: shape "
                          f"{g.shape} vs float {f.shape}", file=sys.stderr)
                    return 1
                layers.append({"layer": name,
                               "quantized": name in q["quantized"],
                               "agreement_pct": agreement(g, f),
                               "firing_rate_float": rate(f),
                               "firing_rate_quantized": rate(g)})
            outputs = {}
            for name, f in base["outputs"].items():
                g = q["outputs"][name]
                entry = {"max_abs_diff_vs_float": float(np.abs(g - f).max()),
                         "argmax_equal_float": bool(g.argmax() == f.argmax())}
                if name in refs:
                    entry["argmax_equal_reference"] = bool(
                        g.argmax() == refs[name].argmax())
                    entry["float_max_abs_diff_vs_reference"] = float(
                        np.abs(f - refs[name]).max())
                outputs[name] = entry
            report["variants"].append({
                "weight_bits": bits,
                "quantized_layers": sum(l["quantized"] for l in layers),
                "tagged_layers": len(layers),
                "weight_only_ops": q["weight_only"],
                "min_agreement_pct": min((l["agreement_pct"] for l in layers),
                                         default=100.0),
                "mean_agreement_pct": float(np.mean(
                    [l["agreement_pct"] for l in layers])) if layers else 100.0,
                "layers": layers, "outputs": outputs})
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)

    print(f"quantization report: {report['model']}")
    for v in report["variants"]:
        print(f"int{v['weight_bits']}: {v['quantized_layers']}/"
              f"{v['tagged_layers']} tagged layers quantized, "
              f"{v['weight_only_ops']} synaptic ops weight-only, spike agreement "
              f"min {v['min_agreement_pct']:.2f} % mean "
              f"{v['mean_agreement_pct']:.2f} %")
        for l in v["layers"]:
            print(f"  {'q' if l['quantized'] else 'f'} "
                  f"{l['agreement_pct']:7.3f} %  rate "
                  f"{l['firing_rate_float']:.4f} -> "
                  f"{l['firing_rate_quantized']:.4f}  {l['layer']}")
        for name, o in v["outputs"].items():
            line = (f"  output {name}: max |diff| vs float "
                    f"{o['max_abs_diff_vs_float']:.4g}, argmax "
                    f"{'equal' if o['argmax_equal_float'] else 'DIFFERENT'}")
            if "argmax_equal_reference" in o:
                line += (", argmax vs reference " +
                         ("equal" if o["argmax_equal_reference"] else "DIFFERENT"))
            print(line)
    if args.json:
        from .output import write_text
        write_text(args.json, json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
