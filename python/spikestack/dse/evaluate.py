"""One point of a sweep, evaluated on a worker: generate the target file,
check the constraints the target decides, compile, estimate, run on the
model's input, flatten the report into a database row. Never raises: a
point that fails is a row with its stage and message."""
import io
import json
import os
import socket
import tempfile
import time

import numpy as np

from .. import _native
from ..compiler import CompileError, compile as compile_model
from ..runtime import Program
from .models import materialize
from .sweep import Constraint, STATIC_METRICS

KINDS = ("compute", "lif", "sram", "wire", "bond", "dram", "leakage")
BOUNDS = ("compute", "events", "sram_port", "bond", "dram", "largest")
MAX_ERROR_CHARS = 4000

# Numbers of a report, as database columns (REAL unless noted).
RUN_COLUMNS = (["cycles", "latency_us", "clock_mhz_effective", "energy_pj",
                "energy_uj", "energy_per_image_uj", "edp_uj_us"] +
               [f"energy_{k}_pj" for k in KINDS] +
               ["traffic_vertical_bits", "traffic_horizontal_bit_mm",
                "dram_bits", "dram_weight_bits", "dram_input_bits",
                "dram_spill_bits"] +
               [f"bound_{b}" for b in BOUNDS] +
               ["efficiency", "utilization_mean", "synaptic_events",
                "bank_conflict_cycles", "schedule_estimate_cycles"])
TEXT_RUN_COLUMNS = ("binding",)


def report_metrics(d, images):
    """The flat numbers of a report dict (docs/isa.md, "Report")."""
    e = d["energy_pj"]
    bounds = d.get("bounds", {}).get("total", {})
    dram = d.get("dram", {}).get("bits", {})
    util = list(d.get("utilization", {}).values())
    counters = d.get("counters", {})
    energy_uj = e["total"] * 1e-6
    row = {"cycles": d["cycles"], "latency_us": d["latency_us"],
           "clock_mhz_effective": d["clock_mhz"], "energy_pj": e["total"],
           "energy_uj": energy_uj,
           "energy_per_image_uj": energy_uj / images,
           "edp_uj_us": energy_uj / images * d["latency_us"],
           "traffic_vertical_bits": d["traffic_bits"]["vertical"],
           "traffic_horizontal_bit_mm": d["traffic_bits"]["horizontal_bit_mm"],
           "dram_bits": dram.get("total", 0.0),
           "dram_weight_bits": dram.get("weights", 0.0),
           "dram_input_bits": dram.get("inputs", 0.0),
           "dram_spill_bits": dram.get("spills", 0.0),
           "efficiency": bounds.get("efficiency"),
           "binding": bounds.get("binding"),
           "utilization_mean": sum(util) / len(util) if util else None,
           "synaptic_events": counters.get("synaptic_events"),
           "bank_conflict_cycles": counters.get("bank_conflict_cycles"),
           "schedule_estimate_cycles": d.get("schedule_estimate_cycles")}
    for k in KINDS:
        row[f"energy_{k}_pj"] = e["by_kind"].get(k, 0.0)
    for b in BOUNDS:
        row[f"bound_{b}"] = bounds.get(b)
    return row


def _fail(row, stage, message):
    row.update(status="error", stage=stage,
               error=str(message).strip()[:MAX_ERROR_CHARS])
    return row


def _check(row, constraints, static):
    for c in constraints:
        if c.static == static:
            value = row.get(c.metric)
            reason = None if value is None else c.violation(value)
            if reason:
                row.update(status="rejected", stage="constraint",
                           error=reason)
                return False
    return True


def _describe(row, target_path, corner):
    d = _native.runtime().describe_target(target_path, corner)
    for m in STATIC_METRICS:
        row[m] = d[m]
    row["tier_footprint_json"] = json.dumps(d["tier_footprint_mm2"],
                                            sort_keys=True)


def _measure(row, program, data, task):
    """Estimate, then (mode "run") run on the input; fills the row."""
    t0 = time.perf_counter()
    est = program.estimate().to_dict()
    images = program.inputs[0][1][0] if program.inputs[0][1] else 1
    row["estimate_s"] = time.perf_counter() - t0
    estimated = report_metrics(est, images)
    for k in ("cycles", "energy_pj", "latency_us", "energy_per_image_uj",
              "edp_uj_us"):
        row[f"est_{k}"] = estimated[k]
    if task["mode"] == "estimate":
        row.update(estimated, evaluated="estimate",
                   report_json=json.dumps(est, sort_keys=True))
        return
    x = np.load(io.BytesIO(data[1]), allow_pickle=False)
    t0 = time.perf_counter()
    _, report = program.run(x)
    row["run_s"] = time.perf_counter() - t0
    d = report.to_dict()
    images = x.shape[0] if x.ndim else 1
    row.update(report_metrics(d, images), evaluated="run",
               report_json=json.dumps(d, sort_keys=True))
    row["est_error"] = row["est_cycles"] / row["cycles"] - 1


def _prepare(row, task, target_path):
    """Describes the target at the point's corner and checks what can be
    checked before compiling; False when the row is finished."""
    try:
        _describe(row, target_path, task["values"]["corner"])
    except (ValueError, RuntimeError) as e:  # name no temporary path
        _fail(row, "target", str(e).replace(
            target_path, f"{task['target']['name']}.json"))
        return False
    if not _check(row, task["_constraints"], static=True):
        return False
    return True


def _compile(task, target_path, tmp, data):
    """(the program's path or None, the error or None, seconds)."""
    model = materialize(task["model_sha256"], task["model_suffix"], data[0])
    t0 = time.perf_counter()
    try:
        program = compile_model(model, target=target_path, verbose=False,
                                output=os.path.join(tmp, "p.snnp"),
                                **task["options"])
    except CompileError as e:  # name the model, not the worker's copy
        return None, str(e).replace(model, task["model_name"]), \
            time.perf_counter() - t0
    return program.path, None, time.perf_counter() - t0


def evaluate(tasks, data):
    """Points that differ only in their corner, as one task: a corner
    changes no instruction, so they share one compile and are measured at
    each corner. ``tasks``: each with key, model, options, target (dict),
    values, constraints, mode ("run" or "estimate"); ``data``: (model
    bytes, input bytes or None). Returns their rows, in order."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    rows, live = [], []
    with tempfile.TemporaryDirectory(prefix="spikestack-dse-") as tmp:
        target_path = os.path.join(tmp, "target.json")
        target = dict(tasks[0]["target"])
        target.pop("corner", None)  # each point's is selected when loading
        with open(target_path, "w") as f:
            json.dump(target, f)
        for task in tasks:
            task["_constraints"] = [Constraint(c, "constraint")
                                    for c in task["constraints"]]
            row = {"key": task["key"], "status": "ok", "stage": None,
                   "error": None, "worker": worker}
            rows.append(row)
            if task["mode"] == "run" and data[1] is None:
                _fail(row, "run", "the model has no input file (give "
                      "`input:` in the sweep, or use mode: fast)")
            elif _prepare(row, task, target_path):
                live.append((row, task))
        if not live:
            return rows
        path, error, seconds = _compile(live[0][1], target_path, tmp, data)
        for row, task in live:
            row["compile_s"] = seconds / len(live)  # the shared compile
            if error:
                _fail(row, "compile", error)
                continue
            try:
                program = Program.load(path, corner=task["values"]["corner"])
                _measure(row, program, data, task)
            except (ValueError, RuntimeError) as e:
                _fail(row, "run", e)
                continue
            _check(row, task["_constraints"], static=False)
    return rows
