"""HTML pages for diplomats, reviewers and planners (thin: parse, call a service, render)."""
from flask import Blueprint, render_template

from registry.access import public
from registry.services import listing
from registry.services.actors import Actor

bp = Blueprint("web", __name__)


@bp.get("/")
@public  # until sign-in arrives with the diplomats' interface
def index():
    page = listing.project_page({}, Actor.system("demo page"), limit=100)
    return render_template("index.html", projects=page.items)
