"""spikestack.dse (docs/dse.md): sweep files, generated targets, Pareto
fronts, the recommendation, and sweeps on a Dask LocalCluster (2 and 1
workers give the same database; a sweep killed midway resumes without
computing a stored point again; failures are rows; fast mode).

Expected numbers come from elsewhere: the shipped preset files (targets),
hand-worked point sets (fronts, recommendation), snn-compile and snn-run
on the command line (a database row)."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
MODELS = os.path.join(ROOT, "test", "data", "models")
SMALL = os.path.join(ROOT, "examples", "dse", "small.yaml")

from spikestack import _native  # noqa: E402
from spikestack.dse import pareto, report  # noqa: E402
from spikestack.dse.store import Store  # noqa: E402
from spikestack.dse.sweep import Sweep, SweepError  # noqa: E402
from spikestack.dse.targets import Base, TargetError, generate  # noqa: E402


def write(tmp_path, text, name="sweep.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def dse(*args, check=True, **kw):
    """python -m spikestack.dse ARGS; returns the CompletedProcess."""
    proc = subprocess.run([sys.executable, "-m", "spikestack.dse", *args,
                           "--no-progress"] if args[0] != "report" else
                          [sys.executable, "-m", "spikestack.dse", *args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, **kw)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


MODEL_LINE = (f"  - {{name: c1, onnx: {MODELS}/spikformer-c1-128.onnx}}\n")


# --------------------------------------------------------------- sweep files

def test_expansion_products_grids_and_ranges(tmp_path):
    s = Sweep(write(tmp_path, "models:\n" + MODEL_LINE + """
axes:
  cores: [4, 8]
  weight_bank_kib: {from: 32, to: 256, times: 2}
  clock_mhz: {from: 400, to: 500, step: 50}
grids:
  - {stacking: [2d, 3d-mol]}
  - {stacking: [3d-mol], dram_gb_s: [25.6]}
"""))
    # 2 x 4 x 3 for each of 2 + 1 stackings
    assert len(s.points) == 2 * 4 * 3 * 3
    kibs = sorted({p.values["weight_bank_kib"] for p in s.points})
    assert kibs == [32.0, 64.0, 128.0, 256.0]
    assert sorted({p.values["clock_mhz"] for p in s.points}) == [400, 450, 500]
    assert [p.index for p in s.points] == list(range(len(s.points)))
    assert Sweep(s.path).points[5].values == s.points[5].values


@pytest.mark.parametrize("body, message", [
    ("axes: {corez: [4]}", "sweep.yaml.axes.corez: unknown axis 'corez'"),
    ("axes: {cores: [4, x]}", "sweep.yaml.axes.cores[1]: must be a number, "
                              "got 'x'"),
    ("axes: {cores: [4.5]}", "axes.cores[0]: must be an integer"),
    ("axes: {cores: []}", "axes.cores: an empty list"),
    ("axes: {cores: [4, 4]}", "axes.cores: a value is listed twice"),
    ("axes: {clock_mhz: {from: 1, to: 2}}", "a range is {from, to, step}"),
    ("axes: {clock_mhz: {from: 1, to: 9, times: 1}}",
     "needs times > 1 and from > 0, got times 1"),
    ("axes: {clock_mhz: {from: 9, to: 1, step: 1}}", "to (1) is below from"),
    ("axes: {clock_mhz: {from: 1, to: 1.0e+5, step: 1.0e-3}}",
     "gives more than 1000000 values"),
    ("axes: {clock_mhz: {from: 1, to: 2, step: 5.0e-324}}",
     "gives more than 1000000 values"),
    ("axes: {clock_mhz: [.nan]}", "must be a finite number in [1, 100000]"),
    ("axes: {cores: [0]}", "axes.cores[0]: must be a finite number in "
                           "[1, 4096], got 0"),
    ("axes: {cores: [1e3]}", None),
    ("models: [{zoo: 123}]", "models[0].zoo: must be a string, got 123"),
    ("constraints: ['cycles <= e']", "constraints[0]: 'e' is not a number"),
    ("1: 2", "unknown key(s) ['1']"),
    ("axes: {cores: {1: 2, a: 3}}", "a range is {from, to, step}"),
    ("mode: slow", "sweep.yaml.mode: must be full or fast"),
    ("colour: red", "unknown key(s) ['colour']"),
    ("constraints: ['area < 3']", "constraints[0]: must be 'METRIC OP NUMBER'"),
    ("weight_bits: [8]\naxes: {weight_bits: [4]}", "weight_bits is given twice"),
])
def test_sweep_errors_name_the_entry(tmp_path, body, message):
    text = ("models:\n" + MODEL_LINE if not body.startswith("models") else
            "") + body
    if message is None:  # accepted: YAML 1.1 reads 1e3 as a string
        assert Sweep(write(tmp_path, text)).points[0].values["cores"] == 1000
        return
    with pytest.raises(SweepError) as e:
        Sweep(write(tmp_path, text))
    assert message in str(e.value)


def test_sweep_file_errors(tmp_path):
    with pytest.raises(SweepError, match="models\\[0\\].onnx: no file"):
        Sweep(write(tmp_path, "models:\n  - {onnx: nothere.onnx}\n"))
    with pytest.raises(SweepError, match="must be a mapping"):
        Sweep(write(tmp_path, "- 1\n- 2\n"))
    with pytest.raises(SweepError, match="not valid YAML"):
        Sweep(write(tmp_path, "models: [\n"))
    proc = dse(str(tmp_path / "absent.yaml"), check=False)
    assert proc.returncode == 1
    assert proc.stderr.startswith("spikestack.dse: error: cannot read")
    assert "Traceback" not in proc.stderr


def test_keys(tmp_path):
    """A key names one result: two names for one file are two points;
    an axis set to the base's value is the base point; an int and a float
    of one value are one key."""
    from spikestack.dse.runner import _tasks
    s = Sweep(write(tmp_path, "models:\n" + MODEL_LINE +
                    f"  - {{name: c2, onnx: {MODELS}/spikformer-c1-128.onnx}}"
                    """
