"""Partner ministries (organisations) and the people who sign in."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry import reference
from registry.extensions import db
from registry.models.types import JSONDocument, UTCDateTime, utcnow

# The roles of people who sign in (seed/vocabularies.toml `user_roles`).
USER_ROLES = reference.vocabulary("user_roles")


class Organisation(db.Model):
    """A partner ministry that reports projects; its `ref` is IATI-style (`JP-GOV-1`)."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2))
    type: Mapped[str] = mapped_column(String(3))  # IATI OrganisationType code
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Organisation {self.ref}>"


class User(UserMixin, db.Model):
    """A person who signs in to the web interface: diplomat, reviewer, planner or admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Raised by sign-out, a password change and disabling: every session cookie carries
    # the generation it was signed in under, and one of an older generation signs no one in.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    organisation: Mapped[Organisation | None] = relationship()

    def __repr__(self) -> str:
        return f"<User {self.email} ({self.role})>"

    def get_id(self) -> str:
        """What the session cookie keeps (Flask-Login): `<id>:<session generation>`."""
        return f"{self.id}:{self.session_generation}"


class ApiToken(db.Model):
    """A bearer token for the API: a ministry's (or a reviewer's/admin's), stored as a hash.

    The token text is `ipr_<id>_<secret>`; only SHA-256 of the secret is kept, and
    the id finds the row so the hash comparison can be constant-time.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    secret_hash: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(10))  # read or write
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship(lazy="joined")


class IdempotencyKey(db.Model):
    """A ministry's Idempotency-Key and the response its first request produced."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("organisation_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of method, path and body
    state: Mapped[str] = mapped_column(String(12))  # processing or done
    response: Mapped[dict | None] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
