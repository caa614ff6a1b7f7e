"""Sweep descriptions (YAML, docs/dse.md): what to compile, for which
targets, under which constraints; expanded into points with stable keys.

    name: small
    base_target: 3d-mol            # preset or target file
    mode: full                     # full (executor) or fast (estimate)
    rerun_top: 3                   # fast mode: points per model re-run
    models:
      - {name: c1, onnx: models/c1.onnx, input: models/c1.input.npy}
      - {zoo: spikformer_cifar_4_384}
    weight_bits: [8]
    head_keep_ratio: [1.0]
    axes:                          # a product
      stacking: [2d, 3d-mol, 3d-lol]
      cores: [4, 8]
      weight_bank_kib: {from: 64, to: 256, times: 2}
    grids:                         # optional: a union of products, each
      - {stacking: [2d]}           # combined with `axes`
      - {stacking: [3d-mol], act_bank_kib: [64, 128]}
    constraints: ["footprint_mm2 <= 6"]

Paths are relative to the sweep file. Every error names the file and the
entry (``small.yaml: axes.cores[1]: must be an integer >= 1, got 'x'``).
"""
import hashlib
import itertools
import json
import math
import os
import re

import yaml

from .targets import TARGET_AXES

# Compile options a point may set (snn-compile's flags), with the defaults.
COMPILE_AXES = {"weight_bits": (int, 8), "head_keep_ratio": (float, 1.0)}
AXES = dict(TARGET_AXES, **{k: (t, "") for k, (t, _) in COMPILE_AXES.items()})
AXIS_ORDER = list(AXES)

# Numbers a constraint may bound: the target's (known before compiling)
# and the run's (after it).
STATIC_METRICS = ("footprint_mm2", "silicon_mm2", "sram_bytes",
                  "weight_sram_bytes", "activation_sram_bytes", "cores",
                  "pes", "effective_clock_mhz", "tiers")
RUN_METRICS = ("cycles", "latency_us", "energy_uj", "energy_per_image_uj",
               "edp_uj_us", "efficiency", "dram_bits")
_CONSTRAINT = re.compile(r"^\s*([a-z_0-9]+)\s*(<=|>=|<|>|==)\s*"
                         r"([-+0-9.eE]+)\s*$")
_TOP_KEYS = {"name", "description", "base_target", "mode", "rerun_top",
             "models", "weight_bits", "head_keep_ratio", "axes", "grids",
             "constraints"}
MAX_POINTS = 1_000_000
# Accepted values per numeric axis, [min, max] (the target loader checks
# the generated file again, docs/targets.md); these keep a point's target
# small enough to build.
AXIS_RANGES = {
    "cores": (1, 4096), "array_rows": (1, 4096), "array_cols": (1, 4096),
    "lif_units": (1, 1 << 20), "scratchpad_bytes": (1, 1 << 30),
    "weight_banks": (0, 4096), "weight_bank_kib": (0.001, 1 << 30),
    "act_banks": (0, 4096), "act_bank_kib": (0.001, 1 << 30),
    "bank_width_bits": (8, 1 << 16), "bond_pitch_um": (0.1, 1000),
    "bond_energy_pj_per_bit": (0, 1e4), "clock_mhz": (1, 1e5),
    "dram_gb_s": (0.01, 1e4), "dram_channels": (1, 64),
    "weight_bits": (1, 64), "head_keep_ratio": (0.001, 1)}


class SweepError(ValueError):
    """The sweep file is wrong; the message names the file and entry."""


class Constraint:
    def __init__(self, text, where):
        m = _CONSTRAINT.match(str(text))
        if not m or m.group(1) not in STATIC_METRICS + RUN_METRICS:
            raise SweepError(
                f"{where}: must be 'METRIC OP NUMBER' with OP one of <= >= "
                f"< > == and METRIC one of "
                f"{', '.join(STATIC_METRICS + RUN_METRICS)}, got {text!r}")
        self.metric, self.op = m.group(1), m.group(2)
        try:
            self.bound = float(m.group(3))
        except ValueError:
            raise SweepError(f"{where}: {m.group(3)!r} is not a number") \
                from None
        self.static = self.metric in STATIC_METRICS
        self.text = f"{self.metric} {self.op} {m.group(3)}"

    def violation(self, value):
        """None when ``value`` satisfies the constraint, else the reason."""
        ok = {"<=": value <= self.bound, ">=": value >= self.bound,
              "<": value < self.bound, ">": value > self.bound,
              "==": value == self.bound}[self.op]
        return None if ok else f"{self.metric} = {value:.6g} violates {self.text}"


