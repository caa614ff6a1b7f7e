"""Targets generated from a base target and a point's axis values.

The base target (a preset or a target file, as ``snn-target --print``
writes it) gives the templates: its first core, its first weight bank and
its first activation bank (``holds``; an ``any`` bank serves both when a
role has none), its first vertical link, clock, DRAM and technology. A
point replaces any of those numbers and rebuilds the stack:

=============  ===========================================================
``2d``         one logic die "die": the cores, then the weight banks, then
               the activation banks (the 2d preset's floorplan)
``3d-mol``     memory on logic: tier "logic" with the cores, tier
               "memory" with every bank, face-to-face bonds
``3d-mol-N``   N tiers: the logic tier and N-1 memory tiers above it
               ("memory0", ...), each bank role split evenly, bottom first
``3d-lol``     logic on logic, two tiers "logic0", "logic1"; the cores and
               each bank role split evenly, bottom first (the 3d-lol preset)
``3d-lol-N``   N logic tiers
=============  ===========================================================

The generated file is an ordinary target file: the C++ loader validates it
(snn-target), and its errors name the field, as for any file.
"""
import copy
import json
import os
import re
import subprocess

from .. import _native

# Axis name: (python type, what it sets). The names are the database's
# column names (docs/dse.md).
TARGET_AXES = {
    "stacking": (str, "2d, 3d-mol, 3d-lol, 3d-mol-N or 3d-lol-N"),
    "cores": (int, "number of cores"),
    "array_rows": (int, "rows of each core's array"),
    "array_cols": (int, "columns of each core's array"),
    "lif_units": (int, "LIF units per core"),
    "scratchpad_bytes": (int, "scratchpad per core, bytes"),
    "weight_banks": (int, "number of weight banks"),
    "weight_bank_kib": (float, "capacity of each weight bank, KiB"),
    "act_banks": (int, "number of activation banks"),
    "act_bank_kib": (float, "capacity of each activation bank, KiB"),
    "bank_width_bits": (int, "port width of every bank, bits"),
    "bond_pitch_um": (float, "hybrid bond pitch of every vertical link, um"),
    "bond_energy_pj_per_bit": (float, "energy per bit of a bond crossing"),
    "clock_mhz": (float, "nominal clock, MHz"),
    "dram_gb_s": (float, "bandwidth of each DRAM channel, GB/s"),
    "dram_channels": (int, "DRAM channels"),
    "corner": (str, "technology corner (typical, hot, worst)"),
}

_STACKING = re.compile(r"^(2d|3d-(mol|lol)(?:-(\d+))?)$")


class TargetError(ValueError):
    """A point's target cannot be built (the message says which axis)."""


def load_base(name, is_file):
    """The base target as a dict: a preset's text (``snn-target --print``)
    or the file, once the C++ loader has accepted it (``snn-target``)."""
    cmd = [_native.tool("snn-target")] + ([name] if is_file else
                                          ["--print", name])
    proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise TargetError(f"base target {name}: {proc.stderr.strip()}")
    if not is_file:
        return json.loads(proc.stdout)
    try:
        with open(name, encoding="utf-8-sig") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise TargetError(f"base target {name}: {e}") from None


def _first(blocks, pred):
    return next((b for b in blocks if pred(b)), None)


