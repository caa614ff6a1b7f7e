"""Runs a sweep on Dask distributed: a LocalCluster by default (one
single-threaded worker process per core), an existing cluster when given
its scheduler address. One task per point; the client writes each
finished point to SQLite at once, so a killed sweep resumes where it
stopped (points whose key is in the database are not computed again).

Fast mode evaluates every point with the static estimate (compile, no
executor run), then re-runs the best points of each model on the
executor: per model, the ``rerun_top`` best by estimated energy-delay
product among the 2D points and as many among the 3D ones (the two sides
of the report's comparison)."""
import contextlib
import json
import os
import signal
import sys
import time

from .evaluate import evaluate
from .models import read_bytes
from .store import Store, target_json
from .sweep import COMPILE_AXES, point_key
from .targets import Base, TargetError, generate


WORKER_WAIT_S = 60  # how long a given scheduler may take to have a worker


class Interrupted(Exception):
    pass


def _on_signal(signum, frame):
    raise Interrupted(signal.Signals(signum).name)


def _tasks(sweep, base):
    """(task, static row) per point, in sweep order; a point whose target
    cannot be built is a finished row (stage "target") with no task. A
    point equal to an earlier one (same key) is left out."""
    out, seen = [], set()
    base_id = {"file": base.file, "technology": base.described["technology"]}
    for p in sweep.points:
        options = {k: p.values.get(k, d) for k, (_, d) in COMPILE_AXES.items()}
        values = {k: v for k, v in base.values.items()
                  if not k.startswith("_")}
        values.update(options)
        values.update(p.values)
        key = point_key(p.model, values, base_id)
        if key in seen:
            continue
        seen.add(key)
        row = dict(values, key=key, sweep=sweep.name, point_index=p.index,
                   model=p.model.name, model_sha256=p.model.sha256)
        try:
            target, _ = generate(base, p.values, f"dse-{values['stacking']}")
        except (TargetError, ValueError, OverflowError) as e:
            row.update(status="error", stage="target", error=str(e))
            out.append((None, row))
            continue
        row["target_json"] = target_json(target)
        task = {"key": key, "model_sha256": p.model.sha256,
                "group": point_key(p.model, dict(values, corner=""), base_id),
                "model_name": p.model.name,
                "model_suffix": os.path.splitext(p.model.path)[1],
                "options": options, "target": target, "values": values,
                "constraints": [c.text for c in sweep.constraints]}
        out.append((task, row))
    return out


def _client(scheduler, workers, stack):
    """A client of the cluster at ``scheduler``, or of a new LocalCluster
    of ``workers`` single-threaded worker processes (its scratch space a
    temporary directory of this session); closed when ``stack`` unwinds."""
    import logging
    import tempfile
    from dask.distributed import Client, LocalCluster
    logging.getLogger("distributed").setLevel(logging.WARNING)
    if scheduler:
        client = Client(scheduler, timeout="30s")
        stack.callback(_quietly, client.close)
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_S)
        except TimeoutError:
            raise RuntimeError(f"no worker joined the scheduler at "
                               f"{scheduler} within {WORKER_WAIT_S} s "
                               "(dask-worker ADDRESS --nthreads 1)") from None
        return client
    scratch = stack.enter_context(
        tempfile.TemporaryDirectory(prefix="spikestack-dask-"))
    # Everything on the loopback interface: nothing listens outside.
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                           processes=True, host="127.0.0.1",
                           dashboard_address="127.0.0.1:0",
                           worker_dashboard_address="127.0.0.1:0",
                           local_directory=scratch,
                           silence_logs=logging.ERROR)
    stack.callback(_quietly, cluster.close)
    client = Client(cluster)
    stack.callback(_quietly, client.close)
    return client


def _quietly(close):
    with contextlib.suppress(Exception):
        close(timeout=10)


def _progress(total, desc, enabled):
    from tqdm import tqdm
    # disable=None: a bar on a terminal, none in a log file
    return tqdm(total=total, desc=desc, unit="pt",
                disable=None if enabled else True,
                file=sys.stderr, dynamic_ncols=True)


