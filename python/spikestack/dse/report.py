"""``python -m spikestack.dse report results.sqlite``: per model, the
Pareto front (latency, energy per image, footprint), the EDP optimum,
the best 3D and best 2D points at equal footprint and at equal latency,
a plain-language recommendation, and the plots (matplotlib)."""
import datetime
import os

from . import pareto
from ..output import is_stream
from .store import Store

OBJECTIVES = ("latency_us", "energy_per_image_uj", "footprint_mm2")
TOLERANCE = 0.05  # "equal" footprint or latency: within 5 %
COLORS = {"2d": "#4e79a7", "3d-mol": "#f28e2b", "3d-lol": "#59a14f"}
MORE_COLORS = ["#e15759", "#b07aa1", "#76b7b2", "#edc948", "#9c755f",
               "#ff9da7", "#bab0ac"]


def family(row):
    return "2D" if row["stacking"] == "2d" else "3D"


def _sram_mib(r):
    """SRAM from the axes (a point that failed has no target numbers)."""
    return (r["weight_banks"] * r["weight_bank_kib"] +
            r["act_banks"] * r["act_bank_kib"]) / 1024


def describe(r):
    """A point in words: '3d-mol with 1.25 MiB SRAM over 8 cores of 32x32
    at 500 MHz'."""
    text = (f"{r['stacking']} with {_sram_mib(r):.3g} MiB SRAM "
            f"({int(r['weight_banks'])} x {r['weight_bank_kib']:g} KiB "
            f"weights) over {int(r['cores'])} cores of "
            f"{int(r['array_rows'])}x{int(r['array_cols'])} at "
            f"{r['clock_mhz']:g} MHz")
    extras = []
    if r["corner"] != "typical":
        extras.append(f"{r['corner']} corner")
    if r["weight_bits"] != 8:
        extras.append(f"int{int(r['weight_bits'])} weights")
    if r["head_keep_ratio"] < 1:
        extras.append(f"head keep ratio {r['head_keep_ratio']:g}")
    return text + (f" ({', '.join(extras)})" if extras else "")


def _pct(ours, theirs):
    x = (ours / theirs - 1) * 100
    return f"{x:+.1f} %" if abs(x) < 9.95 else f"{x:+.0f} %"


def _best(rows, key):
    return min(rows, key=lambda r: (r[key], r["key"])) if rows else None


def as_estimate(r):
    """The row with its static estimate in place of the run's numbers."""
    if r["evaluated"] != "run":
        return r
    e = dict(r, evaluated="estimate")
    for k in ("latency_us", "energy_per_image_uj", "edp_uj_us"):
        e[k] = r[f"est_{k}"]
    return e


def _options(r):
    return (r["weight_bits"], r["head_keep_ratio"], r["corner"])


def comparisons(rows):
    """The best 3D point (EDP) and the 2D points it is compared with: of
    its compile options and corner, and of one kind of numbers (the
    executor's when both sides have executor-run points, as after fast
    mode's re-runs)."""
    ran = [r for r in rows if r["evaluated"] == "run"]
    if {family(r) for r in ran} == {"2D", "3D"}:
        rows = ran
    elif len(ran) != len(rows):  # compare estimates with estimates
        rows = [as_estimate(r) for r in rows]
    best3 = _best([r for r in rows if family(r) == "3D"], "edp_uj_us")
    d2 = [r for r in rows if family(r) == "2D" and
          (best3 is None or _options(r) == _options(best3))]
    out = {"best3": best3, "best2": _best(d2, "edp_uj_us"),
           "fp2": None, "lat2": None,
           "small2": min((r["footprint_mm2"] for r in d2), default=None)}
    if best3:
        fp = [r for r in d2
              if r["footprint_mm2"] <= best3["footprint_mm2"] * (1 + TOLERANCE)]
        lat = [r for r in d2
               if r["latency_us"] <= best3["latency_us"] * (1 + TOLERANCE)]
        out["fp2"] = _best(fp, "edp_uj_us")
        out["lat2"] = _best(lat, "energy_per_image_uj")
    return out


