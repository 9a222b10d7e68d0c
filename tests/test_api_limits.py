"""What the registry reads of a request, at most, and how it refuses the rest (issue 11):
JSON nested too deep, bodies too large however they arrive, malformed chunked bodies,
long URLs, large headers, and the Host header, which never makes a link.

The live tests run gunicorn with the repository's gunicorn.conf.py, so they check the
server's limits against the registry's as deployed.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import runpy
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask
from gunicorn.http.errors import InvalidChunkSize
from marshmallow import Schema, fields
from webargs.flaskparser import parser

from registry import request_limits
from registry.config import ConfigError
from registry.extensions import csrf
from registry.json_provider import MAX_DEPTH, TooDeep, refuse_too_deep
from registry.services import projects, tokens
from tests.conftest import valid_project
from tests.test_api_errors import assert_problem
from tests.test_web_pages import _sign_in, _user

ROOT = Path(__file__).resolve().parent.parent
URL = "/api/v1/projects"
JSON = {"Content-Type": "application/json"}
DEEP = b"[" * 10_000 + b"]" * 10_000  # 20 KB


def _nested(levels: int) -> str:
    """Arrays and objects alternating, `levels` deep: {"k":[{"k":[ … 1 … ]}]}."""
    text = "1"
    for level in range(levels):
        text = f"[{text}]" if level % 2 else f'{{"k":{text}}}'
    return text


# ---------------------------------------------------------------- item 7: JSON nested too deep


@pytest.fixture
def created(jp):
    return jp.post(URL, json=valid_project()).get_json()


def _json_endpoints(created) -> list[tuple[str, str, dict]]:
    item = f"{URL}/{created['id']}"
    return [
        ("POST", URL, JSON),
        ("POST", f"{URL}/batch", JSON),
        ("PUT", item, {**JSON, "If-Match": '"v1"'}),
        ("PATCH", item, {"Content-Type": "application/merge-patch+json", "If-Match": '"v1"'}),
        ("POST", f"{item}/review", JSON),
    ]


def test_deeply_nested_json_is_400_naming_the_limit_on_every_json_endpoint(jp, created):
    for method, url, headers in _json_endpoints(created):
        response = jp.client.open(
            url,
            method=method,
            data=DEEP,
            headers={**headers, "Authorization": f"Bearer {jp.token}"},
        )
        detail = assert_problem(response, 400)["detail"]
        assert detail == (
            f"The JSON nests arrays and objects more than {MAX_DEPTH} levels deep; "
            f"the registry reads at most {MAX_DEPTH} levels."
        ), (method, url)
    assert jp.get(f"{URL}/{created['id']}").get_json()["title"] == created["title"]


def test_nesting_up_to_the_limit_is_read_and_one_more_is_refused(jp):
    at_limit = jp.post(URL, data=f'{{"title":{_nested(MAX_DEPTH - 1)}}}', headers=JSON)
    assert_problem(at_limit, 422)  # parsed: the record is then refused field by field
    past = jp.post(URL, data=f'{{"title":{_nested(MAX_DEPTH)}}}', headers=JSON)
    assert f"more than {MAX_DEPTH} levels" in assert_problem(past, 400)["detail"]


def test_brackets_inside_strings_do_not_count(jp):
    title = '[{"\\' * 40 + '"]' * 40
    response = jp.post(URL, json=valid_project(title=title[:300], description="[{" * 100))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["title"] == title[:300]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" * 10_000, id="never-closed"),
        pytest.param('{"a":' * 5000 + "1" + "}" * 5000, id="objects"),
        pytest.param(DEEP.decode().encode("utf-16"), id="utf-16"),
        # A naive reader would end the first string at its escaped quote, and take the
        # deep array for the inside of a string.
        pytest.param(b'["\\"",' + DEEP + b"]", id="escaped-quote"),
    ],
)
def test_other_deep_bodies_are_400_not_500(jp, body):
    assert_problem(jp.post(URL, data=body, headers=JSON), 400)


def test_the_webargs_json_path_never_sees_a_deep_body(make_app):
    """flask-smorest reads `location="json"` arguments with webargs' own json.loads; the
    registry refuses a deep body before any view (and so any parser) runs."""
    app: Flask = make_app()

    class Body(Schema):
        name = fields.String()

    @app.post("/webargs-probe")
    @csrf.exempt
    def probe():
        return {"name": parser.parse(Body(), location="json").get("name")}

    client = app.test_client()
    assert client.post("/webargs-probe", json={"name": "x"}).get_json() == {"name": "x"}
    response = client.post("/webargs-probe", data=DEEP, headers=JSON)
    assert response.status_code == 400
    assert f"more than {MAX_DEPTH} levels deep" in response.get_data(as_text=True)


def test_the_apps_json_refuses_deep_text_and_keeps_what_it_did(app):
    with pytest.raises(TooDeep):
        app.json.loads(DEEP)
    assert app.json.loads(_nested(MAX_DEPTH)) is not None
    refuse_too_deep("[" + "[]," * 100_000 + "[]]")  # wide, not deep
    with pytest.raises(TooDeep):
        refuse_too_deep(_nested(MAX_DEPTH + 1))
    started = time.perf_counter()
    wide_and_deep = "[" + ",".join([_nested(MAX_DEPTH - 2)] * 8000) + "]"  # ~2 MB
    refuse_too_deep(wide_and_deep)
    assert time.perf_counter() - started < 2


# ---------------------------------------------------------------- items 9, 10: bodies


def _chunked(client, url: str, stream, headers: dict):
    """A body without Content-Length, as gunicorn passes a chunked one on."""
    return client.post(
        url,
        input_stream=stream,
        headers={**headers, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_chunked_body_over_the_limit_is_413_not_cut_short(jp):
    big = json.dumps(valid_project(description="x" * (3 * 1024 * 1024))).encode()
    response = _chunked(jp.client, URL, io.BytesIO(big), {**JSON, **jp._headers(None)})
    detail = assert_problem(response, 413)["detail"]
    assert "larger than 2097152 bytes (2 MB)" in detail
    small = json.dumps(valid_project()).encode()
    response = _chunked(jp.client, URL, io.BytesIO(small), {**JSON, **jp._headers(None)})
    assert response.status_code == 201, response.get_json()


def test_a_chunked_form_over_the_limit_is_413_on_the_pages(client, app):
    _sign_in(client, _user("planner"))
    body = b"rates=" + b"x" * (3 * 1024 * 1024)
    response = _chunked(
        client,
        "/exports/summary.csv",
        io.BytesIO(body),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert response.mimetype == "text/html"


class _MalformedChunks(io.BytesIO):
    """gunicorn's chunked reader meeting a bad chunk-size line."""

    def read(self, size=-1):
        raise InvalidChunkSize(b"zz")


