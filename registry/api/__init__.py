"""The partner ministries' JSON API under /api/v1, described at /api/v1/openapi.json."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from flask import Blueprint, Flask, render_template, send_from_directory
from flask.sessions import SecureCookieSessionInterface
from flask_smorest import Api

from registry.access import public
from registry.api import exports, projects, reference, reviews
from registry.api.docs import register_fields
from registry.api.list_cache import init_list_cache

API_DESCRIPTION = """\
The Infrastructure Partnership Registry's API for partner ministries.

Authenticate with `Authorization: Bearer <token>` (tokens are issued by the
registry's administrators). Every error is `application/problem+json` (RFC 9457);
validation errors list every problem at once in `errors: [{field, message, code}]`.
Changes need `If-Match` with the ETag you read; creations accept `Idempotency-Key`.
"""


class RegistryApi(Api):
    # Our errors are documented per route as problem+json; no generic default response.
    DEFAULT_ERROR_RESPONSE_NAME = None


# Bearer-token blueprints: rate-limited, and exempt from the pages' cookie CSRF checks.
API_BLUEPRINTS = (projects.blp, reference.blp, reviews.blp, exports.blp)

api = RegistryApi(spec_kwargs={"info": {"description": API_DESCRIPTION}})
docs_bp = Blueprint("api_docs", __name__)
SWAGGER_DIR = Path(swagger_ui_bundle.swagger_ui_path)


@docs_bp.get("/api/docs")
@public
def docs_page():
    """Interactive API documentation (Swagger UI), with its assets served by the registry."""
    return render_template("api_docs.html")


@docs_bp.get("/api/docs/assets/<path:filename>")
@public
def docs_asset(filename: str):
    return send_from_directory(SWAGGER_DIR, filename, max_age=86400)


class CookielessApiSessions(SecureCookieSessionInterface):
    """No cookie session under /api/: the API authenticates with bearer tokens, so its
    responses neither read nor set cookies (and do not `Vary: Cookie`)."""

    def open_session(self, app, request):
        if request.path.startswith("/api/"):
            return None  # Flask then uses a read-only null session
        return super().open_session(app, request)


def init_api(app: Flask) -> None:
    app.session_interface = CookielessApiSessions()
    app.config.setdefault("API_TITLE", "Infrastructure Partnership Registry")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "v1/openapi.json")
    api.init_app(app)
    register_fields(api)
    api.spec.components.security_scheme(
        "bearerAuth",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from `flask --app wsgi tokens issue`.",
        },
    )
    init_list_cache(app)
    for blp in API_BLUEPRINTS:
        api.register_blueprint(blp)
    app.register_blueprint(docs_bp)
