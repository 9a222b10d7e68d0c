"""The pages' one blueprint, which every view module of `registry.web` adds routes to."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("web", __name__)
