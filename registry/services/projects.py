"""Projects: create, update, patch, withdraw, read, and their version history.

Every write validates the whole record with `schemas.project.ProjectSchema`, writes
the row, its country and sector shares and a history entry in one transaction, and
bumps `version`; the ministry's own writes also bump `record_version`. Callers pass the
version they read (`Expected`); a stale one is refused.

Identifiers are unique. A write checks first; a writer that loses the race to another
transaction (PostgreSQL: its INSERT or UPDATE meets the other's identifier) gets the same
422 `not_unique`, and in a non-atomic batch only that record does (each record is written
in a SAVEPOINT). On SQLite writers queue at BEGIN IMMEDIATE, so the check always sees the
winner.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from registry import rules
from registry.database import begin_write
from registry.extensions import db
from registry.formats import jsonable
from registry.models import Organisation, Project, ProjectCountry, ProjectSector
from registry.models.types import utcnow
from registry.project_view import RECORD_LISTS, ProjectView
from registry.services import permissions
from registry.services.actors import Actor
from registry.services.derived import store_derived
from registry.services.documents import DATE_KEYS, project_record, security_state
from registry.services.errors import NotFound, PermissionDenied, ValidationFailed, VersionMismatch
from registry.services.history import project_row, record_version
from registry.services.screening import active_ruleset, screen_project
from registry.services.validation import load
from registry.shares import shares_bp
from schemas.fields import without_format_characters
from schemas.project import ProjectSchema

_schema = ProjectSchema()


# ---------------------------------------------------------------- validation and shaping


def project_validate(payload: Any) -> dict:
    """The validated, normalised record. Raises ValidationFailed listing every problem."""
    return load(_schema, payload)


def project_columns(data: dict) -> dict:
    """The `projects` row values for a validated record (share rows aside)."""
    finance, dates = data["finance"], data["dates"]
    columns = {
        "identifier": data["identifier"],
        "title": data["title"],
        "description": data["description"],
        "status": data["status"],
        "amount": finance["amount"],
        "currency": finance["currency"],
        "instrument": finance["instrument"],
        **{key: dates.get(key) for key in DATE_KEYS},
        "start_year": (dates.get("actual_start") or dates.get("planned_start")).year,
        "recipient_countries": [
            {"code": s["code"], "percentage": jsonable(s.get("percentage"))}
            for s in data["recipient_countries"]
        ],
        "sectors": [
            {"code": s["code"], "percentage": jsonable(s.get("percentage"))}
            for s in data["sectors"]
        ],
        "search_text": search_text(data),
    }
    for key in RECORD_LISTS:
        columns[key] = jsonable(data[key])
    return columns


def share_rows(data: dict) -> tuple[list[dict], list[dict]]:
    """The `project_countries` and `project_sectors` rows of a validated record."""
    countries = [
        {"position": i, "code": s["code"], "share_bp": bp}
        for i, (s, bp) in enumerate(
            zip(data["recipient_countries"], shares_bp(data["recipient_countries"]), strict=True)
        )
    ]
    sectors = [
        {"position": i, "code": s["code"], "category": s["code"][:3], "share_bp": bp}
        for i, (s, bp) in enumerate(zip(data["sectors"], shares_bp(data["sectors"]), strict=True))
    ]
    return countries, sectors


def _apply(project: Project, data: dict) -> None:
    """Copy a validated record onto the row and rebuild its share rows.

    No autoflush: loading the old share collections must not write the row half-changed
    (each flush would also bump `version`).
    """
    with db.session.no_autoflush:
        for key, value in project_columns(data).items():
            setattr(project, key, value)
        project.updated_at = utcnow()
        countries, sectors = share_rows(data)
        project.country_shares = [ProjectCountry(**row) for row in countries]
        project.sector_shares = [ProjectSector(**row) for row in sectors]


def search_text(data: Mapping) -> str:
    """What `q` searches: identifier, title, description, participant and vendor names,
    case-folded and without invisible format characters (as `q` is read: `Hua\\u200bwei`
    is found by `huawei`, and the other way round)."""
    parts = [data["identifier"], data["title"], data.get("description") or ""]
    parts += [p["name"] for p in data.get("participants") or []]
    parts += [t.get("vendor") or "" for t in data.get("technologies") or []]
    return without_format_characters("\n".join(p for p in parts if p)).casefold()


def apply_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch: objects merge key by key, null deletes, anything else replaces."""
    if not isinstance(patch, Mapping):
        return patch
    result = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = apply_merge_patch(result.get(key), value)
    return result


