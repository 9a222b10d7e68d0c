"""One error handler: RFC 9457 problem+json under /api, an HTML page elsewhere.

Domain errors from the services and HTTP errors from Flask both end up here, so
every error body of the API has the same shape: type, title, status, detail, and
`errors: [{field, message, code}]` when fields are at fault. A database that cannot be
reached (a dropped connection, a server down, a pool exhausted) is a 503 with
Retry-After, and the request's session is ended without ever raising (`end_session`).
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g, json, render_template, request
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError
from werkzeug.http import HTTP_STATUS_CODES

from registry.database import DatabaseUnavailable
from registry.extensions import db, login_manager
from registry.page_problems import page_problems
from registry.services.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ServiceError,
    ValidationFailed,
    VersionMismatch,
)
from schemas.errors import flatten

PROBLEM_TYPE = "https://registry.example/problems/"
log = logging.getLogger(__name__)

_SERVICE_STATUS = {
    ValidationFailed: (422, "validation-failed"),
    NotFound: (404, "not-found"),
    PermissionDenied: (403, "forbidden"),
    VersionMismatch: (412, "precondition-failed"),
    Conflict: (409, "conflict"),
}

_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    412: "precondition-failed",
    413: "payload-too-large",
    414: "uri-too-long",
    415: "unsupported-media-type",
    422: "validation-failed",
    428: "precondition-required",
    429: "too-many-requests",
    431: "request-header-fields-too-large",
    500: "internal-error",
    503: "service-unavailable",
}
# Seconds a client is asked to wait when the database cannot be reached.
DATABASE_RETRY_AFTER = 5
# What an untrusted Host header gets (werkzeug's own text repeats the header).
UNTRUSTED_HOST = "The Host header names a host this registry does not answer for."


def wants_problem_json() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    slug: str | None = None,
    errors: list[dict] | None = None,
    headers: dict | None = None,
) -> Response:
    """A problem+json response."""
    body = {
        "type": PROBLEM_TYPE + (slug or _SLUGS.get(status, str(status))),
        "title": title or HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    body["request_id"] = g.get("request_id")  # the X-Request-Id (registry/observability.py)
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _webargs_errors(error: HTTPException) -> list[dict] | None:
    """422s raised by flask-smorest's argument parsing carry marshmallow messages by location."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if not messages:
        return None
    out = []
    for location_messages in messages.values():
        out.extend(flatten(location_messages))
    return out


def handle_service_error(error: ServiceError):
    status, slug = next(v for k, v in _SERVICE_STATUS.items() if isinstance(error, k))
    if wants_problem_json():
        headers = {}
        if isinstance(error, VersionMismatch) and error.current_version is not None:
            headers["ETag"] = f'"v{error.current_version}"'
        if getattr(error, "retry_after", None) is not None:
            headers["Retry-After"] = str(error.retry_after)
        errors = error.errors if isinstance(error, ValidationFailed) else None
        return problem(status, error.detail, slug=slug, errors=errors, headers=headers)
    problems = (
        page_problems(error.errors, request.values) if isinstance(error, ValidationFailed) else None
    )
    return _html(status, _service_detail(error), problems)


def handle_http_error(error: HTTPException):
    status = error.code or 500
    if isinstance(error, SecurityError):
        if not wants_problem_json():  # no page: its links would be built for that host
            return Response(UNTRUSTED_HOST, 400, mimetype="text/plain")
        error = SecurityError(UNTRUSTED_HOST)
    if wants_problem_json():
        return _http_problem(error, status)
    # Werkzeug's own descriptions are English; a page's own (abort(422, …)) is in its language.
    own = error.description and error.description != type(error).description
    body, status = _html(status, error.description if own else _status_detail(status))
    return body, status, _carried(error, ("Retry-After", "Allow"))


def _carried(error: HTTPException, names: tuple[str, ...]) -> dict[str, str]:
    """The headers among `names` that the error's own response sets (Retry-After …)."""
    headers = error.get_response().headers
    return {name: headers[name] for name in names if headers.get(name)}


def _http_problem(error: HTTPException, status: int):
    errors = _webargs_errors(error) if status == 422 else None
    detail = error.description or ""
    if status == 422 and errors:
        detail = (
            f"The request has {len(errors)} invalid parameter{'s' if len(errors) != 1 else ''}."
        )
    response = problem(status, detail, errors=errors)
    response.headers.update(_carried(error, ("Retry-After", "Allow", "WWW-Authenticate")))
    return response


def _english() -> bool:
    return str(get_locale() or "en") == "en"


def _status_detail(status: int) -> str:
    """What an error status means for a person, in the page's language."""
    details = {
        400: _("The request could not be understood. Go back and try again."),
        403: _("Your role does not allow this page or action."),
        404: _(
            "There is nothing at this address. The link may be mistyped, or what it named "
            "has been removed."
        ),
        405: _("This address does not take this kind of request."),
        413: _("What was sent is too large."),
        414: _("The address is too long."),
        422: _("Some of what was sent cannot be used; it is listed below."),
        429: _("Too many attempts in a short time. Wait a few minutes and try again."),
        431: _("The request's headers are too large."),
        500: _("Something went wrong on our side; it has been logged. Please try again later."),
    }
    return details.get(status, _("Something went wrong. Please try again later."))


