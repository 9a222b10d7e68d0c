"""Sign-in attempts of the last few minutes, counted in the database every worker shares."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.extensions import db
from registry.models.types import UTCDateTime


class SignInAttempt(db.Model):
    """One sign-in attempt, written before its password is checked and deleted if it succeeds.

    `key` is the SHA-256 of the address and email (the table keeps neither); rows older
    than the throttle's window are deleted by the next attempt (registry/limits.py).
    """

    __tablename__ = "sign_in_attempts"
    __table_args__ = (Index("ix_sign_in_attempts_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
