"""One error handler: RFC 9457 problem+json under /api, an HTML page elsewhere.

Domain errors from the services and HTTP errors from Flask both end up here, so
every error body of the API has the same shape: type, title, status, detail, and
`errors: [{field, message, code}]` when fields are at fault.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, json, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

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
    415: "unsupported-media-type",
    422: "validation-failed",
    428: "precondition-required",
    429: "too-many-requests",
    500: "internal-error",
}


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
        errors = error.errors if isinstance(error, ValidationFailed) else None
        return problem(status, error.detail, slug=slug, errors=errors, headers=headers)
    return _html(status, error.detail)


def handle_http_error(error: HTTPException):
    status = error.code or 500
    if wants_problem_json():
        errors = _webargs_errors(error) if status == 422 else None
        detail = error.description or ""
        if status == 422 and errors:
            detail = (
                f"The request has {len(errors)} invalid parameter{'s' if len(errors) != 1 else ''}."
            )
        response = problem(status, detail, errors=errors)
        carried = error.get_response().headers
        for name in ("Retry-After", "Allow", "WWW-Authenticate"):
            if carried.get(name):
                response.headers[name] = carried[name]
        return response
    return _html(status, error.description or "")


def handle_unexpected(error: Exception):
    log.exception("Unhandled error on %s %s", request.method, request.path)
    return handle_http_error(
        InternalServerError(
            "Something went wrong on our side; it has been logged. Please try again later."
        )
    )


def _html(status: int, detail: str):
    titles = {
        400: _("Bad request"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        413: _("Too large"),
        422: _("Invalid request"),
        429: _("Too many attempts; wait a few minutes"),
        500: _("Something went wrong"),
    }
    return render_template(
        "error.html", status=status, title=titles.get(status, _("Error")), detail=detail
    ), status


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
