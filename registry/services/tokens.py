"""API tokens: issue, list, revoke, and resolve a bearer token to the actor behind it."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select, update

from registry.database import DatabaseUnavailable, begin_write
from registry.extensions import db
from registry.models import ApiToken, Organisation, User
from registry.models.types import utcnow
from registry.services import accounts
from registry.services.actors import MINISTRY, Actor
from registry.services.errors import NotFound, ValidationFailed
from registry.services.validation import load_collecting
from schemas.accounts import TokenIssueSchema

log = logging.getLogger(__name__)

PREFIX = "ipr"
# Recording every use would make every API call a write; a minute's precision is enough.
LAST_USED_PRECISION = timedelta(seconds=60)

_issue_schema = TokenIssueSchema()


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    text: str  # shown once, never stored


def token_issue(
    *,
    org_ref: str | None = None,
    user_email: str | None = None,
    name: str = "",
    scope: str = "write",
    expires_days: int | None = None,
) -> IssuedToken:
    """A new token for a ministry or for a person. Raises ValidationFailed listing every
    problem."""
    given = {
        "org": org_ref,
        "user": user_email,
        "name": name,
        "scope": scope,
        "expires_days": expires_days,
    }
    data, errors = load_collecting(
        _issue_schema, {key: value for key, value in given.items() if value is not None}
    )
    organisation, user, problems = _owner(data.get("org"), data.get("user"))
    errors.extend(problems)
    if errors:
        raise ValidationFailed(errors)
    begin_write()
    secret = secrets.token_urlsafe(32)
    expires_days = data["expires_days"]
    token = ApiToken(
        name=data["name"],
        secret_hash=_hash(secret),
        scope=data["scope"],
        organisation_id=organisation.id if organisation else None,
        user_id=user.id if user else None,
        expires_at=utcnow() + timedelta(days=expires_days) if expires_days else None,
    )
    db.session.add(token)
    db.session.commit()
    return IssuedToken(token, f"{PREFIX}_{token.id}_{secret}")


def _owner(org_ref: str | None, email: str | None) -> tuple[Organisation | None, User | None, list]:
    """The ministry and the person a token is for (normalised ref and email), and the
    problems of those that do not exist."""
    problems = []
    organisation = accounts.organisation_by_ref(org_ref) if org_ref else None
    if org_ref and organisation is None:
        problems.append(
            {
                "field": "org",
                "message": f"No organisation has ref {org_ref!r}.",
                "code": "not_found",
            }
        )
    user = db.session.scalar(select(User).where(User.email == email)) if email else None
    if email and user is None:
        problems.append(
            {"field": "user", "message": f"No user has email {email!r}.", "code": "not_found"}
        )
    return organisation, user, problems


def token_list() -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id)))


def token_revoke(token_id: int) -> ApiToken:
    """Revoke a token; it fails from the very next request. Raises NotFound."""
    begin_write()
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"There is no token with id {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    db.session.commit()
    return token


def _parse(text: str) -> tuple[int, str] | None:
    parts = text.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1].isdigit() or len(parts[1]) > 12:
        return None
    return int(parts[1]), parts[2]


# One Core query per request: the token with its owner's ref, role and state.
_users = User.__table__
_orgs = Organisation.__table__
_tokens = ApiToken.__table__
_TOKEN_LOOKUP = (
    select(
        _tokens.c.id,
        _tokens.c.secret_hash,
        _tokens.c.scope,
        _tokens.c.organisation_id,
        _tokens.c.expires_at,
        _tokens.c.revoked_at,
        _tokens.c.last_used_at,
        _orgs.c.ref.label("org_ref"),
        _users.c.email,
        _users.c.role,
        _users.c.is_active,
        _users.c.organisation_id.label("user_org_id"),
    )
    .select_from(
        _tokens.outerjoin(_orgs, _orgs.c.id == _tokens.c.organisation_id).outerjoin(
            _users, _users.c.id == _tokens.c.user_id
        )
    )
    .where(_tokens.c.id == bindparam("token_id"))
)  # one statement object, so SQLAlchemy's compiled-statement cache key is computed once


def token_authenticate(text: str) -> Actor | None:
    """The actor behind a bearer token, or None if it is malformed, unknown, expired or revoked."""
    parsed = _parse(text or "")
    if parsed is None:
        return None
    token_id, secret = parsed
    row = db.session.execute(_TOKEN_LOOKUP, {"token_id": token_id}).first()
    expected = row.secret_hash if row else _hash("")
    if not hmac.compare_digest(expected, _hash(secret)) or row is None:
        return None
    now = utcnow()
    if row.revoked_at is not None or (row.expires_at and row.expires_at <= now):
        return None
    if row.organisation_id is None and not row.is_active:
        return None
    _record_use(row, now)
    can_write = row.scope == "write"
    rate_limit_key = f"{row.id}-{row.secret_hash[:16]}"
    if row.organisation_id is not None:
        return Actor(
            label=f"{row.org_ref} (token {row.id})",
            role=MINISTRY,
            organisation_id=row.organisation_id,
            can_write=can_write,
            rate_limit_key=rate_limit_key,
        )
    return Actor(
        label=f"{row.email} (token {row.id})",
        role=row.role,
        organisation_id=row.user_org_id,
        can_write=can_write,
        rate_limit_key=rate_limit_key,
    )


def _record_use(token, now) -> None:
    if token.last_used_at and now - token.last_used_at < LAST_USED_PRECISION:
        return
    # A short write of its own, so the caller's transaction starts clean. It is a courtesy:
    # while the database refuses writes, a read must not fail for it (the next use records it).
    try:
        begin_write()
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
    except DatabaseUnavailable as error:
        db.session.rollback()
        log.warning(
            "Token %s: last use not recorded, the database refuses writes (%s)", token.id, error
        )


DEMO_TOKEN_NAME = "demo (make run)"


def demo_token_reset(org_ref: str, keep: str | None = None) -> IssuedToken | None:
    """The ministry's demo token: `keep` if it is still its live demo token, else a new one.

    A new one revokes the previous demo token. None if there is no such ministry.
    """
    organisation = accounts.organisation_by_ref(org_ref)
    if organisation is None:
        return None
    parsed = _parse(keep or "")
    if parsed is not None:
        row = db.session.get(ApiToken, parsed[0])
        actor = token_authenticate(keep)
        if (
            actor is not None
            and row is not None
            and row.name == DEMO_TOKEN_NAME
            and actor.organisation_id == organisation.id
        ):
            return IssuedToken(row, keep)
    begin_write()
    db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.name == DEMO_TOKEN_NAME,
            ApiToken.revoked_at.is_(None),
            ApiToken.organisation_id.in_(
                select(Organisation.id).where(Organisation.ref == org_ref)
            ),
        )
        .values(revoked_at=utcnow())
    )
    db.session.commit()
    return token_issue(org_ref=org_ref, name=DEMO_TOKEN_NAME)
