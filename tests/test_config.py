"""Configuration from the environment: database URL, secret key, SQLite pragmas."""

from __future__ import annotations

import secrets

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


@pytest.mark.parametrize(
    "key, rule",
    [
        ("x", "it is 1 bytes long; at least 32 are required"),
        ("0123456789abcdef0123456789abcde", "it is 31 bytes long; at least 32 are required"),
        ("a" * 64, "it has 1 different characters"),
        ("ab" * 40, "it has 2 different characters"),
        ("Tr0ub4dor&3xyz" * 3, "it is one short pattern repeated"),
    ],
)
def test_production_refuses_short_or_patterned_secret_key(tmp_path, monkeypatch, key, rule):
    monkeypatch.setenv("REGISTRY_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigError) as refused:
        create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "sqlite://"})
    message = str(refused.value)
    assert message.startswith(f"SECRET_KEY is too weak for production: {rule}")
    assert "at least 32 bytes of random text" in message
    assert 'python -c "import secrets; print(secrets.token_hex(32))"' in message
    assert key not in message or len(key) == 1  # the key itself is never echoed


def test_production_starts_with_a_generated_secret_key(tmp_path, monkeypatch):
    for key in (secrets.token_hex(32), secrets.token_urlsafe(32)):
        monkeypatch.setenv("REGISTRY_ENV", "production")
        monkeypatch.setenv("SECRET_KEY", key)
        app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "sqlite://"})
        assert app.config["SECRET_KEY"] == key
    assert not (tmp_path / "secret_key").exists()


def test_missing_secret_key_message_says_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("REGISTRY_ENV", "production")
    with pytest.raises(ConfigError, match=r"generate one with: python -c .*token_hex\(32\)"):
        create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "sqlite://"})


def test_short_secret_key_is_accepted_outside_production(tmp_path, monkeypatch):
    monkeypatch.delenv("REGISTRY_ENV", raising=False)
    monkeypatch.setenv("SECRET_KEY", "x")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "sqlite://"})
    assert app.config["SECRET_KEY"] == "x"
