"""Partner ministries (organisations), the people who sign in, and API tokens.

What needs the database (a ref already taken, an owner that does not exist) is checked by
the services after these schemas; everything else is checked here.
"""

from __future__ import annotations

import re

from marshmallow import ValidationError, fields, validate, validates_schema

from registry import reference
from schemas.base import StrictSchema
from schemas.fields import (
    REFUSE,
    Choice,
    Coded,
    CountryCode,
    Problem,
    Text,
    fail,
    refuse_surrogates,
)

# IATI-style: a two-letter country, a hyphen, then capitals, digits or hyphens; 100 at most.
ORG_REF = re.compile(r"[A-Z]{2}-[A-Z0-9][A-Z0-9-]{0,96}")
MAX_EMAIL_LENGTH = 254
MIN_PASSWORD_LENGTH = 12
# Long enough for any passphrase, short enough that hashing one costs nothing unusual.
MAX_PASSWORD_LENGTH = 1024
MAX_TOKEN_DAYS = 3650


class OrgRef(Text):
    """An IATI-style organisation ref (`JP-GOV-1`), surrounding whitespace trimmed."""

    def __init__(self, **kw):
        super().__init__(strip=True, format_characters=REFUSE, **kw)

    def _deserialize(self, value, attr, data, **kwargs):
        ref = super()._deserialize(value, attr, data, **kwargs)
        if not ORG_REF.fullmatch(ref):
            fail(
                f"{ref!r} is not an IATI-style organisation ref: two-letter "
                "country, a hyphen, then capitals, digits or hyphens "
                "(for example JP-GOV-1).",
                "invalid_ref",
            )
        return ref


class OrganisationName(Text):
    """1 to 300 characters once trimmed; a wrong length is `invalid_length`."""

    def __init__(self, **kw):
        super().__init__(min_length=1, max_length=300, strip=True, **kw)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ValidationError as error:
            problem = error.messages[0]
            if getattr(problem, "code", None) in ("too_short", "too_long"):
                fail(str(problem), "invalid_length")
            raise


class OrganisationType(Text):
    """An IATI OrganisationType code (seed/reference/organisation_types.csv)."""

    def __init__(self, **kw):
        super().__init__(format_characters=REFUSE, **kw)

    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs)
        types = reference.organisation_types()
        if code not in types:
            allowed = ", ".join(f"{key} {label}" for key, label in types.items())
            fail(
                f"{code!r} is not an IATI OrganisationType code; allowed: {allowed}.",
                "invalid_choice",
            )
        return code


class Email(Text):
    """An email address, trimmed and lower-cased (the form it is stored and looked up in).

    `check_address=False` only normalises: for looking up an account that already exists,
    whatever rule its address was accepted under.
    """

    def __init__(self, check_address: bool = True, **kw):
        super().__init__(strip=True, format_characters=REFUSE, **kw)
        self.check_address = check_address

    def _deserialize(self, value, attr, data, **kwargs):
        email = super()._deserialize(value, attr, data, **kwargs).lower()
        if len(email) > MAX_EMAIL_LENGTH:
            fail(
                f"Must be at most {MAX_EMAIL_LENGTH} characters long to be an email address; "
                f"got {len(email)}.",
                "invalid_email",
            )
        if not email or self.check_address:
            try:
                validate.Email()(email)
            except ValidationError:
                fail(f"{email!r} is not an email address.", "invalid_email")
        return email


class Password(Coded, fields.Field):
    """A password of MIN_PASSWORD_LENGTH characters or more; never echoed in a message."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            fail("Must be a string.", "invalid_type")
        refuse_surrogates(value, say_where=False)  # it could be neither hashed nor typed
        if len(value) < MIN_PASSWORD_LENGTH:
            fail(f"Must be at least {MIN_PASSWORD_LENGTH} characters long.", "too_short")
        if len(value) > MAX_PASSWORD_LENGTH:
            fail(f"Must be at most {MAX_PASSWORD_LENGTH} characters long.", "too_long")
        return value


class Days(Coded, fields.Field):
    """A whole number of days from 1 to MAX_TOKEN_DAYS."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            fail("Must be a whole number of days.", "invalid_type")
        if not 1 <= value <= MAX_TOKEN_DAYS:
            fail(f"Must be between 1 and {MAX_TOKEN_DAYS} days.", "out_of_range")
        return value


class OrganisationSchema(StrictSchema):
    """`{ref, name, country, type}`: a partner ministry (its ref is unique: the service checks)."""

    ref = OrgRef(required=True)
    name = OrganisationName(required=True)
    country = CountryCode(required=True)
    type = OrganisationType(required=True)


class UserSchema(StrictSchema):
    """`{email, role, password, organisation}`: a person who signs in, optionally of a
    ministry (given by its ref; the service checks that it exists)."""

    email = Email(required=True)
    role = Choice("user_roles", required=True)
    password = Password(required=True)
    organisation = OrgRef(allow_none=True, load_default=None)


class TokenIssueSchema(StrictSchema):
    """`{org | user, name, scope, expires_days}`: an API token for a ministry (its ref) or for
    a person (their email); the service checks that the owner exists."""

    org = OrgRef(allow_none=True, load_default=None)
    user = Email(check_address=False, allow_none=True, load_default=None)
    name = Text(max_length=100, strip=True, load_default="")
    scope = Choice("token_scopes", load_default="write")
    expires_days = Days(allow_none=True, load_default=None)

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _one_owner(self, data, original_data, **kwargs):
        """Exactly one owner, counting one given even if it is malformed."""
        if not isinstance(original_data, dict):
            return  # already refused as not an object
        given = [key for key in ("org", "user") if original_data.get(key) is not None]
        if len(given) != 1:
            raise ValidationError(
                Problem(
                    "Give exactly one of an organisation ref or a user's email.", "invalid_choice"
                ),
                field_name="owner",
            )