grids:
  - {stacking: [2d]}
  - {stacking: [2d], clock_mhz: [500.0]}
  - {stacking: [2d], bond_pitch_um: [4.5]}
"""))
    for m in s.models:
        m.resolve(None)
    keys = [r["key"] for _, r in _tasks(s, Base("3d-mol"))]
    assert len(s.points) == 6 and len(keys) == 4 == len(set(keys))
    assert keys == [r["key"] for _, r in _tasks(s, Base("3d-mol"))]


def test_base_target_file(tmp_path):
    """A base target given as a file, relative to the sweep file; one the
    generator cannot reproduce is refused."""
    base = json.loads(subprocess.run(
        [_native.tool("snn-target"), "--print", "2d"], check=True,
        stdout=subprocess.PIPE).stdout)
    (tmp_path / "mine.json").write_text(json.dumps(base))
    s = Sweep(write(tmp_path, "base_target: mine.json\nmodels:\n" +
                    MODEL_LINE))
    assert Base(s.base_target).values["stacking"] == "2d"
    base["tiers"][0]["blocks"][1]["array_rows"] = 16
    (tmp_path / "odd.json").write_text(json.dumps(base))
    with pytest.raises(TargetError, match="core 'core1' differs from "
                       "'core0'; the generator needs identical cores"):
        Base(str(tmp_path / "odd.json"))
    mol = json.loads(subprocess.run(
        [_native.tool("snn-target"), "--print", "3d-mol"], check=True,
        stdout=subprocess.PIPE).stdout)
    acts = [b for b in mol["tiers"][1]["blocks"] if b["name"].startswith("act")]
    mol["tiers"][1]["blocks"] = mol["tiers"][1]["blocks"][:8]
    mol["tiers"][0]["blocks"] += acts  # activation banks beside the cores
    (tmp_path / "moved.json").write_text(json.dumps(mol))
    with pytest.raises(TargetError, match="its floorplan is not one the "
                       "generator builds"):
        Base(str(tmp_path / "moved.json"))
    with pytest.raises(SweepError, match="base_target: no preset or file "
                       "'nothere'"):
        Sweep(write(tmp_path, "base_target: nothere\nmodels:\n" +
                    MODEL_LINE))


# ---------------------------------------------------------- generated targets

def describe(target, tmp_path, name):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(target))
    return _native.runtime().describe_target(str(path))


@pytest.mark.parametrize("stacking", ["2d", "3d-mol", "3d-lol"])
def test_generated_targets_equal_the_presets(tmp_path, stacking):
    """From 3d-mol's templates, each stacking rebuilds the preset of that
    name: same footprint, silicon, clock, tiers (the presets are
    hand-written files)."""
    target, values = generate(Base("3d-mol"), {"stacking": stacking}, "g")
    ours = describe(target, tmp_path, stacking)
    preset = _native.runtime().describe_target(stacking)
    for k in ("footprint_mm2", "silicon_mm2", "effective_clock_mhz",
              "tiers", "pes", "sram_bytes", "weight_sram_bytes"):
        assert ours[k] == pytest.approx(preset[k], rel=1e-12), k
    assert values["stacking"] == stacking and values["cores"] == 8


def test_axes_reach_the_target(tmp_path):
    target, _ = generate(Base("3d-mol"), {
        "stacking": "3d-mol-3", "cores": 6, "array_rows": 16,
        "array_cols": 64, "weight_banks": 5, "weight_bank_kib": 256,
        "act_banks": 2, "act_bank_kib": 32, "bond_pitch_um": 4.5,
        "clock_mhz": 400, "dram_gb_s": 25.6, "dram_channels": 2,
        "corner": "hot"}, "g")
    d = describe(target, tmp_path, "n")
    assert d["tiers"] == 3 and d["cores"] == 6 and d["pes"] == 6 * 16 * 64
    assert d["weight_sram_bytes"] == 5 * 256 * 1024
    assert d["activation_sram_bytes"] == 2 * 32 * 1024
    assert d["corner"] == "hot" and d["clock_mhz"] == 400
    assert [len(t["blocks"]) for t in target["tiers"]] == [6, 3 + 1, 2 + 1]
    assert all(l["bond_pitch_um"] == 4.5 for l in d["vertical_links"])
    # SRAM area 1.5 mm2/MiB: 1.25 + 0.0625 MiB on the two memory tiers
    assert d["silicon_mm2"] - d["tier_footprint_mm2"]["logic"] == \
        pytest.approx(1.5 * (5 * 0.25 + 2 / 32), rel=0.35)
    with pytest.raises(TargetError, match="3d-lol-4 needs at least 4 cores"):
        generate(Base("3d-mol"), {"stacking": "3d-lol-4", "cores": 2}, "g")
    with pytest.raises(TargetError, match="stacking: must be"):
        generate(Base("3d-mol"), {"stacking": "4d"}, "g")


# ------------------------------------------------------ fronts, recommendation

def test_pareto_front_hand_worked():
    pts = {"a": (1, 9, 5), "b": (2, 4, 5), "c": (3, 4, 5), "d": (2, 4, 5),
           "e": (9, 1, 5), "f": (5, 5, 1), "g": (5, 5, 2), "h": (None, 1, 1)}
    front = pareto.front(list(pts), lambda k: pts[k])
    # c is dominated by b; g by f; h has no latency; b and d tie
    assert front == ["a", "b", "d", "e", "f"]
    assert pareto.dominates((1, 1), (1, 2)) and not pareto.dominates((1, 1),
                                                                    (1, 1))


def row(stacking, latency, energy, footprint, **kw):
    r = {"stacking": stacking, "latency_us": latency,
         "energy_per_image_uj": energy, "footprint_mm2": footprint,
         "edp_uj_us": latency * energy, "key": f"{stacking}{latency}",
         "act_banks": 4, "act_bank_kib": 64, "weight_banks": 8,
         "weight_bank_kib": 128, "cores": 8, "array_rows": 32,
         "array_cols": 32, "clock_mhz": 500, "corner": "typical",
         "weight_bits": 8, "head_keep_ratio": 1.0, "evaluated": "run",
         "est_latency_us": latency * 2, "est_energy_per_image_uj": energy,
         "est_edp_uj_us": latency * 2 * energy}
    r.update(kw)
    return r


def test_recommendation_against_2d_of_the_same_footprint():
    rows = [row("3d-mol", 78, 62, 3.3), row("2d", 100, 100, 3.4),
            row("2d", 90, 200, 6.0), row("2d", 60, 150, 9.0)]
    c = report.comparisons(rows)
    assert c["fp2"]["footprint_mm2"] == 3.4  # within 5 % of 3.3
    assert c["lat2"]["latency_us"] == 60  # 2D within 3D's latency: 60, 78
    text = report.recommendation("m", c)
    assert text.startswith("For m, 3d-mol with 1.25 MiB SRAM (8 x 128 KiB "
                           "weights) over 8 cores of 32x32 at 500 MHz: "
                           "-38 % energy, -22 % latency against the best 2D "
                           "point of the same footprint")
    assert text.endswith("3D is worth it: -52 % energy-delay product.")
    worse = [row("3d-mol", 100, 120, 3.3), row("2d", 100, 100, 3.3)]
    assert "3D does not pay" in report.recommendation(
        "m", report.comparisons(worse))
    # Options: an int4 3D point is compared with int4 2D points only.
    int4 = [row("3d-mol", 50, 50, 3.3, weight_bits=4), row("2d", 100, 100, 3.3),
            row("2d", 120, 90, 3.3, weight_bits=4)]
    c = report.comparisons(int4)
    assert c["fp2"]["weight_bits"] == 4 and c["best2"]["latency_us"] == 120
    # Kinds: 3D only estimated, 2D run: estimates on both sides.
    mixed = [row("3d-mol", 78, 62, 3.3, evaluated="estimate"),
             row("2d", 100, 100, 3.4)]
    c = report.comparisons(mixed)
    assert c["fp2"]["evaluated"] == "estimate"
    assert c["fp2"]["latency_us"] == 200 and c["best3"]["latency_us"] == 78
    alone = [row("3d-mol", 100, 120, 3.3), row("2d", 100, 100, 6.0)]
    assert "no 2D point of the sweep fits that footprint (the smallest " \
        "needs 6.00 mm2)" in report.recommendation(
            "m", report.comparisons(alone))


# --------------------------------------------------------- sweeps on Dask

@pytest.fixture(scope="module")
def small2(tmp_path_factory):
    """The small sweep on 2 workers."""
    db = str(tmp_path_factory.mktemp("small2") / "small.sqlite")
    proc = dse(SMALL, "--db", db, "--workers", "2")
    assert "40 points (run), 0 already in" in proc.stderr
    return db


def test_small_sweep_rows(small2):
    rows = Store(small2).rows()
    assert len(rows) == 40 and all(r["status"] == "ok" for r in rows)
    assert {r["evaluated"] for r in rows} == {"run"}
    for r in rows:  # the report's own numbers, flattened consistently
        rep = json.loads(r["report_json"])
        assert r["cycles"] == rep["cycles"]
        assert r["energy_per_image_uj"] == pytest.approx(
            rep["energy_pj"]["total"] * 1e-6)
        assert r["edp_uj_us"] == pytest.approx(
            r["energy_per_image_uj"] * r["latency_us"])
        assert r["est_error"] == pytest.approx(
            r["est_cycles"] / r["cycles"] - 1)
    flat = [r["footprint_mm2"] for r in rows if r["stacking"] == "2d"]
    stacked = [r["footprint_mm2"] for r in rows if r["stacking"] != "2d"]
    assert min(flat) > max(stacked)


def test_a_row_equals_the_command_line_tools(small2, tmp_path):
    """One point compiled with snn-compile and run with snn-run."""
    r = Store(small2).rows("model = 'sdtmoe-1-128' AND stacking = '3d-lol' "
                           "AND cores = 4 AND weight_bank_kib = 64")[0]
    (tmp_path / "t.json").write_text(r["target_json"])
    subprocess.run([_native.tool("snn-compile"),
                    f"{MODELS}/sdtmoe-1-128.onnx", "--target",
                    str(tmp_path / "t.json"), "-o", str(tmp_path / "p.snnp")],
                   check=True)
    subprocess.run([_native.tool("snn-run"), str(tmp_path / "p.snnp"),
                    "--input", f"image={MODELS}/sdtmoe-1-128.input.npy",
                    "--output-dir", str(tmp_path / "out"), "--report",
                    str(tmp_path / "r.json")], check=True,
                   stdout=subprocess.DEVNULL)
    rep = json.loads((tmp_path / "r.json").read_text())
    assert r["cycles"] == rep["cycles"]
    assert r["energy_pj"] == pytest.approx(rep["energy_pj"]["total"],
                                           rel=1e-12)
    assert r["footprint_mm2"] == pytest.approx(rep["footprint_mm2"])


def test_one_worker_gives_the_same_database(small2, tmp_path):
    db = str(tmp_path / "one.sqlite")
    dse(SMALL, "--db", db, "--workers", "1")
    assert Store(db).canonical() == Store(small2).canonical()


def test_an_existing_cluster(small2, tmp_path):
    """--scheduler: dask-scheduler and two dask-workers started apart
    from the sweep (Debian's command-line tools, as modules) compute the
    same database."""
    info = tmp_path / "scheduler.json"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    procs = [subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host",
         "127.0.0.1", "--port", "0", "--dashboard-address", "127.0.0.1:0",
         "--scheduler-file", str(info)], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)]
    try:
        deadline = time.time() + 60
        while not info.exists() and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(0.2)  # the file is written whole, but let it land
        address = json.loads(info.read_text())["address"]
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address,
             "--nthreads", "1", "--nworkers", "2", "--host", "127.0.0.1",
             "--no-dashboard"], env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL))
        db = str(tmp_path / "cluster.sqlite")
        dse(SMALL, "--db", db, "--scheduler", address)
        assert Store(db).canonical() == Store(small2).canonical()
        with sqlite3.connect(db) as c:
            assert c.execute("SELECT workers, scheduler FROM sweeps").fetchone() \
                == (None, address)
    finally:
        for p in reversed(procs):
            p.terminate()
            p.wait(timeout=60)


def count(db):
    try:
        with sqlite3.connect(db) as c:
            return c.execute("SELECT COUNT(*) FROM points").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_killed_sweep_resumes(small2, tmp_path):
    """SIGKILL to the sweep and its workers midway; the rerun computes
    only the missing points and ends with the uninterrupted database."""
    db = str(tmp_path / "killed.sqlite")
    proc = subprocess.Popen([sys.executable, "-m", "spikestack.dse", SMALL,
                             "--db", db, "--workers", "2", "--no-progress"],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while count(db) < 4 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(db) as c:
        before = dict(c.execute("SELECT key, computed_at FROM points"))
    assert 4 <= len(before) < 40, "the sweep was not stopped midway"
    again = dse(SMALL, "--db", db, "--workers", "2")
    assert (f"40 points (run), {len(before)} already in {db}, "
            f"{40 - len(before)} to compute") in again.stderr
    with sqlite3.connect(db) as c:
        after = dict(c.execute("SELECT key, computed_at FROM points"))
        sessions = c.execute("SELECT session, computed, interrupted FROM "
                             "sweeps ORDER BY session").fetchall()
    assert all(after[k] == t for k, t in before.items())  # not recomputed
    assert sessions[1][1:] == (40 - len(before), 0)
    assert Store(db).canonical() == Store(small2).canonical()
    finished = dse(SMALL, "--db", db, "--workers", "2")
    assert "40 already in" in finished.stderr and "0 to compute" in \
        finished.stderr


def test_failures_are_rows(tmp_path):
    """A target that cannot be built, one the placer refuses and one a
    constraint rejects are rows with their reasons; the rest run."""
    sweep = write(tmp_path, "models:\n" + MODEL_LINE + """
constraints: ["footprint_mm2 <= 5"]
grids:
  - {stacking: [3d-lol-8], cores: [4]}
  - {stacking: [3d-mol], act_banks: [0], weight_banks: [1]}
  - {stacking: [2d], cores: [8]}
  - {stacking: [3d-mol], cores: [4]}
""")
    db = str(tmp_path / "f.sqlite")
    dse(sweep, "--db", db, "--workers", "2")
    rows = {r["point_index"]: r for r in Store(db).rows()}
    assert rows[0]["stage"] == "target" and "needs at least 8 cores" in \
        rows[0]["error"]
    assert rows[1]["stage"] == "compile" and rows[1]["error"].startswith(
        "c1:") and "no bank that holds activations" in rows[1]["error"]
    assert rows[2]["status"] == "rejected" and rows[2]["error"] == (
        f"footprint_mm2 = {rows[2]['footprint_mm2']:.6g} violates "
        "footprint_mm2 <= 5")
    assert rows[3]["status"] == "ok" and rows[3]["cycles"] > 0
    text = dse("report", db).stdout
    assert "4 points: 1 evaluated, 2 failed, 1 rejected" in text
    # A constraint on the run's numbers, added later, applies to the stored
    # rows without recomputing them; removed, it gives them back.
    with sqlite3.connect(db) as c:
        before = dict(c.execute("SELECT key, computed_at FROM points"))
    tight = write(tmp_path, open(sweep).read().replace(
        '"footprint_mm2 <= 5"', '"footprint_mm2 <= 5", "latency_us < 1"'),
        "tight.yaml")
    again = dse(tight, "--db", db, "--workers", "1").stderr
    assert "the constraints changed the status of 1 stored point(s)" in again
    assert "1 to compute" in again  # the point rejected before compiling
    r3 = Store(db).rows("point_index = 3")[0]
    assert r3["status"] == "rejected" and r3["error"].startswith(
        "latency_us = ")
    dse(sweep, "--db", db, "--workers", "1")
    with sqlite3.connect(db) as c:
        after = dict(c.execute("SELECT key, computed_at FROM points"))
    assert Store(db).rows("point_index = 3")[0]["status"] == "ok"
    assert all(after[k] == before[k] for k in before
               if k != rows[2]["key"])


def test_corners_share_a_compile(tmp_path):
    """Points that differ only in the corner: one compile, the same
    cycles, leakage in the technology table's ratios (0.1, 0.5 and 4 mW
    per 32 KiB); an unknown corner is that point's error only."""
    db = str(tmp_path / "c.sqlite")
    dse(write(tmp_path, "models:\n" + MODEL_LINE +
              "axes: {stacking: [3d-lol], corner: [cold, typical, hot, "
              "worst]}\n"), "--db", db, "--workers", "2")
    rows = Store(db).rows()
    assert rows[0]["stage"] == "target" and rows[0]["error"].startswith(
        "unknown corner 'cold' of technology 'tech-28nm'")
    ok = rows[1:]
    assert len({r["worker"] for r in rows}) == 1
    assert len({r["cycles"] for r in ok}) == 1
    leak = [r["energy_leakage_pj"] for r in ok]
    assert leak[1] / leak[0] == pytest.approx(5)
    assert leak[2] / leak[0] == pytest.approx(40)


