"""Tokens and authorisation: who may call what, proven for every route."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.access import access_of
from registry.extensions import db
from registry.models import ApiToken
from registry.models.types import utcnow
from registry.services import accounts, tokens
from tests.conftest import ApiClient

URL = "/api/v1/projects"


def _unauthorized(response) -> dict:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
    body = response.get_json()
    # Each answer has its own request id, the one thing that may differ.
    assert body.pop("request_id") == response.headers["X-Request-Id"]
    return body


def test_missing_unknown_expired_revoked_tokens_get_the_same_401(client, ministry):
    issued = tokens.token_issue(org_ref="JP-GOV-1")
    expired = tokens.token_issue(org_ref="JP-GOV-1", expires_days=1)
    db.session.get(ApiToken, expired.token.id).expires_at = utcnow()
    db.session.commit()
    revoked = tokens.token_issue(org_ref="JP-GOV-1")
    tokens.token_revoke(revoked.token.id)
    bodies = [
        _unauthorized(client.get(URL)),
        _unauthorized(client.get(URL, headers={"Authorization": "Bearer nonsense"})),
        _unauthorized(client.get(URL, headers={"Authorization": f"Bearer {issued.text}x"})),
        _unauthorized(client.get(URL, headers={"Authorization": f"Basic {issued.text}"})),
        _unauthorized(ApiClient(client, expired.text).get(URL)),
        _unauthorized(ApiClient(client, revoked.text).get(URL)),
    ]
    assert all(body == bodies[0] for body in bodies)
    assert ApiClient(client, issued.text).get(URL).status_code == 200


def test_revoked_token_fails_on_the_very_next_request(client, ministry):
    issued = tokens.token_issue(org_ref="JP-GOV-1")
    api = ApiClient(client, issued.text)
    assert api.get(URL).status_code == 200
    tokens.token_revoke(issued.token.id)
    assert api.get(URL).status_code == 401


def test_tokens_stored_only_as_hash_and_last_use_recorded(client, ministry):
    issued = tokens.token_issue(org_ref="JP-GOV-1", name="ci")
    row = db.session.get(ApiToken, issued.token.id)
    secret = issued.text.split("_", 2)[2]
    assert secret not in row.secret_hash and len(row.secret_hash) == 64
    assert row.last_used_at is None
    ApiClient(client, issued.text).get(URL)
    db.session.rollback()  # the request wrote in its own session; end this one's snapshot
    assert db.session.get(ApiToken, issued.token.id).last_used_at is not None


def test_tokens_cli_issue_list_revoke(app, ministry):
    cli = app.test_cli_runner()
    result = cli.invoke(
        args=[
            "tokens",
            "issue",
            "--org",
            "JP-GOV-1",
            "--name",
            "etl",
            "--scope",
            "read",
            "--expires-days",
            "30",
        ]
    )
    assert result.exit_code == 0, result.output
    text = result.output.strip().splitlines()[-1]
    assert text.startswith("ipr_")
    assert tokens.token_authenticate(text).can_write is False
    listing = cli.invoke(args=["tokens", "list"]).output
    assert "JP-GOV-1" in listing and "etl" in listing and "read" in listing
    assert text.split("_", 2)[2] not in listing
    token_id = db.session.scalar(select(ApiToken.id))
    assert cli.invoke(args=["tokens", "revoke", str(token_id)]).exit_code == 0
    assert tokens.token_authenticate(text) is None
    assert "revoked" in cli.invoke(args=["tokens", "list"]).output


def test_tokens_cli_errors(app, ministry):
    cli = app.test_cli_runner()
    result = cli.invoke(args=["tokens", "issue", "--org", "XX-NOPE"])
    assert result.exit_code == 1 and "No organisation has ref 'XX-NOPE'" in result.output
    result = cli.invoke(args=["tokens", "issue"])
    assert result.exit_code == 1 and "Give exactly one of" in result.output
    result = cli.invoke(args=["tokens", "revoke", "999"])
    assert result.exit_code == 1 and "There is no token with id 999" in result.output


def test_person_token_cannot_create_projects(client, app):
    accounts.user_create("rev@example.org", "reviewer", "a-long-password-1")
    api = ApiClient(client, tokens.token_issue(user_email="rev@example.org").text)
    assert api.get(URL).status_code == 200
    response = api.post(URL, json={})
    assert response.status_code == 403 and "ministry" in response.get_json()["detail"]


def test_every_route_declares_who_may_call_it(app):
    """Walk the URL map: no view is left open by accident."""
    undeclared = sorted(
        rule.rule for rule in app.url_map.iter_rules() if access_of(app, rule.endpoint) is None
    )
    assert undeclared == []
    public = sorted(
        rule.rule for rule in app.url_map.iter_rules() if access_of(app, rule.endpoint)["public"]
    )
    assert all(not r.startswith("/api/v1/") or r == "/api/v1/openapi.json" for r in public), public


@pytest.mark.parametrize("rule_filter", ["/api/v1/"])
def test_every_api_route_refuses_anonymous_callers(app, client, rule_filter):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(rule_filter) or rule.rule == "/api/v1/openapi.json":
            continue
        url = rule.rule.replace("<int:project_id>", "1").replace("<code>", "VN")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method)
            assert response.status_code == 401, (method, url)


def test_rate_limit_429_with_retry_after(make_app, ministry):
    limited = make_app(API_RATE_LIMIT="3 per minute")
    issued = tokens.token_issue(org_ref="JP-GOV-1")
    other = tokens.token_issue(org_ref="JP-GOV-1")
    client = limited.test_client()
    api = ApiClient(client, issued.text)
    responses = [api.get(URL) for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert [r.headers.get("X-RateLimit-Remaining") for r in responses[:3]] == ["2", "1", "0"]
    assert {r.headers["X-RateLimit-Limit"] for r in responses[:3]} == {"3"}
    response = api.get(URL)
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"].endswith("/too-many-requests")
    assert "3 requests per 60 seconds" in response.get_json()["detail"]
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert ApiClient(client, other.text).get(URL).status_code == 200  # per token


def _redis_reachable(url: str) -> bool:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return True
    except redis.RedisError:
        return False


def test_rate_limit_shared_through_redis(make_app, ministry):
    """Two servers sharing Redis share one allowance per token."""
    import os

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    if not _redis_reachable(url):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {url}, and CI=true requires it.")
        pytest.skip(f"Redis is not reachable at {url}")
    # Counters are keyed by the token, which is new on every run.
    settings = {"API_RATE_LIMIT": "2 per minute", "RATELIMIT_STORAGE_URI": url}
    first, second = make_app(**settings), make_app(**settings)
    issued = tokens.token_issue(org_ref="JP-GOV-1")
    statuses = [
        ApiClient(app.test_client(), issued.text).get(URL).status_code
        for app in (first, second, first)
    ]
    assert statuses == [200, 200, 429]


def test_api_responses_neither_read_nor_set_cookies(jp, client):
    response = jp.get(URL, headers={"Cookie": "session=anything"})
    assert response.status_code == 200
    assert "Cookie" not in response.headers.get("Vary", "")
    assert "Set-Cookie" not in response.headers
    # The pages still have their session: the sign-in form sets one.
    page = client.get("/login")
    assert page.status_code == 200 and "session=" in page.headers.get("Set-Cookie", "")
