"""Sessions end on the server: a copy of a session cookie signs no one in after sign-out,
a password change or disabling the account; a disabled person's API tokens stop too."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.models import User
from registry.services import accounts, tokens
from registry.services.actors import ADMIN, REVIEWER, Actor
from registry.services.errors import NotFound, PermissionDenied, ValidationFailed
from tests.conftest import ApiClient

EMAIL = "reviewer@example.org"
PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "another-long-passphrase"
SYSTEM = Actor.system("test")


def _csrf(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def _sign_in(client, password: str = PASSWORD):
    return client.post(
        "/login",
        data={"csrf_token": _csrf(client, "/login"), "email": EMAIL, "password": password},
    )


@pytest.fixture
def reviewer(app):
    return accounts.user_create(EMAIL, REVIEWER, PASSWORD)


@pytest.fixture
def signed_in(app, client, reviewer):
    """A browser signed in as the reviewer, and a second one holding a copy of its cookie."""
    assert _sign_in(client).status_code == 302
    assert client.get("/reviews").status_code == 200
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert _opens_reviews(copy)
    return client, copy


def _opens_reviews(client) -> bool:
    response = client.get("/reviews")
    if response.status_code == 302:
        assert response.headers["Location"] == "/login?next=%2Freviews"
        return False
    assert response.status_code == 200
    assert EMAIL in response.get_data(as_text=True)
    return True


def test_copied_cookie_is_refused_after_sign_out(signed_in):
    client, copy = signed_in
    signed_out = client.post("/logout", data={"csrf_token": _csrf(client, "/reviews")})
    assert signed_out.status_code == 302 and signed_out.headers["Location"] == "/login"
    assert not _opens_reviews(copy)
    assert not _opens_reviews(client)
    followed = copy.get("/reviews", follow_redirects=True)
    assert "Please sign in to see this page." in followed.get_data(as_text=True)


def test_sign_out_ends_every_session_of_the_person(app, signed_in):
    """Signing out in one browser ends the sessions of every other browser too."""
    client, _ = signed_in
    other_browser = app.test_client()
    assert _sign_in(other_browser).status_code == 302
    client.post("/logout", data={"csrf_token": _csrf(client, "/reviews")})
    assert not _opens_reviews(other_browser)
    assert _sign_in(other_browser).status_code == 302  # signing in again works
    assert _opens_reviews(other_browser)


def test_copied_cookie_is_refused_after_password_change(signed_in):
    client, copy = signed_in
    accounts.user_set_password(EMAIL, NEW_PASSWORD, SYSTEM)
    assert not _opens_reviews(copy)
    assert not _opens_reviews(client)
    assert _sign_in(client).status_code == 400  # the old password is gone
    assert _sign_in(client, NEW_PASSWORD).status_code == 302
    assert _opens_reviews(client)


def test_copied_cookie_is_refused_after_disabling(signed_in, reviewer):
    client, copy = signed_in
    api = ApiClient(copy, tokens.token_issue(user_email=EMAIL).text)
    assert api.get("/api/v1/reviews").status_code == 200
    accounts.user_disable(EMAIL, Actor(label="admin@example.org", role=ADMIN))
    assert not _opens_reviews(copy)
    assert not _opens_reviews(client)
    assert "Wrong email or password." in _sign_in(client).get_data(as_text=True)
    refused = api.get("/api/v1/reviews")
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
    accounts.user_enable(EMAIL, SYSTEM)
    assert not _opens_reviews(copy)  # sessions ended by disabling stay ended
    assert api.get("/api/v1/reviews").status_code == 200
    assert _sign_in(client).status_code == 302 and _opens_reviews(client)


def test_a_person_changes_only_their_own_password(reviewer):
    other = accounts.user_create("planner@example.org", "planner", PASSWORD)
    me = Actor(label=EMAIL, role=REVIEWER)
    accounts.user_set_password(EMAIL, NEW_PASSWORD, me)
    assert accounts.user_authenticate(EMAIL, NEW_PASSWORD) is not None
    with pytest.raises(PermissionDenied, match="Only admins change other people's accounts"):
        accounts.user_set_password(other.email, NEW_PASSWORD, me)
    token_actor = Actor(label=f"{EMAIL} (token 1)", role=REVIEWER)
    with pytest.raises(PermissionDenied):
        accounts.user_set_password(EMAIL, NEW_PASSWORD, token_actor)
    for change in (accounts.user_disable, accounts.user_enable):
        with pytest.raises(PermissionDenied, match="Only admins disable or enable accounts"):
            change(other.email, me)
    with pytest.raises(ValidationFailed) as short:
        accounts.user_set_password(EMAIL, "short", me)
    assert [(e["field"], e["code"]) for e in short.value.errors] == [("password", "too_short")]
    with pytest.raises(NotFound, match=r"nobody@example\.org"):
        accounts.user_disable("nobody@example.org", SYSTEM)


def test_session_ids_that_sign_no_one_in(reviewer):
    assert reviewer.get_id() == f"{reviewer.id}:0"
    assert accounts.user_for_session(f"{reviewer.id}:0") == reviewer
    assert accounts.user_for_session(str(reviewer.id)) == reviewer  # before generations: 0
    for session_id in (f"{reviewer.id}:1", f"{reviewer.id}:", "", "x", f"{2**63}:0", "-1:0"):
        assert accounts.user_for_session(session_id) is None, session_id
    accounts.user_end_sessions(EMAIL, Actor(label=EMAIL, role=REVIEWER))
    assert accounts.user_for_session(str(reviewer.id)) is None
    assert accounts.user_for_session(f"{reviewer.id}:1") == reviewer


# ---- the commands


@pytest.fixture
def cli(app):
    return app.test_cli_runner()


def _generation() -> int:
    db.session.rollback()
    return db.session.scalar(select(User.session_generation).where(User.email == EMAIL))


def test_cli_set_password_disable_enable(cli, signed_in):
    _, copy = signed_in
    result = cli.invoke(
        args=["accounts", "set-password", EMAIL, "--password-stdin"], input=NEW_PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"Password of {EMAIL} changed; every session they had is ended.\n"
    assert not _opens_reviews(copy)
    assert accounts.user_authenticate(EMAIL, NEW_PASSWORD) is not None
    result = cli.invoke(args=["accounts", "set-password", EMAIL])
    assert result.exit_code == 0, result.output
    generated = result.output.rsplit("Password (shown once): ", 1)[1].strip()
    assert accounts.user_authenticate(EMAIL, generated) is not None
    assert _generation() == 2
    result = cli.invoke(args=["accounts", "disable", EMAIL.upper()])
    assert result.exit_code == 0, result.output
    assert "disabled; their sessions and API tokens no longer work" in result.output
    assert accounts.user_authenticate(EMAIL, generated) is None and _generation() == 3
    result = cli.invoke(args=["accounts", "enable", EMAIL])
    assert result.exit_code == 0, result.output
    assert accounts.user_authenticate(EMAIL, generated) is not None


def test_cli_account_errors_without_traceback(cli, reviewer):
    for args in (["disable", "nobody@example.org"], ["enable", "nobody@example.org"]):
        result = cli.invoke(args=["accounts", *args])
        assert result.exit_code == 1
        assert "No user has email 'nobody@example.org'." in result.output
        assert "Traceback" not in result.output
    result = cli.invoke(args=["accounts", "set-password", EMAIL, "--password-stdin"], input="x\n")
    assert result.exit_code == 1
    assert "password: Must be at least 12 characters long." in result.output
    assert accounts.user_authenticate(EMAIL, PASSWORD) is not None
