"""Two servers, one PostgreSQL and one Redis (issue 13, item 3): what one server counts,
caches, remembers or ends, the other sees.

Two real gunicorn instances (the repository's gunicorn.conf.py, two workers each) listen on
two free ports of the loopback, with the same DATABASE_URL (the test database), the same
SECRET_KEY, the same REGISTRY_BASE_URL and the same Redis for the API's rate-limit counters
(TEST_REDIS_URL). Every request opens a new connection, so each server's workers share the
work. The records a test needs (ministries, tokens, people) are made through the services
in the test's own app context, which empties the tables after each test, as elsewhere.

PostgreSQL only: two servers never share a SQLite file, so on SQLite the module is skipped
(CI's PostgreSQL leg runs it). A Redis that does not answer skips it too, except with
CI=true, where it fails (tests.test_limits.redis_url).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.models import Organisation, Project
from registry.services import accounts, idempotency, tokens
from registry.services.actors import REVIEWER
from tests.conftest import valid_project
from tests.test_limits import redis_url

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
START_SECONDS = 60
REQUEST_SECONDS = 30
RATE_LIMIT = 10  # API requests per token per minute, on both servers
BASE_URL = "https://registry.example.org"
LIST = "/api/v1/projects"
EMAIL = "reviewer@example.org"
PASSWORD = "correct-horse-battery"

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith(("postgresql", "postgres:")),
    reason="several servers share one database only on PostgreSQL: set "
    "TEST_DATABASE_URL=postgresql://… to run this (CI's PostgreSQL leg does)",
)


# ---------------------------------------------------------------- the servers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Answer:
    def __init__(self, response: http.client.HTTPResponse):
        self.status = response.status
        self.headers = response.msg
        self.body = response.read()

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


class Server:
    """One gunicorn instance, asked over a new connection per request."""

    def __init__(self, name: str, port: int, process: subprocess.Popen, log: Path):
        self.name, self.port, self.process, self.log = name, port, process, log

    def __repr__(self) -> str:
        return f"server {self.name}"

    def request(self, method: str, path: str, headers=None, body: bytes | None = None) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_SECONDS)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            return Answer(connection.getresponse())
        finally:
            connection.close()

    def api(self, method: str, path: str, token: str, body: bytes | None = None, **headers):
        headers = {"Authorization": f"Bearer {token}", **headers}
        if body is not None:
            headers["Content-Type"] = "application/json"
        return self.request(method, path, headers, body)

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn {self.name} stopped while starting:\n{self._log_tail()}")
            try:
                if self.request("GET", "/readyz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        pytest.fail(
            f"gunicorn {self.name} was not ready within {START_SECONDS} s:\n{self._log_tail()}"
        )

    def _log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)  # gunicorn and its workers: its own group
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def _environment(database_url: str, redis: str, port: int) -> dict:
    """What each server is given: all but the bind is the same for both."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("REGISTRY_", "API_", "RATELIMIT_", "PROMETHEUS_"))
        and key != "DATABASE_URL"
    }
    env.update(
        {
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET_KEY,
            "REGISTRY_ENV": "development",
            "REGISTRY_BASE_URL": BASE_URL,
            "RATELIMIT_STORAGE_URI": redis,
            "API_RATE_LIMIT": f"{RATE_LIMIT} per minute",
            "REGISTRY_BIND": f"127.0.0.1:{port}",
            "REGISTRY_WORKERS": "2",
        }
    )
    return env


SECRET_KEY = secrets.token_hex(32)


