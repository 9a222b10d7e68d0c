"""Projects: create, update, patch, withdraw, read, and their version history.

Every write validates the whole record with `schemas.project.ProjectSchema`, writes
the row, its country and sector shares and a history entry in one transaction, and
bumps `version`. Callers pass the version they read; a stale one is refused.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from registry import exports
from registry.database import begin_write
from registry.extensions import db
from registry.models import Organisation, Project, ProjectCountry, ProjectSector, ProjectVersion
from registry.models.types import utcnow
from registry.screening import Ruleset
from registry.services import screening
from registry.services.actors import Actor
from registry.services.errors import NotFound, PermissionDenied, ValidationFailed, VersionMismatch
from registry.shares import shares_bp
from schemas.errors import flatten
from schemas.fields import decimal_text
from schemas.project import ProjectSchema

INPUT_FIELDS = (
    "identifier",
    "title",
    "description",
    "status",
    "recipient_countries",
    "sectors",
    "dates",
    "finance",
    "participants",
    "technologies",
    "maritime_activities",
    "export_control_categories",
    "locations",
    "tags",
)
DATE_KEYS = ("planned_start", "planned_end", "actual_start", "actual_end")
CENT = Decimal("0.01")
MAX_ID = 2**31 - 1  # ids are INTEGER columns; larger numbers name no project
_schema = ProjectSchema()


# ---------------------------------------------------------------- validation and shaping


def project_validate(payload: Any) -> dict:
    """The validated, normalised record. Raises ValidationFailed listing every problem."""
    try:
        return _schema.load(payload)
    except ValidationError as error:
        raise ValidationFailed(flatten(error.messages)) from None


def jsonable(value):
    """Decimals as plain strings, dates as ISO strings, recursively."""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def money_text(amount: Decimal) -> str:
    """An amount as text with exactly two decimal places (`130000000` → `130000000.00`)."""
    return str(Decimal(amount).quantize(CENT))


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
    for key in (
        "participants",
        "technologies",
        "maritime_activities",
        "export_control_categories",
        "locations",
        "tags",
    ):
        columns[key] = jsonable(data[key])
    return columns


def share_rows(data: dict) -> tuple[list[dict], list[dict]]:
    """The `project_countries` and `project_sectors` rows of a validated record."""
    countries = [
        {"position": i, "code": s["code"], "share_bp": bp}
        for i, (s, bp) in enumerate(
            zip(data["recipient_countries"], shares_bp(data["recipient_countries"]))
        )
    ]
    sectors = [
        {"position": i, "code": s["code"], "category": s["code"][:3], "share_bp": bp}
        for i, (s, bp) in enumerate(zip(data["sectors"], shares_bp(data["sectors"])))
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
    """What `q` searches: identifier, title, description, participant and vendor names."""
    parts = [data["identifier"], data["title"], data.get("description") or ""]
    parts += [p["name"] for p in data.get("participants") or []]
    parts += [t.get("vendor") or "" for t in data.get("technologies") or []]
    return "\n".join(p for p in parts if p).casefold()


def project_record(project: Project) -> dict:
    """The fields a ministry submits, as JSON: what PUT replaces and PATCH merges into."""
    return {
        "identifier": project.identifier,
        "title": project.title,
        "description": project.description,
        "status": project.status,
        "recipient_countries": project.recipient_countries,
        "sectors": project.sectors,
        "dates": {key: jsonable(getattr(project, key)) for key in DATE_KEYS},
        "finance": {
            "amount": money_text(project.amount),
            "currency": project.currency,
            "instrument": project.instrument,
        },
        "participants": project.participants,
        "technologies": project.technologies,
        "maritime_activities": project.maritime_activities,
        "export_control_categories": project.export_control_categories,
        "locations": project.locations,
        "tags": project.tags,
    }


def project_document(project: Project, viewer: Actor | None = None) -> dict:
    """The whole record as the API returns it, server-owned fields included.

    `security` is there only when the viewer may see it, in the detail its role allows.
    """
    document = {
        "id": project.id,
        **project_record(project),
        "reporting_org": {"ref": project.reporting_org.ref, "name": project.reporting_org.name},
        "version": project.version,
        "withdrawn": project.withdrawn_at is not None,
        "created_at": project.created_at.isoformat(),
        "updated_at": project.updated_at.isoformat(),
    }
    security = screening.security_view(project, viewer) if viewer is not None else None
    if security is not None:
        document["security"] = security
    return document


def document_text(project) -> str:
    """The stored JSON of a project's document (no security): what list pages concatenate."""
    return json.dumps(project_document(project), ensure_ascii=False, separators=(",", ":"))


