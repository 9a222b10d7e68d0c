"""HTML pages for diplomats, reviewers and planners (thin: parse, call a service, render).

Every page needs sign-in except /login and /healthz; every response carries the
security headers; the language comes from `?lang=`, then the session, then the browser.
"""

from __future__ import annotations

from types import SimpleNamespace

from flask import Flask, request, session
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user

from registry.api import API_BLUEPRINTS
from registry.extensions import babel, csrf, login_manager
from registry.names import LANGUAGES
from registry.services import permissions
from registry.web import admin, auth, countries, exports, flags, helpers, projects, system  # noqa: F401
from registry.web.blueprint import bp

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def select_locale() -> str:
    """`?lang=ja` switches and is remembered; otherwise the session, then Accept-Language."""
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        session["lang"] = wanted
        return wanted
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    return request.accept_languages.best_match(LANGUAGES) or "en"


def security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    # Signed-in pages are personal: never cached. (API requests carry tokens, not sessions.)
    if request.blueprint == "web" and current_user and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


def navigation_permissions() -> dict:
    """`may.<permission>` for the navigation: the permissions module decides, not the page."""
    if not current_user or not current_user.is_authenticated:
        return {"may": SimpleNamespace(see_review_queue=False, manage_screening=False)}
    actor = auth.current_actor()
    return {
        "may": SimpleNamespace(
            see_review_queue=permissions.can_see_review_queue(actor),
            manage_screening=permissions.can_manage_screening(actor),
        )
    }


def init_web(app: Flask) -> None:
    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories="translations"
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "web.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    app.jinja_env.globals.update(helpers.HELPERS)
    app.after_request(security_headers)
    app.context_processor(navigation_permissions)
    # The language is chosen per request, even where an app context outlives one.
    app.before_request(refresh)

    app.register_blueprint(bp)
    # The API authenticates with bearer tokens, not cookies: CSRF does not apply there.
    for api_bp in API_BLUEPRINTS:
        csrf.exempt(api_bp)
