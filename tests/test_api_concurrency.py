"""Concurrent requests: one Idempotency-Key creates one record; one ETag allows one update."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import func, select

from registry.extensions import db
from registry.models import Project
from tests.conftest import valid_project

URL = "/api/v1/projects"
N = 20


def _race(app, send) -> list:
    """Run `send(client)` in N threads released together; returns the responses."""
    barrier, responses, lock = threading.Barrier(N), [], threading.Lock()

    def worker():
        client = app.test_client()
        barrier.wait()
        response = send(client)
        with lock:
            responses.append(response)

    threads = [threading.Thread(target=worker) for _ in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return responses


def test_concurrent_posts_with_one_idempotency_key_create_one_record(app, jp):
    headers = {"Authorization": f"Bearer {jp.token}", "Idempotency-Key": "race-1"}
    responses = _race(app, lambda c: c.post(URL, json=valid_project(), headers=headers))
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, statuses
    fresh = [
        r for r in responses if r.status_code == 201 and "Idempotent-Replayed" not in r.headers
    ]
    assert len(fresh) == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count(Project.id))) == 1
    # Every replay carries the one record's id.
    assert {r.get_json()["id"] for r in responses if r.status_code == 201} == {
        fresh[0].get_json()["id"]
    }


def test_concurrent_puts_from_one_etag_one_wins(app, jp):
    created = jp.post(URL, json=valid_project()).get_json()
    item = f"{URL}/{created['id']}"

    def put(client):
        return client.put(
            item,
            json=valid_project(title=f"Edit {threading.get_ident()}"),
            headers={"Authorization": f"Bearer {jp.token}", "If-Match": '"v1"'},
        )

    responses = _race(app, put)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 412: N - 1}, statuses
    winner = next(r for r in responses if r.status_code == 200).get_json()
    current = jp.get(item).get_json()
    assert current["version"] == 2 and current["title"] == winner["title"]
    assert len(jp.get(f"{item}/history").get_json()["items"]) == 2


# ---- one identifier, many writers: created once, refused 422 elsewhere, never a 500

NOT_UNIQUE = {"field": "identifier", "code": "not_unique"}
BATCHES, BATCH_SIZE, STRIDE = 6, 60, 20  # batch k holds identifiers k*20 … k*20+59
TOP = (BATCHES - 1) * STRIDE + BATCH_SIZE  # identifiers 0 … TOP-1 are sent


def _overlapping_batches() -> list[list[dict]]:
    """Batches whose identifier ranges overlap their neighbours' by two thirds, half of them
    in reverse order (so writers meet the shared identifiers in opposite orders), each with
    one invalid record."""
    batches = []
    for k in range(BATCHES):
        numbers = range(k * STRIDE, k * STRIDE + BATCH_SIZE)
        records = [valid_project(identifier=f"RACE-{n:04d}") for n in numbers]
        if k % 2:
            records.reverse()
        records.insert(7, valid_project(identifier=f"RACE-BAD-{k}", status="done"))
        batches.append(records)
    return batches


def _send(client, token: str, kind: str, work) -> list[tuple[str, int, dict]]:
    """(identifier, status, result) of each record a batch or a run of single creates sent."""
    headers = {"Authorization": f"Bearer {token}"}
    if kind == "batch":
        response = client.post(f"{URL}/batch", json=work, headers=headers)
        assert response.status_code == 200, response.get_json()
        results = response.get_json()["results"]
        assert [r["index"] for r in results] == list(range(len(work)))
        return [(w["identifier"], r["status"], r) for w, r in zip(work, results, strict=True)]
    out = []
    for identifier in work:
        response = client.post(URL, json=valid_project(identifier=identifier), headers=headers)
        assert response.status_code in (201, 422), response.get_json()
        out.append((identifier, response.status_code, response.get_json()))
    return out


def _run_together(apps, token: str, jobs) -> list[tuple[str, int, dict]]:
    """Every job in a thread of its own, released together, the apps taken in turn."""
    barrier, outcomes, failures, lock = threading.Barrier(len(jobs)), [], [], threading.Lock()

    def worker(n: int, kind: str, work) -> None:
        client = apps[n % len(apps)].test_client()
        barrier.wait()
        try:
            got = _send(client, token, kind, work)
        except Exception as error:  # a 500 or a malformed answer: the test fails below
            with lock:
                failures.append(error)
            return
        with lock:
            outcomes.extend(got)

    threads = [threading.Thread(target=worker, args=(n, *job)) for n, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    return outcomes


def test_overlapping_batches_create_each_record_once_and_refuse_the_rest(app, make_app, jp):
    """Non-atomic batches and single creates racing on the same identifiers, from two app
    instances (two connection pools, as two workers): every valid record ends created exactly
    once, every other copy is its own 422 `not_unique`, nothing answers 500, nothing is lost.

    On PostgreSQL the writers really overlap; on SQLite BEGIN IMMEDIATE queues them, so
    the later ones find the identifiers taken before inserting: the same answers."""
    batches = _overlapping_batches()
    singles = [f"RACE-{n:04d}" for n in range(0, TOP, 9)]
    jobs = [("batch", records) for records in batches]
    jobs += [("single", singles[i::BATCHES]) for i in range(BATCHES)]
    outcomes = _run_together([app, make_app()], jp.token, jobs)

    created, refused, ids = Counter(), Counter(), {}
    for identifier, status, result in outcomes:
        if identifier.startswith("RACE-BAD-"):
            assert status == 422 and result["errors"][0]["field"] == "status", result
        elif status == 201:
            created[identifier] += 1
            ids[identifier] = result["id"]
        else:
            assert [{k: e[k] for k in NOT_UNIQUE} for e in result["errors"]] == [NOT_UNIQUE]
            refused[identifier] += 1
    wanted = {f"RACE-{n:04d}" for n in range(TOP)}
    assert set(created) == wanted and set(created.values()) == {1}
    assert sum(refused.values()) == len(outcomes) - len(wanted) - BATCHES
    db.session.rollback()
    stored = dict(db.session.execute(select(Project.identifier, Project.id)).all())
    assert stored == ids
