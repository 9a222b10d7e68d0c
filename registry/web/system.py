"""/healthz for monitors (public).

It says whether the database answers and takes writes, and whether the rate-limit
store is reachable when one is shared (RATELIMIT_STORAGE_URI=redis://…):

- 200 `{"status": "ok", "database": "ok"}` (plus `"rate_limits": "ok"` with Redis);
- 200 `"status": "degraded"`, `"rate_limits": "unreachable"`: Redis does not answer, so
  each worker counts API requests on its own (registry/limits.py); everything works;
- 503 `"status": "error"`, `"database": "read-only"` (writes are refused: reads work,
  writes get 503 with Retry-After, registry/errors.py) or `"unreachable"`.
"""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import text

from registry.access import public
from registry.database import database_writable
from registry.extensions import db
from registry.limits import rate_limits
from registry.web.blueprint import bp


def _database_state() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok" if database_writable() else "read-only"
    except Exception:
        return "unreachable"


@bp.get("/healthz")
@public
def healthz():
    body = {"status": "ok", "database": _database_state()}
    store = rate_limits().store_state()
    if store is not None:
        body["rate_limits"] = store
    if body["database"] != "ok":
        body["status"] = "error"
        return jsonify(body), 503
    if store == "unreachable":
        body["status"] = "degraded"
    return jsonify(body)