def test_fast_mode_reruns_the_best(tmp_path):
    db = str(tmp_path / "fast.sqlite")
    proc = dse(SMALL, "--db", db, "--workers", "2", "--mode", "fast")
    assert "40 points (estimate)" in proc.stderr
    rows = Store(db).rows()
    ran = [r for r in rows if r["evaluated"] == "run"]
    # rerun_top (3) per model among the 2D points and among the 3D ones
    assert len(ran) == 2 * 2 * 3
    for model in ("sdtmoe-1-128", "spikformer-c1-128"):
        for flat in (True, False):
            side = sorted((r for r in rows if r["model"] == model and
                           (r["stacking"] == "2d") == flat),
                          key=lambda r: (r["est_edp_uj_us"], r["key"]))
            assert all(r["evaluated"] == "run" for r in side[:3])
            assert all(r["evaluated"] == "estimate" for r in side[3:])
    # the dense estimate: within 5 % of the run's cycles on the Spikformer;
    # above the run on the MoE model (it runs every expert)
    for r in ran:
        if r["model"] == "spikformer-c1-128":
            assert abs(r["est_error"]) < 0.05
        else:
            assert r["est_cycles"] >= r["cycles"]
    assert "0 to compute" in dse(SMALL, "--db", db, "--workers", "1",
                                 "--mode", "fast").stderr