@pytest.fixture(scope="module")
def servers(database_url, tmp_path_factory):
    """Servers A and B, started together, on the migrated test database."""
    redis = redis_url()
    tmp = tmp_path_factory.mktemp("several-servers")
    started = []
    try:
        for name in ("A", "B"):
            port = _free_port()
            log = tmp / f"gunicorn-{name}.log"
            with open(log, "w") as out:
                process = subprocess.Popen(
                    [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "wsgi:app"],
                    cwd=ROOT,
                    env=_environment(database_url, redis, port),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            started.append(Server(name, port, process, log))
        for server in started:
            server.wait_until_up()
        yield tuple(started)
    finally:
        for server in started:
            server.stop()


# ---------------------------------------------------------------- a browser


class Browser:
    """Keeps the session cookie, whichever server set it, and sends it to any server."""

    def __init__(self):
        self.cookie: str | None = None

    def request(self, server: Server, method: str, path: str, form: dict | None = None):
        headers = {}
        body = None
        if self.cookie:
            headers["Cookie"] = f"session={self.cookie}"
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        answer = server.request(method, path, headers, body)
        for line in answer.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(line)
            if "session" in cookie:
                self.cookie = cookie["session"].value or None
        return answer

    def csrf(self, server: Server, path: str) -> str:
        html = self.request(server, "GET", path).text
        return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)

    def sign_in(self, server: Server, password: str) -> Answer:
        token = self.csrf(server, "/login")
        form = {"csrf_token": token, "email": EMAIL, "password": password}
        return self.request(server, "POST", "/login", form)

    def opens_reviews(self, server: Server) -> bool:
        answer = self.request(server, "GET", "/reviews")
        if answer.status == 302:
            assert answer.headers["Location"].endswith("/login?next=%2Freviews")
            return False
        assert answer.status == 200, (server, answer.status)
        assert EMAIL in answer.text
        return True


# ---------------------------------------------------------------- the tests


@pytest.fixture
def ministry_ref(app):
    """The ministry JP-GOV-1; its tokens are issued per test (and per round)."""
    accounts.organisation_create("JP-GOV-1", "Ministry of Foreign Affairs (test)", "JP", "10")
    return "JP-GOV-1"


@pytest.mark.parametrize("eleventh", ["A", "B"])
def test_rate_limits_are_counted_once_for_both_servers(servers, ministry_ref, eleventh):
    a, b = servers
    token = tokens.token_issue(org_ref=ministry_ref).text
    remaining = []
    for n in range(RATE_LIMIT):
        answer = (a, b)[n % 2].api("GET", LIST, token)
        assert answer.status == 200, (n, answer.status, answer.text)
        assert answer.headers["X-RateLimit-Limit"] == str(RATE_LIMIT)
        remaining.append(int(answer.headers["X-RateLimit-Remaining"]))
    # One count: each request, on either server, takes one from the same ten.
    assert remaining == list(range(RATE_LIMIT - 1, -1, -1))
    first, second = (a, b) if eleventh == "A" else (b, a)
    for server in (first, second):
        refused = server.api("GET", LIST, token)
        assert refused.status == 429, (server, refused.status)
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["type"].endswith("/too-many-requests")
    # Another token of the same ministry has its own count.
    assert a.api("GET", LIST, tokens.token_issue(org_ref=ministry_ref).text).status == 200


def test_the_sign_in_throttle_is_counted_once_for_both_servers(servers, app):
    a, b = servers
    accounts.user_create(EMAIL, REVIEWER, PASSWORD)
    browser = Browser()
    for n in range(5):
        wrong = browser.sign_in((a, b)[n % 2], "not-the-password")
        assert wrong.status == 400, (n, wrong.status)
        assert "Wrong email or password." in wrong.text
    for server in (b, a):
        # Refused before the password is looked at: the right one is refused too.
        refused = browser.sign_in(server, PASSWORD)
        assert refused.status == 429, (server, refused.status)
        assert int(refused.headers["Retry-After"]) > 60
    assert browser.cookie is None or not browser.opens_reviews(a)


def _identifiers(answer: Answer) -> set[str]:
    assert answer.status == 200, (answer.status, answer.text)
    return {item["identifier"] for item in answer.json()["items"]}


