"""HTML pages for diplomats, reviewers and planners (thin: parse, call a service, render)."""
from flask import Blueprint, render_template

from registry.services import listing

bp = Blueprint("web", __name__)


@bp.get("/")
def index():
    page = listing.project_page({}, limit=100)
    return render_template("index.html", projects=page.items)
