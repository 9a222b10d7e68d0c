"""Concurrent writers wait for each other instead of failing (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from registry.extensions import db
from registry.models import Project
from registry.project_view import ProjectView
from registry.services import projects
from registry.services.errors import ValidationFailed
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


NOT_UNIQUE = [{"field": "identifier", "code": "not_unique"}]


def _together(app, n: int, work) -> list:
    """`work(i)` in n threads released together, each in its own app context; what each
    returned or raised."""
    barrier, outcomes = threading.Barrier(n), [None] * n

    def run(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                outcomes[i] = work(i)
            except Exception as error:
                outcomes[i] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.rollback()  # end this session's read snapshot, taken before the threads wrote
    return outcomes


def _refusals(outcomes) -> list:
    return [
        [{k: e[k] for k in ("field", "code")} for e in o.errors]
        for o in outcomes
        if isinstance(o, ValidationFailed)
    ]


def test_concurrent_creates_of_one_identifier_create_it_once(app, ministry):
    """PostgreSQL: the losers' INSERT meets the winner's identifier (UniqueViolation); each
    gets the 422 `not_unique`, never an IntegrityError. SQLite: the losers wait at BEGIN
    IMMEDIATE and find it taken."""
    outcomes = _together(
        app, 8, lambda i: projects.project_create(valid_project(title=f"Copy {i}"), ministry)
    )
    created = [o for o in outcomes if isinstance(o, ProjectView)]
    assert len(created) == 1 and _refusals(outcomes) == [NOT_UNIQUE] * 7, outcomes
    stored = db.session.scalars(select(Project)).all()
    assert [(p.id, p.title) for p in stored] == [(created[0].id, created[0].title)]


def test_concurrent_renames_to_one_identifier_rename_one(app, ministry):
    ids = [
        projects.project_create(valid_project(identifier=f"JP-GOV-1-R-{n}"), ministry).id
        for n in range(6)
    ]
    outcomes = _together(
        app,
        6,
        lambda i: projects.project_patch(
            ids[i], {"identifier": "JP-GOV-1-TAKEN"}, ministry, expected_version=1
        ),
    )
    renamed = [o for o in outcomes if isinstance(o, ProjectView)]
    assert len(renamed) == 1 and _refusals(outcomes) == [NOT_UNIQUE] * 5, outcomes
    expected = {project_id: f"JP-GOV-1-R-{n}" for n, project_id in enumerate(ids)}
    expected[renamed[0].id] = "JP-GOV-1-TAKEN"
    assert dict(db.session.execute(select(Project.id, Project.identifier)).all()) == expected


def test_concurrent_batches_refuse_only_the_records_they_lost(app, ministry):
    """Non-atomic batches sharing identifiers, half in reverse order: each shared record is
    created by one batch and refused `not_unique` in the others, the rest all written."""
    shared = [f"JP-GOV-1-S-{n:03d}" for n in range(40)]

    def batch(i: int) -> list[dict]:
        own = [valid_project(identifier=f"JP-GOV-1-B{i}-{n}") for n in range(10)]
        common = [valid_project(identifier=identifier) for identifier in shared]
        records = own + (common[::-1] if i % 2 else common)
        return projects.project_batch_create(records, ministry, atomic=False)

    outcomes = _together(app, 6, batch)
    assert all(isinstance(o, list) for o in outcomes), outcomes
    for results in outcomes:
        assert [r["status"] for r in results[:10]] == [201] * 10
    shared_results = [r for results in outcomes for r in results[10:]]
    assert sum(r["status"] == 201 for r in shared_results) == len(shared)
    refused = [r for r in shared_results if r["status"] != 201]
    assert {r["status"] for r in refused} == {422}
    assert all(
        [{k: e[k] for k in ("field", "code")} for e in r["errors"]] == NOT_UNIQUE for r in refused
    )
    stored = db.session.scalars(select(Project.identifier)).all()
    assert sorted(stored) == sorted(
        shared + [f"JP-GOV-1-B{i}-{n}" for i in range(6) for n in range(10)]
    )
