"""HTTP details the API views share: JSON bodies, links, ETags, If-Match, idempotent POSTs."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable

from flask import Response, current_app, request
from werkzeug.exceptions import BadRequest, PreconditionRequired, UnsupportedMediaType

from registry.api.auth import current_actor
from registry.errors import handle_service_error
from registry.json_provider import TooDeep
from registry.project_view import ProjectView
from registry.services import idempotency
from registry.services.documents import project_document
from registry.services.errors import ValidationFailed
from registry.services.projects import Expected

JSON_TYPES = ("application/json", "application/merge-patch+json")
log = logging.getLogger(__name__)


def read_json():
    """The request body parsed as JSON (decimals kept exact). Raises 415, or 400 for a body
    that is not JSON or nests deeper than json_provider.MAX_DEPTH (413 past the size limit).
    """
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
    except TooDeep as error:
        raise BadRequest(str(error)) from None
    except json.JSONDecodeError as error:
        raise BadRequest(
            f"The body is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from None
    except ValueError as error:  # NaN, Infinity (registry/json_provider.py)
        raise BadRequest(f"The body is not valid JSON: {error}") from None


def link_base() -> str:
    """What the registry's absolute links start with: REGISTRY_BASE_URL when configured,
    else the registry's root path on the host the client used (`request.script_root`,
    usually ""), so links are relative. Never the Host header the client sent."""
    return current_app.config.get("REGISTRY_BASE_URL") or request.script_root


def public_url(path: str) -> str:
    """The link to `path`, a path of this registry as `url_for` builds it."""
    return link_base() + path.removeprefix(request.script_root)


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


def etag_value(view: ProjectView) -> str:
    """The opaque part of a project's ETag: `v{version}.r{record_version}`.

    `version` changes with every change of the representation (review decisions and
    re-screens too), so If-None-Match is exact; `record_version` only with the ministry's
    own writes, and it is what If-Match on a ministry's write compares (expected_version).
    """
    return f"v{view.version}.r{view.record_version}"


def etag_of(view: ProjectView) -> str:
    """A project's ETag, strong: one viewer's representation of one version is always the
    same bytes, and If-Match compares ETags strongly (RFC 9110 §13.1.1)."""
    return f'"{etag_value(view)}"'


def project_response(view: ProjectView) -> Response:
    """A project as the caller may see it, with its ETag (after every read or write of one)."""
    return json_response(project_document(view, current_actor()), 200, {"ETag": etag_of(view)})


# The ETags this API gives, `"v{version}.r{record_version}"` (etag_of), and the `"v{version}"`
# it gave before record versions, still accepted.
_VERSION_TAG = re.compile(r"v([0-9]{1,10})(?:\.r([0-9]{1,10}))?")


def expected_version() -> Expected:
    """The versions If-Match names (weak or strong). Raises 428 when absent or `*`.

    `"vN.rM"` names record version M: the write goes ahead while the record is the one
    read, whatever review decisions or re-screens came since (N is not compared).
    `"vN"` (the ETags given before record versions) names version N, compared as before:
    the project must be exactly as read. Of several ETags, any current one lets the write
    through; ETags that name neither are ignored, and a list of only those matches
    nothing (412).
    """
    etags = request.if_match
    tags = etags.as_set(include_weak=True)
    if not request.headers.get("If-Match") or etags.star_tag or tags == {"*"}:
        raise PreconditionRequired(
            "Send `If-Match` with the ETag of the version you are changing (from GET); "
            "this keeps two edits from overwriting each other."
        )
    # werkzeug reads an empty tag (`""`) as None.
    matches = [m for m in map(_VERSION_TAG.fullmatch, filter(None, tags)) if m]
    return Expected(
        versions=frozenset(int(m[1]) for m in matches if m[2] is None),
        record_versions=frozenset(int(m[2]) for m in matches if m[2] is not None),
    )


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
        try:
            idempotency.idempotency_release(org_id, key)
        except Exception:  # the database is gone too: the key is abandoned in time
            log.warning("Could not release Idempotency-Key %r", key, exc_info=True)
        raise
    return json_response(body, status, headers)
