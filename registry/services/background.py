"""Work that does not hold a request: a tiny hand-off to a thread, with its status in the
database so that every worker can show it (queued, running, done or failed; progress,
counts, when, who).

    run_id = start("screening_rerun", actor)   # returns at once
    status(run_id)                              # {"status": "running", "done": 2000, …}

One run of a kind at a time: `start` while one is queued or running joins it (returns
its id). A run that joins a rerun late is still served: a rerun screens again if the
lists changed while it ran. A run whose worker stopped (no sign of life for
`STALE_AFTER`) is marked failed by the next `start`. A job queue replaces the threads
later (issue 13) behind the same two functions.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from registry.database import begin_write, write_transaction
from registry.extensions import db
from registry.models import Project
from registry.models.background import BackgroundRun
from registry.models.types import utcnow
from registry.services import permissions, screening
from registry.services.actors import Actor
from registry.services.errors import Conflict, NotFound, PermissionDenied

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=15)
PROGRESS_STEP = 250  # projects re-screened between two reports of progress
ACTIVE = ("queued", "running")
_RUNS = BackgroundRun.__table__
_threads: dict[int, threading.Thread] = {}


# ---------------------------------------------------------------- the kinds of work

Progress = Callable[[int], None]


def _screening_rerun(actor: Actor, progress: Progress) -> dict[str, Any]:
    """Re-screen every project; again (at most twice more) if the lists changed meanwhile."""
    changed: set[int] = set()
    added: Counter = Counter()
    removed: Counter = Counter()
    reopened = screened = 0
    for _ in range(3):
        report = screening.screening_rerun(actor, batch_size=PROGRESS_STEP, progress=progress)
        changed.update(report.changed)
        added.update(report.added)
        removed.update(report.removed)
        reopened += report.reopened
        screened = report.screened
        db.session.rollback()
        if screening.active_ruleset().version == report.ruleset_version:
            break
    return {
        "ruleset_version": report.ruleset_version,
        "screened": screened,
        "changed": len(changed),
        "reopened": reopened,
        "added": dict(added),
        "removed": dict(removed),
    }


def _count_projects() -> int:
    return db.session.scalar(select(func.count(Project.id))) or 0


# kind → (the work, who may start it, how much there is to do)
KINDS: dict[str, tuple[Callable[..., dict], Callable[[Actor], bool], Callable[[], int]]] = {
    "screening_rerun": (_screening_rerun, permissions.can_manage_screening, _count_projects),
}


# ---------------------------------------------------------------- start and status


def _set(run_id: int, **values) -> None:
    """Record status on a connection of its own, beside whatever the work has open."""
    with write_transaction() as connection:
        connection.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(**values))


def _give_up_stale(kind: str) -> None:
    """Mark failed a run of `kind` that shows no sign of life (its worker stopped)."""
    quiet_since = utcnow() - STALE_AFTER
    db.session.execute(
        update(BackgroundRun)
        .where(
            BackgroundRun.lock_key == kind,
            func.coalesce(BackgroundRun.heartbeat_at, BackgroundRun.queued_at) < quiet_since,
        )
        .values(
            status="failed",
            lock_key=None,
            finished_at=utcnow(),
            error=f"No sign of life for {STALE_AFTER}: its worker stopped.",
        )
        .execution_options(synchronize_session=False)
    )


def start(kind: str, actor: Actor, **params) -> int:
    """Start `kind` of work in the background for `actor`; returns the run's id at once.

    While a run of that kind is queued or running, returns that run's id instead (see
    `status(...)["actor"]` for who started it). Raises PermissionDenied, Conflict.
    """
    if kind not in KINDS:
        raise NotFound(f"There is no background work called {kind!r}.")
    work, may, count = KINDS[kind]
    if not may(actor):
        raise PermissionDenied("Only admins start this work.")
    for _ in range(3):
        begin_write()
        _give_up_stale(kind)
        run = BackgroundRun(
            kind=kind, status="queued", actor=actor.label, params=params, lock_key=kind
        )
        run.total = count()
        db.session.add(run)
        try:
            db.session.flush()
            run_id = run.id
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            running = db.session.scalar(
                select(BackgroundRun.id).where(BackgroundRun.lock_key == kind)
            )
            db.session.rollback()
            if running is not None:
                return running
            continue  # it finished in between: try again
        app = current_app._get_current_object()
        thread = threading.Thread(
            target=_run,
            args=(app, run_id, work, actor, params),
            name=f"background-{kind}-{run_id}",
            daemon=True,
        )
        _threads[run_id] = thread
        thread.start()
        return run_id
    raise Conflict(f"Could not start {kind}: runs kept starting and ending. Try again.")


def _run(app: Flask, run_id: int, work: Callable[..., dict], actor: Actor, params: dict):
    with app.app_context():
        progress = {"done": 0}

        def step(n: int) -> None:
            progress["done"] += n
            _set(run_id, done=progress["done"], heartbeat_at=utcnow())

        try:
            _set(run_id, status="running", started_at=utcnow(), heartbeat_at=utcnow())
            result = work(actor, step, **params)
            _set(run_id, status="done", result=result, lock_key=None, finished_at=utcnow())
        except Exception as error:
            log.exception("background run %s failed", run_id)
            db.session.rollback()
            _set(
                run_id,
                status="failed",
                error=f"{type(error).__name__}: {error}"[:2000],
                lock_key=None,
                finished_at=utcnow(),
            )
        finally:
            db.session.remove()
            _threads.pop(run_id, None)


_FIELDS = (
    "id",
    "kind",
    "status",
    "actor",
    "params",
    "queued_at",
    "started_at",
    "finished_at",
    "done",
    "total",
    "result",
    "error",
)


def _read(query) -> dict[str, Any] | None:
    """One run as a dict, read on a connection of its own: always the latest state,
    whatever transaction the caller's session has open."""
    with db.engine.connect() as connection:
        row = connection.execute(query).first()
    return None if row is None else {name: getattr(row, name) for name in _FIELDS}


_SELECT = select(*(getattr(BackgroundRun, name) for name in _FIELDS))


def status(run_id: int) -> dict[str, Any] | None:
    """Where run `run_id` stands (None if there is no such run)."""
    if not 0 < run_id <= 2**31 - 1:
        return None
    return _read(_SELECT.where(BackgroundRun.id == run_id))


def latest(kind: str) -> dict[str, Any] | None:
    """The most recent run of `kind`, whoever started it."""
    return _read(
        _SELECT.where(BackgroundRun.kind == kind).order_by(BackgroundRun.id.desc()).limit(1)
    )


def wait(run_id: int, timeout: float | None = None) -> dict[str, Any] | None:
    """Block until this process's thread of `run_id` ends (for tests and the command
    line), then its status."""
    thread = _threads.get(run_id)
    if thread is not None:
        thread.join(timeout)
    return status(run_id)
