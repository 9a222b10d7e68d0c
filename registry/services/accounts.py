"""Organisations (partner ministries) and people: create them, check passwords, change
passwords, disable and enable people, and end their sessions."""

from __future__ import annotations

import re
import secrets
from functools import cache

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from registry.database import begin_write
from registry.extensions import db
from registry.models import USER_ROLES, Organisation, User
from registry.services import permissions
from registry.services.actors import Actor
from registry.services.errors import NotFound, PermissionDenied, ValidationFailed
from registry.services.validation import load_collecting
from schemas.accounts import OrganisationSchema, UserSchema

# scrypt with werkzeug's default cost: a memory-hard hash, salted per password.
PASSWORD_METHOD = "scrypt"

_organisation_schema = OrganisationSchema()
_user_schema = UserSchema()
_password_schema = UserSchema(only=("password",))
# A session id is `<user id>:<session generation>` (User.get_id); ids are INTEGER columns.
SESSION_ID = re.compile(r"([0-9]{1,10})(?::([0-9]{1,10}))?")
MAX_ID = 2**31 - 1


def _error(field: str, message: str, code: str) -> dict:
    return {"field": field, "message": message, "code": code}


def organisation_create(ref: str, name: str, country: str, org_type: str) -> Organisation:
    """A partner ministry. Raises ValidationFailed listing every problem."""
    data, errors = load_collecting(
        _organisation_schema, {"ref": ref, "name": name, "country": country, "type": org_type}
    )
    if "ref" in data and organisation_by_ref(data["ref"]) is not None:
        errors.append(_error("ref", f"{data['ref']!r} is already registered.", "not_unique"))
    if errors:
        raise ValidationFailed(errors)
    begin_write()
    organisation = Organisation(**data)
    db.session.add(organisation)
    db.session.commit()
    return organisation


def organisation_by_ref(ref: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.ref == ref))


def generate_password() -> str:
    """A random password of about 120 bits, easy to copy from a terminal."""
    return secrets.token_urlsafe(15)


def user_create(email: str, role: str, password: str, organisation_ref: str | None = None) -> User:
    """A person who signs in. The password is kept only as a salted scrypt hash.

    Raises ValidationFailed listing every problem.
    """
    data, errors = load_collecting(
        _user_schema,
        {
            "email": email,
            "role": role,
            "password": password,
            "organisation": organisation_ref or None,
        },
    )
    if "email" in data and db.session.scalar(
        select(User.id).where(func.lower(User.email) == data["email"])
    ):
        errors.append(_error("email", f"{data['email']!r} already has an account.", "not_unique"))
    organisation = organisation_by_ref(data["organisation"]) if data.get("organisation") else None
    if data.get("organisation") and organisation is None:
        errors.append(
            _error(
                "organisation", f"No organisation has ref {data['organisation']!r}.", "not_found"
            )
        )
    if errors:
        raise ValidationFailed(errors)
    begin_write()
    user = User(
        email=data["email"],
        role=data["role"],
        organisation_id=organisation.id if organisation else None,
        password_hash=generate_password_hash(data["password"], method=PASSWORD_METHOD),
    )
    db.session.add(user)
    db.session.commit()
    return user


