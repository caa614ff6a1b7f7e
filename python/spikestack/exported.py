"""Zoo models exported once into a cache directory, for the tools that
compile them (spikestack.dse, scripts/study.py, the benchmarks): traced,
T = 4, one image, random weights, not verified against PyTorch. The
export runs ``python -m spikestack.export`` in a subprocess, so the
caller never imports torch. Needs numpy only."""
import os
import subprocess
import sys

_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def default_cache():
    """$XDG_CACHE_HOME/spikestack/zoo, else ~/.cache/spikestack/zoo."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return os.path.join(root, "spikestack", "zoo")


def export_zoo(name, cache):
    """(ONNX path, input .npy path) of zoo model ``name`` in ``cache``,
    exported there the first time. Raises RuntimeError with the
    exporter's output when it fails."""
    base = os.path.join(cache, name)
    if not os.path.exists(base + ".onnx"):
        os.makedirs(cache, exist_ok=True)
        path = os.environ.get("PYTHONPATH")
        env = dict(os.environ, PYTHONPATH=_PACKAGE_PARENT + (
            os.pathsep + path if path else ""))
        proc = subprocess.run(
            [sys.executable, "-m", "spikestack.export", name, cache,
             "--style", "traced", "--no-verify"], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0 or not os.path.exists(base + ".onnx"):
            raise RuntimeError(f"exporting zoo model {name} failed:\n"
                               f"{proc.stdout.strip()}")
    return base + ".onnx", base + ".input.npy"
