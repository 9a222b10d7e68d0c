"""/healthz (registry/web/system.py) and what the registry does while its database refuses
writes (registry/database.py): 503 with Retry-After, and no connection left read-only after.

How the episode is made: the SQLite database file is made read-only for a moment. A
process running as root is not stopped by file modes (CAP_DAC_OVERRIDE), so as root the
file gets the immutable attribute (`chattr +i`), which stops root too; otherwise
`chmod 444`. Either way a connection SQLite opens meanwhile is opened read-only and stays
so ("attempt to write a readonly database") after the file is writable again, which is
what kept writes failing until a reload. The -wal and -shm files are left alone: SQLite
maps the -shm file into memory, and an immutable -shm it cannot grow kills the process
with SIGBUS.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask_migrate import upgrade

from registry.app import create_app
from registry.extensions import db
from registry.services import accounts, seeding, tokens
from tests.conftest import ApiClient, FreshContextClient, valid_project

PASSWORD = "a-long-password-1"


@contextmanager
def read_only_file(database: Path):
    """The SQLite database file cannot be written inside the block, not even by root."""
    if os.geteuid() != 0:
        mode = database.stat().st_mode
        database.chmod(0o444)
        try:
            yield
        finally:
            database.chmod(mode)
        return
    made = (
        subprocess.run(["chattr", "+i", str(database)], capture_output=True, text=True)
        if shutil.which("chattr")
        else None
    )
    if made is None or made.returncode != 0:
        reason = made.stderr.strip() if made else "no chattr"
        if os.environ.get("CI") == "true":
            pytest.fail(f"cannot make the database read-only for root ({reason}), and CI=true")
        pytest.skip(f"cannot make the database read-only for root: {reason}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(database)], check=True)


@pytest.fixture
def worker_on_own_file(tmp_path):
    """An app on a migrated SQLite file of its own (the episode must not touch the shared one)."""
    path = tmp_path / "registry.sqlite"
    app = create_app(
        {"ENV_NAME": "testing", "DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "test"}
    )
    app.test_client_class = FreshContextClient
    with app.app_context():
        upgrade()
        seeding.reference_load()
    yield path, app
    with app.app_context():
        db.engine.dispose()


def _csrf(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _new_project(api, n: int):
    record = valid_project(identifier=f"JP-GOV-1-2026-{n:03d}", title=f"Port project {n}")
    return api.post("/api/v1/projects", json=record)


def test_healthz_says_ok_when_the_database_takes_writes(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_a_read_only_episode_gets_503_and_leaves_no_read_only_connection(worker_on_own_file):
    path, app = worker_on_own_file
    client = app.test_client()
    with app.app_context():
        accounts.organisation_create("JP-GOV-1", "Ministry (test)", "JP", "10")
        accounts.user_create("diplomat@example.org", "diplomat", PASSWORD)
        api = ApiClient(client, tokens.token_issue(org_ref="JP-GOV-1").text)
    assert _new_project(api, 1).status_code == 201
    token_ready = api.get("/api/v1/projects")  # the token's first use is recorded before
    assert token_ready.status_code == 200
    csrf = _csrf(client, "/login")

    with read_only_file(path):
        with app.app_context():
            db.engine.dispose()  # this worker opens its connections during the episode
        refused = _new_project(api, 2)
        assert refused.status_code == 503
        assert refused.mimetype == "application/problem+json"
        assert refused.headers["Retry-After"] == "5"
        problem = refused.get_json()
        assert problem["status"] == 503 and problem["type"].endswith("-unavailable")
        assert "database" in problem["detail"]  # the wording is registry/errors.py's
        page = client.post(
            "/login", data={"csrf_token": csrf, "email": "diplomat@example.org", "password": "x"}
        )
        assert page.status_code == 503 and page.headers["Retry-After"] == "5"
        assert page.mimetype == "text/html"
        assert "database" in page.get_data(as_text=True)
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.get_json() == {"status": "error", "database": "read-only"}
        assert api.get("/api/v1/projects").get_json()["items"][0]["identifier"].endswith("001")

    # Writable again: the connections opened read-only are discarded, not kept.
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}
    statuses = [_new_project(api, n).status_code for n in range(3, 13)]
    assert statuses == [201] * 10
    identifiers = {p["identifier"] for p in api.get("/api/v1/projects").get_json()["items"]}
    assert "JP-GOV-1-2026-002" not in identifiers and "JP-GOV-1-2026-012" in identifiers


def test_writes_after_an_episode_work_without_a_health_check(worker_on_own_file):
    """No monitor heals the pool first: at most one write meets a connection opened during
    the episode (503, Retry-After), and that connection and its elders are discarded."""
    path, app = worker_on_own_file
    with app.app_context():
        accounts.organisation_create("JP-GOV-1", "Ministry (test)", "JP", "10")
        api = ApiClient(app.test_client(), tokens.token_issue(org_ref="JP-GOV-1").text)
    assert _new_project(api, 1).status_code == 201
    with read_only_file(path):
        with app.app_context():
            db.engine.dispose()
        assert [_new_project(api, n).status_code for n in (2, 3)] == [503, 503]
    statuses = [_new_project(api, n).status_code for n in range(4, 14)]
    assert statuses[0] in (201, 503) and statuses[1:] == [201] * 9


def test_healthz_says_degraded_while_the_rate_limit_store_is_unreachable(make_app):
    client = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1").test_client()
    response = client.get("/healthz")
    assert response.status_code == 200  # the registry works: each worker counts on its own
    assert response.get_json() == {
        "status": "degraded",
        "database": "ok",
        "rate_limits": "unreachable",
    }


def test_healthz_says_ok_with_a_reachable_redis(make_app):
    from tests.test_limits import redis_url

    client = make_app(RATELIMIT_STORAGE_URI=redis_url()).test_client()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "rate_limits": "ok"}


# ---- worker settings (issue 11, item 19)


def test_a_client_trickling_its_body_does_not_hold_up_others(worker_on_own_file):
    """gunicorn as `make run` starts it (gunicorn.conf.py), with one worker so the slow
    client and the others surely meet: a request arriving while a body trickles in is
    answered at once, not after the trickle."""
    path, _app = worker_on_own_file
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{path}",
        "SECRET_KEY": "test-" + "x" * 40,
        "REGISTRY_BIND": f"127.0.0.1:{port}",
        "REGISTRY_WORKERS": "1",
    }
    env.pop("REGISTRY_THREADS", None)
    root = Path(__file__).resolve().parent.parent
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def healthz(timeout: float) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            conn.request("GET", "/healthz")
            return conn.getresponse().status
        finally:
            conn.close()

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert healthz(5) == 200
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as slow:
            slow.sendall(
                b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n\r\nemail="
            )
            time.sleep(0.5)  # the worker is reading the body, which does not come
            began = time.monotonic()
            assert healthz(4) == 200  # with one thread per worker: a timeout
            assert time.monotonic() - began < 2
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
