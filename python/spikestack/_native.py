"""Where the compiled parts of SpikeStack are: the runtime extension
(``spikestack._runtime``, lib/Bindings/Python) and the command-line tools
(``snn-compile``).

An installed package carries the extension beside this file and records
the build it came from in ``_build_info.py`` (python/setup.py writes it).
From a source tree the build directory is ``$SPIKESTACK_BUILD_DIR``, else
``<source root>/build``.
"""
import glob
import importlib.machinery
import importlib.util
import os
import shutil
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))


def build_dirs():
    """Candidate CMake build directories, most specific first."""
    dirs = []
    if os.environ.get("SPIKESTACK_BUILD_DIR"):
        dirs.append(os.environ["SPIKESTACK_BUILD_DIR"])
    try:
        from . import _build_info  # written by python/setup.py
        dirs.append(_build_info.BUILD_DIR)
    except ImportError:
        pass
    dirs.append(os.path.join(os.path.dirname(os.path.dirname(_HERE)), "build"))
    return dirs


def runtime():
    """The ``spikestack._runtime`` extension module."""
    if "spikestack._runtime" in sys.modules:
        return sys.modules["spikestack._runtime"]
    candidates = glob.glob(os.path.join(_HERE, "_runtime*.so"))
    for d in build_dirs():
        candidates += glob.glob(os.path.join(d, "python", "spikestack",
                                             "_runtime*.so"))
    for path in candidates:
        loader = importlib.machinery.ExtensionFileLoader(
            "spikestack._runtime", path)
        spec = importlib.util.spec_from_file_location(
            "spikestack._runtime", path, loader=loader)
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
        sys.modules["spikestack._runtime"] = module
        return module
    raise ImportError(
        "spikestack._runtime is not built: run `cmake --build build` (it "
        "builds lib/Bindings/Python) or set SPIKESTACK_BUILD_DIR to the "
        "build directory; looked in " + ", ".join([_HERE] + build_dirs()))


def tool(name):
    """Path of a SpikeStack command-line tool (snn-compile, ...):
    $SPIKESTACK_BIN, the build directories' bin/, then PATH."""
    dirs = [os.environ["SPIKESTACK_BIN"]] if os.environ.get("SPIKESTACK_BIN") \
        else []
    dirs += [os.path.join(d, "bin") for d in build_dirs()]
    for d in dirs:
        path = os.path.join(d, name)
        if os.access(path, os.X_OK):
            return path
    found = shutil.which(name)
    if found:
        return found
    raise FileNotFoundError(
        f"{name} not found in {', '.join(dirs)} or on PATH: build SpikeStack "
        "(cmake --build build) or set SPIKESTACK_BIN")