def test_databases_and_outputs(small2, tmp_path):
    """Not a results database: refused, untouched; reports to a device
    write no plots; the writer follows links and keeps devices."""
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as c:
        c.execute("CREATE TABLE t (x)")
    before = other.read_bytes()
    for args in (("report", str(other)), (SMALL, "--db", str(other)),
                 (SMALL, "--db", str(tmp_path))):
        bad = dse(*args, check=False)
        assert bad.returncode == 1 and "Traceback" not in bad.stderr
        assert bad.stderr.startswith("spikestack.dse: error: ")
    assert other.read_bytes() == before
    with sqlite3.connect(other) as c:  # a table called meta is not enough
        c.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    before = other.read_bytes()
    bad = dse(SMALL, "--db", str(other), check=False)
    assert "not a spikestack.dse results database" in bad.stderr
    assert other.read_bytes() == before
    same = dse("report", small2, "-o", small2, check=False)
    assert same.returncode == 1 and "is the results database" in same.stderr
    os.symlink("/dev/null", tmp_path / "device.md")  # a device, named here
    assert dse("report", small2, "-o", str(tmp_path / "device.md")
               ).returncode == 0
    assert not os.path.exists(tmp_path / "device-plots")
    assert os.path.islink(tmp_path / "device.md")
    from spikestack.output import write_text
    (tmp_path / "real.md").write_text("old")
    os.symlink("real.md", tmp_path / "link.md")
    write_text(str(tmp_path / "link.md"), "new")
    assert os.path.islink(tmp_path / "link.md")
    assert (tmp_path / "real.md").read_text() == "new"
    with pytest.raises(OSError, match="no directory"):
        write_text(str(tmp_path / "none" / "x.md"), "x")


