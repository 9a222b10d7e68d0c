"""Concurrent writers wait for each other instead of failing (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from registry.extensions import db
from registry.models import Project
from registry.services import projects
from tests.conftest import valid_project


def test_concurrent_creates_all_succeed(app, ministry):
    errors, barrier = [], threading.Barrier(8)

    def create(n: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                projects.project_create(valid_project(identifier=f"JP-GOV-1-C-{n}"), ministry)
            except Exception as error:
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.rollback()  # end this session's read snapshot, taken before the threads wrote
    assert db.session.scalar(select(func.count(Project.id))) == 8
