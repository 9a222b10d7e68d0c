"""Hostile text and numbers through the API: lone surrogates, invisible format characters,
amounts finer than their currency allows and loosely written numbers are refused with a
problem naming the field, one record at a time in a batch; free text keeps its format
characters, and search and screening compare names without them."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.models import Project, ReviewDecision
from registry.services import accounts, tokens
from tests.conftest import ApiClient, valid_project

URL = "/api/v1/projects"
RAW_SURROGATE = b"\xed\xa0\x80"  # U+D800 written as if it were UTF-8 (CESU-8 style)
MARK = "@@SURROGATE@@"


def _count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Project.id)))


def _post(api, url, body: bytes):
    return api.post(url, data=body, headers={"Content-Type": "application/json"})


def _escaped(payload) -> bytes:
    """JSON with the surrogate as the escape `\\ud800` (json.dumps' ASCII output)."""
    return json.dumps(payload).replace(MARK, "\\ud800").encode()


def _raw(payload) -> bytes:
    """JSON with the surrogate as the raw bytes ED A0 80 in the body."""
    return json.dumps(payload).encode().replace(MARK.encode(), RAW_SURROGATE)


def _with_mark(index: int, field: str) -> dict:
    """A valid record whose `field` holds the surrogate marker."""
    record = valid_project(identifier=f"H-{index}")
    text = f"x{MARK}y"
    paths = {
        "title": lambda r: r.update(title=f"Port {text}"),
        "description": lambda r: r.update(description=text),
        "identifier": lambda r: r.update(identifier=f"H-{index}-{text}"),
        "tags[0]": lambda r: r.update(tags=[text]),
        "participants[0].name": lambda r: r["participants"][0].update(name=text),
        "technologies[0].vendor": lambda r: r["technologies"][0].update(vendor=text),
        "locations[0].name": lambda r: r["locations"][0].update(name=text),
    }
    paths[field](record)
    return record


SURROGATE_FIELDS = [
    "title",
    "description",
    "identifier",
    "tags[0]",
    "participants[0].name",
    "technologies[0].vendor",
    "locations[0].name",
]


# ---- item 8: lone surrogates


@pytest.mark.parametrize("encode", [_escaped, _raw], ids=["escaped", "raw-bytes"])
def test_batch_refuses_each_surrogate_record_on_its_own(jp, encode):
    records = [valid_project(identifier="H-ok-1")]
    records += [_with_mark(i, field) for i, field in enumerate(SURROGATE_FIELDS)]
    records.append(valid_project(identifier="H-ok-2"))
    response = _post(jp, f"{URL}/batch", encode(records))
    assert response.status_code == 200, response.get_data(as_text=True)
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == [201] + [422] * len(SURROGATE_FIELDS) + [201]
    for result, field in zip(results[1:-1], SURROGATE_FIELDS, strict=True):
        [error] = result["errors"]
        assert (error["field"], error["code"]) == (field, "invalid_characters")
        assert "lone UTF-16 surrogate, U+D800 at position" in error["message"]
    assert _count() == 2


def test_atomic_batch_with_a_surrogate_writes_nothing_and_names_the_record(jp):
    records = [valid_project(identifier="H-1"), _with_mark(2, "participants[0].name")]
    response = _post(jp, f"{URL}/batch?atomic=true", _raw(records))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    [error] = response.get_json()["errors"]
    assert (error["field"], error["code"]) == ("[1].participants[0].name", "invalid_characters")
    assert _count() == 0


def test_single_create_put_and_patch_refuse_a_surrogate(jp):
    response = _post(jp, URL, _raw(_with_mark(1, "title")))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.get_json()["errors"][0]["field"] == "title"
    created = jp.post(URL, json=valid_project())
    project_id = created.get_json()["id"]
    etag = {"If-Match": created.headers["ETag"], "Content-Type": "application/json"}
    put = jp.put(f"{URL}/{project_id}", data=_escaped(_with_mark(1, "tags[0]")), headers=etag)
    assert put.status_code == 422 and put.get_json()["errors"][0]["field"] == "tags[0]"
    patch = jp.patch(
        f"{URL}/{project_id}",
        data=_raw({"locations": [{"name": MARK, "latitude": "1", "longitude": "2"}]}),
        headers={**etag, "Content-Type": "application/merge-patch+json"},
    )
    assert patch.status_code == 422
    assert patch.get_json()["errors"][0]["field"] == "locations[0].name"
    assert jp.get(f"{URL}/{project_id}").get_json()["version"] == 1


@pytest.fixture
def reviewer(client, app):
    accounts.user_create("reviewer@example.org", "reviewer", "a-long-password-1")
    return ApiClient(client, tokens.token_issue(user_email="reviewer@example.org").text)


def test_review_note_with_a_surrogate_refused(jp, reviewer):
    record = valid_project(participants=[{"name": "Huawei Technologies", "role": "supplier"}])
    project_id = jp.post(URL, json=record).get_json()["id"]
    body = _raw({"status": "cleared", "note": f"Checked {MARK}"})
    response = _post(reviewer, f"{URL}/{project_id}/review", body)
    assert response.status_code == 422, response.get_data(as_text=True)
    [error] = response.get_json()["errors"]
    assert (error["field"], error["code"]) == ("note", "invalid_characters")
    db.session.rollback()
    assert db.session.scalar(select(func.count(ReviewDecision.id))) == 0


@pytest.mark.parametrize("query", ["q=%ED%A0%80", "reporting_org=%ED%A0%80", "q=%5Cud800"])
def test_surrogate_bytes_in_a_query_string_are_harmless(jp, query):
    # Query strings are decoded with replacement characters, so no surrogate reaches the
    # filters (the schema refuses one all the same: tests/test_schemas_project.py).
    response = jp.get(f"{URL}?{query}")
    assert response.status_code == 200 and response.get_json()["items"] == []


# ---- item 17: invisible format characters


@pytest.mark.parametrize("char", ["\u200b", "\u202e", "\u2066", "\ufeff", "\xad", "\u2060"])
def test_identifier_with_a_format_character_refused(jp, char):
    response = jp.post(URL, json=valid_project(identifier=f"REL-{char}bec0df"))
    assert response.status_code == 422
    [error] = response.get_json()["errors"]
    assert (error["field"], error["code"]) == ("identifier", "invalid_characters")
    assert f"found U+{ord(char):04X} (" in error["message"]
    assert _count() == 0


def test_format_characters_in_the_reporting_org_filter_refused(jp):
    response = jp.get(f"{URL}?reporting_org=JP-GOV-1%E2%80%8B")
    assert response.status_code == 422
    [error] = response.get_json()["errors"]
    assert error["code"] == "invalid_characters" and "reporting_org" in error["field"]
    assert "U+200B (ZERO WIDTH SPACE)" in error["message"]


def test_free_text_keeps_format_characters_and_search_ignores_them(jp):
    title = "Hai\u200bPhong \u202eport\u202c upgrade"
    hidden = jp.post(
        URL,
        json=valid_project(
            identifier="S-1",
            title=title,
            participants=[{"name": "Hua\u200bwei Marine", "role": "supplier"}],
        ),
    ).get_json()
    assert hidden["title"] == title  # stored and returned as sent
    assert hidden["participants"][0]["name"] == "Hua\u200bwei Marine"
    plain = jp.post(URL, json=valid_project(identifier="S-2", title="Plain Huawei")).get_json()

    def found(q):
        return {p["identifier"] for p in jp.get(URL, query_string={"q": q}).get_json()["items"]}

    assert found("huawei") == {"S-1", "S-2"}
    assert found("haiphong") == {"S-1"}
    assert found("Hua\u200bwei") == {"S-1", "S-2"}
    assert found("hua\xadwei marine") == {"S-1"}
    assert plain["title"] == "Plain Huawei"


@pytest.mark.parametrize(
    "name", ["Hua\u200bwei Technologies", "HUA\u00adWEI", "\u202eZTE\u202c Corporation"]
)
def test_screening_sees_through_format_characters(jp, name):
    record = valid_project(participants=[{"name": name, "role": "supplier"}])
    response = jp.post(URL, json=record)
    assert response.status_code == 201
    codes = {f["code"] for f in response.get_json()["security"]["flags"]}
    assert "HIGH_RISK_VENDOR" in codes


# ---- item 5: amounts in their currency's minor unit; plain numbers


def _finance(amount, currency):
    return valid_project(finance={"amount": amount, "currency": currency, "instrument": "grant"})


def test_yen_amount_with_cents_refused_with_the_currency_named(jp):
    response = jp.post(URL, json=_finance("1234567.89", "JPY"))
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {
            "field": "finance.amount",
            "code": "too_precise",
            "message": "JPY has no minor unit: give a whole amount (ISO 4217 minor unit 0); "
            "got 1234567.89.",
        }
    ]
    assert _count() == 0