def document_json(view, viewer: Actor) -> str:
    """A project's document as JSON text for `viewer`: the stored text, with the security
    block the viewer may see spliced in (rendered afresh where nothing is stored yet)."""
    text = view.document or document_text(view)
    security = screening.security_view(view, viewer)
    if security is None:
        return text
    return (
        text[:-1]
        + ',"security":'
        + json.dumps(security, ensure_ascii=False, separators=(",", ":"))
        + "}"
    )


def diff(old: Mapping | None, new: Mapping, prefix: str = "") -> list[dict]:
    """Field-level differences: objects are compared key by key, lists and values whole."""
    changes = []
    old = old or {}
    for key in dict.fromkeys([*old.keys(), *new.keys()]):
        path = f"{prefix}.{key}" if prefix else key
        before, after = old.get(key), new.get(key)
        if isinstance(before, Mapping) and isinstance(after, Mapping):
            changes.extend(diff(before, after, path))
        elif before != after:
            changes.append({"field": path, "old": before, "new": after})
    return changes


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


# ---------------------------------------------------------------- permissions


def can_create_project(actor: Actor) -> bool:
    return actor.can_write and (actor.is_ministry or actor.role == "system")


def can_update_project(actor: Actor, project: Project) -> bool:
    """A ministry changes only its own projects; the system (seeding, imports) any."""
    if not actor.can_write:
        return False
    if actor.role == "system":
        return True
    return actor.is_ministry and actor.organisation_id == project.reporting_org_id


# ---------------------------------------------------------------- reads


def project_get(project_id: int) -> Project:
    """The project with this id. Raises NotFound."""
    in_range = isinstance(project_id, int) and 0 < project_id <= MAX_ID
    project = db.session.get(Project, project_id) if in_range else None
    if project is None:
        raise NotFound(f"There is no project with id {project_id}.")
    return project


def project_history(project_id: int, viewer: Actor) -> list[dict]:
    """Every version of a project, oldest first: who, when, what action, the changes, why.

    Screening changes (and the notes about them) only for viewers who may see them.
    """
    project = project_get(project_id)
    sees_security = screening.can_see_security(viewer, project)
    rows = db.session.scalars(
        select(ProjectVersion)
        .where(ProjectVersion.project_id == project_id)
        .order_by(ProjectVersion.version)
    )
    return [
        {
            "version": v.version,
            "action": v.action,
            "actor": v.actor,
            "changed_at": v.changed_at.isoformat(),
            "changes": [
                c for c in v.changes if sees_security or not c["field"].startswith("security")
            ],
            "note": v.note if sees_security else "",
        }
        for v in rows
    ]


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
                "message": f"{identifier!r} is already used by another project; identifiers are unique "
                "in the registry.",
                "code": "not_unique",
            }
        ]
    )


def record_version(
    project: Project,
    action: str,
    actor: Actor,
    old: dict | None,
    *,
    security_before: dict | None = None,
    note: str = "",
) -> None:
    """Add the history entry of the project's current version: record, diff, and why."""
    record = project_record(project)
    changes = diff(old, record) if action != "review" and action != "rescreen" else []
    changes += diff(
        {"security": security_before or {}}, {"security": screening.security_state(project)}
    )
    db.session.add(
        ProjectVersion(
            project_id=project.id,
            version=project.version,
            action=action,
            actor=actor.label,
            record=record,
            changes=changes,
            note=note,
        )
    )
    # A Core UPDATE: the stored document is derived, so writing it is no new version.
    db.session.execute(
        update(Project.__table__)
        .where(Project.__table__.c.id == project.id)
        .values(
            document=document_text(project),
            export_cells=exports.encode_cells(
                exports.project_cells(project, project.reporting_org.ref)
            ),
        )
    )


def _commit_or_translate(identifier: str) -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise _identifier_error(identifier) from None


def _insert(data: dict, org_id: int, actor: Actor, ruleset: Ruleset) -> Project:
    """Write a validated record as a new project: screened, with its first version."""
    project = Project(reporting_org_id=org_id, created_at=utcnow())
    _apply(project, data)
    screening.screen_project(project, data, ruleset)
    db.session.add(project)
    db.session.flush()
    record_version(project, "create", actor, None)
    return project


