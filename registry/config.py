"""Settings from the environment, one class per situation (development, testing, production)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import ClassVar


class ConfigError(RuntimeError):
    """The environment does not describe a registry that can start."""


class BaseConfig:
    # A server's connections can drop (restarts, idle timeouts); pinged at checkout.
    # Not for SQLite, where the database is a file that cannot go away under us.
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # CSRF tokens live as long as the session
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # SQLite waits this long (ms) for another writer before giving up.
    SQLITE_BUSY_TIMEOUT_MS = 30_000
    # Requests per token; storage `memory://` per process, or `redis://host:6379` when
    # several servers share the load.
    API_RATE_LIMIT = "600 per minute"
    RATELIMIT_STORAGE_URI = "memory://"
    # Rendered API list pages kept per worker, valid while the data is unchanged
    # (registry/api/list_cache.py); 0 turns the cache off.
    API_LIST_CACHE_MB = 32


# Settings that may come straight from an environment variable of the same name.
FROM_ENVIRONMENT = ("API_RATE_LIMIT", "RATELIMIT_STORAGE_URI", "API_LIST_CACHE_MB")


class DevelopmentConfig(BaseConfig):
    ENV_NAME = "development"


class TestingConfig(BaseConfig):
    ENV_NAME = "testing"
    TESTING = True


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True


CONFIGS = {c.ENV_NAME: c for c in (DevelopmentConfig, TestingConfig, ProductionConfig)}


def normalise_database_url(url: str) -> str:
    """Accept the common `postgres://` and `postgresql://` spellings and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def secret_key_for(instance_path: str, env_name: str) -> str:
    """SECRET_KEY from the environment; outside production, made once in the instance folder."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if env_name == "production":
        raise ConfigError("SECRET_KEY must be set in the environment when REGISTRY_ENV=production.")
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def load_config(app, override=None) -> None:
    """Fill app.config: the class for REGISTRY_ENV, then the environment, then `override`."""
    override = dict(override or {})
    env_name = override.get("ENV_NAME") or os.environ.get("REGISTRY_ENV", "development")
    if env_name not in CONFIGS:
        raise ConfigError(f"REGISTRY_ENV must be one of {', '.join(CONFIGS)}; got {env_name!r}.")
    app.config.from_object(CONFIGS[env_name])
    default_db = "sqlite:///" + str(Path(app.instance_path) / "registry.sqlite")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        override.pop("DATABASE_URL", None) or os.environ.get("DATABASE_URL") or default_db
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "pool_pre_ping": False,
        }
    app.config.update({k: os.environ[k] for k in FROM_ENVIRONMENT if k in os.environ})
    app.config.update(override)
    if "SECRET_KEY" not in override:
        app.config["SECRET_KEY"] = secret_key_for(app.instance_path, env_name)
