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
