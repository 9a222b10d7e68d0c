"""Request ids, log lines and metrics (registry/observability.py, /metrics in
registry/web/system.py)."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from flask import render_template_string
from flask_login import current_user
from prometheus_client.parser import text_string_to_metric_families

from registry import observability
from registry.config import ConfigError
from registry.services import accounts, tokens
from tests.conftest import ApiClient
from tests.test_health import worker_on_own_file  # noqa: F401  (a fixture)

PASSWORD = "a-long-password-1"
HEX_ID = re.compile(r"[0-9a-f]{32}")


def _sign_in(client, role: str):
    user = accounts.user_create(f"{role}@example.org", role, PASSWORD)
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return user


# ---------------------------------------------------------------- request ids


def test_a_valid_request_id_is_echoed(client):
    given = "lb-7f3a.2026_12_01-" + "x" * 109  # 128 characters, every allowed kind
    assert len(given) == 128
    response = client.get("/healthz", headers={"X-Request-Id": given})
    assert response.headers["X-Request-Id"] == given


def test_a_request_without_an_id_gets_a_new_one_each_time(client):
    first = client.get("/healthz").headers["X-Request-Id"]
    second = client.get("/healthz").headers["X-Request-Id"]
    assert HEX_ID.fullmatch(first) and HEX_ID.fullmatch(second) and first != second


@pytest.mark.parametrize(
    "given",
    ["", "x" * 129, "has space", "tab\tid", "semi;colon", "ünï", "<script>", "a/b"],
)
def test_an_invalid_request_id_is_replaced_not_echoed(client, given):
    response = client.get("/healthz", headers={"X-Request-Id": given})
    assert HEX_ID.fullmatch(response.headers["X-Request-Id"])


def test_problem_json_names_the_request_id(client):
    response = client.get("/api/v1/projects", headers={"X-Request-Id": "support-42"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["request_id"] == "support-42"
    assert response.headers["X-Request-Id"] == "support-42"
    generated = client.get("/api/v1/no-such-thing")
    assert generated.status_code == 404
    assert generated.get_json()["request_id"] == generated.headers["X-Request-Id"]


def test_an_error_page_carries_the_request_id_header(client):
    response = client.get("/no-such-page", headers={"X-Request-Id": "page-1"})
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert response.headers["X-Request-Id"] == "page-1"


def _log_probe(app):
    """A route that writes a warning, as any module of the registry does."""

    def probe():
        logging.getLogger("registry.probe").warning("probe for %s", current_user)
        return "logged"

    probe.access = {"public": True}
    app.add_url_rule("/log-probe", "log_probe", probe)
    return app


def test_every_log_line_of_a_request_carries_its_id(make_app, caplog):
    client = _log_probe(make_app()).test_client()
    with caplog.at_level(logging.WARNING, logger="registry"):
        client.get("/log-probe", headers={"X-Request-Id": "trace-me"})
        client.get("/log-probe")
    probes = [r for r in caplog.records if r.name == "registry.probe"]
    assert probes[0].request_id == "trace-me"
    assert HEX_ID.fullmatch(probes[1].request_id)
    # Outside a request: "-".
    with caplog.at_level(logging.WARNING, logger="registry"):
        logging.getLogger("registry.probe").warning("no request")
    assert caplog.records[-1].request_id == "-"


def test_text_log_lines_show_the_request_id(make_app):
    client = _log_probe(make_app()).test_client()
    stream = io.StringIO()
    client.get("/log-probe", headers={"X-Request-Id": "text-1"}, errors_stream=stream)
    line = stream.getvalue().strip()
    assert re.fullmatch(r"\[.+\] WARNING in test_observability \[text-1\]: probe for .+", line)


def test_json_log_lines_parse_with_the_request_fields(make_app):
    client = _log_probe(make_app(REGISTRY_LOG_FORMAT="json")).test_client()
    stream = io.StringIO()
    try:
        client.get("/log-probe", headers={"X-Request-Id": "json-1"}, errors_stream=stream)
        client.get(
            "/api/v1/projects/5",
            headers={"X-Request-Id": "json-2"},
            errors_stream=stream,
        )
    finally:
        make_app()  # text again: loggers are the process's, not the app's
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    probe, access, denied = lines
    assert probe["level"] == "WARNING" and probe["logger"] == "registry.probe"
    assert probe["message"].startswith("probe for ") and probe["request_id"] == "json-1"
    assert probe["time"].endswith("+00:00")
    assert access["logger"] == "registry.access" and access["level"] == "INFO"
    assert access["message"] == "GET /log-probe 200"
    assert (access["method"], access["path"], access["status"]) == ("GET", "/log-probe", 200)
    assert access["request_id"] == "json-1" and access["duration_ms"] >= 0
    assert (denied["path"], denied["status"], denied["request_id"]) == (
        "/api/v1/projects/5",
        401,
        "json-2",
    )


def test_json_lines_keep_a_traceback_and_have_no_id_outside_a_request():
    formatter = observability.JsonFormatter()
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("registry.x", logging.ERROR, __file__, 1, "failed", (), None)
        record.exc_info = sys.exc_info()
    entry = json.loads(formatter.format(record))
    assert entry["request_id"] is None and entry["message"] == "failed"
    assert "ValueError: boom" in entry["exception"]


def test_an_unknown_log_format_is_refused(make_app):
    with pytest.raises(ConfigError, match="REGISTRY_LOG_FORMAT must be one of text, json"):
        make_app(REGISTRY_LOG_FORMAT="xml")


# ---------------------------------------------------------------- metrics


def _samples(text: str, name: str) -> dict[tuple, float]:
    """`name`'s samples: {sorted label items: value}."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


