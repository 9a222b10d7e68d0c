"""Settings from the environment, one class per situation (development, testing, production)."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

log = logging.getLogger(__name__)


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
    # Where the registry is reached, `https://registry.example.org` (a path prefix may
    # follow): the start of every absolute link it writes (the API list's `next`, the CSV
    # `url` column). Unset, links are relative (`/projects/5`); the Host header a client
    # sends is never written into an answer.
    REGISTRY_BASE_URL: str | None = None
    # Host names (comma-separated; `.example.org` covers its subdomains) a request may
    # name in its Host header; other hosts get 400. In production REGISTRY_BASE_URL's
    # host is trusted too. Unset outside production: any host.
    REGISTRY_TRUSTED_HOSTS: str | None = None
    # How many reverse proxies stand in front and append to X-Forwarded-For / -Proto. Only
    # then is the client's address (which the sign-in throttle counts by) read from those
    # headers, from that many hops back; 0 ignores them, so a client cannot forge them.
    REGISTRY_PROXY_HOPS = 0
    # Log lines as `text` (Flask's, with the request id) or `json` (one object per line,
    # with an access line per request): registry/observability.py.
    REGISTRY_LOG_FORMAT = "text"


# Settings that may come straight from an environment variable of the same name.
FROM_ENVIRONMENT = (
    "REGISTRY_BASE_URL",
    "REGISTRY_TRUSTED_HOSTS",
    "REGISTRY_PROXY_HOPS",
    "API_RATE_LIMIT",
    "RATELIMIT_STORAGE_URI",
    "API_LIST_CACHE_MB",
    "REGISTRY_LOG_FORMAT",
)


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


# A production SECRET_KEY: at least this many bytes, of at least this many different
# characters, and not one short pattern repeated. Only obviously weak keys can be told
# from text; the command below gives 32 random bytes (256 bits).
MIN_SECRET_KEY_BYTES = 32
MIN_SECRET_KEY_CHARACTERS = 8
GENERATE_SECRET_KEY = 'python -c "import secrets; print(secrets.token_hex(32))"'


def _weak_secret_key(key: str) -> str | None:
    """Why the key is too weak for production, or None."""
    size = len(key.encode())
    if size < MIN_SECRET_KEY_BYTES:
        return f"it is {size} bytes long; at least {MIN_SECRET_KEY_BYTES} are required"
    if len(set(key)) < MIN_SECRET_KEY_CHARACTERS:
        return (
            f"it has {len(set(key))} different characters; random keys have at least "
            f"{MIN_SECRET_KEY_CHARACTERS}"
        )
    # `key[p:] == key[:-p]`: the key is its first p characters over and over.
    if any(key[p:] == key[:-p] for p in range(1, len(key) // 2 + 1)):
        return "it is one short pattern repeated"
    return None


def proxy_hops(value) -> int:
    """REGISTRY_PROXY_HOPS as a whole number from 0 to 5, or a ConfigError saying so."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or int(text) > 5:
        raise ConfigError(
            "REGISTRY_PROXY_HOPS must be the number of reverse proxies in front of the "
            f"registry, a whole number from 0 to 5; got {value!r}."
        )
    return int(text)


def secret_key_for(instance_path: str, env_name: str) -> str:
    """SECRET_KEY from the environment; outside production, made once in the instance folder.

    Production refuses to start without one, or with one too short or obviously not
    random (ConfigError).
    """
    key = os.environ.get("SECRET_KEY")
    if env_name == "production":
        if not key:
            raise ConfigError(
                "SECRET_KEY must be set in the environment when REGISTRY_ENV=production; "
                f"generate one with: {GENERATE_SECRET_KEY}"
            )
        weakness = _weak_secret_key(key)
        if weakness:
            raise ConfigError(
                f"SECRET_KEY is too weak for production: {weakness}. It must be at least "
                f"{MIN_SECRET_KEY_BYTES} bytes of random text; generate one with: "
                f"{GENERATE_SECRET_KEY}"
            )
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def normalise_base_url(url: str | None) -> str | None:
    """REGISTRY_BASE_URL without its trailing slash; None when unset or empty.

    Raises ConfigError unless it is an http(s) URL of a host (with a path prefix at most).
    """
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.query
        or parts.fragment
    ):
        raise ConfigError(
            "REGISTRY_BASE_URL must be where the registry is reached, such as "
            f"https://registry.example.org (no user, query or fragment); got {url!r}."
        )
    return url.rstrip("/")


def trusted_hosts(config, env_name: str) -> list[str] | None:
    """Flask's TRUSTED_HOSTS: REGISTRY_TRUSTED_HOSTS, and in production REGISTRY_BASE_URL's
    host. None (any host) when neither names one."""
    hosts = (config.get("REGISTRY_TRUSTED_HOSTS") or "").replace(",", " ").split()
    base_url = config.get("REGISTRY_BASE_URL")
    if env_name == "production" and base_url:
        hosts.append(urlsplit(base_url).hostname)
    if hosts:
        return sorted(set(hosts))
    if env_name == "production":
        log.warning(
            "Neither REGISTRY_BASE_URL nor REGISTRY_TRUSTED_HOSTS is set: requests naming any "
            "host in their Host header are served (links stay relative)."
        )
    return None


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
    app.config["REGISTRY_BASE_URL"] = normalise_base_url(app.config["REGISTRY_BASE_URL"])
    app.config["REGISTRY_PROXY_HOPS"] = proxy_hops(app.config["REGISTRY_PROXY_HOPS"])
    if "TRUSTED_HOSTS" not in override:
        app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config, env_name)
    if "SECRET_KEY" not in override:
        app.config["SECRET_KEY"] = secret_key_for(app.instance_path, env_name)
