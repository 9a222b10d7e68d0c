"""Browser tests: the real app served on a local port, driven by headless Chromium (Playwright).

One live server per module (demo data and one user per role), one browser per run,
a fresh browser context (cookies, session, language) per test. Screenshots of every
step go to `test-artifacts/e2e/` (git-ignored).
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from registry.app import create_app
from registry.extensions import db
from registry.services import accounts, seeding
from tests.conftest import empty_tables

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "e2e"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000

# One person per role; passwords meet the 12-character minimum.
USERS = {
    "diplomat": ("diplomat@e2e.example.org", "diplomat-password-1"),
    "reviewer": ("reviewer@e2e.example.org", "reviewer-password-1"),
    "planner": ("planner@e2e.example.org", "planner-password-1"),
    "admin": ("admin@e2e.example.org", "admin-password-123"),
}


def _unavailable(message: str) -> None:
    """No browser: a failure in CI (never a silent skip there), a skip on a workstation."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"e2e: {message} (CI=true, so browser tests must run)", pytrace=False)
    pytest.skip(f"e2e: {message}")


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, launched once per run (no `playwright install`)."""
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not os.path.exists(path):
        _unavailable(f"no Chromium at {path}; install it or set CHROMIUM_PATH")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:  # pragma: no cover - playwright is in requirements-test
        _unavailable(f"the playwright package is missing ({error})")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=BROWSER_ARGS)
    except Exception as error:
        playwright.stop()
        _unavailable(f"Chromium at {path} did not start: {error}")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(scope="module")
def live_server(database_url) -> Iterator[str]:
    """The app with CSRF on, demo data and one user per role, served on 127.0.0.1:<free port>.

    On teardown the server stops and every non-reference row goes, so the next tests
    start from the same database the session fixture made.
    """
    app = create_app(
        {"ENV_NAME": "testing", "DATABASE_URL": database_url, "SECRET_KEY": "e2e", "TESTING": False}
    )
    try:
        with app.app_context():
            # The demo data holds no test probes; the hostile titles live beside the tests.
            probes = json.loads((Path(__file__).parent / "probe_projects.json").read_text("utf-8"))
            seeding.demo_load(projects=seeding.demo_projects() + probes)
            for role, (email, password) in USERS.items():
                accounts.user_create(email, role, password)
            db.session.remove()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()
    finally:
        with app.app_context():
            db.session.remove()
            empty_tables(db.engine)
            db.engine.dispose()


@pytest.fixture
def new_page(browser, live_server):
    """Pages in fresh browser contexts (own cookies and session); all closed after the test."""
    contexts = []

    def make(**context_options):
        options = {"base_url": live_server, "locale": "en-GB", **context_options}
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def sign_in(page, role: str) -> None:
    """Sign in through the real form (CSRF token and all) as the e2e user of `role`.

    Stays on the current /login page when there is one (so a `next=` survives).
    """
    email, password = USERS[role]
    if "/login" not in page.url:
        page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert email in (page.locator(".who").text_content() or ""), (
        f"sign-in as {role} did not succeed; page is {page.url}"
    )


@pytest.fixture
def login() -> Callable:
    """`login(page, role)`: sign in through the /login form."""
    return sign_in


@pytest.fixture
def shot(request) -> Callable:
    """`shot(page, step)` saves test-artifacts/e2e/<test-name>-<step>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)

    def take(page, step: str) -> Path:
        path = ARTIFACTS / f"{name}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
