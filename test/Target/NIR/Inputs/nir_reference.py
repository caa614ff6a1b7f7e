#!/usr/bin/env python3
"""An independent NumPy reference of the NIR semantics SpikeStack imports
(docs/nir.md), reading the graph with h5py: Affine/Linear (y = W x + b),
Conv1d and Conv2d (zero padding, stride, dilation, groups), SumPool2d
(window sums), AvgPool2d (window means, padding counted), Flatten, Scale,
IF neurons (v += dt r I) and LIF neurons (the exact update for a held
input: v = v + (r I - v) / tau_d with tau_d = 1 / (1 - e^(-dt/tau)), in
float32 as the snn dialect's float domain steps it), both spiking when
v > threshold and resetting to 0, stepped over the leading time
dimension (dt = 1 unless given as the fifth argument). Sums are taken in float64
and rounded to float32 once, then the bias is added in float32; the
membrane is float32, as the snn dialect defines the float domain.

usage: nir_reference.py GRAPH.nir INPUT.npy OUTPUT.npy [TAGS_DIR [DT]]

With TAGS_DIR (snn-interpret --dump-tagged of the imported module, whose
neurons are tagged with their NIR node names) it also compares every
neuron layer's spikes with the interpreter's and prints one line per
layer, then "nir_reference: OK" or the mismatches.
"""
import sys

import h5py
import numpy as np


def load(path):
    f = h5py.File(path, "r")
    nodes = {}
    for name, g in f["node"]["nodes"].items():
        t = g["type"][()]
        nodes[name] = {"type": t.decode() if isinstance(t, bytes) else t,
                       **{k: np.array(v[()]) for k, v in g.items()
                          if k != "type"}}
    succ = {}
    for a, b in f["node"]["edges"][()]:
        a = a.decode() if isinstance(a, bytes) else a
        b = b.decode() if isinstance(b, bytes) else b
        succ[a] = b
    order = [next(n for n, v in nodes.items() if v["type"] == "Input")]
    while nodes[order[-1]]["type"] != "Output":
        order.append(succ[order[-1]])
    return [dict(nodes[n], name=n) for n in order[1:-1]]


def conv(x, w, b, stride, pad, dil, groups):
    """x: [C, H, W] -> [O, OH, OW], float64 sums."""
    C, H, W = x.shape
    O, Cg, KH, KW = w.shape
    xp = np.zeros((C, H + 2 * pad[0], W + 2 * pad[1]))
    xp[:, pad[0]:pad[0] + H, pad[1]:pad[1] + W] = x
    OH = (H + 2 * pad[0] - dil[0] * (KH - 1) - 1) // stride[0] + 1
    OW = (W + 2 * pad[1] - dil[1] * (KW - 1) - 1) // stride[1] + 1
    out = np.zeros((O, OH, OW))
    og = O // groups
    for o in range(O):
        g = o // og
        for i in range(KH):
            for j in range(KW):
                patch = xp[g * Cg:(g + 1) * Cg,
                           i * dil[0]:i * dil[0] + stride[0] * (OH - 1) + 1:stride[0],
                           j * dil[1]:j * dil[1] + stride[1] * (OW - 1) + 1:stride[1]]
                out[o] += np.tensordot(w[o, :, i, j].astype(np.float64), patch,
                                       axes=(0, 0))
    out = out.astype(np.float32)
    if b is not None:
        out = (out + b.astype(np.float32)[:, None, None]).astype(np.float32)
    return out


def pair(v, default):
    v = np.atleast_1d(v) if v is not None else np.array([default, default])
    return [int(v[0]), int(v[-1])]


