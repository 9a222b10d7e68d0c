"""The README's API walkthrough, run as written against a live server.

The shell blocks of "For partner ministries: the API" are taken from README.md and run
with bash, in order: the administrator's block on a fresh registry (it registers a
ministry and issues a token), every other block against gunicorn serving fresh demo
data, as `make run` leaves it (migrated SQLite, `seed reference`, `seed demo`,
`screening rerun`, `accounts demo`). Only the token and the address are substituted:
the token `accounts demo` printed for the place-holder, and the test server's address
for `http://127.0.0.1:8000`. Everything listens on the loopback, and every step has a
time limit.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SECTION = "## For partner ministries: the API"
README_ADDRESS = "http://127.0.0.1:8000"
BIN = Path(sys.executable).parent
COMMAND_SECONDS = 120  # a seed or a migration on a slow machine
REQUEST_SECONDS = 30
START_SECONDS = 60

pytestmark = pytest.mark.skipif(
    not (shutil.which("bash") and shutil.which("curl")) and os.environ.get("CI") != "true",
    reason="the walkthrough needs bash and curl (required when CI=true)",
)


def api_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start : end if end != -1 else None]


def shell_blocks(section: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```$", section, flags=re.S | re.M)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(database: Path, **extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("REGISTRY_", "API_", "RATELIMIT_")) and key != "DATABASE_URL"
    }
    env.update(
        {
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "DATABASE_URL": f"sqlite:///{database}",
            "SECRET_KEY": secrets.token_hex(32),
            "REGISTRY_ENV": "development",
            **extra,
        }
    )
    return env


def _flask(env: dict, *arguments: str) -> str:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
    )
    assert done.returncode == 0, f"flask {' '.join(arguments)}: {done.stderr[-2000:]}"
    return done.stdout


def _bash(block: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", block],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=REQUEST_SECONDS,
    )


def _wait_until_up(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn stopped while starting"
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer {url}/healthz within {START_SECONDS} s")


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """gunicorn (the `make run` configuration, two workers) on fresh demo data."""
    tmp = tmp_path_factory.mktemp("walkthrough")
    port = _free_port()
    env = _environment(
        tmp / "registry.sqlite", REGISTRY_BIND=f"127.0.0.1:{port}", REGISTRY_WORKERS="2"
    )
    for command in (("db", "upgrade"), ("seed", "reference"), ("seed", "demo")):
        _flask(env, *command)
    _flask(env, "screening", "rerun")
    printed = _flask(env, "accounts", "demo").splitlines()
    heading = next(i for i, line in enumerate(printed) if "Demo API token" in line)
    token = printed[heading + 1].strip()
    log = open(tmp / "gunicorn.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, server)
        yield {"url": url, "token": token, "env": env}
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # gunicorn and its workers: its own group
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        log.close()


def _response(output: str) -> tuple[int, dict, str]:
    """`curl -i` output: (status, headers, body)."""
    head, _, body = output.replace("\r\n", "\n").partition("\n\n")
    lines = head.splitlines()
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def _run_against(server: dict, block: str) -> str:
    block = re.sub(r"^TOKEN=\S+", f"TOKEN={server['token']}", block, flags=re.M)
    block = block.replace(README_ADDRESS, server["url"])
    done = _bash(block, {**server["env"], "TOKEN": server["token"]})
    assert done.returncode == 0, f"{block}\n{done.stderr}"
    return done.stdout


def test_the_walkthrough_has_the_blocks_this_test_knows():
    blocks = shell_blocks(api_section())
    assert len(blocks) == 4, "a block was added or removed: teach this test what it answers"
    assert blocks[0].startswith("flask --app wsgi accounts create-org")
    assert "POST" in blocks[1] and "PATCH" in blocks[2] and "/api/v1/projects?" in blocks[3]
    assert re.search(r"^TOKEN=\S+", blocks[1], flags=re.M)


def test_the_example_identifier_is_not_in_the_demo_data():
    blocks = shell_blocks(api_section())
    identifier = re.search(r'"identifier": "([^"]+)"', blocks[1])[1]
    demo = json.loads((ROOT / "seed" / "demo" / "projects.json").read_text(encoding="utf-8"))
    assert identifier not in {p["identifier"] for p in demo}


def test_the_administrator_block_registers_a_ministry_on_a_fresh_registry(tmp_path):
    env = _environment(tmp_path / "fresh.sqlite")
    _flask(env, "db", "upgrade")
    _flask(env, "seed", "reference")
    done = _bash(shell_blocks(api_section())[0], env)
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"ipr_\d+_\S+", last), done.stdout


def _created(server: dict, create: str, section: str) -> tuple[dict, str, str]:
    """Run the create block: (the record, the ETag and the Location the README names)."""
    status, headers, body = _response(_run_against(server, create))
    created = json.loads(body)
    assert status == 201, body
    assert created["identifier"] == "JP-GOV-1-2026-101"
    assert created["reporting_org"]["ref"] == "JP-GOV-1"
    # What the README says the answer carries: its ETag and Location, as printed there.
    said = re.search(r'`ETag: (".*?")` and\s+`Location: (\S+)`', section)
    assert said, "the README no longer says which ETag and Location the answer has"
    assert headers["etag"] == said[1]
    assert headers["location"] == said[2] == f"/api/v1/projects/{created['id']}"
    return created, said[1], said[2]


def test_the_walkthrough_works_as_written_on_fresh_demo_data(demo_server):
    section = api_section()
    _, create, patch, listing = shell_blocks(section)
    created, etag, location = _created(demo_server, create, section)
    # The PATCH goes to that address with that ETag.
    assert f"{README_ADDRESS}{location} " in patch and f"If-Match: {etag}" in patch

    status, headers, body = _response(_run_against(demo_server, patch))
    patched = json.loads(body)
    assert status == 200, body
    assert (patched["id"], patched["status"]) == (created["id"], "closed")
    assert patched["dates"]["actual_end"] == "2026-10-31"
    assert headers["etag"] != etag

    page = json.loads(_run_against(demo_server, listing))
    assert page["items"], "the demo data has projects in Viet Nam in implementation"
    assert {item["status"] for item in page["items"]} == {"implementation"}
    assert all("VN" in {c["code"] for c in i["recipient_countries"]} for i in page["items"])

    # Retried as the README says it may be: the same key and body replay the first answer.
    status, headers, body = _response(_run_against(demo_server, create))
    assert (status, headers.get("idempotent-replayed")) == (201, "true")
    assert json.loads(body)["id"] == created["id"]
