"""Idempotency keys: a retried request with the same key and body replays the first response.

A key is claimed in a transaction of its own (so a concurrent duplicate sees it at
once and gets a conflict); the first request's response is stored in the same
transaction as the records it created, so either both land or neither does.
Keys are scoped to a ministry and kept for `RETENTION`. A request that died before its
response was stored (a killed worker) leaves its key "processing": the same key answers
409 with `Retry-After` until the key is `ABANDONED_AFTER` old, then runs again.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from registry.database import begin_write
from registry.extensions import db
from registry.models import IdempotencyKey
from registry.models.types import utcnow
from registry.services.errors import Conflict, ValidationFailed

RETENTION = timedelta(hours=24)
# A request that died mid-way leaves its key "processing"; after this it may be retried.
ABANDONED_AFTER = timedelta(minutes=10)
MAX_KEY_LENGTH = 255


class KeyReused(ValidationFailed):
    """The key was first used with a different request."""


class KeyInProgress(Conflict):
    """The key's first request has not finished (or died): `retry_after` seconds until the
    key is abandoned and a retry runs it again."""

    def __init__(self, claimed_at: datetime, now: datetime):
        abandoned_at = claimed_at + ABANDONED_AFTER
        self.retry_after = max(1, math.ceil((abandoned_at - now).total_seconds()))
        minutes = int(ABANDONED_AFTER.total_seconds() // 60)
        super().__init__(
            "A request with this Idempotency-Key is still being processed; retry shortly to "
            "get its response once it finishes. If that request died, the key is released "
            f"at {abandoned_at.isoformat(timespec='seconds')}, {minutes} minutes after it was "
            f"claimed (Retry-After: {self.retry_after} seconds), and a retry then runs the "
            "request again."
        )


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


def _invalid_key(key: str) -> bool:
    return not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable()


def idempotency_claim(organisation_id: int, key: str, print_: str) -> dict | None:
    """Claim `key` for this request. Returns the stored response to replay, or None.

    Raises ValidationFailed for a malformed key, KeyReused when the key came with a
    different request, Conflict while the first request is still being processed.
    """
    if _invalid_key(key):
        raise ValidationFailed(
            [
                {
                    "field": "Idempotency-Key",
                    "code": "invalid_key",
                    "message": f"Must be 1–{MAX_KEY_LENGTH} printable characters.",
                }
            ]
        )
    begin_write()
    now = utcnow()
    row = db.session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.organisation_id == organisation_id, IdempotencyKey.key == key
        )
    )
    if row is not None:
        stale = row.state == "processing" and now - row.created_at > ABANDONED_AFTER
        if now - row.created_at > RETENTION or stale:
            db.session.delete(row)
            db.session.flush()
        elif row.fingerprint != print_:
            db.session.rollback()
            raise KeyReused(
                [
                    {
                        "field": "Idempotency-Key",
                        "code": "key_reused",
                        "message": "This key was already used with a different request; "
                        "use a new key for a new request.",
                    }
                ],
                "The Idempotency-Key belongs to another request.",
            )
        elif row.state == "processing":
            claimed_at = row.created_at
            db.session.rollback()
            raise KeyInProgress(claimed_at, now)
        else:
            response = row.response
            db.session.rollback()
            return response
    db.session.add(
        IdempotencyKey(
            organisation_id=organisation_id,
            key=key,
            fingerprint=print_,
            state="processing",
            created_at=now,
        )
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise KeyInProgress(now, now) from None
    return None


def idempotency_record(organisation_id: int, key: str, response: dict) -> None:
    """Store the response in the caller's transaction (the caller commits)."""
    row = db.session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.organisation_id == organisation_id, IdempotencyKey.key == key
        )
    )
    if row is not None:
        row.state, row.response = "done", response


def idempotency_record_now(organisation_id: int, key: str, response: dict) -> None:
    """Store the response of a request that wrote nothing (it was refused)."""
    begin_write()
    idempotency_record(organisation_id, key, response)
    db.session.commit()


def idempotency_release(organisation_id: int, key: str) -> None:
    """Forget a claim whose request failed unexpectedly, so a retry runs again."""
    db.session.rollback()
    begin_write()
    db.session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.organisation_id == organisation_id,
            IdempotencyKey.key == key,
            IdempotencyKey.state == "processing",
        )
    )
    db.session.commit()


def idempotency_purge() -> int:
    """Delete keys past their retention; returns how many."""
    begin_write()
    result = db.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - RETENTION)
    )
    db.session.commit()
    return result.rowcount
