#!/usr/bin/env python3
"""Writes the input files of bad-inputs.test into OUTDIR (for Inputs/tiny.mlir:
x : spikes [4, 3], w : f32 [2, 3])."""
import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
save = lambda name, a: np.save(os.path.join(out, name), a)
save("x.npy", np.ones((4, 3), np.uint8))                         # good
save("w.npy", np.array([[0.5, 0.25, 0.25], [1, 1, 1]], np.float32))  # good
save("x_bool.npy", np.ones((4, 3), np.bool_))                    # good (bool spikes)
save("x_f32.npy", np.ones((4, 3), np.float32))                   # good (0/1 floats)
save("x_shape.npy", np.ones((4, 2), np.uint8))                   # wrong shape
save("x_rank.npy", np.ones((12,), np.uint8))                     # wrong rank
save("x_two.npy", np.array([[1, 0, 2]] * 4, np.uint8))           # spike value 2
save("x_half.npy", np.full((4, 3), 0.5, np.float32))             # spike value 0.5
with open(os.path.join(out, "not_npy.npy"), "w") as f:           # text, not .npy
    f.write("x = [[1, 1, 1]] * 4\n")
