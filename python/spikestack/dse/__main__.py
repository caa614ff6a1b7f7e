"""python -m spikestack.dse: run a sweep, or report on its database."""
import argparse
import os
import sqlite3
import sys

USAGE = """python -m spikestack.dse SWEEP.yaml [--db FILE] [--workers N]
                              [--scheduler ADDRESS] [--mode full|fast]
                              [--cache DIR] [--no-progress]
       python -m spikestack.dse report DB [-o REPORT.md] [--plots DIR]"""


def _sweep_main(argv):
    p = argparse.ArgumentParser(prog="python -m spikestack.dse", usage=USAGE,
                                description="Runs a design-space sweep on "
                                "Dask; results go to SQLite (docs/dse.md).")
    p.add_argument("sweep", help="the sweep file (YAML)")
    p.add_argument("--db", help="results database (default: NAME.sqlite, "
                   "NAME the sweep's)")
    p.add_argument("--workers", type=int, default=None,
                   help="LocalCluster workers (default: one per core)")
    p.add_argument("--scheduler", help="address of an existing Dask "
                   "scheduler (tcp://host:8786); its workers need spikestack "
                   "installed")
    p.add_argument("--mode", choices=("full", "fast"),
                   help="override the sweep's mode")
    p.add_argument("--cache", help="where zoo models are exported "
                   "(default: ~/.cache/spikestack/zoo)")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar")
    args = p.parse_args(argv)
    if args.workers is not None and not 1 <= args.workers <= 1024:
        p.error("--workers must be in [1, 1024]")
    from .sweep import Sweep, SweepError
    from .targets import TargetError
    from .runner import SweepRun, summary
    from ..exported import default_cache
    try:
        sweep = Sweep(args.sweep)
        if args.mode:
            sweep.mode = args.mode
        db = args.db or f"{sweep.name}.sqlite"
        run = SweepRun(sweep, db, args.scheduler, args.workers,
                       args.cache or default_cache(),
                       progress=not args.no_progress)
        finished = run.run()
    except (SweepError, TargetError, ValueError, RuntimeError, OSError,
            sqlite3.Error) as e:
        print(f"spikestack.dse: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # before the sweep's own handlers
        print("spikestack.dse: interrupted while setting up; nothing was "
              "computed", file=sys.stderr)
        return 130
    state = "done" if finished else "interrupted (run again to resume)"
    print(f"spikestack.dse: {sweep.name} {state}: {run.computed} points "
          f"computed, {run.skipped} already in {db}\n{summary(db)}",
          file=sys.stderr)
    return 0 if finished else 130


def _report_main(argv):
    p = argparse.ArgumentParser(prog="python -m spikestack.dse report",
                                usage=USAGE, description="Writes the "
                                "markdown report of a results database.")
    p.add_argument("db")
    p.add_argument("-o", "--output", default="-",
                   help="the report (default: standard output)")
    p.add_argument("--plots", help="directory for the plots (default: "
                   "beside the report, none for standard output)")
    args = p.parse_args(argv)
    if not os.path.isfile(args.db):
        print(f"spikestack.dse: error: no results database {args.db}",
              file=sys.stderr)
        return 1
    from .report import plots_beside, write_report
    plots = args.plots if args.plots is not None else plots_beside(args.output)
    try:
        write_report(args.db, args.output, plots)
    except (ValueError, OSError, sqlite3.Error) as e:
        print(f"spikestack.dse: error: {e}", file=sys.stderr)
        return 1
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "report":
        return _report_main(argv[1:])
    return _sweep_main(argv)


if __name__ == "__main__":
    sys.exit(main())