class SweepRun:
    """One session of a sweep against a database."""

    def __init__(self, sweep, db, scheduler=None, workers=None, cache=None,
                 progress=True, log=sys.stderr):
        self.sweep, self.scheduler, self.log = sweep, scheduler, log
        self.workers = workers or os.cpu_count() or 1
        self.cache, self.progress = cache, progress
        self.store = Store(db)
        self.computed = self.skipped = 0
        self.client = None

    def run(self):
        for m in self.sweep.models:
            m.resolve(self.cache)
        self.sweep.check_inputs()
        base = Base(self.sweep.base_target, self.sweep.base_is_file)
        tasks = _tasks(self.sweep, base)
        changed = self.store.recheck([r["key"] for _, r in tasks],
                                     self.sweep.constraints)
        if changed:
            print(f"spikestack.dse: {self.sweep.name}: the constraints "
                  f"changed the status of {changed} stored point(s)",
                  file=self.log, flush=True)
        session = self.store.begin_session(
            self.sweep, None if self.scheduler else self.workers,
            self.scheduler)
        old = {s: signal.signal(s, _on_signal)
               for s in (signal.SIGTERM, signal.SIGINT)}
        interrupted = False
        try:
            with contextlib.ExitStack() as stack:
                first = "run" if self.sweep.mode == "full" else "estimate"
                self._phase(stack, tasks, first, session)
                if self.sweep.mode == "fast":
                    chosen = self._rerun_choice(tasks)
                    self._phase(stack, chosen, "run", session)
        except (Interrupted, KeyboardInterrupt):
            interrupted = True
        finally:
            for s, h in old.items():
                signal.signal(s, h)
            self.store.end_session(session, self.computed, self.skipped,
                                   interrupted)
        return not interrupted

    def _phase(self, stack, tasks, mode, session):
        done = self.store.done([r["key"] for _, r in tasks], mode == "run")
        pending = [(t, r) for t, r in tasks if r["key"] not in done]
        self.skipped += len(tasks) - len(pending)
        print(f"spikestack.dse: {self.sweep.name}: {len(tasks)} points "
              f"({mode}), {len(tasks) - len(pending)} already in "
              f"{self.store.path}, {len(pending)} to compute",
              file=self.log, flush=True)
        for task, row in pending:  # target errors need no worker
            if task is None:
                self._put(row, session)
        pending = [(t, r) for t, r in pending if t is not None]
        if not pending:
            return
        if self.client is None:
            self.client = _client(self.scheduler, self.workers, stack)
        self._compute(pending, mode, session)

    def _compute(self, pending, mode, session):
        from dask.distributed import as_completed
        data = {}
        for m in self.sweep.models:
            if any(t["model_sha256"] == m.sha256 for t, _ in pending):
                data[m.sha256] = self.client.scatter(
                    (read_bytes(m.path), read_bytes(m.input_path)),
                    hash=False)
        # Points that differ only in their corner share a compile: one
        # task each group, in sweep order.
        groups = {}
        for task, row in pending:
            groups.setdefault(task["group"], []).append((task, row))
        futures = {}
        for group in groups.values():
            f = self.client.submit(
                evaluate, [dict(t, mode=mode) for t, _ in group],
                data[group[0][0]["model_sha256"]], pure=False)
            futures[f] = [r for _, r in group]
        bar = _progress(len(pending), self.sweep.name, self.progress)
        try:
            for f in as_completed(list(futures)):
                rows = [dict(r) for r in futures.pop(f)]
                try:
                    for row, result in zip(rows, f.result()):
                        row.update(result)
                except Exception as e:  # the worker died or could not import
                    for row in rows:
                        row.update(status="error", stage="worker",
                                   error=f"{type(e).__name__}: {e}")
                for row in rows:
                    self._put(row, session)
                f.release()
                bar.update(len(rows))
        finally:
            bar.close()
            if futures:
                self.client.cancel(list(futures))

    def _put(self, row, session):
        row.update(session=session, computed_at=time.time())
        self.store.put(row)
        self.computed += 1

    def _rerun_choice(self, tasks):
        """The points fast mode re-runs on the executor."""
        by_key = {r["key"]: (t, r) for t, r in tasks if t is not None}
        runnable = {m.name for m in self.sweep.models if m.input_path}
        rows = self.store.rows("status = 'ok'", whole=False)
        chosen = []
        for model in {r["model"] for r in rows}:
            for flat in (True, False):
                side = [r for r in rows if r["model"] == model and
                        model in runnable and r["key"] in by_key and
                        (r["stacking"] == "2d") == flat and
                        r["est_edp_uj_us"] is not None]
                side.sort(key=lambda r: (r["est_edp_uj_us"], r["key"]))
                chosen += [by_key[r["key"]]
                           for r in side[:self.sweep.rerun_top]]
        chosen.sort(key=lambda tr: tr[1]["point_index"])
        return chosen


def summary(db):
    """One line per model: points ok / failed / rejected."""
    store = Store(db)
    lines = []
    for (model,) in store.db.execute("SELECT DISTINCT model FROM points "
                                     "ORDER BY model"):
        counts = dict(store.db.execute(
            "SELECT status, COUNT(*) FROM points WHERE model=? GROUP BY "
            "status", (model,)).fetchall())
        lines.append(f"  {model}: {counts.get('ok', 0)} ok, "
                     f"{counts.get('error', 0)} failed, "
                     f"{counts.get('rejected', 0)} rejected")
    lost = store.db.execute("SELECT COUNT(*) FROM points WHERE stage = "
                            "'worker'").fetchone()[0]
    if lost:
        lines.append(f"  warning: {lost} point(s) lost their worker (see "
                     "their error); run again to retry them")
    store.close()
    return "\n".join(lines)


def dump(db):
    return json.dumps(Store(db).canonical())