# ---------------------------------------------------------------- reads


def project_get(project_id: int) -> ProjectView:
    """The project with this id. Raises NotFound."""
    return ProjectView.of(project_row(project_id))


# ---------------------------------------------------------------- writes


def _identifier_taken(identifier: str, project_id: int | None = None) -> bool:
    query = select(Project.id).where(Project.identifier == identifier)
    if project_id is not None:
        query = query.where(Project.id != project_id)
    return db.session.scalar(query) is not None


def _identifier_error(identifier: str) -> ValidationFailed:
    return ValidationFailed(
        [
            {
                "field": "identifier",
                "message": f"{identifier!r} is already used by another project; identifiers "
                "are unique in the registry.",
                "code": "not_unique",
            }
        ]
    )


@contextmanager
def _unique_identifier(identifier: str, project_id: int | None = None) -> Iterator[None]:
    """Turn the unique violation of a writer that lost the race for `identifier` (another
    transaction committed it after our check) into the 422 `not_unique`; rolls back.
    Any other integrity error goes on up."""
    try:
        yield
    except IntegrityError:
        db.session.rollback()
        if _identifier_taken(identifier, project_id):
            raise _identifier_error(identifier) from None
        raise


@dataclass(frozen=True, slots=True)
class Expected:
    """The versions a write's `If-Match` named; the write goes ahead when one is current.

    `versions` name the project as it was read (every version: review decisions and
    re-screens raise it too); `record_versions` name the record the ministry submits,
    which only the ministry's own writes raise, so a review decision in between leaves
    them current."""

    versions: frozenset[int] = frozenset()
    record_versions: frozenset[int] = frozenset()

    @classmethod
    def of(cls, expected: int | Expected) -> Expected:
        """An Expected as is; a bare number is a version (the project as it was read)."""
        return expected if isinstance(expected, Expected) else cls(versions=frozenset({expected}))

    def current(self, project: Project) -> bool:
        return project.version in self.versions or project.record_version in self.record_versions

    def refusal(self, project: Project) -> str:
        """Why the write is refused: where the project is, and what was named instead."""
        if self.record_versions and not self.versions:
            where = f"record version {project.record_version}, not {_listed(self.record_versions)}"
        elif self.versions and not self.record_versions:
            where = f"version {project.version}, not {_listed(self.versions)}"
        else:
            where = (
                f"version {project.version} (record version {project.record_version}), "
                "which If-Match does not name"
            )
        return f"Project {project.id} is at {where}; fetch it again and reapply your change."


def _listed(numbers: frozenset[int]) -> str:
    return " or ".join(map(str, sorted(numbers)))


def _written(project: Project, action: str, actor: Actor, old: dict | None, **why) -> None:
    """The history entry and the stored derived text of a version just flushed."""
    record_version(project, action, actor, old, **why)
    store_derived(project)


def _insert(data: dict, org_id: int, actor: Actor, ruleset: rules.Ruleset) -> Project:
    """Write a validated record as a new project: screened, with its first version."""
    project = Project(reporting_org_id=org_id, created_at=utcnow(), record_version=1)
    _apply(project, data)
    screen_project(project, data, ruleset)
    db.session.add(project)
    db.session.flush()
    _written(project, "create", actor, None)
    return project