def test_a_malformed_chunk_size_is_400(jp):
    response = _chunked(jp.client, URL, _MalformedChunks(), {**JSON, **jp._headers(None)})
    detail = assert_problem(response, 400)["detail"]
    assert detail.startswith("The request body could not be read (Invalid chunk size")


# ---------------------------------------------------------------- item 10: URL and headers


def test_a_long_url_is_414_problem_json(jp):
    q = "a" * request_limits.MAX_URL_BYTES
    detail = assert_problem(jp.get(f"{URL}?q={q}"), 414)["detail"]
    assert f"at most {request_limits.MAX_URL_BYTES}" in detail
    assert jp.get(f"{URL}?q={'a' * 100}").status_code == 200


def test_a_long_url_is_a_414_page_outside_the_api(client):
    response = client.get("/projects?q=" + "a" * request_limits.MAX_URL_BYTES)
    assert response.status_code == 414
    assert response.mimetype == "text/html"
    assert b"the registry reads at most 4096" in response.data


def test_large_or_many_header_fields_are_431_problem_json(jp):
    big = "a" * request_limits.MAX_HEADER_FIELD_BYTES
    detail = assert_problem(jp.get(URL, headers={"X-Big": big}), 431)["detail"]
    assert detail.startswith("The header field X-Big is ")
    many = {f"X-H{i}": "1" for i in range(request_limits.MAX_HEADER_FIELDS)}
    detail = assert_problem(jp.get(URL, headers=many), 431)["detail"]
    assert f"the registry reads at most {request_limits.MAX_HEADER_FIELDS}" in detail


