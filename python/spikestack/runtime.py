"""Run compiled SpikeStack programs from Python: NumPy in, NumPy out.

    prog = spikestack.Program.load("model.snnp")          # its own target
    outputs, report = prog.run({"image": x})              # x: np.ndarray
    report.cycles, report.latency_us, report.energy_by_kind
    print(report.summary()); report.plot()

The executor is the C++ one snn-run uses (``spikestack._runtime``, no
MLIR): the same checks on inputs, the same outputs bit for bit, the same
report (docs/isa.md, "Report"). Errors raise ValueError (bad arguments,
missing files) or RuntimeError with the executor's message.
"""
import copy
import io
import json

import numpy as np

from . import _native

_NUMPY_DTYPES = {"f32": np.float32, "f64": np.float64}


def _to_npy(array, elem):
    """``array`` (NumPy, torch or nested lists) as .npy bytes; floating
    arrays are cast to a float input's own width (the executor then checks
    shape, range and finiteness)."""
    if hasattr(array, "detach"):  # a torch tensor
        array = array.detach().cpu().numpy()
    a = np.asarray(array)
    if elem in _NUMPY_DTYPES and a.dtype.kind == "f":
        a = a.astype(_NUMPY_DTYPES[elem], copy=False)
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(a), allow_pickle=False)
    return buf.getvalue()


class Report:
    """One run's report: attributes for the common numbers, ``to_dict()``
    for all of it, ``summary()`` for snn-run's table, ``plot()``."""

    def __init__(self, report_json, summary, trace_json=""):
        self._d = json.loads(report_json)
        self._summary = summary
        self._trace = trace_json

    def to_dict(self):
        return copy.deepcopy(self._d)

    def __getitem__(self, key):
        return self._d[key]

    def summary(self):
        """The table snn-run prints."""
        return self._summary

    def __repr__(self):
        return (f"<spikestack.Report {self.target} {self.cycles} cycles, "
                f"{self.latency_us:.2f} us, {self.energy_pj * 1e-6:.3f} uJ>")

    target = property(lambda self: self._d["target"])
    corner = property(lambda self: self._d.get("corner", "typical"))
    cycles = property(lambda self: self._d["cycles"])
    clock_mhz = property(lambda self: self._d["clock_mhz"])
    latency_us = property(lambda self: self._d["latency_us"])
    footprint_mm2 = property(lambda self: self._d["footprint_mm2"])
    energy_pj = property(lambda self: self._d["energy_pj"]["total"])
    energy_by_kind = property(
        lambda self: dict(self._d["energy_pj"]["by_kind"]))
    energy_by_tier = property(
        lambda self: {t: v["total"]
                      for t, v in self._d["energy_pj"]["by_tier"].items()})
    utilization = property(lambda self: dict(self._d.get("utilization", {})))
    efficiency = property(
        lambda self: self._d.get("bounds", {}).get("total", {})
        .get("efficiency"))

    def plot(self, fig=None):
        """Energy per tier and kind (stacked bars, uJ) and each core's
        utilization; returns the matplotlib Figure."""
        import matplotlib.pyplot as plt
        if fig is None:
            fig = plt.figure(figsize=(10, 3.8))
        ax1, ax2 = fig.subplots(1, 2)
        tiers = self._d["energy_pj"]["by_tier"]
        kinds = list(self._d["energy_pj"]["by_kind"])
        bottom = np.zeros(len(tiers))
        for k in kinds:
            h = np.array([v["by_kind"][k] for v in tiers.values()]) * 1e-6
            ax1.bar(list(tiers), h, bottom=bottom, label=k)
            bottom += h
        ax1.set_ylabel("energy (uJ)")
        ax1.set_title(f"{self.target}: {self.energy_pj * 1e-6:.2f} uJ, "
                      f"{self.latency_us:.1f} us", fontsize=9)
        ax1.legend(fontsize=7)
        util = self.utilization
        ax2.bar(list(util), [100 * v for v in util.values()])
        ax2.set_ylabel("utilization (%)")
        ax2.set_ylim(0, 100)
        ax2.tick_params(axis="x", labelrotation=90, labelsize=7)
        ax2.set_title("array and LIF busy cycles / cycles", fontsize=9)
        fig.tight_layout()
        return fig

    def write_trace(self, path):
        """Writes the Chrome trace (Perfetto) of a run made with
        ``trace=True``."""
        if not self._trace:
            raise ValueError("this run recorded no trace: run(..., trace=True)")
        from .output import write_text
        write_text(path, self._trace)


class Program:
    """A compiled program loaded with its target (or ``target``: a preset
    or target file of the same hardware) at technology corner ``corner``
    (default the target's, ``typical``)."""

    def __init__(self, native, path):
        self._p = native
        self.path = path
        self._last = None

    @classmethod
    def load(cls, path, target=None, corner=None):
        native = _native.runtime().LoadedProgram(
            str(path), target or "", corner or "")
        return cls(native, str(path))

    @property
    def inputs(self):
        """[(name, shape, element type)] of the model's inputs."""
        return [(n, list(s), t) for n, s, t in self._p.inputs()]

    @property
    def outputs(self):
        return list(self._p.output_names())

    @property
    def target(self):
        return self._p.target_name()

    @property
    def corner(self):
        return self._p.corner()

    def run(self, inputs, trace=False):
        """One inference: ``inputs`` is {name: array} (or one array for a
        one-input model); returns ({output name: np.ndarray}, Report)."""
        specs = self._p.inputs()
        if not isinstance(inputs, dict):
            if len(specs) != 1:
                raise ValueError(f"the program has {len(specs)} inputs "
                                 f"({', '.join(s[0] for s in specs)}): pass "
                                 "a dict")
            inputs = {specs[0][0]: inputs}
        elem = {n: t for n, _, t in specs}
        npy = {k: _to_npy(v, elem.get(k)) for k, v in inputs.items()}
        outs, rep, summ, tr = self._p.run(npy, bool(trace))
        report = Report(rep, summ, tr)
        self._last = report
        return ({k: np.load(io.BytesIO(v)) for k, v in outs.items()}, report)

    def estimate(self):
        """The static estimate (snn-run --dense): every vector dense."""
        _, rep, summ, tr = self._p.estimate(False)
        return Report(rep, summ, tr)

    def disassemble(self):
        """The program as assembly text (snn-asm -d)."""
        return self._p.disassemble()

    def trace(self, path):
        """Writes the trace of the last ``run(..., trace=True)``."""
        if self._last is None:
            raise ValueError("no run yet: run(..., trace=True) first")
        self._last.write_trace(path)

    def __repr__(self):
        names = ", ".join(f"{n}: {s}x{t}" for n, s, t in self.inputs)
        return f"<spikestack.Program {self.path} for {self.target} ({names})>"