def base_values(base, described):
    """Every axis' value in ``base`` (what a point does not set);
    ``described`` is its describe_target (the technology's resolved
    values)."""
    blocks = [b for t in base["tiers"] for b in t["blocks"]]
    core = _first(blocks, lambda b: b["kind"] == "core")
    banks = [b for b in blocks if b["kind"] == "sram"]
    wbanks = [b for b in banks if b.get("holds", "any") == "weights"]
    abanks = [b for b in banks if b.get("holds", "any") == "activations"]
    anyb = [b for b in banks if b.get("holds", "any") == "any"]
    _check_uniform(base, blocks, wbanks, abanks, anyb)
    tiers = base["tiers"]
    if len(tiers) == 1:
        stacking = "2d"
    else:
        kind = "mol" if any(t["kind"] == "memory" for t in tiers) else "lol"
        stacking = f"3d-{kind}" + ("" if len(tiers) == 2 else f"-{len(tiers)}")
    link = base.get("vertical_links", [{}])
    link = link[0] if link else {}
    tech = described["technology"]
    dram = base.get("dram", {})
    bank0 = (wbanks or abanks)[0]
    return {
        "stacking": stacking,
        "cores": sum(b["kind"] == "core" for b in blocks),
        "array_rows": core["array_rows"], "array_cols": core["array_cols"],
        "lif_units": core["lif_units"],
        "scratchpad_bytes": core["scratchpad_bytes"],
        "weight_banks": len(wbanks),
        "weight_bank_kib": wbanks[0]["capacity_bytes"] / 1024 if wbanks else 0,
        "act_banks": len(abanks),
        "act_bank_kib": abanks[0]["capacity_bytes"] / 1024 if abanks else 0,
        "bank_width_bits": bank0["width_bits"],
        "bond_pitch_um": link.get("bond_pitch_um", tech["bond_pitch_um"]),
        "bond_energy_pj_per_bit": link.get("energy_pj_per_bit",
                                           tech["bond_energy_pj_per_bit"]),
        "clock_mhz": base["clock_mhz"],
        "dram_gb_s": dram.get("bandwidth_gb_s", 12.8),
        "dram_channels": dram.get("channels", 1),
        "corner": base.get("corner", "typical"),
        "_templates": {"core": core, "wbank": (wbanks or abanks)[0],
                       "abank": (abanks or wbanks)[0], "link": link},
    }


def _check_uniform(base, blocks, wbanks, abanks, anyb):
    """The generator rebuilds a stack from one core and one bank of each
    role: a base it cannot reproduce is refused rather than changed."""
    where = f"base target {base['name']}"
    cores = [b for b in blocks if b["kind"] == "core"]
    fields = ("array_rows", "array_cols", "lif_units", "scratchpad_bytes",
              "dataflows")
    for b in cores[1:]:
        if any(b.get(f) != cores[0].get(f) for f in fields):
            raise TargetError(f"{where}: core '{b['name']}' differs from "
                              f"'{cores[0]['name']}'; the generator needs "
                              "identical cores")
    if anyb:
        raise TargetError(f"{where}: bank '{anyb[0]['name']}' holds any "
                          "data; the generator needs banks that hold "
                          "weights or activations")
    for role in (wbanks, abanks):
        for b in role[1:]:
            if any(b.get(f) != role[0].get(f) for f in
                   ("capacity_bytes", "width_bits", "ports")):
                raise TargetError(f"{where}: bank '{b['name']}' differs "
                                  f"from '{role[0]['name']}'; the generator "
                                  "needs identical banks of each role")
    if not wbanks and not abanks:
        raise TargetError(f"{where}: has no SRAM bank")


def _split(items, parts):
    """``items`` in ``parts`` contiguous runs, sizes differing by at most
    one, the larger runs at the bottom."""
    q, r = divmod(len(items), parts)
    out, at = [], 0
    for i in range(parts):
        n = q + (1 if i < r else 0)
        out.append(items[at:at + n])
        at += n
    return out


def _parse_stacking(value):
    m = _STACKING.match(str(value))
    if not m:
        raise TargetError(f"stacking: must be 2d, 3d-mol, 3d-lol, 3d-mol-N or "
                          f"3d-lol-N (N >= 2 tiers), got {value!r}")
    if m.group(1) == "2d":
        return "2d", 1
    tiers = int(m.group(3) or 2)
    if tiers < 2 or tiers > 16:
        raise TargetError(f"stacking: {value} must have 2 to 16 tiers")
    return m.group(2), tiers


def _blocks(v):
    t = v["_templates"]
    cores, wbanks, abanks = [], [], []
    for i in range(v["cores"]):
        b = copy.deepcopy(t["core"])
        b.update(name=f"core{i}", array_rows=v["array_rows"],
                 array_cols=v["array_cols"], lif_units=v["lif_units"],
                 scratchpad_bytes=v["scratchpad_bytes"])
        cores.append(b)
    for role, key, prefix, out in (("weights", "weight", "wglb", wbanks),
                                   ("activations", "act", "act", abanks)):
        tmpl = t["wbank" if role == "weights" else "abank"]
        for i in range(v[f"{key}_banks"]):
            b = copy.deepcopy(tmpl)
            b.update(name=f"{prefix}{i}", holds=role,
                     capacity_bytes=int(round(v[f"{key}_bank_kib"] * 1024)),
                     width_bits=v["bank_width_bits"])
            out.append(b)
    return cores, wbanks, abanks


