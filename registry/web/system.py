"""/healthz and /readyz for monitors and load balancers (public); /metrics for admins.

- `GET /healthz`, liveness: the process answers. 200 `{"status": "ok"}`, asking nothing of
  the database or Redis, so a restart is never ordered because of them.
- `GET /readyz`, readiness: whether this server should be sent requests. Each check of
  READINESS_CHECKS is named in the body with what it found; 200 `"status": "ready"` when
  all pass, else 503 `"not ready"` with Retry-After:
  - `database`: "ok", "read-only" (writes are refused; a write rolled back tells,
    registry/database.py) or "unreachable";
  - `migrations`: "ok", or "behind: at 0009, head 0011" (the database's alembic_version
    against the head of migrations/, read once per process), or "ahead: at 0012, head
    0011" (a revision this code does not know: the code is older than the database);
  - `rate_limits`: "ok" or "unreachable" for a shared store (RATELIMIT_STORAGE_URI
    redis://…), "not configured" (passes) with per-process counters;
  - `jobs`: "not configured" (passes) until the job queue's consumer heartbeat plugs in
    here with `readiness_check("jobs")`.
  Calling it also heals the worker's pool after a read-only episode (the check's failed
  write discards the stale connection).
- `GET /metrics`: the Prometheus scrape (registry/observability.py), for a signed-in admin
  or an admin's bearer token (`Authorization: Bearer …`, as Prometheus' `authorization`
  setting sends it); others are sent to sign in (no session) or refused (403).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import abort, current_app, jsonify, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import text

from registry import reference
from registry.access import public
from registry.api.auth import current_actor as token_actor
from registry.database import database_writable
from registry.extensions import db
from registry.limits import rate_limits
from registry.observability import metrics_text
from registry.services.actors import ADMIN
from registry.web.auth import signed_in
from registry.web.blueprint import bp

# Seconds a load balancer is asked to wait before asking a server that is not ready again.
READY_RETRY_AFTER = 5

# name → check; a check returns what it found and whether that passes.
Check = Callable[[], tuple[str, bool]]
READINESS_CHECKS: dict[str, Check] = {}


def readiness_check(name: str) -> Callable[[Check], Check]:
    """Add (or replace) the check `name` of /readyz."""

    def register(check: Check) -> Check:
        READINESS_CHECKS[name] = check
        return check

    return register


@bp.get("/healthz")
@public
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/favicon.ico")
@public
def favicon():
    """Browsers ask for /favicon.ico on pages without an icon link (the API docs, JSON)."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.get("/readyz")
@public
def readyz():
    found = {name: check() for name, check in READINESS_CHECKS.items()}
    ready = all(passed for _state, passed in found.values())
    body = {
        "status": "ready" if ready else "not ready",
        "checks": {name: state for name, (state, _passed) in found.items()},
    }
    if ready:
        return jsonify(body)
    return jsonify(body), 503, {"Retry-After": str(READY_RETRY_AFTER)}


@readiness_check("database")
def _database() -> tuple[str, bool]:
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        state = "ok" if database_writable() else "read-only"
    except Exception:
        state = "unreachable"
    return state, state == "ok"


@cache
def migration_heads(directory: str) -> tuple[frozenset[str], frozenset[str]]:
    """The head revisions of the migrations in `directory`, and every revision there
    (read once per process: the code does not change under a running server)."""
    config = AlembicConfig()
    config.set_main_option("script_location", directory)
    scripts = ScriptDirectory.from_config(config)
    return frozenset(scripts.get_heads()), frozenset(r.revision for r in scripts.walk_revisions())


def _names(revisions) -> str:
    return ", ".join(sorted(revisions)) or "none"


@readiness_check("migrations")
def _migrations() -> tuple[str, bool]:
    heads, known = migration_heads(current_app.extensions["migrate"].directory)
    try:
        with db.engine.connect() as connection:  # no alembic_version table: no revision
            current = frozenset(MigrationContext.configure(connection).get_current_heads())
    except Exception:
        return "unknown: the database does not answer", False
    if current == heads:
        return "ok", True
    if current - known:
        return f"ahead: at {_names(current)}, head {_names(heads)}", False
    return f"behind: at {_names(current)}, head {_names(heads)}", False


@readiness_check("rate_limits")
def _rate_limits() -> tuple[str, bool]:
    state = rate_limits().store_state()
    if state is None:
        return "not configured", True  # counted per process: nothing to reach
    return state, state == "ok"


@readiness_check("jobs")
def _jobs() -> tuple[str, bool]:
    return "not configured", True  # the job queue (issue 13, item 1) replaces this check


def admins_only(view):
    """A signed-in admin, or an admin's bearer token (a wrong token: 401)."""
    page = signed_in(roles=(ADMIN,))(view)

    @wraps(view)
    def wrapper(*args, **kwargs):
        if "Authorization" not in request.headers:
            return page(*args, **kwargs)
        if token_actor().role != ADMIN:
            role = reference.label("user_roles", ADMIN, str(get_locale()))
            abort(403, _("This page is for %(roles)s only.", roles=role))
        return view(*args, **kwargs)

    wrapper.access = {"public": False, "roles": (ADMIN,)}
    return wrapper


@bp.get("/metrics")
@admins_only
def metrics():
    request.prom_do_not_track = True  # scrapes are not counted among the requests
    body, content_type = metrics_text(current_app, request.headers.get("Accept"))
    return body, 200, {"Content-Type": content_type, "Cache-Control": "no-store"}
