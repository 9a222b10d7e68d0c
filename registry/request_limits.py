"""What the registry reads of a request, at most, and how it refuses the rest.

- The body: `MAX_CONTENT_LENGTH` bytes however it arrives. werkzeug checks a
  Content-Length up front, but reads a chunked body only up to the limit and stops
  there, so a longer one was silently cut short; here the byte past the limit is a 413.
  An error of the server's own body reader (gunicorn's malformed chunk size) is a 400.
- A JSON body: arrays and objects nested at most `json_provider.MAX_DEPTH` deep (400),
  checked before any view runs, so no parser (the app's, webargs') sees a deeper one.
- The URL (414) and the header fields (431): answered by the registry, as problem+json
  under /api, below gunicorn's own limits (gunicorn.conf.py), whose refusals are HTML.
"""

from __future__ import annotations

from flask import Flask, Request, request
from werkzeug.exceptions import (
    BadRequest,
    RequestEntityTooLarge,
    RequestHeaderFieldsTooLarge,
    RequestURITooLarge,
)
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream

from registry.json_provider import TooDeep, refuse_too_deep

# The request target (path and query), in bytes. gunicorn's limit_request_line is higher.
MAX_URL_BYTES = 4096
# Header fields, and the bytes of one (name and value). gunicorn's limit_request_fields
# and limit_request_field_size are higher.
MAX_HEADER_FIELDS = 100
MAX_HEADER_FIELD_BYTES = 8192


def _too_large(limit: int) -> RequestEntityTooLarge:
    return RequestEntityTooLarge(
        f"The body is larger than {limit} bytes ({limit / 1024 / 1024:g} MB), the most the "
        "registry reads; send less at once (a batch of fewer records)."
    )


class _ServerInput:
    """The server's body stream, whose reader's own errors become a 400.

    A client that went away (OSError) is left to werkzeug, which answers 400 too."""

    def __init__(self, stream):
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        try:
            return self._stream.read(size)
        except (OSError, ValueError):
            raise
        except Exception as error:
            raise BadRequest(
                f"The request body could not be read ({error}); send it with a valid "
                "Content-Length or chunked encoding."
            ) from None


class _BodyStream(LimitedStream):
    """A body read to at most `limit` bytes: one with more is refused, never cut short."""

    def on_exhausted(self) -> None:
        if self._stream.read(1):
            raise _too_large(self.limit)

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted:
            self.on_exhausted()
        return data


class RegistryRequest(Request):
    @cached_property
    def stream(self):
        """The body, limited to MAX_CONTENT_LENGTH whether or not it has a Content-Length."""
        source = _ServerInput(self.environ["wsgi.input"])
        limit = self.max_content_length
        if limit is not None and (self.content_length or 0) > limit:
            raise _too_large(limit)
        if limit is not None and "wsgi.input_terminated" in self.environ:
            # The server ends the stream itself (gunicorn, also for chunked bodies).
            return _BodyStream(source, limit, is_max=True)
        return get_input_stream({**self.environ, "wsgi.input": source}, max_content_length=limit)


def _header_fields(environ: dict) -> list[tuple[str, str]]:
    """The request's header fields as the WSGI server passed them on (name, value)."""
    fields = [(k[5:], v) for k, v in environ.items() if k.startswith("HTTP_")]
    fields += [(k, environ[k]) for k in ("CONTENT_TYPE", "CONTENT_LENGTH") if environ.get(k)]
    return fields


def check_request() -> None:
    """Refuse a request past the registry's limits, before any view reads it.

    Raises 414 (URL), 431 (header fields), 413 (body), 400 (a JSON body nested too deep,
    or a body the server could not read).
    """
    environ = request.environ
    url = environ.get("RAW_URI") or request.full_path
    if len(url) > MAX_URL_BYTES:
        raise RequestURITooLarge(
            f"The URL is {len(url)} bytes long; the registry reads at most {MAX_URL_BYTES}. "
            "Send fewer or shorter query parameters."
        )
    fields = _header_fields(environ)
    if len(fields) > MAX_HEADER_FIELDS:
        raise RequestHeaderFieldsTooLarge(
            f"The request has {len(fields)} header fields; the registry reads at most "
            f"{MAX_HEADER_FIELDS}."
        )
    for name, value in fields:
        size = len(name) + 2 + len(value)
        if size > MAX_HEADER_FIELD_BYTES:
            raise RequestHeaderFieldsTooLarge(
                f"The header field {name.replace('_', '-').title()} is {size} bytes long; "
                f"the registry reads at most {MAX_HEADER_FIELD_BYTES} bytes of one."
            )
    if request.is_json:
        try:
            refuse_too_deep(request.get_data(cache=True))
        except TooDeep as error:
            raise BadRequest(str(error)) from None


def init_request_limits(app: Flask) -> None:
    app.request_class = RegistryRequest
    app.before_request(check_request)