def project_create(
    payload: Any,
    actor: Actor,
    *,
    organisation_id: int | None = None,
    ruleset: rules.Ruleset | None = None,
    before_commit: Callable[[ProjectView], None] | None = None,
) -> ProjectView:
    """Validate and store a new project reported by the actor's ministry.

    `organisation_id` is for the system actor (seeding), which reports on behalf of one;
    so is `ruleset`, for a seeder that screens many records with one ruleset.
    `before_commit(view)` runs inside the transaction, after the project is written.
    Raises ValidationFailed, PermissionDenied.
    """
    if not permissions.can_create_project(actor):
        raise PermissionDenied("Only a partner ministry with a write token may create projects.")
    data = project_validate(payload)
    org_id = actor.organisation_id if actor.is_ministry else organisation_id
    if org_id is None or db.session.get(Organisation, org_id) is None:
        raise PermissionDenied("The reporting organisation is unknown.")
    begin_write()
    if _identifier_taken(data["identifier"]):
        raise _identifier_error(data["identifier"])
    with _unique_identifier(data["identifier"]):
        project = _insert(data, org_id, actor, ruleset or active_ruleset())
        view = ProjectView.of(project)
        if before_commit:
            before_commit(view)
        db.session.commit()
    return view


def _load_for_write(project_id: int, actor: Actor, expected: int | Expected) -> Project:
    begin_write()
    project = project_row(project_id)
    if not permissions.can_update_project(actor, project.reporting_org_id):
        raise PermissionDenied("A ministry may change only the projects it reports.")
    if project.withdrawn_at is not None:
        raise NotFound(f"Project {project_id} has been withdrawn.")
    expected = Expected.of(expected)
    if not expected.current(project):
        raise VersionMismatch(expected.refusal(project), project.version)
    return project


def _flush_update(project: Project) -> None:
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise VersionMismatch(
            "The project changed while this update was being written; "
            "fetch it again and reapply your change."
        ) from None


def project_update(
    project_id: int, payload: Any, actor: Actor, *, expected_version: int | Expected
) -> ProjectView:
    """Replace a project's record as a whole.

    `expected_version`: the version read (a number), or the versions If-Match named.
    Raises NotFound, PermissionDenied, VersionMismatch, ValidationFailed; on any of
    them nothing is written.
    """
    project = _load_for_write(project_id, actor, expected_version)
    data = project_validate(payload)
    return _write_update(project, data, actor)


def project_patch(
    project_id: int, patch: Any, actor: Actor, *, expected_version: int | Expected
) -> ProjectView:
    """Apply an RFC 7396 merge patch to the record, then validate the result as a whole."""
    project = _load_for_write(project_id, actor, expected_version)
    if not isinstance(patch, Mapping):
        raise ValidationFailed(
            [
                {
                    "field": "",
                    "message": "A merge patch must be a JSON object.",
                    "code": "invalid_type",
                }
            ]
        )
    merged = apply_merge_patch(project_record(project), patch)
    data = project_validate(merged)
    return _write_update(project, data, actor)


def _write_update(project: Project, data: dict, actor: Actor) -> ProjectView:
    if _identifier_taken(data["identifier"], project.id):
        raise _identifier_error(data["identifier"])
    old = project_record(project)
    security_before = security_state(project.review_status, project.flags)
    ruleset = active_ruleset()
    with db.session.no_autoflush:  # the row is written once, by _flush_update
        _apply(project, data)
        project.record_version += 1
        note = screen_project(project, data, ruleset)
    with _unique_identifier(data["identifier"], project.id):
        _flush_update(project)
        _written(project, "update", actor, old, security_before=security_before, note=note)
        view = ProjectView.of(project)
        db.session.commit()
    return view


def project_withdraw(
    project_id: int, actor: Actor, *, expected_version: int | Expected
) -> ProjectView:
    """Mark a project withdrawn: kept, with its history, and hidden from lists."""
    project = _load_for_write(project_id, actor, expected_version)
    old = project_record(project)
    security_before = security_state(project.review_status, project.flags)
    project.withdrawn_at = project.updated_at = utcnow()
    project.record_version += 1
    _flush_update(project)
    _written(project, "withdraw", actor, old, security_before=security_before)
    view = ProjectView.of(project)
    db.session.commit()
    return view


BATCH_LIMIT = 500