def _service_detail(error: ServiceError) -> str:
    """A service's error for a page: its English detail on English pages; on others, the
    detail said again in the page's language where its code is known, else what the
    status means."""
    if _english():
        return error.detail
    if error.code == "no_project":
        return _("There is no project with id %(id)s.", id=error.params.get("id"))
    if isinstance(error, ValidationFailed):
        return ngettext(
            "The request has %(num)d invalid field.",
            "The request has %(num)d invalid fields.",
            len(error.errors),
        )
    if isinstance(error, VersionMismatch):
        return _("The record changed in the meantime. Reload the page and make your change again.")
    if isinstance(error, Conflict):
        return _("Another request is doing the same just now. Try again in a moment.")
    status = next(v for k, v in _SERVICE_STATUS.items() if isinstance(error, k))[0]
    return _status_detail(status)


def handle_unexpected(error: Exception):
    log.exception("Unhandled error on %s %s", request.method, request.path)
    return handle_http_error(
        InternalServerError(
            "Something went wrong on our side; it has been logged. Please try again later."
            if wants_problem_json()
            else _status_detail(500)
        )
    )


def end_session(_error: BaseException | None = None) -> None:
    """End the request's database session; never raises (a teardown that raised would
    replace the answer already made with the server's own HTML 500).

    When even the rollback fails (the connection was dropped mid-request), the failure
    is logged and the session's connections are discarded, not returned to the pool.
    """
    try:
        db.session.remove()
    except Exception as error:
        log.warning(
            "The database session could not be ended cleanly (%s: %s); its connection is "
            "discarded.",
            type(error).__name__,
            str(error).splitlines()[0] if str(error) else "",
        )
        try:
            db.session().invalidate()
        except Exception:
            log.warning("Discarding the session's connection failed too.", exc_info=True)
        db.session.registry.clear()


# SQLite's primary result codes of a database that cannot be used just now: BUSY, LOCKED,
# READONLY, IOERR, FULL, CANTOPEN. Its other OperationalErrors ("no such column") are bugs.
_SQLITE_UNAVAILABLE = {5, 6, 8, 10, 13, 14}


def _unreachable(error: Exception) -> bool:
    """Whether a database error means the database cannot be reached or used just now:
    a connection lost or refused, a pool exhausted, a server shutting down, SQLite busy or
    unwritable. Not a mistake of the SQL."""
    if getattr(error, "connection_invalidated", False) is True:
        return True
    if isinstance(error, InterfaceError | PoolTimeout | DatabaseUnavailable):
        return True
    if not isinstance(error, OperationalError):
        return False
    sqlite_code = getattr(error.orig, "sqlite_errorcode", None)
    return sqlite_code is None or sqlite_code & 0xFF in _SQLITE_UNAVAILABLE


def handle_database_error(error: Exception):
    """503 with Retry-After when the database cannot be reached (its session ended and
    connection discarded); any other database error is unexpected (500)."""
    if not _unreachable(error):
        return handle_unexpected(error)
    log.warning("Database unavailable on %s %s: %s", request.method, request.path, error)
    end_session()
    retry_after = str(getattr(error, "retry_after", DATABASE_RETRY_AFTER))
    detail = (
        f"The database cannot be reached just now; try again in {retry_after} seconds. "
        "A write is made whole or not at all; a creation sent with an Idempotency-Key "
        "can be resent as is."
    )
    if wants_problem_json():
        return problem(503, detail, headers={"Retry-After": retry_after})
    # The page is rendered signed out: who is signed in is read from the database.
    g._login_user = login_manager.anonymous_user()
    if not _english():
        detail = _(
            "The database cannot be reached just now; try again in %(seconds)s seconds.",
            seconds=retry_after,
        )
    body, status = _html(503, detail)
    return body, status, {"Retry-After": retry_after}


def _html(status: int, detail: str, problems: list[dict] | None = None):
    titles = {
        400: _("Bad request"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        413: _("Too large"),
        414: _("Too large"),
        422: _("Invalid request"),
        429: _("Too many attempts; wait a few minutes"),
        431: _("Too large"),
        500: _("Something went wrong"),
        503: _("Something went wrong"),
    }
    return render_template(
        "error.html",
        status=status,
        title=titles.get(status, _("Error")),
        detail=detail,
        problems=problems,
    ), status


def register_error_handlers(app: Flask) -> None:
    """The handlers above, and `end_session` as a teardown that runs before
    Flask-SQLAlchemy's own (teardowns run last registered first), so that one finds the
    session already ended and has nothing left to raise."""
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(PoolTimeout, handle_database_error)
    app.register_error_handler(DatabaseUnavailable, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected)
    app.teardown_appcontext(end_session)
