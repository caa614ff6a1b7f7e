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
        self.metric, self.op, self.bound = m.group(1), m.group(2), \
            float(m.group(3))
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
            from .models import export_zoo
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


def _number(value, typ, where):
    if typ is str:
        if not isinstance(value, str):
            raise SweepError(f"{where}: must be a string, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SweepError(f"{where}: must be a number, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise SweepError(f"{where}: must be a finite number >= 0, "
                         f"got {value!r}")
    if typ is int:
        if float(value) != int(value):
            raise SweepError(f"{where}: must be an integer, got {value!r}")
        return int(value)
    return float(value)


def _range(spec, typ, where):
    """{from, to, step} (arithmetic) or {from, to, times} (geometric)."""
    keys = set(spec)
    if keys not in ({"from", "to", "step"}, {"from", "to", "times"}):
        raise SweepError(f"{where}: a range is {{from, to, step}} or "
                         f"{{from, to, times}}, got keys {sorted(keys)}")
    lo = _number(spec["from"], float, f"{where}.from")
    hi = _number(spec["to"], float, f"{where}.to")
    out = []
    if "step" in spec:
        step = _number(spec["step"], float, f"{where}.step")
        if step <= 0:
            raise SweepError(f"{where}.step: must be > 0, got {step}")
        n = int(math.floor((hi - lo) / step + 1e-9)) + 1
        out = [lo + i * step for i in range(max(n, 0))]
    else:
        times = _number(spec["times"], float, f"{where}.times")
        if times <= 1:
            raise SweepError(f"{where}.times: must be > 1, got {times}")
        v = lo
        while v <= hi * (1 + 1e-9) and len(out) <= MAX_POINTS:
            out.append(v)
            v *= times
    if not out or len(out) > MAX_POINTS:
        raise SweepError(f"{where}: gives {len(out)} values "
                         f"(1 to {MAX_POINTS})")
    return [_number(round(x, 9), typ, where) for x in out]


def _values(spec, axis, where):
    if axis not in AXES:
        raise SweepError(f"{where}: unknown axis '{axis}' (known: "
                         f"{', '.join(AXIS_ORDER)})")
    typ = AXES[axis][0]
    if isinstance(spec, dict):
        return _range(spec, typ, where)
    items = spec if isinstance(spec, list) else [spec]
    if not items:
        raise SweepError(f"{where}: an empty list")
    out = [_number(v, typ, f"{where}[{i}]") for i, v in enumerate(items)]
    if len(set(map(repr, out))) != len(out):
        raise SweepError(f"{where}: a value is listed twice")
    return out


def _axes_dict(spec, where):
    if not isinstance(spec, dict):
        raise SweepError(f"{where}: must be a mapping of axis: values")
    return {axis: _values(v, axis, f"{where}.{axis}")
            for axis, v in spec.items()}


def _models(spec, where, here):
    if not isinstance(spec, list) or not spec:
        raise SweepError(f"{where}: must be a non-empty list of models")
    out = []
    for i, m in enumerate(spec):
        w = f"{where}[{i}]"
        if not isinstance(m, dict) or not ({"onnx", "nir", "zoo"} & set(m)):
            raise SweepError(f"{w}: must give one of onnx, nir (a path) or "
                             "zoo (a zoo model name)")
        unknown = set(m) - {"name", "onnx", "nir", "zoo", "input"}
        if unknown:
            raise SweepError(f"{w}: unknown field(s) {sorted(unknown)} "
                             "(known: name, onnx, nir, zoo, input)")
        if "zoo" in m:
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
        except yaml.YAMLError as e:
            raise SweepError(f"{where}: not valid YAML: {e}") from None
        if not isinstance(doc, dict):
            raise SweepError(f"{where}: must be a mapping (name, models, "
                             "axes, ...)")
        unknown = set(doc) - _TOP_KEYS
        if unknown:
            raise SweepError(f"{where}: unknown key(s) {sorted(unknown)} "
                             f"(known: {', '.join(sorted(_TOP_KEYS))})")
        self.name = str(doc.get("name", os.path.splitext(where)[0]))
        self.description = str(doc.get("description", ""))
        base = str(doc.get("base_target", "3d-mol"))
        self.base_target = os.path.join(here, base) if base.endswith(
            ".json") else base
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

    def _expand(self, where):
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


def point_key(model, options, target):
    """The database key of a point: a hash of what determines its result
    (the model and input files' contents, the compile options, the
    generated target file with its technology)."""
    blob = json.dumps({"model": model.sha256, "options": options,
                       "target": target}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]