def test_compile_options_swept(tmp_path):
    """weight_bits and head_keep_ratio reach snn-compile: four rows,
    int4 weights move fewer DRAM bits than int8 ones."""
    db = str(tmp_path / "o.sqlite")
    dse(write(tmp_path, "models:\n" + MODEL_LINE + "weight_bits: [4, 8]\n"
              "head_keep_ratio: [0.5, 1]\naxes: {stacking: [3d-lol]}\n"),
        "--db", db, "--workers", "2")
    rows = Store(db).rows()
    assert [(r["weight_bits"], r["head_keep_ratio"], r["status"])
            for r in rows] == [(4, 0.5, "ok"), (4, 1.0, "ok"), (8, 0.5, "ok"),
                               (8, 1.0, "ok")]
    assert len({r["key"] for r in rows}) == 4
    assert rows[1]["dram_weight_bits"] < rows[3]["dram_weight_bits"] or \
        rows[1]["energy_sram_pj"] < rows[3]["energy_sram_pj"]
    assert rows[0]["energy_pj"] != rows[1]["energy_pj"]  # pruned heads


def test_full_mode_needs_inputs(tmp_path):
    import shutil
    shutil.copy(f"{MODELS}/spikformer-c1-128.onnx", tmp_path / "m.onnx")
    proc = dse(write(tmp_path, "models: [{onnx: m.onnx}]\n"), "--db",
               str(tmp_path / "x.sqlite"), check=False)
    assert proc.returncode == 1
    assert "sweep.yaml.models[0]: m has no input file" in proc.stderr


