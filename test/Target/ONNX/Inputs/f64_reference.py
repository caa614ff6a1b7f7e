"""Compare an interpreted zoo model with PyTorch whose Conv2d / Linear sums
are taken in float64 and rounded to float32 once, as the reference
interpreter's conv and linear kernels do (PyTorch sums in float32).

    f64_reference.py MODEL_NAME INPUT.npy REF_LOGITS.npy OURS_LOGITS.npy TAPS_DIR [SEED]

On a large input (Spikformer-8-512, 224x224) a few membranes lie within
that rounding of the threshold, so the interpreter and float32 PyTorch
differ in some spikes and the flips propagate; against this reference they
must not. The model is rebuilt with ``zoo.build_model(MODEL_NAME, SEED)``
and must first reproduce REF_LOGITS (the exporter's float32 eager logits)
exactly. Then prints, like check_logits.py, the argmax and the largest
logit difference to OURS_LOGITS (1e-3), and compares every tap of TAPS_DIR
(``snn-run --dump-tagged``) with the output of the neuron module its ONNX
name comes from (``/block.0/attn/q_lif/Concat_output_0`` ->
``block.0.attn.q_lif``), at least 99.9 % equal elements per layer.
Exit status 1 if any check fails.
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from spikestack import zoo

name, input_path, ref_path, ours_path, taps = sys.argv[1:6]
seed = int(sys.argv[6]) if len(sys.argv) > 6 else 0
model = zoo.build_model(name, seed)
image = torch.from_numpy(np.load(input_path))
modules = dict(model.named_modules())


def conv_f64(self, x):
    y = F.conv2d(x.double(), self.weight.double(), None, self.stride,
                 self.padding, self.dilation, self.groups).float()
    return y if self.bias is None else y + self.bias.view(1, -1, 1, 1)


def linear_f64(self, x):
    y = F.linear(x.double(), self.weight.double()).float()
    return y if self.bias is None else y + self.bias


def run(f64):
    outs = {}
    hooks = [m.register_forward_hook(
        lambda mod, i, o, n=n: outs.__setitem__(n, o.detach().numpy().copy()))
        for n, m in modules.items() if type(m).__name__.endswith("IFNode")]
    saved = nn.Conv2d.forward, nn.Linear.forward
    if f64:
        nn.Conv2d.forward, nn.Linear.forward = conv_f64, linear_f64
    try:
        with torch.no_grad():
            logits = model(image).numpy()
    finally:
        nn.Conv2d.forward, nn.Linear.forward = saved
        for h in hooks:
            h.remove()
    return logits, outs


ok = True
ref, ours = np.load(ref_path), np.load(ours_path)
l32, _ = run(False)
d = float(np.abs(l32 - ref).max())
ok &= d == 0.0
print(f"rebuilt model vs exported logits: max abs difference {d:.3g} "
      f"({'ok' if d == 0.0 else 'NOT the exported model'})")
print(f"float32 PyTorch vs ours: max abs logit difference "
      f"{float(np.abs(ours - ref).max()):.3g} (for information)")
l64, outs = run(True)
diff = float(np.abs(ours - l64).max())
ok &= bool(ours.argmax() == l64.argmax()) and diff <= 1e-3
print(f"argmax {'equal' if ours.argmax() == l64.argmax() else 'DIFFERENT'}: "
      f"{ours.argmax()} vs {l64.argmax()}")
print(f"max abs logit difference {'within' if diff <= 1e-3 else 'ABOVE'} 1e-3: "
      f"{diff:.3g}")
rows = [line.rstrip("\n").split("\t") for line in open(os.path.join(taps, "tagged.tsv"))
        if line.strip() and not line.startswith("#")]
worst = 100.0
for file, tensor, op in rows:
    module = ".".join(tensor.strip("/").split("/")[:-1])
    tap = np.load(os.path.join(taps, file))
    if module not in outs or outs[module].size != tap.size:
        print(f"{tensor:48} {op:24} no neuron output {module!r} of this size")
        ok = False
        continue
    pct = 100.0 * float(np.mean(outs[module].reshape(-1) == tap.reshape(-1)))
    worst = min(worst, pct)
    print(f"{tensor:48} {op:24} {tap.size:9d} {pct:9.3f}")
ok &= worst >= 99.9
print(f"summary: {len(rows)} tagged layers, min agreement {worst:.3f} % "
      f"(required >= 99.9 %)")
sys.exit(0 if ok else 1)