class Model:
    """A model of the sweep: a file (ONNX or NIR) and its input."""

    def __init__(self, name, path, input_path, zoo=None):
        self.name, self.path, self.input_path, self.zoo = \
            name, path, input_path, zoo
        self.sha256 = None  # of the model and input files, once resolved

    def resolve(self, cache):
        """Exports a zoo model into ``cache`` (once) and hashes the files."""
        if self.zoo:
            from ..exported import export_zoo
            self.path, self.input_path = export_zoo(self.zoo, cache)
        h = hashlib.sha256()
        for p in (self.path, self.input_path):
            if p:
                with open(p, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
        self.sha256 = h.hexdigest()


class Point:
    """One (model, options, target) combination."""

    def __init__(self, index, model, values):
        self.index, self.model, self.values = index, model, values
        self.key = None  # set by Sweep.keys (needs the generated target)


def _number(value, typ, where, bounds=(0, 1e300)):
    if typ is str:
        if not isinstance(value, str):
            raise SweepError(f"{where}: must be a string, got {value!r}")
        return value
    if isinstance(value, str):
        try:  # YAML 1.1 reads 1e3 (no dot) as a string
            value = float(value)
        except ValueError:
            raise SweepError(f"{where}: must be a number, got "
                             f"{value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SweepError(f"{where}: must be a number, got {value!r}")
    lo, hi = bounds
    if not math.isfinite(value) or not lo <= value <= hi:
        raise SweepError(f"{where}: must be a finite number in [{lo:g}, "
                         f"{hi:g}], got {value!r}")
    if typ is int:
        if float(value) != int(value):
            raise SweepError(f"{where}: must be an integer, got {value!r}")
        return int(value)
    return float(value)


def _range(spec, typ, where, bounds):
    """{from, to, step} (arithmetic) or {from, to, times} (geometric)."""
    keys = set(map(str, spec))
    if keys not in ({"from", "to", "step"}, {"from", "to", "times"}):
        raise SweepError(f"{where}: a range is {{from, to, step}} or "
                         f"{{from, to, times}}, got keys {sorted(keys)}")
    lo = _number(spec["from"], float, f"{where}.from", bounds)
    hi = _number(spec["to"], float, f"{where}.to", bounds)
    if hi < lo:
        raise SweepError(f"{where}: to ({hi:g}) is below from ({lo:g})")
    if "step" in spec:
        step = _number(spec["step"], float, f"{where}.step")
        if step <= 0:
            raise SweepError(f"{where}.step: must be > 0, got {step:g}")
        q = (hi - lo) / step
        if not q < MAX_POINTS:  # also inf: step a denormal
            raise SweepError(f"{where}: gives more than {MAX_POINTS} values")
        n = math.floor(q + 1e-9) + 1
        values = lambda: (lo + i * step for i in range(n))  # noqa: E731
    else:
        times = _number(spec["times"], float, f"{where}.times")
        if times <= 1 or lo <= 0:
            raise SweepError(f"{where}: a geometric range needs times > 1 "
                             f"and from > 0, got times {times:g}, from "
                             f"{lo:g}")
        n = math.floor(math.log(hi / lo) / math.log(times) + 1e-9) + 1
        values = lambda: (lo * times ** i for i in range(n))  # noqa: E731
    if n < 1 or n > MAX_POINTS:
        raise SweepError(f"{where}: gives {n} values (1 to {MAX_POINTS})")
    return [_number(round(x, 9), typ, where, bounds) for x in values()]


def _values(spec, axis, where):
    if axis not in AXES:
        raise SweepError(f"{where}: unknown axis '{axis}' (known: "
                         f"{', '.join(AXIS_ORDER)})")
    typ = AXES[axis][0]
    bounds = AXIS_RANGES.get(axis, (0, 1e300))
    if isinstance(spec, dict):
        return _range(spec, typ, where, bounds)
    items = spec if isinstance(spec, list) else [spec]
    if not items:
        raise SweepError(f"{where}: an empty list")
    out = [_number(v, typ, f"{where}[{i}]", bounds)
           for i, v in enumerate(items)]
    if len(set(map(repr, out))) != len(out):
        raise SweepError(f"{where}: a value is listed twice")
    return out


def _axes_dict(spec, where):
    if not isinstance(spec, dict):
        raise SweepError(f"{where}: must be a mapping of axis: values")
    return {str(axis): _values(v, str(axis), f"{where}.{axis}")
            for axis, v in spec.items()}


def _base_target(spec, here, where):
    """(preset name or file path, whether a file): a preset's name, else
    a file relative to the sweep file."""
    from .. import _native
    base = str(spec)
    if base in _native.runtime().presets():
        return base, False
    path = os.path.join(here, base)
    if not os.path.isfile(path):
        raise SweepError(f"{where}.base_target: no preset or file {base!r} "
                         f"(presets: {', '.join(_native.runtime().presets())}"
                         f"; files are relative to the sweep file)")
    return path, True


def _models(spec, where, here):
    if not isinstance(spec, list) or not spec:
        raise SweepError(f"{where}: must be a non-empty list of models")
    out = []
    for i, m in enumerate(spec):
        w = f"{where}[{i}]"
        if not isinstance(m, dict) or \
                len({"onnx", "nir", "zoo"} & set(m)) != 1:
            raise SweepError(f"{w}: must give one of onnx, nir (a path) or "
                             "zoo (a zoo model name)")
        unknown = set(map(str, m)) - {"name", "onnx", "nir", "zoo", "input"}
        if unknown:
            raise SweepError(f"{w}: unknown field(s) {sorted(unknown)} "
                             "(known: name, onnx, nir, zoo, input)")
        for k in ("name", "onnx", "nir", "zoo", "input"):
            if k in m and not isinstance(m[k], str):
                raise SweepError(f"{w}.{k}: must be a string, got {m[k]!r}")
        if "zoo" in m:
            if "input" in m:
                raise SweepError(f"{w}.input: a zoo model brings its own "
                                 "input")
            out.append(Model(m.get("name", m["zoo"]), None, None, m["zoo"]))
            continue
        kind = "onnx" if "onnx" in m else "nir"
        path = os.path.join(here, str(m[kind]))
        if not os.path.isfile(path):
            raise SweepError(f"{w}.{kind}: no file {path}")
        stem = os.path.splitext(path)[0]
        inp = os.path.join(here, str(m["input"])) if "input" in m else (
            stem + ".input.npy" if os.path.isfile(stem + ".input.npy")
            else None)
        if inp is not None and not os.path.isfile(inp):
            raise SweepError(f"{w}.input: no file {inp}")
        name = str(m.get("name", os.path.basename(stem)))
        out.append(Model(name, path, inp))
    names = [m.name for m in out]
    if len(set(names)) != len(names):
        raise SweepError(f"{where}: two models are named alike; give each "
                         "a distinct name")
    return out


class Sweep:
    """A parsed sweep file: models, grids of axis values, constraints."""

    def __init__(self, path):
        self.path = os.path.abspath(path)
        here = os.path.dirname(self.path)
        where = os.path.basename(path)
        try:
            with open(self.path) as f:
                doc = yaml.safe_load(f)
        except OSError as e:
            raise SweepError(f"cannot read {path}: {e.strerror}") from None
        except UnicodeDecodeError:
            raise SweepError(f"{where}: not UTF-8 text") from None
        except yaml.YAMLError as e:
            raise SweepError(f"{where}: not valid YAML: {e}") from None
        if not isinstance(doc, dict):
            raise SweepError(f"{where}: must be a mapping (name, models, "
                             "axes, ...)")
        unknown = set(map(str, doc)) - _TOP_KEYS
        if unknown:
            raise SweepError(f"{where}: unknown key(s) {sorted(unknown)} "
                             f"(known: {', '.join(sorted(_TOP_KEYS))})")
        self.name = str(doc.get("name", os.path.splitext(where)[0]))
        self.description = str(doc.get("description", ""))
        self.base_target, self.base_is_file = _base_target(
            doc.get("base_target", "3d-mol"), here, where)
        self.mode = doc.get("mode", "full")
        if self.mode not in ("full", "fast"):
            raise SweepError(f"{where}.mode: must be full or fast, got "
                             f"{self.mode!r}")
        self.rerun_top = _number(doc.get("rerun_top", 3), int,
                                 f"{where}.rerun_top")
        self.models = _models(doc.get("models"), f"{where}.models", here)
        common = _axes_dict(doc.get("axes", {}), f"{where}.axes")
        for opt, (typ, default) in COMPILE_AXES.items():
            if opt in doc:
                if opt in common:
                    raise SweepError(f"{where}: {opt} is given twice (top "
                                     "level and axes)")
                common[opt] = _values(doc[opt], opt, f"{where}.{opt}")
        grids = doc.get("grids", [{}])
        if not isinstance(grids, list) or not grids:
            raise SweepError(f"{where}.grids: must be a non-empty list of "
                             "axis mappings")
        self.grids = []
        for i, g in enumerate(grids):
            g = _axes_dict(g, f"{where}.grids[{i}]")
            twice = set(g) & set(common)
            if twice:
                raise SweepError(f"{where}.grids[{i}]: {sorted(twice)} also "
                                 "in axes")
            self.grids.append(dict(common, **g))
        cons = doc.get("constraints", [])
        if not isinstance(cons, list):
            raise SweepError(f"{where}.constraints: must be a list")
        self.constraints = [Constraint(c, f"{where}.constraints[{i}]")
                            for i, c in enumerate(cons)]
        self.points = self._expand(where)

    def check_inputs(self):
        """Full mode runs every model on its input: one without is an
        error before anything is computed."""
        for i, m in enumerate(self.models):
            if self.mode == "full" and m.input_path is None:
                raise SweepError(
                    f"{os.path.basename(self.path)}.models[{i}]: {m.name} has "
                    "no input file (STEM.input.npy beside it, or `input:`); "
                    "full mode runs the model, fast mode screens it without")

    def _expand(self, where):
        unique = []
        for g in self.grids:  # identical grids (YAML aliases) once
            if g not in unique:
                unique.append(g)
        self.grids = unique
        total = len(self.models) * sum(math.prod(len(v) for v in g.values())
                                       for g in self.grids)
        if total > MAX_POINTS:
            raise SweepError(f"{where}: {total} points; at most {MAX_POINTS}")
        points, seen = [], set()
        for model in self.models:
            for grid in self.grids:
                axes = [a for a in AXIS_ORDER if a in grid]
                for combo in itertools.product(*(grid[a] for a in axes)):
                    values = dict(zip(axes, combo))
                    ident = (model.name, json.dumps(values, sort_keys=True))
                    if ident in seen:  # grids may overlap
                        continue
                    seen.add(ident)
                    points.append(Point(len(points), model, values))
                    if len(points) > MAX_POINTS:
                        raise SweepError(f"{where}: more than {MAX_POINTS} "
                                         "points")
        return points


def point_key(model, values, base):
    """The database key of a point: a hash of the model's name and the
    contents of its model and input files, every axis' value (swept or the
    base's, numbers as the axis' type), and the base target (its file and
    technology values), which with the values determine the generated
    target. Two points of a sweep with equal keys are one point."""
    norm = {a: (v if AXES[a][0] is str else AXES[a][0](v))
            for a, v in values.items() if a in AXES}
    blob = json.dumps({"model": [model.name, model.sha256], "values": norm,
                       "base": base}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]
