"""The demo data set (`seed/demo/*.json`) is curated source: it holds to the real schema and
rules, exercises every screening rule, and `flask seed demo` loads all of it, once."""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from pathlib import Path

from marshmallow import ValidationError
from sqlalchemy import func, select

from registry import rules
from registry.extensions import db
from registry.models import Organisation, Project
from registry.services import seeding
from schemas.accounts import OrganisationSchema
from schemas.errors import flatten
from schemas.project import ProjectSchema

SEED = Path(__file__).resolve().parent.parent / "seed"
ORGANISATIONS = json.loads((SEED / "demo" / "organisations.json").read_text(encoding="utf-8"))
PROJECTS = json.loads((SEED / "demo" / "projects.json").read_text(encoding="utf-8"))


def record(entry: dict) -> dict:
    """A demo entry as a ministry would submit it: `reporting_org` says who, not what."""
    return {k: v for k, v in entry.items() if k != "reporting_org"}


def test_every_demo_project_validates():
    schema = ProjectSchema()
    failures = [
        f"{entry.get('identifier')!r}: {problem['field']}: {problem['message']}"
        for entry in PROJECTS
        for problem in flatten(schema.validate(record(entry)))
    ]
    assert not failures, "\n".join(failures)


def test_every_demo_organisation_validates():
    """Each passes the schema `flask accounts create-org` loads it through, and is already in
    the form it is stored in (alpha-2 country, nothing to trim)."""
    schema = OrganisationSchema()
    failures = []
    for org in ORGANISATIONS:
        try:
            loaded = schema.load(org)
        except ValidationError as error:
            failures.extend(
                f"{org.get('ref')!r}: {problem['field']}: {problem['message']}"
                for problem in flatten(error.messages)
            )
            continue
        if loaded != org:
            failures.append(f"{org['ref']!r}: not in its stored form: {loaded}")
    assert not failures, "\n".join(failures)


def test_every_reporting_org_is_a_demo_organisation():
    refs = {org["ref"] for org in ORGANISATIONS}
    unknown = [
        f"{entry['identifier']!r}: reporting_org {entry.get('reporting_org')!r}"
        for entry in PROJECTS
        if entry.get("reporting_org") not in refs
    ]
    assert not unknown, "\n".join(unknown)


def test_identifiers_and_refs_are_unique():
    identifiers = Counter(entry["identifier"] for entry in PROJECTS)
    refs = Counter(org["ref"] for org in ORGANISATIONS)
    assert [i for i, n in identifiers.items() if n > 1] == []
    assert [r for r, n in refs.items() if n > 1] == []


def test_demo_raises_every_flag_of_the_ruleset():
    with open(SEED / "screening" / "rules.toml", "rb") as handle:
        codes = {rule["code"] for rule in tomllib.load(handle)["rules"]}
    schema, ruleset = ProjectSchema(), rules.load_ruleset()
    raised = set()
    for entry in PROJECTS:
        try:
            data = schema.load(record(entry))
        except ValidationError:
            continue  # test_every_demo_project_validates names it
        raised.update(flag.code for flag in rules.screen(data, ruleset))
    assert sorted(codes - raised) == []


def _loaded() -> dict[str, str]:
    """Identifier → reporting organisation ref, of every project in the database."""
    rows = db.session.execute(
        select(Project.identifier, Organisation.ref).join(
            Organisation, Organisation.id == Project.reporting_org_id
        )
    )
    return {identifier: ref for identifier, ref in rows}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_loads_every_project_once(app):
    expected = {entry["identifier"]: entry["reporting_org"] for entry in PROJECTS}

    first = seeding.demo_load()
    assert (first.organisations_created, first.projects_created, first.projects_kept) == (
        len(ORGANISATIONS),
        len(PROJECTS),
        0,
    )
    assert _loaded() == expected
    assert _count(Project) == len(PROJECTS)

    second = seeding.demo_load()
    assert (second.organisations_created, second.projects_created, second.projects_kept) == (
        0,
        0,
        len(PROJECTS),
    )
    assert _loaded() == expected
    assert (_count(Project), _count(Organisation)) == (len(PROJECTS), len(ORGANISATIONS))


def _texts(value):
    """Every string inside a demo entry, however deeply nested."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def test_demo_data_holds_no_test_probes():
    """What newcomers see is plausible data: markup, scripts and formula probes live in tests."""
    probes = []
    for entry in PROJECTS + ORGANISATIONS:
        for text in _texts(entry):
            markup = any(mark in text for mark in ("<", ">", "javascript:", "alert("))
            formula = text[:1] in ("=", "+", "@")
            if markup or formula or any(ord(ch) < 32 for ch in text):
                probes.append(text)
    assert probes == []