def project_create(
    payload: Any,
    actor: Actor,
    *,
    organisation_id: int | None = None,
    ruleset: Ruleset | None = None,
    before_commit: Callable[[Project], None] | None = None,
) -> Project:
    """Validate and store a new project reported by the actor's ministry.

    `organisation_id` is for the system actor (seeding), which reports on behalf of one;
    so is `ruleset`, for a seeder that screens many records with one ruleset.
    `before_commit(project)` runs inside the transaction, after the project is written.
    Raises ValidationFailed, PermissionDenied.
    """
    if not can_create_project(actor):
        raise PermissionDenied("Only a partner ministry with a write token may create projects.")
    data = project_validate(payload)
    org_id = actor.organisation_id if actor.is_ministry else organisation_id
    if org_id is None or db.session.get(Organisation, org_id) is None:
        raise PermissionDenied("The reporting organisation is unknown.")
    begin_write()
    if _identifier_taken(data["identifier"]):
        raise _identifier_error(data["identifier"])
    project = _insert(data, org_id, actor, ruleset or screening.active_ruleset())
    if before_commit:
        before_commit(project)
    _commit_or_translate(data["identifier"])
    return project


def _load_for_write(project_id: int, actor: Actor, expected_version: int) -> Project:
    begin_write()
    project = project_get(project_id)
    if not can_update_project(actor, project):
        raise PermissionDenied("A ministry may change only the projects it reports.")
    if project.withdrawn_at is not None:
        raise NotFound(f"Project {project_id} has been withdrawn.")
    if project.version != expected_version:
        raise VersionMismatch(
            f"Project {project_id} is at version {project.version}, not {expected_version}; "
            "fetch it again and reapply your change.",
            project.version,
        )
    return project


def _flush_update(project: Project, expected_version: int) -> None:
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise VersionMismatch(
            "The project changed while this update was being written; "
            "fetch it again and reapply your change."
        ) from None


def project_update(
    project_id: int, payload: Any, actor: Actor, *, expected_version: int
) -> Project:
    """Replace a project's record as a whole.

    Raises NotFound, PermissionDenied, VersionMismatch, ValidationFailed; on any of
    them nothing is written.
    """
    project = _load_for_write(project_id, actor, expected_version)
    data = project_validate(payload)
    return _write_update(project, data, actor, expected_version)


def project_patch(project_id: int, patch: Any, actor: Actor, *, expected_version: int) -> Project:
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
    return _write_update(project, data, actor, expected_version)


def _write_update(project: Project, data: dict, actor: Actor, expected_version: int) -> Project:
    if _identifier_taken(data["identifier"], project.id):
        raise _identifier_error(data["identifier"])
    old, security_before = project_record(project), screening.security_state(project)
    ruleset = screening.active_ruleset()
    with db.session.no_autoflush:  # the row is written once, by _flush_update
        _apply(project, data)
        note = screening.screen_project(project, data, ruleset)
    _flush_update(project, expected_version)
    record_version(project, "update", actor, old, security_before=security_before, note=note)
    _commit_or_translate(data["identifier"])
    return project


def project_withdraw(project_id: int, actor: Actor, *, expected_version: int) -> Project:
    """Mark a project withdrawn: kept, with its history, and hidden from lists."""
    project = _load_for_write(project_id, actor, expected_version)
    old, security_before = project_record(project), screening.security_state(project)
    project.withdrawn_at = project.updated_at = utcnow()
    _flush_update(project, expected_version)
    record_version(project, "withdraw", actor, old, security_before=security_before)
    db.session.commit()
    return project


BATCH_LIMIT = 500


def _batch_errors(index: int, errors: list[dict]) -> list[dict]:
    return [
        {**e, "field": f"[{index}].{e['field']}" if e["field"] else f"[{index}]"} for e in errors
    ]


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
    if not can_create_project(actor):
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
    ruleset = screening.active_ruleset()
    results: list[dict] = []
    seen: dict[str, int] = {}
    for index, payload in enumerate(payloads):
        try:
            data = project_validate(payload)
            identifier = data["identifier"]
            if identifier in seen:
                raise ValidationFailed(
                    [
                        {
                            "field": "identifier",
                            "code": "not_unique",
                            "message": f"{identifier!r} is also record "
                            f"{seen[identifier]} of this batch.",
                        }
                    ]
                )
            if _identifier_taken(identifier):
                raise _identifier_error(identifier)
        except ValidationFailed as error:
            results.append({"index": index, "status": 422, "errors": error.errors})
            continue
        seen[identifier] = index
        with db.session.begin_nested():
            project = _insert(data, actor.organisation_id, actor, ruleset)
        results.append({"index": index, "status": 201, "id": project.id})
    failed = [r for r in results if r["status"] != 201]
    if atomic and failed:
        db.session.rollback()
        raise ValidationFailed(
            [e for r in failed for e in _batch_errors(r["index"], r["errors"])],
            f"{len(failed)} of {len(payloads)} records are invalid; nothing was written.",
        )
    if before_commit:
        before_commit(results)
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
    return results
