"""registry/api/http.py: If-Match as werkzeug parses it, and the JSON the API reads and writes
(registry/json_provider.py)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from registry.api.http import json_response
from tests.conftest import valid_project

URL = "/api/v1/projects"
MERGE = "application/merge-patch+json"


def _create(api) -> str:
    response = api.post(URL, json=valid_project())
    assert response.status_code == 201, response.get_json()
    return f"{URL}/{response.get_json()['id']}"


def _patch(api, item: str, if_match: str, title: str = "Renamed"):
    return api.patch(
        item, json={"title": title}, headers={"If-Match": if_match, "Content-Type": MERGE}
    )


# ---- If-Match


def test_a_weak_etag_names_its_version(jp):
    item = _create(jp)
    response = _patch(jp, item, 'W/"v1"')
    assert response.status_code == 200 and response.headers["ETag"] == '"v2.r2"'
    replaced = jp.put(item, json=valid_project(title="Replaced"), headers={"If-Match": 'W/"v2"'})
    assert replaced.status_code == 200 and replaced.get_json()["version"] == 3


def test_a_list_of_etags_matches_when_the_current_version_is_in_it(jp):
    item = _create(jp)
    assert _patch(jp, item, '"v0", "v1"').status_code == 200  # now at v2
    assert _patch(jp, item, '"v1", W/"v2"', title="Again").status_code == 200  # now at v3
    assert _patch(jp, item, 'x, "v3"', title="Third").status_code == 200  # garbage ignored
    stale = _patch(jp, item, '"v1", "v2"', title="Stale")
    assert stale.status_code == 412 and stale.headers["ETag"] == '"v4.r4"'
    assert jp.get(item).get_json()["title"] == "Third"


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        '"v1" junk',
        '"vx"',
        '"v²"',
        '"v1x"',
        "v",
        '"v99999999999"',
        "W/",
        '""',  # werkzeug reads an empty tag as None (schemathesis found the 500)
        '"", "7", "2%j2Q7<"',
    ],
)
def test_an_etag_naming_no_version_is_stale(jp, header):
    item = _create(jp)
    response = _patch(jp, item, header)
    assert response.status_code == 412, (header, response.get_json())
    assert response.mimetype == "application/problem+json"
    assert response.headers["ETag"] == '"v1.r1"'
    assert jp.get(item).get_json()["version"] == 1


@pytest.mark.parametrize(
    "header",
    ['"v1.r1"', 'W/"v1.r1"', '"v7.r1"', '"v0", "v1.r1"', '"v5.r9", "v1.r1"', 'x, "v1.r1"'],
)
def test_an_etag_with_a_record_version_compares_that_alone(jp, header):
    """`"vN.rM"` names record version M; N is not compared; any current tag of a list counts."""
    item = _create(jp)
    response = _patch(jp, item, header)
    assert response.status_code == 200, (header, response.get_json())
    assert response.headers["ETag"] == '"v2.r2"' and response.get_json()["title"] == "Renamed"


@pytest.mark.parametrize(
    "header", ['"v1.r"', '"v1.rx"', '"v1.r1.r1"', '"r1"', '"v1r1"', '"v1.r01x"', '"v.r1"']
)
def test_a_malformed_record_version_is_stale(jp, header):
    item = _create(jp)
    response = _patch(jp, item, header)
    assert response.status_code == 412, (header, response.get_json())
    assert response.headers["ETag"] == '"v1.r1"'
    assert response.get_json()["detail"] == (
        "Project 1 is at version 1 (record version 1), which If-Match does not name; "
        "fetch it again and reapply your change."
    )
    assert jp.get(item).get_json()["title"] != "Renamed"


@pytest.mark.parametrize("header", ["*", " * ", ""])
def test_star_or_nothing_is_428(jp, header):
    item = _create(jp)
    for response in (
        _patch(jp, item, header),
        jp.put(item, json=valid_project(), headers={"If-Match": header}),
        jp.delete(item, headers={"If-Match": header}),
    ):
        assert response.status_code == 428
        assert response.get_json()["detail"] == (
            "Send `If-Match` with the ETag of the version you are changing (from GET); "
            "this keeps two edits from overwriting each other."
        )
    assert jp.get(item).get_json()["version"] == 1


# ---- JSON in and out


def test_responses_are_compact_utf8_json_in_the_order_built(jp):
    title = "ダナン港コンテナターミナル拡張"
    raw = json.dumps(valid_project(title=title), ensure_ascii=False).replace(
        '"125000000.00"', "12345678901234.57"
    )
    response = jp.post(URL, data=raw.encode(), headers={"Content-Type": "application/json"})
    assert response.status_code == 201
    data = response.data
    assert f'"title":"{title}"'.encode() in data and b"\\u" not in data
    assert b'"finance":{"amount":"12345678901234.57","currency":"USD","instrument":"loan"}' in data
    assert data.startswith(b'{"id":') and not data.endswith(b"\n")
    # The bytes json.dumps gave before the app had its own provider.
    assert data == json.dumps(json.loads(data), ensure_ascii=False, separators=(",", ":")).encode()


def test_json_response_writes_decimals_as_exact_text(app):
    body = {"名前": "東京", "amount": Decimal("125000000.10"), "big": Decimal("1E+2"), "n": 1}
    with app.test_request_context():
        response = json_response(body, 201, {"ETag": '"v1"'})
    assert response.status_code == 201 and response.headers["ETag"] == '"v1"'
    assert response.data == '{"名前":"東京","amount":"125000000.10","big":"100","n":1}'.encode()


def test_the_app_reads_json_fractions_as_decimals_and_refuses_nan(app):
    parsed = app.json.loads('{"a": 1.10, "b": 2, "c": 1e2}')
    assert parsed == {"a": Decimal("1.10"), "b": 2, "c": Decimal("1E+2")}
    assert isinstance(parsed["a"], Decimal) and isinstance(parsed["b"], int)
    for constant in ("NaN", "Infinity", "-Infinity"):
        with pytest.raises(ValueError, match=f"{constant} is not a JSON value"):
            app.json.loads(f'{{"a": {constant}}}')


@pytest.mark.parametrize("constant", ["Infinity", "-Infinity"])
def test_infinity_is_not_json_either(jp, constant):
    response = jp.post(
        URL,
        data=f'{{"finance": {{"amount": {constant}}}}}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.get_json()["detail"] == (
        f"The body is not valid JSON: {constant} is not a JSON value."
    )
