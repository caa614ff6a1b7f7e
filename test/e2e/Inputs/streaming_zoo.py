"""Compiles one exported zoo model whose weights do not fit the target's
weight banks for each target given, runs the program on the executor and
the lowered module on the interpreter, and prints one line per check:

* the executor's outputs are byte-identical to the interpreter's;
* the executor's argmax equals PyTorch's (the export's .logits.npy);
* the DRAM weight traffic the executor measured equals an independent
  count: the bytes of every weight operand of the ops the compiler marked
  snn.streamed, from their tensor types in the lowered module (elements x
  element bits / 8; weights are streamed once per inference), times 8;
* the plan report's DRAM bits by purpose equal the executor's;
* some weights are streamed and some stay resident.

  streaming_zoo.py DIR MODEL TARGET...   (the binaries come from PATH)
"""
import json
import os
import re
import subprocess
import sys

import numpy as np

BITS = {"f32": 32, "f16": 16, "i8": 8}


def element_bits(elem):
    m = re.match(r"!snn\.fixed<(\d+)", elem)
    if m:
        return int(m.group(1))
    if elem in BITS:
        return BITS[elem]
    raise ValueError(f"unexpected weight element type {elem}")


def tensor_bytes(t):
    m = re.match(r"tensor<((?:\d+x)+)(.+)>$", t)
    dims = [int(d) for d in m.group(1).rstrip("x").split("x")]
    bits = int(np.prod(dims)) * element_bits(m.group(2))
    return dims, (bits + 7) // 8


def split_types(text):
    """Top-level comma-separated types of `text` (tensor<...> nest <>)."""
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def streamed_weight_bytes(hw_mlir):
    """Weight bytes of the snn.streamed ops, from the operand types, times
    the row tiles of the op's tiling (expert layers are not row-split when
    they stream: checked by the caller's equality)."""
    total, ops = 0, 0
    with open(hw_mlir) as f:
        for line in f:
            if "snn.streamed" not in line:
                continue
            ops += 1
            if "snn.moe_experts" in line:
                params = re.search(r"params\([^:]*:(.*?)\)\s*[{:]", line).group(1)
                # The experts' weight matrices: the rank-3 params
                # (experts x outputs x inputs); the rest are per-channel.
                for t in split_types(params):
                    dims, nbytes = tensor_bytes(t)
                    if len(dims) == 3:
                        total += nbytes
            else:
                # Every row tile of a task holds (and fetches) its own copy
                # of its columns' weights (docs/pipeline.md, "Tiling").
                operands = re.search(r"\} : \((.*)\) -> ", line).group(1)
                tiles = re.search(r"#snn\.tiling<[^>]*?row_tiles = (\d+)", line)
                copies = int(tiles.group(1)) if tiles else 1
                total += copies * tensor_bytes(split_types(operands)[1])[1]
    return total, ops


def run(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def main():
    out, model, targets = sys.argv[1], sys.argv[2], sys.argv[3:]
    onnx = os.path.join(out, model + ".onnx")
    image = os.path.join(out, model + ".input.npy")
    torch_logits = np.load(os.path.join(out, model + ".logits.npy"))
    for t in targets:
        base = os.path.join(out, f"{model}-{t}")
        run("snn-compile", onnx, "--target", t, "--emit=hw", "-o", base + ".mlir",
            "--plan-report", base + ".plan.json")
        run("snn-translate", "--emit-isa", base + ".mlir", "-o", base + ".snnp")
        run("snn-run", base + ".snnp", "--input", f"image={image}", "--output-dir",
            base + ".exe", "--report", base + ".report.json", "--quiet")
        run("snn-run", "--interpret", base + ".mlir", "--input", f"image={image}",
            "--output-dir", base + ".ref")
        exe = np.load(os.path.join(base + ".exe", "logits.npy"))
        ref = np.load(os.path.join(base + ".ref", "logits.npy"))
        with open(base + ".report.json") as f:
            report = json.load(f)
        with open(base + ".plan.json") as f:
            plan = json.load(f)
        same = exe.tobytes() == ref.tobytes() and exe.shape == ref.shape
        argmax = bool((exe.reshape(torch_logits.shape).argmax(-1)
                       == torch_logits.argmax(-1)).all())
        expected, ops = streamed_weight_bytes(base + ".mlir")
        measured = report["dram"]["bits"]["weights"]
        same_plan = all(plan["dram"]["bits"][k] == report["dram"]["bits"][k]
                        for k in ("weights", "inputs", "spills"))
        r = plan["residency"]
        print(f"{model} {t}: executor equals interpreter {same}; "
              f"argmax equal to PyTorch {argmax}; "
              f"{ops} streamed ops, weight bits expected {expected * 8} "
              f"measured {int(measured)} "
              f"{'equal' if expected * 8 == measured else 'DIFFERENT'}; "
              f"plan DRAM bits equal executor {same_plan}; "
              f"resident {r['resident_bytes'] > 0}, streamed {r['streamed_bytes'] > 0}; "
              f"{r['slots_per_core']} slot(s) per core")


if __name__ == "__main__":
    main()