def test_gunicorn_lets_through_more_than_the_registry_reads(monkeypatch, tmp_path):
    """So gunicorn's own HTML refusals never answer a request the registry would refuse."""
    # Reading the file sets the metrics directory for gunicorn's processes: not for ours.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    request_line = len("DELETE ") + request_limits.MAX_URL_BYTES + len(" HTTP/1.1")
    assert conf["limit_request_line"] >= request_line
    assert conf["limit_request_fields"] > request_limits.MAX_HEADER_FIELDS
    assert conf["limit_request_field_size"] > request_limits.MAX_HEADER_FIELD_BYTES


# ---------------------------------------------------------------- the same through gunicorn


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn_server(database_url):
    """gunicorn with the repository's configuration, one worker, on a free port."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "live-limits-test",
        "REGISTRY_BIND": f"127.0.0.1:{port}",
        "REGISTRY_WORKERS": "1",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        server.terminate()
        pytest.fail("gunicorn did not start")
    yield port
    server.terminate()
    server.wait(timeout=30)


def _exchange(port: int, request: bytes) -> tuple[int, str, dict]:
    """Send raw bytes; (status, content type, JSON body or {})."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        # Refused before the whole body was read: the answer is there all the same.
        with contextlib.suppress(OSError):
            conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    content_type = headers.get("Content-Type", "")
    parsed = json.loads(body) if content_type == "application/problem+json" else {}
    return int(lines[0].split()[1]), content_type, parsed


def _post(path: bytes, body: bytes, chunked: bool) -> bytes:
    head = b"POST " + path + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
    head += b"Content-Type: application/json\r\n"
    if chunked:
        return head + b"Transfer-Encoding: chunked\r\n\r\n" + body
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


def _chunks(data: bytes, size: int = 65536) -> bytes:
    pieces = (data[i : i + size] for i in range(0, len(data), size))
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