REQUESTS = "registry_http_request_duration_seconds_count"


def test_metrics_are_refused_to_anyone_but_admins(app, client):
    anonymous = client.get("/metrics")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    _sign_in(client, "reviewer")
    refused = client.get("/metrics")
    assert refused.status_code == 403 and "registry_" not in refused.get_data(as_text=True)
    accounts.organisation_create("JP-GOV-1", "Ministry (test)", "JP", "10")
    ministry = ApiClient(app.test_client(), tokens.token_issue(org_ref="JP-GOV-1").text)
    assert ministry.get("/metrics").status_code == 403
    wrong = ApiClient(app.test_client(), "not-a-token")
    assert wrong.get("/metrics").status_code == 401


def test_an_admin_sees_requests_counted_by_route_and_status(app, client):
    _sign_in(client, "admin")
    for project_id in (101, 102, 103):  # three ids, one route
        assert client.get(f"/api/v1/projects/{project_id}").status_code == 401
    client.get("/no-such-page")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    counts = _samples(text, REQUESTS)
    route = (("method", "GET"), ("route", "/api/v1/projects/<int:project_id>"), ("status", "401"))
    assert counts[route] == 3
    assert counts[(("method", "GET"), ("route", "(no route)"), ("status", "404"))] == 1
    assert not any("/api/v1/projects/101" in str(key) for key in counts)  # no raw paths
    assert not any(dict(key)["route"] == "/metrics" for key in counts)  # scrapes not counted


def test_an_admin_token_may_scrape(app):
    accounts.user_create("admin@example.org", "admin", PASSWORD)
    scraper = ApiClient(app.test_client(), tokens.token_issue(user_email="admin@example.org").text)
    response = scraper.get("/metrics")
    assert response.status_code == 200 and "registry_exporter_info" in response.get_data(
        as_text=True
    )


def test_flags_raised_and_jobs_are_counted(app, client):
    _sign_in(client, "admin")
    before = _samples(
        client.get("/metrics").get_data(as_text=True), "registry_screening_flags_raised_total"
    )
    observability.flags_raised(3, ["HIGH_RISK_VENDOR", "HIGH_RISK_VENDOR"])
    observability.job_finished("screening_rerun", "done", 12.5)
    text = client.get("/metrics").get_data(as_text=True)
    after = _samples(text, "registry_screening_flags_raised_total")

    def raised(code: str) -> float:
        key = (("code", code),)
        return after.get(key, 0) - before.get(key, 0)

    assert raised("HIGH_RISK_VENDOR") == 2 and raised("other") == 1
    jobs = _samples(text, "registry_jobs_total")
    assert jobs[(("kind", "screening_rerun"), ("state", "done"))] >= 1
    assert (
        _samples(text, "registry_job_duration_seconds_count")[(("kind", "screening_rerun"),)] >= 1
    )


# ---------------------------------------------------------------- several workers


def test_gunicorn_workers_are_counted_together(worker_on_own_file, tmp_path):  # noqa: F811
    """With PROMETHEUS_MULTIPROC_DIR, each of gunicorn's workers writes its counts there and
    a scrape, answered by any worker, adds them all up."""
    path, app = worker_on_own_file
    with app.app_context():
        accounts.user_create("admin@example.org", "admin", PASSWORD)
        token = tokens.token_issue(user_email="admin@example.org").text
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{path}",
        "SECRET_KEY": "test-" + "x" * 40,
        "REGISTRY_BIND": f"127.0.0.1:{port}",
        "REGISTRY_WORKERS": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    root = Path(__file__).resolve().parent.parent
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def get(url: str, headers=None) -> tuple[int, str]:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{url}", headers=headers or {})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                get("/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.2)
        made = 0  # new connections, until more than one worker has answered
        while made < 20 or len(list(metrics_dir.glob("histogram_*.db"))) < 2:
            assert get("/readyz")[0] == 200
            made += 1
            assert made < 2000, "one worker answered every request"
        status, text = get("/metrics", {"Authorization": f"Bearer {token}"})
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    assert status == 200
    ready = (("method", "GET"), ("route", "/readyz"), ("status", "200"))
    assert _samples(text, REQUESTS)[ready] == made  # every worker's, whichever answered


def test_templates_see_the_request_id(app):
    """For the error page's "Reference: …" (templates/error.html)."""
    with app.test_request_context("/", headers={"X-Request-Id": "page-ref-1"}):
        assert render_template_string("{{ request_id }}") == "page-ref-1"
