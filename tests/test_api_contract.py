"""schemathesis drives every API operation from /api/v1/openapi.json with real tokens:
no 5xx, and every response matches the description (status, content type, headers, body).

All of schemathesis' checks run, on schema-valid and schema-violating requests alike:
what the description allows is accepted, what it forbids is refused, a missing required
header is refused with 428. One check is left out where the description cannot say the
whole truth, and one parameter is left out of valid requests:

* `positive_data_acceptance` for the project writes (POST, PUT and PATCH of projects, the
  batch): their cross-field rules (an end after its start, shares summing to 100, an
  identifier not yet taken, a currency's minor unit …) are beyond JSON Schema, so a
  schema-valid record may rightly get a documented 422.
* `cursor` in schema-valid list requests: a cursor is opaque, valid only as the `next`
  link gave it, so no description can list the valid ones (a made-up one gets 422).

Statuses about the record's state rather than the request's data count as neither
accepted nor refused data: 412 (the If-Match names an older version) is allowed for
valid requests and counts as a refusal of invalid ones.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from registry.app import create_app
from registry.extensions import db
from registry.services import accounts, tokens
from tests.conftest import FreshContextClient, empty_tables, valid_project

CONFIG = {
    "checks": {
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "412", "429"]
        },
        "negative_data_rejection": {
            "expected-statuses": [
                *("400", "401", "403", "404", "405", "406", "409", "412"),
                *("413", "415", "422", "428", "429"),
            ]
        },
        # If-Match is required on PUT, PATCH and DELETE: without it the answer is 428.
        "missing_required_header": {"expected-statuses": ["428"]},
    }
}
# Writes whose bodies have rules beyond JSON Schema (see above).
CROSS_FIELD_BODIES = {
    ("POST", "/api/v1/projects"),
    ("POST", "/api/v1/projects/batch"),
    ("PUT", "/api/v1/projects/{project_id}"),
    ("PATCH", "/api/v1/projects/{project_id}"),
}
REVIEWER_PATHS = {"/api/v1/reviews", "/api/v1/projects/{project_id}/review"}


@pytest.fixture
def app(database_url):
    """The test app, with a rate limit the generated requests stay under."""
    app = create_app(
        {
            "ENV_NAME": "testing",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test",
            "API_RATE_LIMIT": "100000 per minute",
        }
    )
    app.test_client_class = FreshContextClient
    with app.app_context():
        yield app
        db.session.remove()
        empty_tables(db.engine)
        db.engine.dispose()


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", app, config=SchemathesisConfig.from_dict(CONFIG)
    )


@pytest.fixture
def seeded(jp):
    """Tokens of a ministry and of a reviewer, and one project of the ministry's that
    awaits review, so ids, ETags and review decisions can hit something."""
    jp.post(
        "/api/v1/projects",
        json=valid_project(
            sectors=[{"code": "22020"}],
            technologies=[{"category": "5g_core", "vendor": "HUAWEI TECHNOLOGIES CO., LTD"}],
        ),
    )
    accounts.user_create("reviewer@example.org", "reviewer", "correct-horse-battery")
    return {
        "ministry": jp.token,
        "reviewer": tokens.token_issue(user_email="reviewer@example.org").text,
    }


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_conforms_to_its_description(case, seeded):
    operation = (case.operation.method.upper(), case.operation.path)
    if case.meta.generation.mode.is_positive and case.query:
        case.query.pop("cursor", None)
    token = seeded["reviewer" if operation[1] in REVIEWER_PATHS else "ministry"]
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        excluded_checks=[positive_data_acceptance] if operation in CROSS_FIELD_BODIES else [],
    )


# ---- the description names every parameter the views read, and nothing else

# One request per operation that reaches its view (the header it reads is read on the way).
OPERATIONS = {
    ("GET", "/api/v1/projects"): {},
    ("POST", "/api/v1/projects"): {"body": "record"},
    ("POST", "/api/v1/projects/batch"): {"body": "batch"},
    ("GET", "/api/v1/projects/{project_id}"): {},
    ("PUT", "/api/v1/projects/{project_id}"): {"body": "record", "if_match": True},
    ("PATCH", "/api/v1/projects/{project_id}"): {"body": "patch", "if_match": True},
    ("DELETE", "/api/v1/projects/{project_id}"): {"if_match": True},
    ("GET", "/api/v1/projects/{project_id}/history"): {},
    ("GET", "/api/v1/countries"): {},
    ("GET", "/api/v1/countries/{code}"): {},
    ("GET", "/api/v1/sectors"): {},
    ("GET", "/api/v1/reviews"): {},
    ("POST", "/api/v1/projects/{project_id}/review"): {"body": "decision"},
    ("GET", "/api/v1/screening/rules"): {},
    ("GET", "/api/v1/exports/projects.csv"): {},
    ("GET", "/api/v1/exports/summary.csv"): {"query": "group_by=country"},
}
BODIES = {
    "record": valid_project(identifier="JP-GOV-1-2026-901"),
    "batch": [valid_project(identifier="JP-GOV-1-2026-902")],
    "patch": {"title": "A new title"},
    "decision": {"status": "cleared", "note": "Checked."},
}


# How a body travels, described by the requestBody rather than as parameters.
BODY_FRAMING = {"Content-Type", "Content-Length", "Transfer-Encoding"}


class RecordingEnviron(dict):
    """A WSGI environ that remembers which request headers (`HTTP_*`) were looked up."""

    def __init__(self, environ, seen: set[str]):
        super().__init__(environ)
        self.seen = seen

    def _note(self, key):
        if isinstance(key, str) and key.startswith("HTTP_"):
            self.seen.add(key[5:].replace("_", "-").title())

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)


def _spec(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


def _operations(spec: dict) -> dict:
    return {
        (method.upper(), path): operation
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    }


def _described(operation: dict, location: str) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == location}


def _view_query_fields(app, method: str, path: str) -> set[str]:
    """The query fields of the arguments schema the view parses its query string with."""
    rule = next(
        r for r in app.url_map.iter_rules() if _openapi_path(r) == path and method in r.methods
    )
    view = app.view_functions[rule.endpoint]
    arguments = getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    return {
        field.data_key or name
        for argument in arguments
        if argument.get("in") == "query"
        for name, field in argument["schema"].fields.items()
    }


def _openapi_path(rule) -> str:
    """A Flask rule's path as OpenAPI writes it: `/projects/<int:project_id>` → `{project_id}`."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)


