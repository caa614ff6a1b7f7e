"""Checks on spikestack.quant_report JSON files that need arithmetic.

For every report: int8 keeps the argmax of float and of PyTorch; every
quantized variant perturbs the logits (a report that compared float with
itself would show 0); unquantized layers in front of the first quantized
one agree 100 %; a layer's firing rate stays within 0.1 of float; int4 is
not closer to float than int8 (coarser weights).
"""
import json
import sys

ok = True
for path in sys.argv[1:]:
    report = json.load(open(path))
    by_bits = {v["weight_bits"]: v for v in report["variants"]}
    for bits, v in by_bits.items():
        out = v["outputs"]["logits"]
        if bits == 8 and not (out["argmax_equal_float"] and
                              out["argmax_equal_reference"]):
            print(f"{path}: int8 changes the argmax"); ok = False
        if not out["max_abs_diff_vs_float"] > 0:
            print(f"{path}: int{bits} logits identical to float"); ok = False
        for layer in v["layers"]:
            if layer["quantized"]:
                break
            if layer["agreement_pct"] != 100.0:
                print(f"{path}: {layer['layer']} differs before any "
                      "quantized layer"); ok = False
        for layer in v["layers"]:
            if abs(layer["firing_rate_float"] -
                   layer["firing_rate_quantized"]) > 0.1:
                print(f"{path}: int{bits} {layer['layer']} firing rate "
                      f"{layer['firing_rate_float']} -> "
                      f"{layer['firing_rate_quantized']}"); ok = False
    if 8 in by_bits and 4 in by_bits:
        d8 = by_bits[8]["outputs"]["logits"]["max_abs_diff_vs_float"]
        d4 = by_bits[4]["outputs"]["logits"]["max_abs_diff_vs_float"]
        if d4 < d8:
            print(f"{path}: int4 closer to float ({d4}) than int8 ({d8})")
            ok = False
print("ok" if ok else "FAILED")
sys.exit(0 if ok else 1)