def recommendation(model, c):
    b3, fp2, b2 = c["best3"], c["fp2"], c["best2"]
    if b3 is None:
        return (f"For {model}, the sweep has no 3D point that compiled; the "
                f"best 2D point is {describe(b2)}." if b2 else
                f"For {model}, no point compiled.")
    if b2 is None:
        return (f"For {model}, {describe(b3)} is the best point (EDP); the "
                "sweep has no 2D point that compiled to compare it with.")
    if fp2 is None:
        return (f"For {model}, {describe(b3)}: {b3['footprint_mm2']:.2f} mm2, "
                f"and no 2D point of the sweep fits that footprint (the "
                f"smallest needs {c['small2']:.2f} mm2); against the best 2D "
                f"point ({describe(b2)}, {b2['footprint_mm2']:.2f} mm2), "
                f"{_pct(b3['energy_per_image_uj'], b2['energy_per_image_uj'])}"
                f" energy, {_pct(b3['latency_us'], b2['latency_us'])} latency.")
    e = _pct(b3["energy_per_image_uj"], fp2["energy_per_image_uj"])
    lat = _pct(b3["latency_us"], fp2["latency_us"])
    if b3["edp_uj_us"] < fp2["edp_uj_us"]:
        edp = _pct(b3["edp_uj_us"], fp2["edp_uj_us"])
        return (f"For {model}, {describe(b3)}: {e} energy, {lat} latency "
                f"against the best 2D point of the same footprint "
                f"({describe(fp2)}). 3D is worth it: {edp} energy-delay "
                "product.")
    return (f"For {model}, 3D does not pay: the best 2D point of the same "
            f"footprint ({describe(fp2)}) has the lower energy-delay "
            f"product; the best 3D point ({describe(b3)}) has {e} energy, "
            f"{lat} latency.")


def _row_cells(r):
    est = "" if r["evaluated"] == "run" else " (est.)"
    eff = "" if r["efficiency"] is None else f"{r['efficiency']:.2f}"
    return (f"| {r['stacking']} | {int(r['cores'])} | "
            f"{int(r['array_rows'])}x{int(r['array_cols'])} | "
            f"{_sram_mib(r):.3g} | {r['clock_mhz']:g} | "
            f"{r['corner']} | {r['latency_us']:.1f}{est} | "
            f"{r['energy_per_image_uj']:.2f}{est} | {r['footprint_mm2']:.2f} | "
            f"{r['edp_uj_us']:.0f} | {eff} |")


HEADER = ("| stacking | cores | array | SRAM MiB | clock MHz | corner | "
          "latency us | energy/image uJ | footprint mm2 | EDP uJ us | "
          "bound efficiency |\n|---|---|---|---|---|---|---|---|---|---|---|")


def _counts(rows_all):
    ok = sum(r["status"] == "ok" for r in rows_all)
    err = [r for r in rows_all if r["status"] == "error"]
    rej = sum(r["status"] == "rejected" for r in rows_all)
    n = len(rows_all)
    line = (f"{n} point{'' if n == 1 else 's'}: {ok} evaluated, "
            f"{len(err)} failed, "
            f"{rej} rejected by a constraint.")
    stages = {}
    for r in err:
        stages.setdefault(r["stage"], r)
    for stage, r in sorted(stages.items()):
        first = (r["error"] or "").splitlines()[0][:200]
        n = sum(e["stage"] == stage for e in err)
        line += f"\n- {n} failed at {stage}, e.g. {describe(r)}: `{first}`"
    return line


def _model_section(model, rows_all, plots_dir, rel):
    rows = [r for r in rows_all if r["status"] == "ok"
            and r["edp_uj_us"] is not None]
    lines = [f"## {model}", "", _counts(rows_all), ""]
    if not rows:
        return lines
    c = comparisons(rows)
    lines += ["**Recommendation.** " + recommendation(model, c), ""]
    front = pareto.front(rows, lambda r: tuple(r[o] for o in OBJECTIVES))
    front.sort(key=lambda r: (r["latency_us"], r["key"]))
    lines += [f"Pareto front (latency, energy per image, footprint): "
              f"{len(front)} of {len(rows)} points.", "", HEADER]
    lines += [_row_cells(r) for r in front] + [""]
    edp = pareto.front(rows, lambda r: (r["footprint_mm2"], r["edp_uj_us"]))
    edp.sort(key=lambda r: (r["footprint_mm2"], r["key"]))
    lines += [f"EDP against footprint (the lowest EDP for an area budget): "
              f"{len(edp)} points.", "", HEADER]
    lines += [_row_cells(r) for r in edp] + [""]
    lines += ["| point | " + HEADER.split("| ", 1)[1].split("\n")[0],
              "|---" * 12 + "|"]
    named = [("lowest EDP", _best(rows, "edp_uj_us")),
             ("best 3D (EDP)", c["best3"]), ("best 2D (EDP)", c["best2"]),
             ("best 2D, 3D's footprint", c["fp2"]),
             ("best 2D energy, 3D's latency", c["lat2"])]
    lines += [f"| {name} " + _row_cells(r) for name, r in named if r] + [""]
    if plots_dir:
        png = plot_model(model, rows, front, edp, plots_dir)
        lines += [f"![{model}]({os.path.join(rel, os.path.basename(png))})",
                  ""]
    return lines


