"""Independent models for the executor validation tests (validation-*.test).

Everything here is derived from documents and inputs, never from the
executor: target geometry and timing from the target file and its
technology table (docs/targets.md), instruction streams and tilings from
the assembly text (`snn-translate --emit-asm`), activity from numpy. The
checkers compare these against snn-run's report and trace.
"""
import ast
import json
import math
import os
import re
import sys

import numpy as np


class CheckFailed(Exception):
    pass


class Checker:
    """Collects failures so one run reports every mismatch."""

    def __init__(self, name):
        self.name = name
        self.failures = []
        self.count = 0

    def eq(self, what, got, want):
        self.count += 1
        if got != want:
            self.failures.append(f"{what}: got {got!r}, expected {want!r}")

    def close(self, what, got, want, rel=1e-9, abs_=1e-9):
        self.count += 1
        if not math.isclose(float(got), float(want), rel_tol=rel,
                            abs_tol=abs_):
            self.failures.append(f"{what}: got {got!r}, expected {want!r}")

    def true(self, what, cond, detail=""):
        self.count += 1
        if not cond:
            self.failures.append(f"{what} {detail}".rstrip())

    def finish(self):
        if self.failures:
            for f in self.failures:
                print(f"{self.name}: FAIL {f}")
            sys.exit(1)
        print(f"{self.name}: OK ({self.count} checks)")


# ---------------------------------------------------------------------------
# Targets (docs/targets.md)
# ---------------------------------------------------------------------------