def _tiers(kind, count, cores, wbanks, abanks):
    if kind == "2d":
        return [{"name": "die", "kind": "logic",
                 "blocks": cores + wbanks + abanks}]
    if kind == "mol":
        mem = count - 1
        names = ["memory"] if mem == 1 else [f"memory{i}" for i in range(mem)]
        tiers = [{"name": "logic", "kind": "logic", "blocks": cores}]
        for name, w, a in zip(names, _split(wbanks, mem), _split(abanks, mem)):
            tiers.append({"name": name, "kind": "memory", "blocks": w + a})
        return tiers
    if len(cores) < count:
        raise TargetError(f"stacking: 3d-lol-{count} needs at least {count} "
                          f"cores (one per logic tier), got {len(cores)}")
    return [{"name": f"logic{i}", "kind": "logic", "blocks": c + w + a}
            for i, (c, w, a) in enumerate(zip(_split(cores, count),
                                              _split(wbanks, count),
                                              _split(abanks, count)))]


class Base:
    """A base target: its file (``snn-target --print``), as the loader
    describes it, and every axis' value in it."""

    def __init__(self, name_or_path, is_file=None):
        self.name = str(name_or_path)
        if is_file is None:
            is_file = self.name not in _native.runtime().presets()
        self.file = load_base(self.name, is_file)
        self.described = _native.runtime().describe_target(self.name)
        self.values = base_values(self.file, self.described)
        self._check_rebuilt()

    def _check_rebuilt(self):
        """Refuses a base whose own point the generator would build with
        another floorplan (banks on another tier, tiers in another
        order): the sweep would not contain the base."""
        def layout(t):
            return [(tier["kind"], [b["kind"] if b["kind"] == "core" else
                                    b.get("holds") for b in tier["blocks"]])
                    for tier in t["tiers"]]
        rebuilt, _ = generate(self, {}, self.file["name"])
        if layout(rebuilt) != layout(self.file):
            raise TargetError(
                f"base target {self.name}: its floorplan is not one the "
                f"generator builds ({self.values['stacking']}: "
                "docs/dse.md, Axes); give a base that is")


def generate(base, point, name):
    """(the target file as a dict, every axis' value) for ``point``
    ({axis: value}, any subset of TARGET_AXES) derived from ``base`` (a
    Base)."""
    v = copy.deepcopy(base.values)
    for axis, value in point.items():
        if axis in TARGET_AXES:
            v[axis] = value
    kind, count = _parse_stacking(v["stacking"])
    cores, wbanks, abanks = _blocks(v)
    tiers = _tiers(kind, count, cores, wbanks, abanks)
    for t in tiers:
        if not t["blocks"]:
            raise TargetError(
                f"stacking: {v['stacking']} leaves tier '{t['name']}' empty "
                f"({v['weight_banks']} weight and {v['act_banks']} "
                "activation banks over its memory tiers)")
    link = {k: val for k, val in v["_templates"]["link"].items()
            if k not in ("lower", "upper")}
    link.update(bond_pitch_um=v["bond_pitch_um"],
                energy_pj_per_bit=v["bond_energy_pj_per_bit"])
    dram = dict(base.file.get("dram", {}))
    dram.update(bandwidth_gb_s=v["dram_gb_s"], channels=v["dram_channels"],
                tier=tiers[0]["name"])
    target = {"format": "spikestack-target", "version": 1, "name": name,
              "description": f"generated by spikestack.dse from "
                             f"{base.file['name']}",
              "technology": base.file["technology"],
              "clock_mhz": v["clock_mhz"], "dram": dram, "tiers": tiers,
              "vertical_links": [dict(lower=tiers[i]["name"],
                                      upper=tiers[i + 1]["name"], **link)
                                 for i in range(len(tiers) - 1)]}
    if "technology_overrides" in base.file:
        target["technology_overrides"] = base.file["technology_overrides"]
    if v["corner"] != "typical":
        target["corner"] = v["corner"]
    effective = {k: val for k, val in v.items() if not k.startswith("_")}
    return target, effective
