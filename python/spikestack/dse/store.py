"""The results database (SQLite): one row per point, every axis value,
every report number, errors as data. Written by one process (the sweep's
client), one committed transaction per finished point, so an interrupted
sweep leaves only whole rows and resumes by skipping their keys.

Tables:
  points  the rows (columns below; ``report_json`` holds the whole report)
  sweeps  one row per sweep session: name, file, start, end, workers,
          points computed
"""
import json
import os
import sqlite3
import time

from .evaluate import RUN_COLUMNS, TEXT_RUN_COLUMNS
from .sweep import AXES, AXIS_ORDER, STATIC_METRICS

SCHEMA_VERSION = 1
# Columns that depend on the machine and the moment, not on the point:
# left out when two databases are compared for equal results.
VOLATILE_COLUMNS = ("compile_s", "estimate_s", "run_s", "worker", "session",
                    "computed_at")
EST_COLUMNS = ("est_cycles", "est_energy_pj", "est_latency_us",
               "est_energy_per_image_uj", "est_edp_uj_us", "est_error")


def _columns():
    cols = [("key", "TEXT PRIMARY KEY"), ("sweep", "TEXT"),
            ("point_index", "INTEGER"), ("model", "TEXT"),
            ("model_sha256", "TEXT")]
    for a in AXIS_ORDER:
        cols.append((a, "TEXT" if AXES[a][0] is str else
                     "INTEGER" if AXES[a][0] is int else "REAL"))
    cols += [("status", "TEXT"), ("stage", "TEXT"), ("error", "TEXT"),
             ("evaluated", "TEXT")]
    cols += [(m, "REAL") for m in STATIC_METRICS if m not in AXES]
    cols += [(m, "REAL") for m in RUN_COLUMNS]
    cols += [(m, "TEXT") for m in TEXT_RUN_COLUMNS]
    cols += [(m, "REAL") for m in EST_COLUMNS]
    cols += [("tier_footprint_json", "TEXT"), ("target_json", "TEXT"),
             ("report_json", "TEXT"), ("compile_s", "REAL"),
             ("estimate_s", "REAL"), ("run_s", "REAL"), ("worker", "TEXT"),
             ("session", "INTEGER"), ("computed_at", "REAL")]
    return cols


COLUMNS = _columns()
COLUMN_NAMES = [c for c, _ in COLUMNS]
LIGHT_COLUMNS = [c for c in COLUMN_NAMES
                 if c not in ("report_json", "target_json")]


def _schema_version(db):
    """meta.schema_version as an integer, None when absent or not one."""
    try:
        row = db.execute("SELECT value FROM meta WHERE key = "
                         "'schema_version'").fetchone()
        return int(row[0]) if row else None
    except (sqlite3.OperationalError, TypeError, ValueError):
        return None