def test_a_creation_on_one_server_shows_in_the_other_servers_cached_list(servers, ministry_ref):
    a, b = servers
    writer = tokens.token_issue(org_ref=ministry_ref).text
    expected: set[str] = set()
    for round_ in range(1, 4):
        # A token per round keeps within the rate limit; the cache is per ministry, not token.
        reader = tokens.token_issue(org_ref=ministry_ref).text
        for _ in range(4):  # new connections: both of A's workers answer, and keep the page
            assert _identifiers(a.api("GET", LIST, reader)) == expected
        identifier = f"JP-GOV-1-2026-{round_:03d}"
        body = json.dumps(valid_project(identifier=identifier, title=f"Port {round_}"))
        created = b.api("POST", LIST, writer, body.encode())
        assert created.status == 201, created.text
        expected.add(identifier)
        for _ in range(4):
            assert _identifiers(a.api("GET", LIST, reader)) == expected
    # Both servers answer the same page, its links under the one REGISTRY_BASE_URL.
    reader = tokens.token_issue(org_ref=ministry_ref).text
    pages = [server.api("GET", f"{LIST}?limit=1", reader) for server in (a, b, a)]
    assert pages[0].body == pages[1].body == pages[2].body
    assert pages[0].json()["next"].startswith(f"{BASE_URL}{LIST}?")


def _projects() -> int:
    db.session.rollback()  # a new snapshot: the servers wrote since
    return db.session.scalar(select(func.count()).select_from(Project))


def test_an_idempotency_key_used_on_one_server_is_known_on_the_other(servers, ministry_ref):
    a, b = servers
    token = tokens.token_issue(org_ref=ministry_ref).text
    body = json.dumps(valid_project()).encode()
    first = a.api("POST", LIST, token, body, **{"Idempotency-Key": "several-1"})
    assert first.status == 201, first.text
    again = b.api("POST", LIST, token, body, **{"Idempotency-Key": "several-1"})
    assert again.status == 201, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert again.json() == first.json() and again.json()["id"] == first.json()["id"]
    assert again.headers["Location"] == first.headers["Location"]
    assert _projects() == 1

    other = json.dumps(valid_project(identifier="JP-GOV-1-2026-002")).encode()
    reused = b.api("POST", LIST, token, other, **{"Idempotency-Key": "several-1"})
    assert reused.status == 422, reused.text
    assert reused.json()["errors"][0]["code"] == "key_reused"
    assert _projects() == 1


def test_a_key_still_being_processed_is_409_on_both_servers(servers, app, ministry_ref):
    a, b = servers
    token = tokens.token_issue(org_ref=ministry_ref).text
    body = json.dumps(valid_project()).encode()
    org_id = db.session.scalar(select(Organisation.id).where(Organisation.ref == ministry_ref))
    # A request that claimed the key and has not finished (or died): as a worker leaves it.
    idempotency.idempotency_claim(org_id, "in-flight", idempotency.fingerprint("POST", LIST, body))
    for server in (a, b):
        busy = server.api("POST", LIST, token, body, **{"Idempotency-Key": "in-flight"})
        assert busy.status == 409, (server, busy.status, busy.text)
        assert 1 <= int(busy.headers["Retry-After"]) <= 600
    assert _projects() == 0


def test_a_session_begun_on_one_server_works_and_ends_on_the_other(servers, app):
    a, b = servers
    accounts.user_create(EMAIL, REVIEWER, PASSWORD)
    browser = Browser()
    signed_in = browser.sign_in(a, PASSWORD)
    assert signed_in.status == 302, signed_in.text
    assert browser.cookie
    assert browser.opens_reviews(b) and browser.opens_reviews(a)
    copy = Browser()
    copy.cookie = browser.cookie  # the cookie as A gave it, kept aside
    assert copy.opens_reviews(b)

    signed_out = browser.request(b, "POST", "/logout", {"csrf_token": browser.csrf(b, "/reviews")})
    assert signed_out.status == 302 and signed_out.headers["Location"].endswith("/login")
    for server in (a, b):
        assert not copy.opens_reviews(server)
        assert not browser.opens_reviews(server)
