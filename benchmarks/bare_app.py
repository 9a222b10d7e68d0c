"""The baseline: a bare Flask app that answers every GET with one constant JSON body.

`run.py` saves one real page of `GET /api/v1/projects` (50 projects) to a file and
points BARE_BODY_FILE at it, so the baseline sends the same bytes as the registry
with none of its work (no token check, no database, no serialisation). It is served
by gunicorn with the registry's own gunicorn.conf.py, so the only difference between
the two is the application.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response

BODY = Path(os.environ["BARE_BODY_FILE"]).read_bytes()

app = Flask(__name__)


@app.get("/")
@app.get("/<path:_anything>")
def constant(_anything: str = "") -> Response:
    return Response(BODY, mimetype="application/json")
