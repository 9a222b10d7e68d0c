"""Every API error is application/problem+json with the same shape; no input gives a 500."""

from __future__ import annotations

import json

import pytest

from tests.conftest import valid_project

URL = "/api/v1/projects"
PROBLEM_KEYS = {"type", "title", "status", "detail"}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert PROBLEM_KEYS <= set(body) <= PROBLEM_KEYS | {"errors"}
    assert body["status"] == status
    assert body["type"].startswith("https://registry.example/problems/")
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    for error in body.get("errors", []):
        assert set(error) == {"field", "message", "code"}
        assert all(isinstance(v, str) for v in error.values())
    return body


def test_malformed_json_is_400(jp):
    response = jp.post(URL, data='{"title": ', headers={"Content-Type": "application/json"})
    body = assert_problem(response, 400)
    assert "not valid JSON" in body["detail"] and "line 1" in body["detail"]


def test_nan_is_not_json(jp):
    response = jp.post(
        URL, data='{"finance": {"amount": NaN}}', headers={"Content-Type": "application/json"}
    )
    assert "NaN is not a JSON value" in assert_problem(response, 400)["detail"]


def test_non_json_body_is_415(jp):
    response = jp.post(
        URL, data="title=x", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert "application/json" in assert_problem(response, 415)["detail"]
    assert_problem(jp.post(URL, data=b"{}"), 415)  # no Content-Type at all


def test_body_over_2mb_is_413(jp):
    big = json.dumps(valid_project(description="x" * (2 * 1024 * 1024)))
    assert_problem(jp.post(URL, data=big, headers={"Content-Type": "application/json"}), 413)


def test_unknown_api_route_is_404_problem(jp):
    assert_problem(jp.get("/api/v1/nothing-here"), 404)
    assert_problem(jp.get("/api/v2/projects"), 404)


def test_wrong_method_is_405_problem(jp):
    body = assert_problem(jp.client.delete("/api/v1/sectors"), 405)
    assert body["title"] == "Method Not Allowed"


def test_validation_errors_listed_together(jp):
    response = jp.post(URL, json=valid_project(title="", status="nope", unknown=1))
    body = assert_problem(response, 422)
    assert {e["field"] for e in body["errors"]} == {"title", "status", "unknown"}
    assert body["detail"] == "The request has 3 invalid fields."


@pytest.mark.parametrize("payload", [[], "text", 5, None, {"identifier": {"nested": 1}}])
def test_odd_bodies_are_422_not_500(jp, payload):
    response = jp.post(URL, data=json.dumps(payload), headers={"Content-Type": "application/json"})
    assert_problem(response, 422)


def test_every_error_has_the_same_shape(client, jp, au):
    """One sweep over every kind of error the API produces."""
    created = jp.post(URL, json=valid_project()).get_json()
    item = f"{URL}/{created['id']}"
    cases = [
        (client.get(URL), 401),
        (jp.post(URL, data="{", headers={"Content-Type": "application/json"}), 400),
        (au.put(item, json=valid_project(), headers={"If-Match": '"v1"'}), 403),
        (jp.get(f"{URL}/0"), 404),
        (jp.client.post("/api/v1/sectors"), 405),
        (jp.put(item, json=valid_project(), headers={"If-Match": '"v9"'}), 412),
        (
            jp.post(
                URL, data=b"x" * (2 * 1024 * 1024 + 1), headers={"Content-Type": "application/json"}
            ),
            413,
        ),
        (jp.post(URL, data="x", headers={"Content-Type": "text/plain"}), 415),
        (jp.get(f"{URL}?bogus=1"), 422),
        (jp.post(URL, json=valid_project(title="")), 422),
        (jp.put(item, json=valid_project()), 428),
    ]
    for response, status in cases:
        assert_problem(response, status)


def test_control_characters_in_field_names_are_escaped_and_storable(jp):
    body = {**valid_project(), "bad\u0000name": 1}
    headers = {"Idempotency-Key": "nul-1"}
    first = jp.post(URL, json=body, headers=headers)
    errors = assert_problem(first, 422)["errors"]
    assert errors == [
        {"field": "bad\\x00name", "code": "unknown_field", "message": errors[0]["message"]}
    ]
    again = jp.post("/api/v1/projects/batch", json=[body], headers={"Idempotency-Key": "nul-2"})
    assert again.status_code == 200
    assert again.get_json()["results"][0]["errors"][0]["field"] == "bad\\x00name"


def test_problem_members_keep_their_order_and_text_as_is(jp):
    """type, title, status, detail, errors: the order of RFC 9457 and of `problem()`, not
    sorted (Flask 3 ignores JSON_SORT_KEYS; registry/json_provider.py keeps the order)."""
    response = jp.post(URL, json=valid_project(**{"名前": "x"}))
    assert assert_problem(response, 422)["errors"][0]["field"] == "名前"
    assert list(json.loads(response.data)) == ["type", "title", "status", "detail", "errors"]
    assert '"名前"'.encode() in response.data  # not escaped
