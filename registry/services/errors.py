"""Domain errors the services raise; the API and pages translate them into responses."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every error a service raises on purpose. `detail` is the API's English;
    `code` and `params`, when given, let a page say the same in its own language."""

    def __init__(self, detail: str, code: str = "", params: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.params = params or {}


class ValidationFailed(ServiceError):
    """The input breaks the rules; `errors` lists every problem as {field, message, code}."""

    def __init__(self, errors: list[dict[str, str]], detail: str | None = None):
        n = len(errors)
        super().__init__(detail or f"The request has {n} invalid field{'s' if n != 1 else ''}.")
        self.errors = errors


class NotFound(ServiceError):
    """No such record (or none the actor may see)."""


class PermissionDenied(ServiceError):
    """The actor may not do this."""


class VersionMismatch(ServiceError):
    """The record changed since the version the caller read (optimistic locking)."""

    def __init__(self, detail: str, current_version: int | None = None):
        super().__init__(detail)
        self.current_version = current_version


class Conflict(ServiceError):
    """The request collides with another one in progress."""
