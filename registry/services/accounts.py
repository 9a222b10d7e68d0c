"""Organisations (partner ministries) and people: create them, check passwords."""

from __future__ import annotations

import secrets
from functools import cache

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from registry.database import begin_write
from registry.extensions import db
from registry.models import USER_ROLES, Organisation, User
from registry.services.errors import ValidationFailed
from registry.services.validation import load_collecting
from schemas.accounts import OrganisationSchema, UserSchema

# scrypt with werkzeug's default cost: a memory-hard hash, salted per password.
PASSWORD_METHOD = "scrypt"

_organisation_schema = OrganisationSchema()
_user_schema = UserSchema()


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


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(16), method=PASSWORD_METHOD)


DEMO_DOMAIN = "demo.registry.example"


def demo_accounts_reset() -> list[tuple[str, str, str]]:
    """One demo person per role, each with a newly generated password.

    Returns (email, role, password) once; only the hashes are stored. Running it
    again gives the same accounts new passwords, so a lost password is one command away.
    """
    created = []
    for role in USER_ROLES:
        email = f"{role}@{DEMO_DOMAIN}"
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