def run(layers, x, spikes=None, dt=1.0):
    T = x.shape[0]
    state = {}
    outs = []
    for t in range(T):
        h = x[t, 0].astype(np.float32)
        for i, n in enumerate(layers):
            k = n["type"]
            if k in ("Affine", "Linear"):
                y = (n["weight"].astype(np.float64) @ h.astype(np.float64)
                     ).astype(np.float32)
                h = (y + n["bias"].astype(np.float32)).astype(np.float32) \
                    if k == "Affine" else y
            elif k == "Conv2d":
                h = conv(h, n["weight"], n.get("bias"), pair(n.get("stride"), 1),
                         pair(n.get("padding"), 0), pair(n.get("dilation"), 1),
                         int(np.atleast_1d(n.get("groups", 1))[0]))
            elif k == "SumPool2d":
                C = h.shape[0]
                ks = pair(n["kernel_size"], 1)
                h = conv(h, np.ones((C, 1, ks[0], ks[1])), None,
                         pair(n.get("stride"), 1), pair(n.get("padding"), 0),
                         [1, 1], C)
            elif k == "AvgPool2d":
                C = h.shape[0]
                ks = pair(n["kernel_size"], 1)
                h = (conv(h, np.ones((C, 1, ks[0], ks[1])), None,
                          pair(n.get("stride"), 1), pair(n.get("padding"), 0),
                          [1, 1], C) / np.float32(ks[0] * ks[1])
                     ).astype(np.float32)
            elif k == "Conv1d":
                w = n["weight"]
                h = conv(h[:, None, :], w[:, :, None, :], n.get("bias"),
                         [1, int(np.atleast_1d(n.get("stride", 1))[0])],
                         [0, int(np.atleast_1d(n.get("padding", 0))[0])],
                         [1, int(np.atleast_1d(n.get("dilation", 1))[0])],
                         int(np.atleast_1d(n.get("groups", 1))[0]))[:, 0, :]
            elif k == "Scale":
                h = (h * np.float32(n["scale"].flat[0])).astype(np.float32)
            elif k == "LIF":
                tau_d = np.float32(1.0 / (1.0 - np.exp(-dt / float(n["tau"].flat[0]))))
                v = state.get(i, np.zeros_like(h, dtype=np.float32))
                x_in = (h * np.float32(n["r"].flat[0])).astype(np.float32)
                v = (v + (x_in - (v - np.float32(0))) / tau_d).astype(np.float32)
                s_ = v > np.float32(n["v_threshold"].flat[0])
                state[i] = np.where(s_, np.float32(0), v).astype(np.float32)
                h = s_.astype(np.float32)
                if spikes is not None:
                    spikes.setdefault(n["name"], []).append(h.copy())
            elif k == "Flatten":
                h = h.reshape(-1)
            elif k == "IF":
                v = state.get(i, np.zeros_like(h))
                f = np.float32(float(n["r"].flat[0]) * dt)
                v = (v + (h * f if f != 1 else h)).astype(np.float32)
                s = v > np.float32(n["v_threshold"].flat[0])
                state[i] = np.where(s, np.float32(0), v).astype(np.float32)
                h = s.astype(np.float32)
                if spikes is not None:
                    spikes.setdefault(n["name"], []).append(h.copy())
            else:
                raise SystemExit(f"nir_reference: no {k}")
        outs.append(h)
    return np.stack(outs)[:, None].astype(np.uint8)


def compare(tags, spikes):
    import csv
    import os
    rows = [r for r in csv.reader(
        (l for l in open(os.path.join(tags, "tagged.tsv")) if l[0] != "#"),
        delimiter="\t")]
    names = {r[1]: r[0] for r in rows}
    bad = 0
    for name, steps in spikes.items():
        ref = np.stack(steps)
        ours = np.load(os.path.join(tags, names[name])).reshape(ref.shape)
        same = bool((ours == ref).all())
        bad += not same
        print(f"layer {name}: {int(ref.sum())} spikes, "
              f"{'equal' if same else 'DIFFERENT'}")
    print("nir_reference: OK" if not bad else f"nir_reference: {bad} differ")


if __name__ == "__main__":
    graph, inp, out = sys.argv[1:4]
    spikes = {}
    dt = float(sys.argv[5]) if len(sys.argv) > 5 else 1.0
    np.save(out, run(load(graph), np.load(inp), spikes, dt))
    if len(sys.argv) > 4:
        compare(sys.argv[4], spikes)