def user_authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same answer for either mistake)."""
    email = (email or "").strip().lower()
    if "\x00" in email:  # no address has one, and PostgreSQL refuses it in a query
        email = ""
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        # Hash anyway, so a wrong email takes as long as a wrong password.
        check_password_hash(_dummy_hash(), password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.is_active:
        return None
    return user


def user_by_email(email: str) -> User | None:
    """The person with this address (trimmed, lower-cased as stored), or None."""
    email = (email or "").strip().lower()
    if "\x00" in email:  # no address has one, and PostgreSQL refuses it in a query
        return None
    return db.session.scalar(select(User).where(User.email == email))


def user_for_session(session_id: str) -> User | None:
    """The person a session cookie signs in: `<id>:<generation>` of an active account whose
    generation is still that one. A bare `<id>` (a cookie from before generations) is
    generation 0. None for anything else."""
    match = SESSION_ID.fullmatch(session_id or "")
    if match is None:
        return None
    user_id, generation = int(match[1]), int(match[2] or 0)
    user = db.session.get(User, user_id) if 0 < user_id <= MAX_ID else None
    if user is None or not user.is_active or user.session_generation != generation:
        return None
    return user


def _user_to_change(email: str, actor: Actor, *, own_allowed: bool) -> User:
    """The account `actor` is about to change. Raises PermissionDenied or NotFound."""
    email = (email or "").strip().lower()
    allowed = permissions.can_manage_accounts(actor) or (
        own_allowed and permissions.can_manage_own_account(actor, email)
    )
    if not allowed:
        raise PermissionDenied(
            "Only admins change other people's accounts."
            if own_allowed
            else "Only admins disable or enable accounts."
        )
    user = user_by_email(email)
    if user is None:
        raise NotFound(f"No user has email {email!r}.")
    return user


def _end_sessions(user: User) -> None:
    """Raise the generation in the database itself, so two changes at once both count."""
    user.session_generation = User.session_generation + 1


def user_end_sessions(email: str, actor: Actor) -> User:
    """Sign the person out everywhere: every session cookie issued to them so far, on any
    device (and any copy of it), signs no one in from the next request on.

    Raises PermissionDenied (the person themself, admins and the system may) or NotFound.
    """
    user = _user_to_change(email, actor, own_allowed=True)
    begin_write()
    user = db.session.get(User, user.id)
    _end_sessions(user)
    db.session.commit()
    return user


def user_set_password(email: str, password: str, actor: Actor) -> User:
    """A new password for the person; every session they have is ended (their API tokens
    are not: revoke those with `tokens revoke`).

    Raises ValidationFailed, PermissionDenied (the person themself, admins and the system
    may) or NotFound.
    """
    user = _user_to_change(email, actor, own_allowed=True)
    data, errors = load_collecting(_password_schema, {"password": password})
    if errors:
        raise ValidationFailed(errors)
    begin_write()
    user = db.session.get(User, user.id)
    user.password_hash = generate_password_hash(data["password"], method=PASSWORD_METHOD)
    _end_sessions(user)
    db.session.commit()
    return user


def user_disable(email: str, actor: Actor) -> User:
    """The person can no longer sign in: their sessions end and their API tokens stop
    working from the next request on. Raises PermissionDenied (admins and the system may)
    or NotFound."""
    user = _user_to_change(email, actor, own_allowed=False)
    begin_write()
    user = db.session.get(User, user.id)
    user.is_active = False
    _end_sessions(user)
    db.session.commit()
    return user


def user_enable(email: str, actor: Actor) -> User:
    """A disabled person may sign in again (sessions ended by disabling stay ended); their
    API tokens work again unless revoked or expired. Raises PermissionDenied (admins and
    the system may) or NotFound."""
    user = _user_to_change(email, actor, own_allowed=False)
    begin_write()
    user = db.session.get(User, user.id)
    user.is_active = True
    db.session.commit()
    return user


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(16), method=PASSWORD_METHOD)


DEMO_DOMAIN = "demo.registry.example"


def demo_accounts_reset(keep: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """One demo person per role; (email, role, password) for each. Only hashes are stored.

    `keep` maps e-mail to a password saved from an earlier run: where that account exists,
    is active and still has that password, it is kept as it is. Every other account gets a
    newly generated password, so `keep=None` rotates them all (a lost password is one command
    away) and a restart with the saved passwords changes nothing.
    """
    keep = keep or {}
    created = []
    for role in USER_ROLES:
        email = f"{role}@{DEMO_DOMAIN}"
        saved = keep.get(email)
        if saved and user_authenticate(email, saved) is not None:
            created.append((email, role, saved))
            continue
        password = generate_password()
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user_create(email, role, password)
        else:
            begin_write()
            user = db.session.get(User, user.id)
            user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
            db.session.commit()
        created.append((email, role, password))
    return created
