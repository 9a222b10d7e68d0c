"""Fixtures: one migrated database per run (SQLite by default, PostgreSQL with
TEST_DATABASE_URL), a fresh app per test, and every table but the reference ones
emptied after each test."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from registry.app import create_app
from registry.config import normalise_database_url
from registry.extensions import db
from registry.services import accounts, seeding, tokens
from registry.services.actors import MINISTRY, Actor

# Kept between tests: reference data, the migration state and the data version's one row.
REFERENCE_TABLES = {"ref_countries", "ref_sectors", "alembic_version", "data_version"}


def empty_tables(engine) -> None:
    """Delete every row but the reference data; ids start again at 1 (golden files rely on it).

    The data version is kept and raised, as if by any other change."""
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            conn.execute(text("UPDATE data_version SET value = value + 1"))
        else:
            for table in tables:
                conn.execute(table.delete())


def _database_url(tmp_root: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return f"sqlite:///{tmp_root / 'test.sqlite'}"


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def pytest_report_header(config):
    """Say which database and browser this run uses, so a log shows what was tested."""
    url = os.environ.get("TEST_DATABASE_URL")
    database = (
        f"PostgreSQL at {url.rpartition('@')[2]}"
        if url
        else "SQLite (a temporary file); set TEST_DATABASE_URL for PostgreSQL"
    )
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    browser = chromium if os.path.exists(chromium) else f"none at {chromium}"
    ci = (
        " (CI=true: a missing database or browser fails the run)"
        if os.environ.get("CI") == "true"
        else ""
    )
    return [f"registry tests: database {database}; browser {browser}{ci}"]


@pytest.fixture(scope="session")
def database_url():
    """A migrated, reference-loaded database for the whole run."""
    with tempfile.TemporaryDirectory(prefix="registry-test-") as tmp:
        url = _database_url(Path(tmp))
        if url.startswith("postgresql"):
            _reset_postgres(url)
        app = create_app({"ENV_NAME": "testing", "DATABASE_URL": url, "SECRET_KEY": "test"})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            seeding.reference_load()
            db.engine.dispose()
        yield url


class FreshContextClient(FlaskClient):
    """Each request runs in an app context of its own, as in production.

    Tests hold an app context open for their own service calls; without this, every
    request would share it, and with it `g`, the database session and caches.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(database_url):
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": database_url, "SECRET_KEY": "test"})
    app.test_client_class = FreshContextClient
    with app.app_context():
        yield app
        db.session.remove()
        empty_tables(db.engine)
        db.engine.dispose()


@pytest.fixture
def make_app(database_url):
    """Build extra apps on the test database (with other settings); their pools are closed after."""
    made = []

    def make(**settings):
        extra = create_app(
            {"ENV_NAME": "testing", "DATABASE_URL": database_url, "SECRET_KEY": "test", **settings}
        )
        made.append(extra)
        return extra

    yield make
    for extra in made:
        with extra.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ministry(app):
    """A partner ministry and an actor acting for it."""
    org = accounts.organisation_create("JP-GOV-1", "Ministry of Foreign Affairs (test)", "JP", "10")
    return Actor(label="JP-GOV-1 (test)", role=MINISTRY, organisation_id=org.id)


@pytest.fixture
def other_ministry(app):
    org = accounts.organisation_create(
        "AU-GOV-1", "Department of Foreign Affairs (test)", "AU", "10"
    )
    return Actor(label="AU-GOV-1 (test)", role=MINISTRY, organisation_id=org.id)


class ApiClient:
    """The test client with a bearer token, speaking JSON."""

    def __init__(self, client, token: str):
        self.client, self.token = client, token

    def _headers(self, headers):
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, url, headers=None, **kw):
        return self.client.get(url, headers=self._headers(headers), **kw)

    def post(self, url, json=None, headers=None, **kw):
        return self.client.post(url, json=json, headers=self._headers(headers), **kw)

    def put(self, url, json=None, headers=None, **kw):
        return self.client.put(url, json=json, headers=self._headers(headers), **kw)

    def patch(self, url, json=None, headers=None, **kw):
        return self.client.patch(url, json=json, headers=self._headers(headers), **kw)

    def delete(self, url, headers=None, **kw):
        return self.client.delete(url, headers=self._headers(headers), **kw)


@pytest.fixture
def jp(client, ministry):
    """API client of ministry JP-GOV-1 with a write token."""
    return ApiClient(client, tokens.token_issue(org_ref="JP-GOV-1").text)


@pytest.fixture
def au(client, other_ministry):
    """API client of ministry AU-GOV-1 with a write token."""
    return ApiClient(client, tokens.token_issue(org_ref="AU-GOV-1").text)


def valid_project(**overrides) -> dict:
    """A minimal valid record; keyword arguments replace top-level fields."""
    record = {
        "identifier": "JP-GOV-1-2026-001",
        "title": "Da Nang Port Container Terminal Expansion",
        "description": "Extends the container terminal by two berths.",
        "status": "implementation",
        "recipient_countries": [{"code": "VN"}],
        "sectors": [{"code": "21040"}],
        "dates": {
            "planned_start": "2024-04-01",
            "planned_end": "2028-03-31",
            "actual_start": "2024-06-01",
        },
        "finance": {"amount": "125000000.00", "currency": "USD", "instrument": "loan"},
        "participants": [
            {"name": "Mekong Harbour Engineering JSC", "role": "contractor", "country": "VN"}
        ],
        "technologies": [
            {"category": "port_automation", "vendor": "Sakura Cranes", "vendor_country": "JP"}
        ],
        "maritime_activities": ["port_construction"],
        "export_control_categories": [],
        "locations": [
            {"name": "Tien Sa", "latitude": "16.12", "longitude": "108.21", "subdivision": "VN-DN"}
        ],
        "tags": ["ports"],
    }
    record.update(overrides)
    return record
