#!/usr/bin/env python3
"""Seed corpus for the ONNX importer fuzzer (scripts/fuzz.sh).

    fuzz_seeds.py OUTDIR

Writes micro versions of every tiny zoo family (16x16 input, 16 channels,
2 heads, T = 2: a few kB of weights, so that mutations hit structure rather
than weight bytes) in both export styles, plus the hand-made models of the
importer's error tests. scripts/fuzz.sh adds the shipped fixtures.
"""
import dataclasses
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from spikestack import export, zoo  # noqa: E402


def main() -> int:
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name in zoo.TINY_CONFIGS:
        micro = dataclasses.replace(zoo.config(name), name=name.replace("_tiny", "_micro"),
                                    img_size=16, embed_dims=16, num_heads=2, T=2,
                                    mlp_ratio=2, expected_params=None)
        zoo.CONFIGS[micro.name] = micro
        for style in export.STYLES:
            export.export_model(micro.name, out, style, verify_outputs=False)
    for f in os.listdir(out):
        if not f.endswith(".onnx"):
            os.remove(os.path.join(out, f))
    subprocess.run([sys.executable, os.path.join(ROOT, "test/Target/ONNX/Inputs/make_models.py"), out],
                   check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