def test_fast_mode_without_input(tmp_path):
    """No input file: fast mode keeps the estimates, re-runs nothing."""
    import shutil
    shutil.copy(f"{MODELS}/spikformer-c1-128.onnx", tmp_path / "m.onnx")
    db = str(tmp_path / "n.sqlite")
    dse(write(tmp_path, "mode: fast\nmodels: [{onnx: m.onnx}]\n"
              "axes: {stacking: [2d, 3d-mol]}\n"), "--db", db,
        "--workers", "1")
    rows = Store(db).rows()
    assert [(r["status"], r["evaluated"]) for r in rows] == \
        [("ok", "estimate")] * 2


def test_report(small2, tmp_path):
    out = tmp_path / "r.md"
    dse("report", small2, "-o", str(out))
    text = out.read_text()
    rows = [r for r in Store(small2).rows() if r["model"] == "sdtmoe-1-128"]
    objs = [(r["latency_us"], r["energy_per_image_uj"], r["footprint_mm2"])
            for r in rows]
    front = [o for o in objs if not any(
        all(p <= q for p, q in zip(x, o)) and x != o for x in objs)]
    assert (f"Pareto front (latency, energy per image, footprint): "
            f"{len(front)} of 20 points.") in text
    assert text.count("**Recommendation.** For ") == 2
    png = tmp_path / "r-plots" / "sdtmoe-1-128-front.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = dse("report", str(tmp_path / "none.sqlite"), check=False)
    assert bad.returncode == 1 and "no results database" in bad.stderr
