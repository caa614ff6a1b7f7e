#!/usr/bin/python3
"""What a user would run instead: the zoo models in eager PyTorch on a CUDA
GPU, per image latency and energy (docs/results.md, "What a user would run
instead").

For each model (zoo.build_model: random weights, calibrated BatchNorm,
T = 4) and batch size: warm-up runs, then REPEATS timed runs between
torch.cuda.synchronize() calls; energy from the GPU's NVML energy counter
(nvmlDeviceGetTotalEnergyConsumption, mJ since the driver loaded; Volta
and newer), read through ctypes from libnvidia-ml.so.1 so that no Python
binding is needed. The idle power is measured first (the counter over one
second with nothing running) and printed beside the results: the energies
are whole-board, idle included, as accelerator.md's H200 figures are.
Batch 1 runs in fp32, larger batches in fp16 (autocast), as there.

Without a CUDA GPU or NVML it says so and exits 0 (nothing to measure).

  scripts/gpu_baseline.py [--models NAME ...] [--batches 1 256]
                          [--repeats N] [--device INDEX] [--json OUT]
"""
import argparse
import ctypes
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))

DEFAULT_MODELS = ["spikformer_cifar_4_384", "sdt_cifar_2_512",
                  "spikformer_imagenet_8_768"]


class Nvml:
    """The three NVML calls this script needs, through ctypes."""

    def __init__(self, index):
        self.lib = ctypes.CDLL("libnvidia-ml.so.1")
        self._check(self.lib.nvmlInit_v2(), "nvmlInit_v2")
        self.handle = ctypes.c_void_p()
        self._check(self.lib.nvmlDeviceGetHandleByIndex_v2(
            ctypes.c_uint(index), ctypes.byref(self.handle)),
            "nvmlDeviceGetHandleByIndex_v2")

    @staticmethod
    def _check(rc, what):
        if rc != 0:
            raise OSError(f"{what} failed with NVML error {rc}")

    def energy_mj(self):
        mj = ctypes.c_ulonglong()
        self._check(self.lib.nvmlDeviceGetTotalEnergyConsumption(
            self.handle, ctypes.byref(mj)),
            "nvmlDeviceGetTotalEnergyConsumption")
        return mj.value

    def close(self):
        self.lib.nvmlShutdown()


def why_not(torch, index):
    """None when a CUDA GPU with NVML energy is there, else the reason."""
    if not torch.cuda.is_available():
        return "no CUDA GPU visible to PyTorch"
    if index >= torch.cuda.device_count():
        return f"no CUDA device {index} ({torch.cuda.device_count()} present)"
    try:
        Nvml(index).energy_mj()
    except OSError as e:
        return f"NVML energy counter not available ({e})"
    return None


def timed(torch, nvml, fn, repeats):
    """(seconds, joules) of `repeats` calls of fn, GPU work included."""
    torch.cuda.synchronize()
    e0, t0 = nvml.energy_mj(), time.perf_counter()
    for _ in range(repeats):
        fn()
    torch.cuda.synchronize()
    return time.perf_counter() - t0, (nvml.energy_mj() - e0) * 1e-3


def measure(torch, zoo, nvml, name, batch, repeats, device):
    cfg = zoo.config(name)
    model = zoo.build_model(name, seed=0).to(device)
    x = zoo.sample_image(cfg, seed=0, batch=batch).to(device)
    half = batch > 1

    @torch.no_grad()
    def step():
        with torch.autocast("cuda", dtype=torch.float16, enabled=half):
            model(x)
    for _ in range(3):
        step()
    seconds, joules = timed(torch, nvml, step, repeats)
    return {"model": name, "batch": batch,
            "precision": "fp16" if half else "fp32",
            "latency_ms": 1e3 * seconds / repeats,
            "ms_per_image": 1e3 * seconds / repeats / batch,
            "j_per_image": joules / repeats / batch}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="+", default=DEFAULT_MODELS)
    p.add_argument("--batches", nargs="+", type=int, default=[1, 256])
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--device", type=int, default=0)
    p.add_argument("--json")
    args = p.parse_args()
    import torch
    from spikestack import zoo
    reason = why_not(torch, args.device)
    if reason:
        print(f"gpu_baseline: nothing to measure: {reason}")
        return 0
    nvml = Nvml(args.device)
    device = torch.device("cuda", args.device)
    e0 = nvml.energy_mj()
    time.sleep(1.0)
    idle_w = (nvml.energy_mj() - e0) * 1e-3
    rows = [measure(torch, zoo, nvml, m, b, args.repeats, device)
            for m in args.models for b in args.batches]
    nvml.close()
    print(f"GPU {torch.cuda.get_device_name(args.device)}, torch "
          f"{torch.__version__}, idle {idle_w:.0f} W (included below)\n")
    print("| model | batch | precision | latency ms | ms per image | "
          "J per image |\n|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['batch']} | {r['precision']} | "
              f"{r['latency_ms']:.2f} | {r['ms_per_image']:.3f} | "
              f"{r['j_per_image']:.4f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"gpu": torch.cuda.get_device_name(args.device),
                       "idle_w": idle_w, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