def plot_model(model, rows, front, edp, out_dir):
    """Latency against energy per image (the front joined) and EDP
    against footprint (``edp``, its front, joined), coloured by
    stacking."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    others = iter(MORE_COLORS * 4)
    for s in sorted({r["stacking"] for r in rows}):
        pts = [r for r in rows if r["stacking"] == s]
        color = COLORS.get(s) or next(others)
        ax1.scatter([r["latency_us"] for r in pts],
                    [r["energy_per_image_uj"] for r in pts], s=14,
                    label=s, color=color, alpha=0.8)
        ax2.scatter([r["footprint_mm2"] for r in pts],
                    [r["edp_uj_us"] for r in pts], s=14,
                    label=s, color=color, alpha=0.8)
    f2 = pareto.front(rows, lambda r: (r["latency_us"],
                                       r["energy_per_image_uj"]))
    f2.sort(key=lambda r: r["latency_us"])
    ax1.step([r["latency_us"] for r in f2],
             [r["energy_per_image_uj"] for r in f2], where="post",
             color="black", lw=1, label="front (latency, energy)")
    ax1.scatter([r["latency_us"] for r in front],
                [r["energy_per_image_uj"] for r in front], s=40,
                facecolors="none", edgecolors="black", lw=0.8,
                label="3-objective front")
    ax1.set_xlabel("latency (us)")
    ax1.set_ylabel("energy per image (uJ)")
    ax2.step([r["footprint_mm2"] for r in edp], [r["edp_uj_us"] for r in edp],
             where="post", color="black", lw=1, label="front (footprint, EDP)")
    ax2.set_xlabel("footprint (mm2)")
    ax2.set_ylabel("EDP (uJ x us)")
    ax2.legend(fontsize=7)
    ax1.set_title(model, fontsize=9)
    ax1.legend(fontsize=7)
    fig.tight_layout()
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in model)
    if safe != model:  # keep names that differ only in odd characters apart
        import hashlib
        safe += "-" + hashlib.sha256(model.encode()).hexdigest()[:6]
    path = os.path.join(out_dir, f"{safe}-front.png")
    from ..output import write_figure
    write_figure(path, fig)
    plt.close(fig)
    return path


def _latest_file(rows):
    """The rows of the model file computed last, when a model's file
    changed between sweeps into one database."""
    shas = {r["model_sha256"] for r in rows}
    if len(shas) < 2:
        return rows
    last = max(rows, key=lambda r: r["computed_at"] or 0)["model_sha256"]
    return [r for r in rows if r["model_sha256"] == last]


def _check_output(out, db):
    """Refuses an output the writer would refuse, or the database itself,
    before any plot is written."""
    if is_stream(out):
        return
    real = os.path.realpath(out)
    if os.path.exists(real) and os.path.samefile(real, db):
        raise ValueError(f"{out}: is the results database being reported")
    if os.path.isdir(real):
        raise IsADirectoryError(f"{out}: is a directory")
    if not os.path.isdir(os.path.dirname(real)):
        raise FileNotFoundError(f"{out}: no directory "
                                f"{os.path.dirname(real)}")


def plots_beside(out):
    """The default plot directory of report ``out``: REPORT-plots for a
    regular (or new) file, none for standard output, a device or a FIFO."""
    if is_stream(out):
        return None
    real = os.path.realpath(out)
    if os.path.exists(real) and not os.path.isfile(real):
        return None
    return os.path.splitext(out)[0] + "-plots"


def write_report(db, out, plots_dir=None):
    """Writes the markdown report for every model in ``db`` to ``out``
    (through the atomic writer) and returns its text."""
    store = Store(db, readonly=True)
    try:
        rows = store.rows(whole=False)
        sessions = store.db.execute(
            "SELECT name, mode, COUNT(*) FROM sweeps GROUP BY name, mode"
        ).fetchall()
    finally:
        store.close()
    _check_output(out, db)
    if plots_dir:
        if not os.path.isdir(os.path.dirname(os.path.abspath(plots_dir))):
            raise FileNotFoundError(f"{plots_dir}: its parent directory does "
                                    "not exist")
        os.makedirs(plots_dir, exist_ok=True)
    rel = os.path.relpath(plots_dir, os.path.dirname(os.path.abspath(out))
                          ) if plots_dir and out != "-" else plots_dir or ""
    lines = ["# Design-space exploration", "",
             f"From `{os.path.basename(db)}` "
             f"({', '.join(f'{n} ({m}, {k} session(s))' for n, m, k in sessions)}),"
             f" {datetime.date.today().isoformat()}. Energies are per image "
             "(the input's leading dimension), EDP = energy per image x "
             "latency; (est.) marks numbers from the static estimate (fast "
             "mode) rather than the executor. Equal footprint or latency "
             f"means within {TOLERANCE:.0%}.", ""]
    for model in sorted({r["model"] for r in rows}):
        lines += _model_section(model, _latest_file(
            [r for r in rows if r["model"] == model]), plots_dir, rel)
    text = "\n".join(lines) + "\n"
    from ..output import write_text
    write_text(out, text)
    return text
