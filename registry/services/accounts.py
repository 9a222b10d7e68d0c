"""Organisations (partner ministries) and people: create them, check passwords."""

from __future__ import annotations

import re
import secrets
from functools import cache

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from registry import reference
from registry.database import begin_write
from registry.extensions import db
from registry.models import USER_ROLES, Organisation, User

from registry.services.errors import ValidationFailed
from schemas.fields import country_from_code

ORG_REF = re.compile(r"^[A-Z]{2}-[A-Z0-9][A-Z0-9-]{0,96}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 12
# scrypt with werkzeug's default cost: a memory-hard hash, salted per password.
PASSWORD_METHOD = "scrypt"


def _error(field: str, message: str, code: str) -> dict:
    return {"field": field, "message": message, "code": code}


def organisation_create(ref: str, name: str, country: str, org_type: str) -> Organisation:
    """A partner ministry. Raises ValidationFailed listing every problem."""
    errors = []
    ref = (ref or "").strip()
    if not ORG_REF.match(ref):
        errors.append(
            _error(
                "ref",
                f"{ref!r} is not an IATI-style organisation ref: two-letter "
                "country, a hyphen, then capitals, digits or hyphens "
                "(for example JP-GOV-1).",
                "invalid_ref",
            )
        )
    elif db.session.scalar(select(Organisation.id).where(Organisation.ref == ref)):
        errors.append(_error("ref", f"{ref!r} is already registered.", "not_unique"))
    name = (name or "").strip()
    if not 1 <= len(name) <= 300:
        errors.append(
            _error("name", "Must be between 1 and 300 characters long.", "invalid_length")
        )
    found = country_from_code(country)
    if found is None:
        errors.append(
            _error(
                "country",
                f"{country!r} is not an ISO 3166-1 country code (for example JP, JPN or 392).",
                "invalid_country",
            )
        )
    types = reference.organisation_types()
    if org_type not in types:
        allowed = ", ".join(f"{code} {label}" for code, label in types.items())
        errors.append(
            _error(
                "type",
                f"{org_type!r} is not an IATI OrganisationType code; allowed: {allowed}.",
                "invalid_choice",
            )
        )
    if errors:
        raise ValidationFailed(errors)
    begin_write()
    organisation = Organisation(ref=ref, name=name, country=found.alpha_2, type=org_type)
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
    errors = []
    email = (email or "").strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        errors.append(_error("email", f"{email!r} is not an email address.", "invalid_email"))
    elif db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        errors.append(_error("email", f"{email!r} already has an account.", "not_unique"))
    if role not in USER_ROLES:
        errors.append(
            _error(
                "role",
                f"{role!r} is not a role; allowed: {', '.join(USER_ROLES)}.",
                "invalid_choice",
            )
        )
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors.append(
            _error(
                "password", f"Must be at least {MIN_PASSWORD_LENGTH} characters long.", "too_short"
            )
        )
    organisation = None
    if organisation_ref:
        organisation = organisation_by_ref(organisation_ref)
        if organisation is None:
            errors.append(
                _error(
                    "organisation", f"No organisation has ref {organisation_ref!r}.", "not_found"
                )
            )
    if errors:
        raise ValidationFailed(errors)
    begin_write()
    user = User(
        email=email,
        role=role,
        organisation_id=organisation.id if organisation else None,
        password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
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