@pytest.fixture
def described(app, jp):
    """The description, a reviewer's token and a project of the ministry's."""
    project = jp.post("/api/v1/projects", json=valid_project()).get_json()
    accounts.user_create("reviewer@example.org", "reviewer", "correct-horse-battery")
    reviewer = tokens.token_issue(user_email="reviewer@example.org").text
    return {"spec": _spec(jp.client), "project": project["id"], "reviewer": reviewer}


def test_every_operation_is_described_once(app, described):
    api_rules = {
        (method, _openapi_path(rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and not rule.rule.endswith("openapi.json")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert api_rules == set(_operations(described["spec"])) == set(OPERATIONS)


def test_every_query_parameter_a_view_reads_is_described_and_vice_versa(app, described):
    for (method, path), operation in _operations(described["spec"]).items():
        reads = _view_query_fields(app, method, path)
        assert _described(operation, "query") == reads, f"{method} {path}"
    lists = _operations(described["spec"])
    assert {"country", "status", "q", "sort", "limit", "cursor", "updated_since"} <= _described(
        lists[("GET", "/api/v1/projects")], "query"
    )
    assert _described(lists[("GET", "/api/v1/reviews")], "query") == {
        "status",
        "sort",
        "severity",
        "flag",
        "country",
        "page",
        "limit",
    }


def test_the_views_refuse_what_is_not_described_and_know_what_is(jp, described):
    """Black-box: an undescribed query parameter is refused by name; each described one is
    understood (whatever its value, it is never an unknown field)."""
    for (method, path), operation in _operations(described["spec"]).items():
        names = _described(operation, "query")
        if method != "GET" or not names:
            continue
        url = path.format(project_id=described["project"], code="VN")
        token = described["reviewer"] if path == "/api/v1/reviews" else jp.token
        headers = {"Authorization": f"Bearer {token}"}
        base = "group_by=country&" if "summary" in path else ""
        refused = jp.client.get(f"{url}?{base}colour=blue", headers=headers)
        assert refused.status_code == 422, (path, refused.get_data(as_text=True))
        assert [e["field"] for e in refused.get_json()["errors"]] == ["colour"]
        for name in names:
            response = jp.client.get(f"{url}?{base}{name}=x", headers=headers)
            response.get_data()  # a CSV streams: read it before the next request
            codes = {e["field"]: e["code"] for e in (response.get_json() or {}).get("errors", [])}
            assert codes.get(name) != "unknown_field", (path, name)


def _call(jp, described, method: str, path: str, recipe: dict, headers: dict):
    url = path.format(project_id=described["project"], code="VN")
    if recipe.get("query"):
        url += "?" + recipe["query"]
    token = described["reviewer"] if "review" in path else jp.token
    kwargs = {}
    if recipe.get("body"):
        kwargs["json"] = BODIES[recipe["body"]]
        if recipe["body"] == "patch":
            kwargs["content_type"] = "application/merge-patch+json"
    return jp.client.open(
        url, method=method, headers={"Authorization": f"Bearer {token}", **headers}, **kwargs
    )


def test_every_header_a_view_reads_is_described_and_vice_versa(app, jp, described):
    seen: set[str] = set()
    plain_wsgi = app.wsgi_app
    app.wsgi_app = lambda environ, start: plain_wsgi(RecordingEnviron(environ, seen), start)
    try:
        _call(jp, described, "GET", "/api/v1/sectors", {}, {})
        infrastructure = set(seen)  # what every request reads (the token, the host …)
        assert "Authorization" in infrastructure
        for (method, path), operation in _operations(described["spec"]).items():
            recipe = OPERATIONS[(method, path)]
            seen.clear()
            _call(
                jp,
                described,
                method,
                path,
                recipe,
                {"If-Match": '"v1"'} if recipe.get("if_match") else {},
            )
            reads = seen - infrastructure - BODY_FRAMING
            assert _described(operation, "header") == reads, f"{method} {path}"
    finally:
        app.wsgi_app = plain_wsgi


def test_if_match_is_required_where_its_absence_gives_428(jp, described):
    for (method, path), operation in _operations(described["spec"]).items():
        parameters = {p["name"]: p for p in operation.get("parameters", [])}
        if "If-Match" not in parameters:
            continue
        assert parameters["If-Match"]["required"] is True, f"{method} {path}"
        response = _call(jp, described, method, path, OPERATIONS[(method, path)], {})
        assert response.status_code == 428, f"{method} {path}"
        assert "If-Match" in response.get_json()["detail"]
        assert "428" in parameters["If-Match"]["description"]
        star = _call(jp, described, method, path, OPERATIONS[(method, path)], {"If-Match": "*"})
        assert star.status_code == 428
        assert not re.fullmatch(parameters["If-Match"]["schema"]["pattern"], "*")


def test_group_by_is_required(jp, described):
    operation = _operations(described["spec"])[("GET", "/api/v1/exports/summary.csv")]
    group_by = next(p for p in operation["parameters"] if p["name"] == "group_by")
    assert group_by["required"] is True
    assert group_by["schema"]["items"]["enum"][:2] == ["country", "region"]
    assert group_by["explode"] is False  # sent comma-separated: group_by=country,status
    response = jp.get("/api/v1/exports/summary.csv")
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["group_by"]
    both = jp.get("/api/v1/exports/summary.csv?group_by=country,status")
    assert both.get_data(as_text=True).startswith("country,country_name,status,")


@pytest.mark.parametrize(
    ("key", "accepted"),
    [
        ("3f6c1f7e-first-try", True),
        ("k" * 255, True),
        ("Schlüssel ¡ok!", True),  # printable Latin-1
        ("k" * 256, False),
        ("tab\there", False),
        ("del\x7f", False),
        ("nbsp\xa0", False),
    ],
)
def test_idempotency_key_format_is_what_the_server_takes(jp, described, key, accepted):
    operation = _operations(described["spec"])[("POST", "/api/v1/projects")]
    schema = next(p for p in operation["parameters"] if p["name"] == "Idempotency-Key")["schema"]
    assert (schema["minLength"], schema["maxLength"]) == (1, 255)
    assert bool(re.fullmatch(schema["pattern"], key)) is accepted
    response = jp.post(
        "/api/v1/projects",
        json=valid_project(identifier="JP-GOV-1-2026-950"),
        headers={"Idempotency-Key": key},
    )
    assert (response.status_code == 201) is accepted, response.get_data(as_text=True)
    if not accepted:
        assert response.get_json()["errors"][0]["field"] == "Idempotency-Key"
