"""Configuration from the environment: database URL, secret key, SQLite pragmas."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from registry.app import create_app
from registry.config import ConfigError, normalise_database_url
from registry.extensions import db


def test_secret_key_generated_once_into_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("REGISTRY_ENV", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "sqlite://"})
    second = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "sqlite://"})
    key_file = tmp_path / "secret_key"
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert key_file.stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("REGISTRY_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "sqlite://"})
    assert not (tmp_path / "secret_key").exists()


def test_unknown_environment_name_refused(monkeypatch):
    monkeypatch.setenv("REGISTRY_ENV", "staging")
    with pytest.raises(ConfigError, match="development, testing, production"):
        create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x"})


def test_default_database_is_sqlite_in_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/registry.sqlite"


@pytest.mark.parametrize(
    "given, expected",
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_spellings(given, expected):
    assert normalise_database_url(given) == expected


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite", "SECRET_KEY": "x"})
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.engine.dispose()