def test_through_gunicorn_every_limit_is_the_registrys_problem_json(gunicorn_server):
    port = gunicorn_server
    big = json.dumps({"title": "x" * (3 * 1024 * 1024)}).encode()
    cases = {
        "deep": (_post(b"/api/v1/projects", DEEP, chunked=False), 400),
        "chunked 3 MB": (_post(b"/api/v1/projects", _chunks(big), chunked=True), 413),
        "bad chunk size": (_post(b"/api/v1/projects", b"zz\r\n{}\r\n0\r\n\r\n", True), 400),
        "long URL": (
            b"GET /api/v1/projects?q=" + b"a" * 6000 + b" HTTP/1.1\r\nHost: x\r\n"
            b"Connection: close\r\n\r\n",
            414,
        ),
        "large header": (
            b"GET /api/v1/projects HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 12000 + b"\r\n"
            b"Connection: close\r\n\r\n",
            431,
        ),
        "many headers": (
            b"GET /api/v1/projects HTTP/1.1\r\nHost: x\r\n"
            + b"".join(b"X-H%d: 1\r\n" % i for i in range(110))
            + b"Connection: close\r\n\r\n",
            431,
        ),
    }
    for name, (request, status) in cases.items():
        answer = _exchange(port, request)
        assert answer[:2] == (status, "application/problem+json"), (name, answer)
        assert answer[2]["status"] == status and answer[2]["detail"], name
    # What gunicorn itself refuses (past its own maximum request line) stays a refusal.
    status, _, _ = _exchange(
        port, b"GET /?q=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert status == 414


# ---------------------------------------------------------------- item 16: the Host header


EVIL = {"Host": "evil.example"}


def _csv_urls(response) -> list[str]:
    assert response.mimetype == "text/csv", response.status
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    return [row[rows[0].index("url")] for row in rows[1:]]


def test_the_host_header_never_makes_a_link(jp, ministry):
    for identifier in ("H-1", "H-2"):
        projects.project_create(valid_project(identifier=identifier), ministry)
    listing = jp.get(f"{URL}?limit=1", headers=EVIL)
    assert b"evil" not in listing.data
    assert listing.get_json()["next"].startswith(f"{URL}?limit=1&cursor=")
    following = jp.get(listing.get_json()["next"])
    assert [p["identifier"] for p in following.get_json()["items"]] == ["H-1"]
    export = jp.get("/api/v1/exports/projects.csv", headers=EVIL)
    assert b"evil" not in export.data
    assert all(url.startswith("/projects/") for url in _csv_urls(export))


def test_the_pages_csv_links_are_relative_by_default(client, ministry):
    projects.project_create(valid_project(), ministry)
    _sign_in(client, _user("planner"))
    # The test client sends a cookie only to the host it was set for.
    client.set_cookie("session", client.get_cookie("session").value, domain="evil.example")
    response = client.get("/exports/projects.csv", headers=EVIL)
    assert b"evil" not in response.data
    assert _csv_urls(response) == ["/projects/1"]


def test_links_start_with_the_configured_base_url(make_app, ministry, monkeypatch):
    monkeypatch.setenv("REGISTRY_BASE_URL", "https://registry.example.org/ipr/")
    app = make_app()
    assert app.config["REGISTRY_BASE_URL"] == "https://registry.example.org/ipr"
    assert app.config["TRUSTED_HOSTS"] is None  # not production: any host is served
    for identifier in ("B-1", "B-2"):
        projects.project_create(valid_project(identifier=identifier), ministry)
    client = app.test_client()
    token = tokens.token_issue(org_ref="JP-GOV-1").text
    auth = {"Authorization": f"Bearer {token}", **EVIL}
    listing = client.get(f"{URL}?limit=1", headers=auth)
    assert b"evil" not in listing.data
    assert listing.get_json()["next"].startswith(
        "https://registry.example.org/ipr/api/v1/projects?limit=1&cursor="
    )
    export = client.get("/api/v1/exports/projects.csv", headers=auth)
    assert _csv_urls(export) == [
        "https://registry.example.org/ipr/projects/1",
        "https://registry.example.org/ipr/projects/2",
    ]


@pytest.fixture
def production(make_app, monkeypatch):
    monkeypatch.setenv("REGISTRY_ENV", "production")
    monkeypatch.setenv("REGISTRY_BASE_URL", "https://registry.example.org")
    monkeypatch.setenv("REGISTRY_TRUSTED_HOSTS", "registry.internal, .monitor.example")

    def build(**settings):
        return make_app(ENV_NAME="production", **settings)

    return build


def test_production_answers_only_its_hosts(production):
    app = production()
    assert app.config["TRUSTED_HOSTS"] == [
        ".monitor.example",
        "registry.example.org",
        "registry.internal",
    ]
    client = app.test_client()
    for host in ("registry.example.org", "registry.internal:8000", "a.monitor.example"):
        assert client.get("/healthz", headers={"Host": host}).status_code == 200, host
    refused = client.get(URL, headers=EVIL)
    body = assert_problem(refused, 400)
    assert body["detail"] == "The Host header names a host this registry does not answer for."
    assert b"evil" not in refused.data
    page = client.get("/projects", headers=EVIL)
    assert page.status_code == 400 and b"evil" not in page.data


@pytest.mark.parametrize(
    "url",
    ["registry.example.org", "ftp://registry.example.org", "https://u:p@x.org", "https://x.org?a"],
)
def test_a_base_url_that_is_not_one_is_refused_at_start(make_app, monkeypatch, url):
    monkeypatch.setenv("REGISTRY_BASE_URL", url)
    with pytest.raises(ConfigError, match="REGISTRY_BASE_URL must be where the registry"):
        make_app()
