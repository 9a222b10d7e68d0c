"""A project's version history: one entry per version (who, when, the record, a
field-level diff and why), and reading it back as the viewer may see it."""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import select

from registry.extensions import db
from registry.models import Project, ProjectVersion
from registry.services import permissions
from registry.services.actors import Actor
from registry.services.documents import project_record, security_state
from registry.services.errors import NotFound

MAX_ID = 2**31 - 1  # ids are INTEGER columns; larger numbers name no project
# Versions that exist because of screening, not because anyone edited the record.
SCREENING_ACTIONS = ("review", "rescreen")
# Their actor as viewers who may not see the full screening read it (an email or a
# system label is need-to-know).
HIDDEN_ACTORS = {"review": "a reviewer", "rescreen": "the registry"}
SYSTEM_PREFIX = "system: "  # Actor.system()'s labels: `system: seed demo`

# The notes the registry writes itself (the API keeps them in English, as stored); pages
# read them back as (kind, params) and say them in their own language.
_NOTES = {
    "review_decision": re.compile(r"Review decision: (?P<status>[a-z ]+)\."),
    "rescreened": re.compile(r"Re-screened with ruleset (?P<version>\S+)\."),
}


def review_note(status: str) -> str:
    """The note of a review decision's history entry (`Review decision: objection.`)."""
    return f"Review decision: {status.replace('_', ' ')}."


def rescreen_note(ruleset_version: str) -> str:
    """The note of a re-screening's history entry."""
    return f"Re-screened with ruleset {ruleset_version}."


def note_parts(note: str) -> tuple[str, dict[str, str]] | None:
    """A note the registry wrote, as (kind, params): `("review_decision", {"status":
    "cleared_with_conditions"})`; None for a person's own words."""
    for kind, pattern in _NOTES.items():
        found = pattern.fullmatch(note or "")
        if found:
            params = found.groupdict()
            if "status" in params:
                params["status"] = params["status"].replace(" ", "_")
            return kind, params
    return None


def actor_parts(actor: str, action: str) -> tuple[str, str]:
    """Who made a version, as (kind, detail): ("person", email), ("reviewer", ""),
    ("registry", "") or ("system", task) for the registry's own jobs (`seed demo`)."""
    if action in HIDDEN_ACTORS and actor == HIDDEN_ACTORS[action]:
        return ("reviewer" if action == "review" else "registry"), ""
    if actor.startswith(SYSTEM_PREFIX):
        return "system", actor.removeprefix(SYSTEM_PREFIX)
    return "person", actor


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
    changes = diff(old, record) if action not in SCREENING_ACTIONS else []
    changes += diff(
        {"security": security_before or {}},
        {"security": security_state(project.review_status, project.flags)},
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


def project_row(project_id: int) -> Project:
    """The project with this id (the ORM row, for reading and writing). Raises NotFound."""
    in_range = isinstance(project_id, int) and 0 < project_id <= MAX_ID
    project = db.session.get(Project, project_id) if in_range else None
    if project is None:
        raise NotFound(
            f"There is no project with id {project_id}.",
            code="no_project",
            params={"id": project_id},
        )
    return project


def _actor_seen(version: ProjectVersion, sees_reviewer: bool) -> str:
    """Who made the version, as the viewer may know it: who reviewed or re-screened is
    need-to-know (reviewers, admins), everyone else reads the role of the act."""
    if sees_reviewer or version.action not in SCREENING_ACTIONS:
        return version.actor
    return HIDDEN_ACTORS[version.action]


def project_history(project_id: int, viewer: Actor) -> list[dict]:
    """Every version of a project, oldest first: who, when, what action, the changes, why.

    Screening changes (and the notes about them) only for viewers who may see them; who
    decided a review or re-ran screening only for viewers who may see the full screening.
    Raises NotFound.
    """
    project = project_row(project_id)
    sees_security = permissions.can_see_security(viewer, project.reporting_org_id)
    sees_reviewer = permissions.can_see_reviewer(viewer)
    rows = db.session.scalars(
        select(ProjectVersion)
        .where(ProjectVersion.project_id == project_id)
        .order_by(ProjectVersion.version)
    )
    return [
        {
            "version": v.version,
            "action": v.action,
            "actor": _actor_seen(v, sees_reviewer),
            "changed_at": v.changed_at.isoformat(),
            "changes": [
                c for c in v.changes if sees_security or not c["field"].startswith("security")
            ],
            "note": v.note if sees_security else "",
        }
        for v in rows
    ]
