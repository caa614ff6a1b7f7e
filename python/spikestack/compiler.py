"""Compile models for a SpikeStack target from Python.

    prog = spikestack.compile("model.onnx", target="3d-mol")
    prog = spikestack.compile(torch_module, example_input=x)   # exported
    outputs, report = prog.run(x)
    spikestack.compare(prog, torch_module, x)

``compile`` runs the installed ``snn-compile`` (the C++ pipeline: import,
quantization, tiling, placement, scheduling, encoding) in a subprocess
rather than binding MLIR into the interpreter: MLIR and LLVM keep global
state (command-line option registry, fatal-error handlers) that should not
live in a user's Python process, the runtime stays MLIR-free, and a
compile takes seconds, so starting a process costs nothing that matters.
"""
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from . import _native
from .runtime import Program


class CompileError(RuntimeError):
    """snn-compile refused the model; the message is its diagnostic."""


_FLAGS = {"head_keep_ratio": "--head-keep-ratio", "dataflow": "--dataflow",
          "seed": "--seed", "plan_report": "--plan-report",
          "row_tiles": "--row-tiles", "nir_dt": "--nir-dt",
          "nir_time_steps": "--nir-time-steps"}


def _model_path(model, example_input, workdir):
    """A model file for ``model``: an ONNX or NIR path as given, an
    onnx.ModelProto saved, a torch.nn.Module exported (the snn ONNX
    domain)."""
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        if not os.path.exists(path):
            raise FileNotFoundError(f"no model at {path}")
        return path
    path = os.path.join(workdir, "model.onnx")
    if type(model).__name__ == "ModelProto":
        import onnx
        onnx.save(model, path)
        return path
    import torch
    if isinstance(model, torch.nn.Module):
        from . import export
        if example_input is None:
            config = getattr(model, "config", None)
            if config is None:
                raise ValueError("compiling a torch.nn.Module needs "
                                 "example_input (the input to trace with)")
            from . import zoo
            example_input = zoo.sample_image(config, 0)
        x = torch.as_tensor(np.asarray(example_input))
        import onnx
        onnx.save(export.export_onnx(model.eval(), x, "snn"), path)
        return path
    raise TypeError("model must be an ONNX path, an onnx.ModelProto or a "
                    f"torch.nn.Module, got {type(model).__name__}")


def compile(model, target="3d-mol", weight_bits=8, example_input=None,
            output=None, verbose=True, **options):
    """Compiles ``model`` (an ONNX or NIR path, an onnx.ModelProto or a
    torch.nn.Module) for ``target`` (a preset or target file) and returns
    the loaded Program. Options: ``head_keep_ratio``, ``dataflow``,
    ``row_tiles``, ``seed``, ``plan_report``, and for NIR graphs ``nir_dt``
    and ``nir_time_steps`` (snn-compile's flags).
    ``output`` keeps the program file (default: a temporary directory
    that lives as long as the Program)."""
    unknown = set(options) - set(_FLAGS)
    if unknown:
        raise TypeError(f"unknown option(s) {', '.join(sorted(unknown))}; "
                        f"known: {', '.join(sorted(_FLAGS))}")
    workdir = tempfile.TemporaryDirectory(prefix="spikestack-")
    onnx_path = _model_path(model, example_input, workdir.name)
    out = os.fspath(output) if output else os.path.join(workdir.name,
                                                        "model.snnp")
    cmd = [_native.tool("snn-compile"), onnx_path, "--target", str(target),
           f"--weight-bits={int(weight_bits)}", "-o", out]
    for key, value in options.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        cmd.append(f"{_FLAGS[key]}={value}")
    name = os.path.basename(onnx_path)
    t0 = time.time()
    if verbose:
        print(f"spikestack: compiling {name} for {target} ...", end="",
              file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    if verbose:
        print(f" {'done' if proc.returncode == 0 else 'failed'} in "
              f"{time.time() - t0:.1f} s", file=sys.stderr, flush=True)
    if proc.returncode != 0:
        raise CompileError(proc.stderr.strip() or
                           f"snn-compile exited with {proc.returncode}")
    program = Program.load(out)
    program._workdir = workdir  # the temporary program file's lifetime
    return program


def compare(program, model, inputs):
    """Runs ``program`` and the reference ``model`` (a torch.nn.Module, or
    a callable returning an array) on ``inputs`` (one array, or a dict for
    the program) and compares the first output: argmax agreement and the
    largest absolute difference. Returns a dict with both outputs and the
    run's report."""
    outputs, report = program.run(inputs)
    ours = next(iter(outputs.values()))
    x = inputs if not isinstance(inputs, dict) else next(iter(inputs.values()))
    try:
        import torch
        if isinstance(model, torch.nn.Module):
            with torch.no_grad():
                ref = model(torch.as_tensor(np.asarray(x))).numpy()
        else:
            ref = np.asarray(model(x))
    except ImportError:
        ref = np.asarray(model(x))
    ref = ref.reshape(ours.shape)
    return {"argmax_equal": bool((ours.argmax(-1) == ref.argmax(-1)).all()),
            "max_abs_diff": float(np.abs(ours - ref).max()),
            "outputs": ours, "reference": ref, "report": report}
