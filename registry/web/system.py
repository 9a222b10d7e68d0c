"""/healthz: is the registry up and its database reachable (public, for monitors)."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import text

from registry.access import public
from registry.extensions import db
from registry.web.blueprint import bp


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        return jsonify(status="ok", database="ok")
    except Exception:
        return jsonify(status="error", database="unreachable"), 503