class Target:
    def __init__(self, path, src_root):
        presets = os.path.join(src_root, "lib", "Hardware", "presets")
        if not path.endswith(".json"):  # a preset name
            path = os.path.join(presets, path + ".json")
        doc = json.load(open(path))
        self.doc = doc
        self.name = doc["name"]
        tech = doc.get("technology", "tech-28nm")
        if isinstance(tech, str):
            tech = json.load(open(os.path.join(presets, tech + ".json")))
        self.tech = {k: v["value"] for k, v in tech["values"].items()}
        for k, v in doc.get("technology_overrides", {}).items():
            self.tech[k] = v["value"] if isinstance(v, dict) else v
        self.tiers = doc["tiers"]
        # Cores and banks in the order the ISA numbers them: tiers bottom to
        # top, blocks in file order.
        self.cores, self.banks = [], []
        for ti, tier in enumerate(self.tiers):
            for bi, b in enumerate(tier["blocks"]):
                (self.cores if b["kind"] == "core" else self.banks).append(
                    (ti, bi))
        self._floorplan()
        self.links = {}
        for l in doc.get("vertical_links", []):
            lo = self.tier_index(l["lower"])
            hi = self.tier_index(l["upper"])
            assert hi == lo + 1
            self.links[lo] = {
                "pitch_um": l.get("bond_pitch_um", self.tech["bond_pitch_um"]),
                "fraction": l.get("signal_fraction",
                                  self.tech["bond_signal_fraction"]),
                "pj_per_bit": l.get("energy_pj_per_bit",
                                    self.tech["bond_energy_pj_per_bit"]),
                "latency": l.get("latency_cycles",
                                 self.tech["bond_latency_cycles"]),
            }

    def tier_index(self, name):
        return [t["name"] for t in self.tiers].index(name)

    def block(self, ref):
        return self.tiers[ref[0]]["blocks"][ref[1]]

    def area(self, b):
        t = self.tech
        if b["kind"] == "sram":
            return b["capacity_bytes"] / 2**20 * t["sram_area_mm2_per_mib"]
        um2 = (b["array_rows"] * b["array_cols"] * t["pe_area_um2"] +
               b["lif_units"] * t["lif_unit_area_um2"] +
               b["scratchpad_bytes"] * t["scratchpad_area_um2_per_byte"])
        return um2 * 1e-6 * (1 + t["core_overhead_fraction"])

    def _floorplan(self):
        # Squares packed in file order into shelves sqrt(tier area) wide,
        # the tier's bounding box centred on the origin.
        self.centre, self.boxes = {}, []
        for ti, tier in enumerate(self.tiers):
            sides = [math.sqrt(self.area(b)) for b in tier["blocks"]]
            shelf = math.sqrt(sum(s * s for s in sides))
            x = y = row_h = max_x = 0.0
            pos = []
            for s in sides:
                if x > 0 and x + s > shelf * (1 + 1e-9):
                    y += row_h
                    x = row_h = 0.0
                pos.append((x + s / 2, y + s / 2))
                x += s
                row_h = max(row_h, s)
                max_x = max(max_x, x)
            w, h = max_x, y + row_h
            self.boxes.append((w, h))
            for bi, (cx, cy) in enumerate(pos):
                self.centre[(ti, bi)] = (cx - w / 2, cy - h / 2)

    def footprint(self):
        return max(w * h for w, h in self.boxes)

    def silicon(self):
        return sum(w * h for w, h in self.boxes)

    def wire_mm(self, a, b):
        (ax, ay), (bx, by) = self.centre[a], self.centre[b]
        return abs(ax - bx) + abs(ay - by)

    def clock_mhz(self):
        longest = max(self.wire_mm(c, s) for c in self.cores
                      for s in self.banks)
        extra = max(0.0, longest * self.tech["wire_delay_ns_per_mm"] -
                    self.tech["wire_slack_ns"])
        return 1000.0 / (1000.0 / self.doc["clock_mhz"] + extra)

    def link_bits_per_cycle(self, lo):
        l = self.links[lo]
        (aw, ah), (bw, bh) = self.boxes[lo], self.boxes[lo + 1]
        overlap = min(aw, bw) * min(ah, bh)
        bonds = math.floor(overlap / (l["pitch_um"] * 1e-3) ** 2)
        return math.floor(bonds * l["fraction"])

    def crossed(self, core, bank):
        c, b = self.cores[core], self.banks[bank]
        return list(range(min(c[0], b[0]), max(c[0], b[0])))

    def latency(self, core, bank):
        """Unloaded cycles from request to first bit: SRAM access and one
        registered crossing per bond link. The wire adds no cycle: the clock
        is derated until the longest wire fits in one (docs/targets.md)."""
        return (int(self.tech["sram_access_cycles"]) +
                sum(self.links[i]["latency"]
                    for i in self.crossed(core, bank)))

    def serialization(self, core, bank, bits):
        """Cycles to move `bits` through one bank port and every link crossed
        (the narrowest of them), with nothing else in flight."""
        per_cycle = self.block(self.banks[bank])["width_bits"]
        for i in self.crossed(core, bank):
            per_cycle = min(per_cycle, self.link_bits_per_cycle(i))
        return -(-bits // per_cycle)

    def core_spec(self, core):
        return self.block(self.cores[core])


# ---------------------------------------------------------------------------
# Assembly text (snn-translate --emit-asm)
# ---------------------------------------------------------------------------

TILING_RE = re.compile(
    r"^;\s+tiling (\d+): (\S+) (\d+)x(\d+) reduction (\d+) outputs (\d+) "
    r"groups (\d+) vectors (\d+) bundle (\d+) held (\d+) bits"
    r"(?: (output_stationary|weight_stationary))?(?: row_tiles (\d+))?")
LAYER_RE = re.compile(r"^; layer (\d+): (\S+)")


def parse_instr(line):
    tok = line.split()
    ins = {"op": tok[0]}
    i = 1
    if tok[0] in ("load", "vector"):
        ins["sub"] = tok[1]
        i = 2
    if tok[0] in ("signal",):
        ins["barrier"] = int(tok[1])
        i = 2
    if tok[0] == "wait":
        ins["barrier"] = int(tok[1])
        i = 2
    while i < len(tok):
        if i + 1 < len(tok) and re.fullmatch(r"-?\d+", tok[i + 1]):
            ins[tok[i]] = int(tok[i + 1])
            i += 2
        else:
            ins[tok[i]] = True
            i += 1
    return ins


class Asm:
    def __init__(self, path):
        self.layers, self.tilings, self.streams = {}, {}, []
        layer = None
        stream = None
        for raw in open(path):
            line = raw.rstrip("\n")
            m = LAYER_RE.match(line)
            if m:
                layer = int(m.group(1))
                self.layers[layer] = m.group(2)
                self.tilings[layer] = {}
                continue
            m = TILING_RE.match(line)
            if m:
                g = m.groups()
                self.tilings[layer][int(g[0])] = {
                    "kind": g[1], "rows": int(g[2]), "cols": int(g[3]),
                    "reduction": int(g[4]), "outputs": int(g[5]),
                    "groups": int(g[6]), "vectors": int(g[7]),
                    "bundle": int(g[8]), "held": int(g[9]),
                    "dataflow": g[10] or "weight_stationary",
                    "row_tiles": int(g[11] or 1)}
                continue
            m = re.match(r"^\.stream core (\d+)", line)
            if m:
                assert int(m.group(1)) == len(self.streams)
                stream = []
                self.streams.append(stream)
                continue
            if line.startswith(".end"):
                stream = None
                continue
            if stream is not None and line.strip() and \
                    not line.lstrip().startswith(";"):
                stream.append(parse_instr(line.strip()))

    def instrs(self, op=None):
        """(core, index, instruction), in stream order."""
        for c, s in enumerate(self.streams):
            for i, ins in enumerate(s):
                if op is None or ins["op"] == op:
                    yield c, i, ins

    def weight_bank_of(self, core, index):
        """The bank named by the last `load weights` before instruction
        `index` of `core` (the array op's weight source)."""
        for ins in reversed(self.streams[core][:index]):
            if ins["op"] == "load" and ins["sub"] == "weights":
                return ins["bank"]
        return None


# ---------------------------------------------------------------------------
# Trace (Chrome trace JSON; times in microseconds)
# ---------------------------------------------------------------------------

def load_trace(path, clock_mhz):
    """Complete events with start and duration converted back to cycles."""
    doc = json.load(open(path))
    out = []
    for e in doc["traceEvents"]:
        if e.get("ph") != "X":
            continue
        start = e["ts"] * clock_mhz
        dur = e["dur"] * clock_mhz
        assert abs(start - round(start)) < 1e-3 and \
            abs(dur - round(dur)) < 1e-3, e
        out.append({"name": e["name"], "tid": e["tid"],
                    "start": int(round(start)), "dur": int(round(dur)),
                    "args": e.get("args", {})})
    return out


def array_events(trace, core_count):
    """spike_acc / and_acc / score_value events keyed by (layer, task)."""
    ev = {}
    for e in trace:
        if re.match(r"^(spike_acc|and_acc|score_value) L\d+ t\d+$", e["name"]):
            assert e["tid"] % 3 == 0 and e["tid"] // 3 < core_count, e
            key = (e["args"]["layer"], e["args"]["task"])
            assert key not in ev, key
            ev[key] = dict(e, core=e["tid"] // 3)
    return ev


# ---------------------------------------------------------------------------
# MLIR source helpers
# ---------------------------------------------------------------------------

def dense_constants(mlir_path):
    """The integer `snn.constant dense<...> : tensor<AxBxi8>` literals of a
    hand-written module, in order, as numpy arrays."""
    text = open(mlir_path).read()
    out = []
    for m in re.finditer(r"snn\.constant dense<(\[.*?\])> : tensor<([\dx]+)xi8>",
                         text, re.S):
        shape = tuple(int(d) for d in m.group(2).split("x"))
        a = np.array(ast.literal_eval(m.group(1)), dtype=np.int64)
        assert a.shape == shape, (a.shape, shape)
        out.append(a)
    return out


# ---------------------------------------------------------------------------
# Weight-stationary pass model (the brief of docs/isa.md's execution model)
# ---------------------------------------------------------------------------

def passes_of(tiling, instr, nonzero):
    """The passes of one array instruction, in order: (k block rows, number
    of vectors of the bundle that are non-zero in the k block).
    `nonzero[v, k]` is 1 when vector v has a non-zero in k block k."""
    R, K = tiling["rows"], tiling["reduction"]
    V, B = instr["vectors"], instr["bundle"]
    kT = instr["k_tiles"]
    out = []
    for b0 in range(0, V, B):
        vn = min(B, V - b0)
        for k in range(kT):
            rows = min(R, K - k * R)
            out.append((rows, int(nonzero[b0:b0 + vn, k].sum()), vn))
    return out


def block_nonzero(x2d, R):
    """x2d: [V, K] -> [V, kT] count of non-zeros of each vector per k block."""
    V, K = x2d.shape
    kT = -(-K // R)
    out = np.zeros((V, kT), dtype=np.int64)
    for k in range(kT):
        out[:, k] = (x2d[:, k * R:(k + 1) * R] != 0).sum(axis=1)
    return out
