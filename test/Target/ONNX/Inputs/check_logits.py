"""Compare imported-model logits with PyTorch's: argmax and max |diff|.

    check_logits.py OURS.npy REF.npy [--argmax-only]

--argmax-only still prints the difference but fails only on the argmax
(zoo-large.test: Spikformer-8-512 against float32-summing PyTorch)."""
import sys

import numpy as np

ours, ref = np.load(sys.argv[1]), np.load(sys.argv[2])
argmax_only = "--argmax-only" in sys.argv[3:]
diff = float(np.abs(ours - ref).max())
print(f"argmax {'equal' if ours.argmax() == ref.argmax() else 'DIFFERENT'}: "
      f"{ours.argmax()} vs {ref.argmax()}")
print(f"max abs logit difference {'within' if diff <= 1e-3 else 'ABOVE'} 1e-3: "
      f"{diff:.3g}")
sys.exit(0 if ours.argmax() == ref.argmax() and (argmax_only or diff <= 1e-3)
         else 1)