class Store:
    def __init__(self, path, readonly=False):
        self.path = path
        if readonly:
            self._open_readonly(path)
            return
        if os.path.isdir(path):
            raise ValueError(f"{path}: is a directory, not a database")
        try:
            self._open(path)
        except sqlite3.Error as e:
            raise ValueError(f"{path}: cannot use as a results database: "
                             f"{e}") from None

    def _open(self, path):
        self.db = sqlite3.connect(path)
        self.db.row_factory = sqlite3.Row
        tables = {r[0] for r in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and _schema_version(self.db) != SCHEMA_VERSION:
            raise ValueError(f"{path}: not a spikestack.dse results database "
                             f"(schema version {SCHEMA_VERSION}); give a new "
                             "--db")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        with self.db:
            self.db.execute("CREATE TABLE IF NOT EXISTS meta "
                            "(key TEXT PRIMARY KEY, value TEXT)")
            if not tables:
                self.db.execute("INSERT INTO meta VALUES ('schema_version', ?)",
                                (str(SCHEMA_VERSION),))
            self.db.execute("CREATE TABLE IF NOT EXISTS points (" + ", ".join(
                f"{c} {t}" for c, t in COLUMNS) + ")")
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS sweeps (session INTEGER PRIMARY "
                "KEY, name TEXT, file TEXT, mode TEXT, workers INTEGER, "
                "scheduler TEXT, started REAL, finished REAL, computed "
                "INTEGER, skipped INTEGER, interrupted INTEGER)")

    def _open_readonly(self, path):
        """Opens a results database to read, refusing anything else."""
        import pathlib
        uri = pathlib.Path(os.path.abspath(path)).as_uri() + "?mode=ro"
        self.db = sqlite3.connect(uri, uri=True)
        self.db.row_factory = sqlite3.Row
        try:
            version = _schema_version(self.db)
        except sqlite3.DatabaseError:
            version = None
        if version != SCHEMA_VERSION:
            self.db.close()
            raise ValueError(f"{path}: not a spikestack.dse results "
                             f"database (schema version {SCHEMA_VERSION})")

    def close(self):
        self.db.close()

    def begin_session(self, sweep, workers, scheduler):
        with self.db:
            cur = self.db.execute(
                "INSERT INTO sweeps (name, file, mode, workers, scheduler, "
                "started, computed, skipped, interrupted) VALUES "
                "(?, ?, ?, ?, ?, ?, 0, 0, 1)",
                (sweep.name, sweep.path, sweep.mode, workers, scheduler,
                 time.time()))
        return cur.lastrowid

    def end_session(self, session, computed, skipped, interrupted):
        with self.db:
            self.db.execute(
                "UPDATE sweeps SET finished=?, computed=?, skipped=?, "
                "interrupted=? WHERE session=?",
                (time.time(), computed, skipped, int(interrupted), session))

    def done(self, keys, need_run):
        """The keys among ``keys`` already evaluated: every row but those
        rejected before compiling (the constraints may have changed:
        recheck) and those whose worker died; ``need_run``: only rows the
        executor ran (or that failed)."""
        out = set()
        keys = list(keys)
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            q = ("SELECT key, status, stage, evaluated, cycles FROM points WHERE key IN (" +
                 ",".join("?" * len(chunk)) + ")")
            for r in self.db.execute(q, chunk):
                if r["stage"] == "worker" or (r["status"] == "rejected" and
                                              r["cycles"] is None):
                    continue  # a worker died; rejected before compiling
                if need_run and r["evaluated"] == "estimate":
                    continue  # screened only: whatever its status
                out.add(r["key"])
        return out

    def recheck(self, keys, constraints):
        """Applies ``constraints`` to the stored rows of ``keys`` that have
        numbers (evaluated or rejected after running): a row that now
        violates one becomes rejected, a rejected one that passes them
        all becomes ok again. Nothing is recomputed."""
        keys = set(keys)
        changed = 0
        rows = [r for r in self.rows("status IN ('ok', 'rejected') AND "
                                     "cycles IS NOT NULL", whole=False)
                if r["key"] in keys]
        with self.db:
            for r in rows:
                reason = next((v for v in (c.violation(r[c.metric])
                                           for c in constraints
                                           if r[c.metric] is not None) if v),
                              None)
                status = "rejected" if reason else "ok"
                if status != r["status"] or reason != r["error"]:
                    self.db.execute(
                        "UPDATE points SET status=?, stage=?, error=? WHERE "
                        "key=?", (status, "constraint" if reason else None,
                                  reason, r["key"]))
                    changed += 1
        return changed

    def put(self, row):
        """Inserts or replaces one row, committed at once."""
        cols = [c for c in COLUMN_NAMES if c in row]
        with self.db:
            self.db.execute(
                f"INSERT OR REPLACE INTO points ({', '.join(cols)}) VALUES "
                f"({', '.join('?' * len(cols))})", [row[c] for c in cols])

    def rows(self, where="1", args=(), whole=True):
        """The rows matching ``where``, as dicts; ``whole=False`` leaves
        out the stored files (``report_json``, ``target_json``), which
        the analyses do not read."""
        cols = "*" if whole else ", ".join(LIGHT_COLUMNS)
        return [dict(r) for r in self.db.execute(
            f"SELECT {cols} FROM points WHERE {where} ORDER BY model, "
            "point_index, key", args)]

    def canonical(self):
        """Every row without the volatile columns, ordered: what two runs
        of one sweep must agree on."""
        keep = [c for c in COLUMN_NAMES if c not in VOLATILE_COLUMNS]
        return [tuple(r[c] for c in keep)
                for r in self.db.execute(f"SELECT {', '.join(keep)} FROM "
                                         "points ORDER BY key")]


def target_json(target):
    return json.dumps(target, sort_keys=True)