def test_whole_yen_round_trips_with_two_places(jp):
    created = jp.post(URL, json=_finance("1234567", "JPY"))
    assert created.status_code == 201
    body = created.get_json()
    assert body["finance"]["amount"] == "1234567.00"
    # What GET returns can be sent back as it is.
    again = jp.put(
        f"{URL}/{body['id']}",
        json=_finance(body["finance"]["amount"], "KRW"),
        headers={"If-Match": created.headers["ETag"]},
    )
    assert again.status_code == 200 and again.get_json()["finance"]["currency"] == "KRW"


def test_third_decimal_of_a_dinar_refused_two_accepted(jp):
    response = jp.post(URL, json=_finance("1250.125", "KWD"))
    assert response.status_code == 422
    [error] = response.get_json()["errors"]
    assert (error["field"], error["code"]) == ("finance.amount", "too_precise")
    assert error["message"].startswith("KWD has 3 decimal places (ISO 4217 minor unit 3)")
    ok = jp.post(URL, json=_finance("1250.12", "KWD"))
    assert ok.status_code == 201 and ok.get_json()["finance"]["amount"] == "1250.12"


def test_batch_refuses_loose_numbers_record_by_record(jp):
    loose = ["1_000", "\u0661\u0660\u0660\u0660", " 1000", "+1000", "1e3", "1,000"]
    records = [_finance(amount, "USD") | {"identifier": f"N-{i}"} for i, amount in enumerate(loose)]
    records.append(_finance("1000", "USD") | {"identifier": "N-ok"})
    response = jp.post(f"{URL}/batch", json=records)
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == [422] * len(loose) + [201]
    for result in results[:-1]:
        [error] = result["errors"]
        assert (error["field"], error["code"]) == ("finance.amount", "invalid_number")
    assert _count() == 1


def test_json_number_with_an_exponent_is_exact(jp):
    raw = json.dumps(_finance("AMOUNT", "USD")).replace('"AMOUNT"', "1.25e3")
    response = _post(jp, URL, raw.encode())
    assert response.status_code == 201 and response.get_json()["finance"]["amount"] == "1250.00"
