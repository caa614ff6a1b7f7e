"""The one output writer of SpikeStack's Python tools, with the C++
tools' rules (docs/robustness.md): ``-`` is standard output; a character
device or FIFO is written directly; a regular file (or a new one) is
written to a temporary file beside it and renamed over it, so a reader
never sees half a file and a failed write leaves the old file; a symbolic
link is followed (its target is written); a directory, block device or
socket is refused."""
import os
import stat
import sys
import tempfile


def is_stream(path):
    """``-`` or a name of an open descriptor (/dev/stdout, /dev/stderr,
    /dev/fd/N, /proc/PID/fd/N): written in place, wherever it points,
    never replaced."""
    a = os.path.abspath(path)
    return path == "-" or a in ("/dev/stdout", "/dev/stderr") or \
        a.startswith("/dev/fd/") or (a.startswith("/proc/") and
                                     "/fd/" in a)


def write_text(path, text):
    write_bytes(path, text.encode())


def write_bytes(path, data):
    if path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    if is_stream(path):  # /dev/stdout, /dev/fd/N: the descriptor's file
        with open(path, "wb") as f:
            f.write(data)
        return
    shown, path = path, os.path.realpath(path)  # follow symbolic links
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
            raise OSError(f"{shown}: not a regular file, character device "
                          "or FIFO")
        with open(path, "wb") as f:  # a device or FIFO: write in place
            f.write(data)
        return
    d = os.path.dirname(path)
    if not os.path.isdir(d):
        raise FileNotFoundError(f"{shown}: no directory {d}")
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if mode is None:  # a new file: what open() would have made
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, stat.S_IMODE(mode))
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_figure(path, fig, dpi=110):
    """A matplotlib figure as PNG, through write_bytes."""
    import io
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    write_bytes(path, buf.getvalue())
