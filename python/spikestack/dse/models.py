"""Model files on workers: the bytes travel with the tasks (so a remote
cluster needs no shared file system) and land in a directory private to
the worker process. Zoo exports: spikestack.exported."""
import os
import tempfile


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
