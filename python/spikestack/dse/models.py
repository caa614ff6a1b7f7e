"""Model files for a sweep: zoo exports (cached) and their transfer to
workers (the bytes travel with the tasks, so a remote cluster needs no
shared file system)."""
import os
import subprocess
import sys
import tempfile


def default_cache():
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return os.path.join(root, "spikestack", "zoo")


def export_zoo(name, cache):
    """(ONNX path, input path) of zoo model ``name`` exported into
    ``cache`` (traced, T = 4, one image, random weights; once)."""
    base = os.path.join(cache, name)
    if not os.path.exists(base + ".onnx"):
        os.makedirs(cache, exist_ok=True)
        proc = subprocess.run(
            [sys.executable, "-m", "spikestack.export", name, cache,
             "--style", "traced", "--no-verify"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0 or not os.path.exists(base + ".onnx"):
            raise RuntimeError(f"exporting zoo model {name} failed:\n"
                               f"{proc.stdout.strip()}")
    return base + ".onnx", base + ".input.npy"


def read_bytes(path):
    if path is None:
        return None
    with open(path, "rb") as f:
        return f.read()


_PRIVATE = []  # this worker process's directory of model files


def _private_dir():
    """A directory only this process writes (mode 0700), removed at exit."""
    if not _PRIVATE:
        import atexit
        import shutil
        d = tempfile.mkdtemp(prefix="spikestack-dse-models-")
        atexit.register(shutil.rmtree, d, True)
        _PRIVATE.append(d)
    return _PRIVATE[0]


def materialize(sha256, suffix, data):
    """A local file holding ``data`` (a model sent to this worker), named
    by its hash so every task of the worker process shares it, in a
    directory private to the process."""
    path = os.path.join(_private_dir(), sha256 + suffix)
    if not os.path.exists(path):
        fd, tmp = tempfile.mkstemp(dir=_private_dir(), suffix=".part")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    return path
