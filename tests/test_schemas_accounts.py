"""The schemas of organisations, people and API tokens (schemas/accounts.py), and the services
that load through them and add what needs the database, every problem reported at once."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from registry.services import accounts, tokens
from registry.services.errors import ValidationFailed
from schemas.accounts import (
    MIN_PASSWORD_LENGTH,
    OrganisationSchema,
    TokenIssueSchema,
    UserSchema,
)
from schemas.errors import flatten

ORG = {"ref": "JP-GOV-1", "name": "Ministry of Foreign Affairs", "country": "JP", "type": "10"}
USER = {"email": "a@example.org", "role": "reviewer", "password": "a-long-password-1"}


def problems(schema, payload) -> list[dict]:
    try:
        schema.load(payload)
    except ValidationError as error:
        return flatten(error.messages)
    return []


def only(schema, payload) -> dict:
    """The one problem `payload` has."""
    found = problems(schema, payload)
    assert len(found) == 1, found
    return found[0]


def failed(call) -> list[dict]:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return caught.value.errors


# ---------------------------------------------------------------- organisations


def test_organisation_normalised():
    loaded = OrganisationSchema().load(
        {"ref": "  JP-GOV-1 ", "name": "  Ministry  ", "country": "jpn", "type": "10"}
    )
    assert loaded == {"ref": "JP-GOV-1", "name": "Ministry", "country": "JP", "type": "10"}
    assert OrganisationSchema().load({**ORG, "country": 392})["country"] == "JP"
    assert OrganisationSchema().load({**ORG, "ref": "XX-" + "A" * 97})["ref"] == "XX-" + "A" * 97


@pytest.mark.parametrize(
    "ref",
    [
        "jp-gov-1",  # lowercase
        "JP GOV 1",
        "JPGOV1",
        "J-GOV-1",
        "JP--GOV",
        "JP-",
        "",
        "   ",
        "JP-GOV-1\nXX-GOV-2",
        "XX-" + "A" * 98,  # 101 characters
        "ＪＰ-GOV-1",  # full-width letters
        "JP-GÖV",
    ],
)
def test_organisation_bad_ref(ref):
    problem = only(OrganisationSchema(), {**ORG, "ref": ref})
    assert (problem["field"], problem["code"]) == ("ref", "invalid_ref")
    assert problem["message"] == (
        f"{ref.strip()!r} is not an IATI-style organisation ref: two-letter country, a hyphen, "
        "then capitals, digits or hyphens (for example JP-GOV-1)."
    )


def test_organisation_ref_hostile_values():
    problem = only(OrganisationSchema(), {**ORG, "ref": "JP-GOV-1\x00"})
    assert (problem["field"], problem["code"]) == ("ref", "invalid_characters")
    for value in (12, ["JP-GOV-1"], {"ref": "JP-GOV-1"}, True):
        problem = only(OrganisationSchema(), {**ORG, "ref": value})
        assert (problem["field"], problem["code"]) == ("ref", "invalid_type")
        assert problem["message"].startswith("Must be a string; got ")
    problem = only(OrganisationSchema(), {**ORG, "ref": None})
    assert (problem["field"], problem["code"]) == ("ref", "null")


@pytest.mark.parametrize("name", ["", "   ", "x" * 301, "\t" * 400])
def test_organisation_bad_name_length(name):
    problem = only(OrganisationSchema(), {**ORG, "name": name})
    assert (problem["field"], problem["code"]) == ("name", "invalid_length")
    assert problem["message"].startswith("Must be between 1 and 300 characters long")


def test_organisation_name_hostile_values():
    assert OrganisationSchema().load({**ORG, "name": "x" * 300})["name"] == "x" * 300
    problem = only(OrganisationSchema(), {**ORG, "name": "Ministry\x07"})
    assert (problem["field"], problem["code"]) == ("name", "invalid_characters")
    assert problem["message"] == "Must not contain control characters."
    problem = only(OrganisationSchema(), {**ORG, "name": 300})
    assert (problem["field"], problem["code"]) == ("name", "invalid_type")


@pytest.mark.parametrize("country", ["XX", "", "Japan", "J P", "999", 999, True, ["JP"]])
def test_organisation_bad_country(country):
    problem = only(OrganisationSchema(), {**ORG, "country": country})
    assert problem["field"] == "country"
    assert problem["code"] in ("invalid_country", "invalid_type")
    if isinstance(country, str):
        assert problem["code"] == "invalid_country"
        assert problem["message"].startswith(f"{country!r} is not an ISO 3166-1 country code")


@pytest.mark.parametrize("org_type", ["99", "", " 10", "Government", "10\x00"])
def test_organisation_bad_type(org_type):
    problem = only(OrganisationSchema(), {**ORG, "type": org_type})
    assert problem["field"] == "type"
    if "\x00" in org_type:
        assert problem["code"] == "invalid_characters"
        return
    assert problem["code"] == "invalid_choice"
    assert problem["message"].startswith(
        f"{org_type!r} is not an IATI OrganisationType code; allowed: 10 Government, "
        "11 Local Government"
    )
    assert "90 Other." in problem["message"]


def test_organisation_type_not_a_string():
    problem = only(OrganisationSchema(), {**ORG, "type": 10})
    assert (problem["field"], problem["code"]) == ("type", "invalid_type")


def test_organisation_every_problem_at_once():
    found = problems(OrganisationSchema(), {"ref": "jp gov", "name": "", "country": "XX"})
    assert [(p["field"], p["code"]) for p in found] == [
        ("ref", "invalid_ref"),
        ("name", "invalid_length"),
        ("country", "invalid_country"),
        ("type", "required"),
    ]


def test_organisation_unknown_field():
    problem = only(OrganisationSchema(), {**ORG, "id": 1})
    assert (problem["field"], problem["code"]) == ("id", "unknown_field")


# ---------------------------------------------------------------- users


def test_user_normalised():
    loaded = UserSchema().load({**USER, "email": "  Reviewer@Example.ORG\n"})
    assert loaded == {**USER, "email": "reviewer@example.org", "organisation": None}
    loaded = UserSchema().load({**USER, "organisation": " JP-GOV-1 "})
    assert loaded["organisation"] == "JP-GOV-1"
    # the demo accounts' domain, and a password of exactly the minimum length
    assert UserSchema().load({**USER, "email": "admin@demo.registry.example"})
    assert UserSchema().load({**USER, "password": "x" * MIN_PASSWORD_LENGTH})


@pytest.mark.parametrize(
    "email",
    [
        "",
        "   ",
        "a",
        "a@",
        "@example.org",
        "a b@example.org",  # a space inside
        "a@exa mple.org",
        "a@@example.org",
        "a@example",
        "a@example.",
        "a@.org",
        "<a@example.org>",
        "a@example.org, b@example.org",
    ],
)
def test_user_bad_email(email):
    problem = only(UserSchema(), {**USER, "email": email})
    assert (problem["field"], problem["code"]) == ("email", "invalid_email")
    assert problem["message"] == f"{email.strip().lower()!r} is not an email address."


def test_user_email_hostile_values():
    long = "a" * 245 + "@example.org"  # 257 characters
    problem = only(UserSchema(), {**USER, "email": long})
    assert (problem["field"], problem["code"]) == ("email", "invalid_email")
    assert "at most 254 characters" in problem["message"] and "257" in problem["message"]
    problem = only(UserSchema(), {**USER, "email": "a\x00@example.org"})
    assert (problem["field"], problem["code"]) == ("email", "invalid_characters")
    for value in (1, ["a@example.org"], {"email": "a@example.org"}):
        problem = only(UserSchema(), {**USER, "email": value})
        assert (problem["field"], problem["code"]) == ("email", "invalid_type")


@pytest.mark.parametrize("role", ["king", "", "Admin", " admin"])
def test_user_bad_role(role):
    problem = only(UserSchema(), {**USER, "role": role})
    assert (problem["field"], problem["code"]) == ("role", "invalid_choice")
    assert problem["message"] == (
        f"{role!r} is not allowed; must be one of: diplomat, reviewer, planner, admin."
    )


def test_user_role_not_a_string():
    problem = only(UserSchema(), {**USER, "role": ["admin"]})
    assert (problem["field"], problem["code"]) == ("role", "invalid_type")


@pytest.mark.parametrize("password", ["", "short", "x" * (MIN_PASSWORD_LENGTH - 1)])
def test_user_short_password(password):
    problem = only(UserSchema(), {**USER, "password": password})
    assert (problem["field"], problem["code"]) == ("password", "too_short")
    assert problem["message"] == "Must be at least 12 characters long."


def test_user_password_hostile_values_never_echoed():
    problem = only(UserSchema(), {**USER, "password": "secret" * 1000})
    assert (problem["field"], problem["code"]) == ("password", "too_long")
    assert "secret" not in problem["message"]
    problem = only(UserSchema(), {**USER, "password": 123456789012345})
    assert (problem["field"], problem["code"]) == ("password", "invalid_type")
    assert "1234" not in problem["message"]
    # anything else a person may type is theirs to choose
    assert UserSchema().load({**USER, "password": "  spaces and ü \t"})["password"] == (
        "  spaces and ü \t"
    )


def test_user_bad_organisation_ref():
    problem = only(UserSchema(), {**USER, "organisation": "jp-gov-1"})
    assert (problem["field"], problem["code"]) == ("organisation", "invalid_ref")


def test_user_every_problem_at_once():
    found = problems(UserSchema(), {"email": "nope", "role": "king", "password": "short"})
    assert [(p["field"], p["code"]) for p in found] == [
        ("email", "invalid_email"),
        ("role", "invalid_choice"),
        ("password", "too_short"),
    ]


# ---------------------------------------------------------------- tokens


def test_token_defaults_and_normalised():
    assert TokenIssueSchema().load({"org": " JP-GOV-1 "}) == {
        "org": "JP-GOV-1",
        "user": None,
        "name": "",
        "scope": "write",
        "expires_days": None,
    }
    loaded = TokenIssueSchema().load(
        {"user": " Rev@Example.org ", "name": " ci ", "scope": "read", "expires_days": 3650}
    )
    assert (loaded["user"], loaded["name"], loaded["scope"], loaded["expires_days"]) == (
        "rev@example.org",
        "ci",
        "read",
        3650,
    )
    # a person is looked up by the address they have, whatever rule it was accepted under
    assert TokenIssueSchema().load({"user": "a@b.c"})["user"] == "a@b.c"


@pytest.mark.parametrize(
    "payload",
    [{}, {"org": None, "user": None}, {"org": "JP-GOV-1", "user": "a@example.org"}],
)
def test_token_needs_exactly_one_owner(payload):
    problem = only(TokenIssueSchema(), payload)
    assert (problem["field"], problem["code"]) == ("owner", "invalid_choice")
    assert problem["message"] == "Give exactly one of an organisation ref or a user's email."


def test_token_malformed_owner_still_counts_as_given():
    found = problems(TokenIssueSchema(), {"org": "jp-gov-1", "user": "a@example.org"})
    assert [(p["field"], p["code"]) for p in found] == [
        ("org", "invalid_ref"),
        ("owner", "invalid_choice"),
    ]
    problem = only(TokenIssueSchema(), {"org": ""})
    assert (problem["field"], problem["code"]) == ("org", "invalid_ref")
    problem = only(TokenIssueSchema(), {"user": "   "})
    assert (problem["field"], problem["code"]) == ("user", "invalid_email")


@pytest.mark.parametrize("scope", ["admin", "", "READ", 1])
def test_token_bad_scope(scope):
    problem = only(TokenIssueSchema(), {"org": "JP-GOV-1", "scope": scope})
    assert problem["field"] == "scope"
    if isinstance(scope, str):
        assert problem["code"] == "invalid_choice"
        assert problem["message"] == f"{scope!r} is not allowed; must be one of: read, write."
    else:
        assert problem["code"] == "invalid_type"


@pytest.mark.parametrize("days", [0, -1, 3651, 10**30])
def test_token_expiry_out_of_range(days):
    problem = only(TokenIssueSchema(), {"org": "JP-GOV-1", "expires_days": days})
    assert (problem["field"], problem["code"]) == ("expires_days", "out_of_range")
    assert problem["message"] == "Must be between 1 and 3650 days."


@pytest.mark.parametrize("days", ["30", 30.0, True, [30]])
def test_token_expiry_not_a_whole_number(days):
    problem = only(TokenIssueSchema(), {"org": "JP-GOV-1", "expires_days": days})
    assert (problem["field"], problem["code"]) == ("expires_days", "invalid_type")


def test_token_name_hostile_values():
    assert TokenIssueSchema().load({"org": "JP-GOV-1", "name": "x" * 100})["name"] == "x" * 100
    problem = only(TokenIssueSchema(), {"org": "JP-GOV-1", "name": "x" * 101})
    assert (problem["field"], problem["code"]) == ("name", "too_long")
    assert problem["message"] == "Must be at most 100 characters long; got 101."
    problem = only(TokenIssueSchema(), {"org": "JP-GOV-1", "name": "ci\x1b[31m"})
    assert (problem["field"], problem["code"]) == ("name", "invalid_characters")


def test_token_not_an_object():
    problem = only(TokenIssueSchema(), ["JP-GOV-1"])
    assert problem["code"] == "invalid_type"


# ---------------------------------------------------------------- the services


def test_organisation_create_adds_database_problems_to_the_schema_s(app, ministry):
    errors = failed(lambda: accounts.organisation_create(" JP-GOV-1", "", "XX", "10"))
    assert [(e["field"], e["code"]) for e in errors] == [
        ("name", "invalid_length"),
        ("country", "invalid_country"),
        ("ref", "not_unique"),
    ]
    assert errors[2]["message"] == "'JP-GOV-1' is already registered."


def test_organisation_create_stores_normalised(app):
    org = accounts.organisation_create(" KH-GOV-2 ", " Ministry ", "khm", "10")
    assert (org.ref, org.name, org.country, org.type) == ("KH-GOV-2", "Ministry", "KH", "10")


def test_user_create_adds_database_problems_to_the_schema_s(app, ministry):
    accounts.user_create("taken@example.org", "reviewer", "a-long-password-1")
    errors = failed(lambda: accounts.user_create(" TAKEN@example.org", "king", "short", "XX-NOPE"))
    assert [(e["field"], e["code"]) for e in errors] == [
        ("role", "invalid_choice"),
        ("password", "too_short"),
        ("email", "not_unique"),
        ("organisation", "not_found"),
    ]
    assert errors[2]["message"] == "'taken@example.org' already has an account."
    assert errors[3]["message"] == "No organisation has ref 'XX-NOPE'."


def test_user_create_with_organisation(app, ministry):
    user = accounts.user_create(
        "Diplomat@Example.org ", "diplomat", "a-long-password-1", "JP-GOV-1"
    )
    assert user.email == "diplomat@example.org"
    assert user.organisation_id == ministry.organisation_id


def test_token_issue_adds_database_problems_to_the_schema_s(app):
    errors = failed(
        lambda: tokens.token_issue(
            org_ref="XX-NOPE", user_email="nobody@example.org", scope="admin", expires_days=0
        )
    )
    assert [(e["field"], e["code"]) for e in errors] == [
        ("scope", "invalid_choice"),
        ("expires_days", "out_of_range"),
        ("owner", "invalid_choice"),
        ("org", "not_found"),
        ("user", "not_found"),
    ]
    assert errors[4]["message"] == "No user has email 'nobody@example.org'."


def test_token_issue_for_a_person_by_normalised_email(app):
    user = accounts.user_create("rev@example.org", "reviewer", "a-long-password-1")
    issued = tokens.token_issue(user_email=" REV@example.org ", name=" ci ", expires_days=30)
    assert (issued.token.user_id, issued.token.name) == (user.id, "ci")
    assert issued.token.expires_at is not None
    assert (
        tokens.token_authenticate(issued.text).label == f"rev@example.org (token {issued.token.id})"
    )
