"""/healthz and /readyz (registry/web/system.py), and what the registry does while its
database refuses writes (registry/database.py): 503 with Retry-After, and no connection left
read-only after.

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
from sqlalchemy import text

from registry.app import create_app
from registry.extensions import db
from registry.services import accounts, seeding, tokens
from registry.web.system import READINESS_CHECKS, migration_heads
from tests.conftest import ApiClient, FreshContextClient, valid_project
from tests.test_limits import redis_url

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


READY = {
    "status": "ready",
    "checks": {
        "database": "ok",
        "migrations": "ok",
        "rate_limits": "not configured",
        "jobs": "not configured",
    },
}


def _not_ready(response, **checks) -> None:
    """A 503 naming what failed, the other checks as READY has them."""
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json() == {"status": "not ready", "checks": {**READY["checks"], **checks}}


def _head() -> str:
    heads, _known = migration_heads(str(Path(__file__).resolve().parent.parent / "migrations"))
    assert len(heads) == 1, heads
    return next(iter(heads))


def test_healthz_says_the_process_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_says_ready_when_the_database_takes_writes_and_is_migrated(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == READY
    assert "Retry-After" not in response.headers


def test_healthz_asks_nothing_of_an_unreachable_database(make_app):
    """Liveness is the process: a database that does not answer is for /readyz to say."""
    client = make_app(DATABASE_URL="postgresql://nobody@127.0.0.1:1/none").test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    _not_ready(
        client.get("/readyz"),
        database="unreachable",
        migrations="unknown: the database does not answer",
    )


def test_readyz_names_migrations_behind_or_ahead_of_the_code(worker_on_own_file):
    _path, app = worker_on_own_file
    client = app.test_client()
    head = _head()
    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = '0009'"))
        db.session.commit()
    _not_ready(client.get("/readyz"), migrations=f"behind: at 0009, head {head}")
    assert client.get("/healthz").get_json() == {"status": "ok"}
    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        db.session.commit()
    _not_ready(client.get("/readyz"), migrations=f"ahead: at 9999, head {head}")
    with app.app_context():
        db.session.execute(text("DELETE FROM alembic_version"))
        db.session.commit()
    _not_ready(client.get("/readyz"), migrations=f"behind: at none, head {head}")
    with app.app_context():
        db.session.execute(text(f"INSERT INTO alembic_version VALUES ('{head}')"))
        db.session.commit()
    assert client.get("/readyz").get_json() == READY


def test_readyz_says_read_only_for_a_postgresql_session_that_refuses_writes(make_app, database_url):
    """PostgreSQL: connections whose transactions are read-only by default (as on a standby
    or with default_transaction_read_only) make the database "read-only"."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")
    options = {
        "pool_pre_ping": True,
        "connect_args": {"options": "-c default_transaction_read_only=on"},
    }
    client = make_app(SQLALCHEMY_ENGINE_OPTIONS=options).test_client()
    _not_ready(client.get("/readyz"), database="read-only")
    assert client.get("/healthz").get_json() == {"status": "ok"}


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
        _not_ready(client.get("/readyz"), database="read-only")
        assert client.get("/healthz").get_json() == {"status": "ok"}
        assert api.get("/api/v1/projects").get_json()["items"][0]["identifier"].endswith("001")

    # Writable again: the connections opened read-only are discarded, not kept.
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json() == READY
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


def test_readyz_is_503_while_the_rate_limit_store_is_unreachable(make_app):
    client = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1").test_client()
    _not_ready(client.get("/readyz"), rate_limits="unreachable")
    # The process still answers, and serves: each worker counts on its own meanwhile.
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_is_ready_with_a_reachable_redis(make_app):
    client = make_app(RATELIMIT_STORAGE_URI=redis_url()).test_client()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ready",
        "checks": {**READY["checks"], "rate_limits": "ok"},
    }


@contextmanager
def redis_server(port: int):
    """A Redis of our own on `port` (no persistence) for the length of the block."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is not installed, and CI=true requires it")
        pytest.skip("redis-server is not installed")
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.05)
        yield
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_readyz_follows_a_redis_that_stops_and_comes_back(make_app):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_app(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}").test_client()
    with redis_server(port):
        assert client.get("/readyz").get_json()["checks"]["rate_limits"] == "ok"
    _not_ready(client.get("/readyz"), rate_limits="unreachable")
    with redis_server(port):
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.get_json()["checks"]["rate_limits"] == "ok"


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


def test_a_later_check_plugs_into_readyz(client, monkeypatch):
    """The job queue's consumer heartbeat replaces the "jobs" check: its failure is named."""
    monkeypatch.setitem(READINESS_CHECKS, "jobs", lambda: ("no consumer seen for 75 s", False))
    _not_ready(client.get("/readyz"), jobs="no consumer seen for 75 s")
    monkeypatch.setitem(READINESS_CHECKS, "backups", lambda: ("ok", True))
    assert client.get("/readyz").get_json()["checks"]["backups"] == "ok"