def _batch_errors(index: int, errors: list[dict]) -> list[dict]:
    return [
        {**e, "field": f"[{index}].{e['field']}" if e["field"] else f"[{index}]"} for e in errors
    ]


def _batch_record(payload: Any, seen: dict[str, int]) -> dict:
    """One record of a batch, validated and checked for a unique identifier.
    Raises ValidationFailed."""
    data = project_validate(payload)
    identifier = data["identifier"]
    if identifier in seen:
        raise ValidationFailed(
            [
                {
                    "field": "identifier",
                    "code": "not_unique",
                    "message": f"{identifier!r} is also record {seen[identifier]} of this batch.",
                }
            ]
        )
    if _identifier_taken(identifier):
        raise _identifier_error(identifier)
    return data


def _batch_validate(payloads: list) -> tuple[list[dict], list[tuple[int, dict]]]:
    """The refusals of a batch's invalid records, and its valid records with their index."""
    refused: list[dict] = []
    valid: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    for index, payload in enumerate(payloads):
        try:
            data = _batch_record(payload, seen)
        except ValidationFailed as error:
            refused.append({"index": index, "status": 422, "errors": error.errors})
            continue
        seen[data["identifier"]] = index
        valid.append((index, data))
    return refused, valid


def _batch_insert(
    valid: list[tuple[int, dict]], actor: Actor, ruleset: rules.Ruleset
) -> list[dict]:
    """Write each record in a SAVEPOINT of its own, so a record that loses the race for its
    identifier (PostgreSQL) is refused alone, its 422 `not_unique`, and the others stay.

    Records go in identifier order: a batch waits for another transaction's uncommitted
    identifier, and writers that all take identifiers in one order cannot deadlock.
    """
    results = []
    for index, data in sorted(valid, key=lambda item: item[1]["identifier"]):
        try:
            with db.session.begin_nested():
                project = _insert(data, actor.organisation_id, actor, ruleset)
        except IntegrityError:
            if not _identifier_taken(data["identifier"]):
                raise
            error = _identifier_error(data["identifier"])
            results.append({"index": index, "status": 422, "errors": error.errors})
            continue
        results.append({"index": index, "status": 201, "id": project.id})
    return results


def _batch_commit() -> None:
    db.session.flush()
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ValidationFailed(
            [
                {
                    "field": "identifier",
                    "code": "not_unique",
                    "message": "Another request created one of these identifiers at "
                    "the same time; retry the batch.",
                }
            ]
        ) from None


def project_batch_create(
    payloads: Any,
    actor: Actor,
    *,
    atomic: bool,
    before_commit: Callable[[list[dict]], None] | None = None,
) -> list[dict]:
    """Create up to BATCH_LIMIT projects; one result per record, in order.

    Atomic: every record is written or none (ValidationFailed lists every record's
    problems, paths prefixed `[index]`). Otherwise each record stands alone: it is
    written whole or not at all. Results are `{index, status, id}` or
    `{index, status, errors}`. Raises ValidationFailed, PermissionDenied.
    """
    if not permissions.can_create_project(actor):
        raise PermissionDenied("Only a partner ministry with a write token may create projects.")
    if not isinstance(payloads, list) or not 1 <= len(payloads) <= BATCH_LIMIT:
        raise ValidationFailed(
            [
                {
                    "field": "",
                    "code": "invalid_batch",
                    "message": f"Send a JSON array of 1 to {BATCH_LIMIT} project records.",
                }
            ]
        )
    begin_write()
    results, valid = _batch_validate(payloads)
    results += _batch_insert(valid, actor, active_ruleset())
    results.sort(key=lambda r: r["index"])
    failed = [r for r in results if r["status"] != 201]
    if atomic and failed:
        db.session.rollback()
        raise ValidationFailed(
            [e for r in failed for e in _batch_errors(r["index"], r["errors"])],
            f"{len(failed)} of {len(payloads)} records are invalid; nothing was written.",
        )
    if before_commit:
        before_commit(results)
    _batch_commit()
    return results
