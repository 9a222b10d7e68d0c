"""HTTP details the API views share: JSON bodies, ETags, If-Match, idempotent POSTs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from flask import Response, current_app, request
from werkzeug.exceptions import BadRequest, PreconditionRequired, UnsupportedMediaType

from registry.api.auth import current_actor
from registry.errors import handle_service_error
from registry.project_view import ProjectView
from registry.services import idempotency
from registry.services.documents import project_document
from registry.services.errors import ValidationFailed

JSON_TYPES = ("application/json", "application/merge-patch+json")


def read_json():
    """The request body parsed as JSON (decimals kept exact). Raises 415 or 400."""
    mimetype = request.mimetype or ""
    if mimetype not in JSON_TYPES and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(
            f"Send the body as JSON with `Content-Type: application/json`; got "
            f"{request.content_type or 'no Content-Type'}."
        )
    raw = request.get_data(cache=True)
    try:
        return current_app.json.loads(raw)
    except UnicodeDecodeError:
        raise BadRequest("The body is not valid UTF-8.") from None
    except json.JSONDecodeError as error:
        raise BadRequest(
            f"The body is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from None
    except ValueError as error:  # NaN, Infinity (registry/json_provider.py)
        raise BadRequest(f"The body is not valid JSON: {error}") from None


def json_response(
    body, status: int = 200, headers: dict | None = None, mimetype: str = "application/json"
) -> Response:
    """`body` as compact JSON (the app's provider: UTF-8 as is, keys in order, Decimals as text)."""
    response = Response(
        current_app.json.dumps(body, separators=(",", ":")), status=status, mimetype=mimetype
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def etag_of(version: int) -> str:
    return f'"v{version}"'


def project_response(view: ProjectView) -> Response:
    """A project as the caller may see it, with its ETag (after every read or write of one)."""
    return json_response(
        project_document(view, current_actor()), 200, {"ETag": etag_of(view.version)}
    )


# The ETags this API gives: "v" and the version number (etag_of).
_VERSION_TAG = re.compile(r"v([0-9]{1,10})")


def expected_version() -> int:
    """The version named by If-Match (weak or strong `"vN"`). Raises 428 when absent or `*`.

    Of several ETags the highest version counts. Versions only grow, so for every version a
    project has had this is "any of them matches": the current version is in the list exactly
    when it is the highest one there. Nothing that names a version → version 0, which is never
    current (412).
    """
    etags = request.if_match
    tags = etags.as_set(include_weak=True)
    if not request.headers.get("If-Match") or etags.star_tag or tags == {"*"}:
        raise PreconditionRequired(
            "Send `If-Match` with the ETag of the version you are changing (from GET); "
            "this keeps two edits from overwriting each other."
        )
    versions = (_VERSION_TAG.fullmatch(tag) for tag in tags)
    return max((int(match[1]) for match in versions if match), default=0)


def idempotent(create: Callable[[Callable | None], tuple[int, dict, dict]]) -> Response:
    """Run a creating POST once per Idempotency-Key.

    `create(record)` does the work; it calls `record(response)` inside its transaction
    (before commit) so the stored response lands with the records it describes.
    """
    key = request.headers.get("Idempotency-Key")
    if key is None:
        status, body, headers = create(None)
        return json_response(body, status, headers)
    org_id = current_actor().organisation_id
    if org_id is None:
        raise ValidationFailed(
            [
                {
                    "field": "Idempotency-Key",
                    "code": "not_allowed",
                    "message": "Idempotency keys are for partner ministries' tokens.",
                }
            ]
        )
    print_ = idempotency.fingerprint(
        request.method, request.full_path.rstrip("?"), request.get_data(cache=True)
    )
    stored = idempotency.idempotency_claim(org_id, key, print_)
    if stored is not None:
        headers = {**stored["headers"], "Idempotent-Replayed": "true"}
        mimetype = "application/problem+json" if stored.get("problem") else "application/json"
        return json_response(stored["body"], stored["status"], headers, mimetype)

    def record(status: int, body: dict, headers: dict) -> None:
        idempotency.idempotency_record(
            org_id, key, {"status": status, "body": body, "headers": headers}
        )

    try:
        status, body, headers = create(record)
    except ValidationFailed as error:
        response = handle_service_error(error)
        idempotency.idempotency_record_now(
            org_id,
            key,
            {
                "status": response.status_code,
                "body": response.get_json(force=True),
                "headers": {},
                "problem": True,
            },
        )
        return response
    except Exception:
        idempotency.idempotency_release(org_id, key)
        raise
    return json_response(body, status, headers)
