"""Screening as the registry does it: flags written with every change, the review
workflow, re-screening, admins' vendor entries, and who may see what (need-to-know).

The API, the pages and the exports all take `security_view` from here, so a role
sees the same security information everywhere.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from registry import reference, screening
from registry.database import begin_write
from registry.extensions import db
from registry.models import Project, ProjectFlag, ReviewDecision, VendorEntry
from registry.models.types import utcnow
from registry.services.actors import Actor
from registry.services.errors import PermissionDenied, ValidationFailed

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
REVIEW_STATUSES = reference.vocabulary("review_statuses")
DECISIONS = ("in_review", "cleared", "cleared_with_conditions", "objection")
FULL_VIEW_ROLES = ("reviewer", "admin", "system")
SUMMARY_VIEW_ROLES = ("diplomat", "planner")
VENDOR_CATEGORIES = reference.vocabulary("vendor_categories")

_ruleset_cache: dict[tuple, screening.Ruleset] = {}


def active_ruleset() -> screening.Ruleset:
    """The ruleset from seed/screening/ plus the admins' vendor entries (cached per set)."""
    stamp = tuple(
        db.session.execute(select(func.count(VendorEntry.id), func.max(VendorEntry.id))).one()
    )
    if stamp not in _ruleset_cache:
        extra = [
            screening.ExtraVendor(
                v.id, v.name, v.country, tuple(v.categories), tuple(v.aliases), v.source
            )
            for v in db.session.scalars(select(VendorEntry).order_by(VendorEntry.id))
        ]
        _ruleset_cache.clear()
        _ruleset_cache[stamp] = screening.load_ruleset(extra)
    return _ruleset_cache[stamp]


# ---------------------------------------------------------------- need-to-know


def can_see_security(viewer: Actor, project: Project) -> bool:
    if viewer.role in FULL_VIEW_ROLES + SUMMARY_VIEW_ROLES:
        return True
    return viewer.is_ministry and viewer.organisation_id == project.reporting_org_id


def can_filter_by_security(viewer: Actor) -> bool:
    return viewer.role in FULL_VIEW_ROLES + SUMMARY_VIEW_ROLES


def security_view(project: Project, viewer: Actor) -> dict | None:
    """What `viewer` may know of a project's screening, or None for nothing at all.

    A ministry sees codes and severities on its own projects only; diplomats and
    planners see codes, severities, pillars and the review status; reviewers and
    admins see everything, decisions and their notes included.
    """
    if not can_see_security(viewer, project):
        return None
    if viewer.role in FULL_VIEW_ROLES:
        return {
            "review_status": project.review_status,
            "ruleset_version": project.ruleset_version,
            "flags": [
                {
                    "code": f.code,
                    "severity": f.severity,
                    "pillar": f.pillar,
                    "rationale": f.rationale,
                    "source": f.source,
                    "ruleset_version": f.ruleset_version,
                }
                for f in project.flags
            ],
            "decisions": [
                {
                    "status": d.status,
                    "note": d.note,
                    "reviewer": d.reviewer,
                    "decided_at": d.decided_at.isoformat(),
                    "flags": d.flags,
                }
                for d in project.decisions
            ],
        }
    if viewer.role in SUMMARY_VIEW_ROLES:
        return {
            "review_status": project.review_status,
            "flags": [
                {"code": f.code, "severity": f.severity, "pillar": f.pillar} for f in project.flags
            ],
        }
    return {
        "review_status": project.review_status,
        "flags": [{"code": f.code, "severity": f.severity} for f in project.flags],
    }


def security_state(project: Project) -> dict:
    """The screening facts history records: review status and flag codes with severity."""
    return {
        "review_status": project.review_status,
        "flags": [f"{f.code}:{f.severity}" for f in project.flags],
    }


# ---------------------------------------------------------------- screening on write


def _last_decision_flags(project_id: int | None) -> list | None:
    if project_id is None:
        return None
    return db.session.scalar(
        select(ReviewDecision.flags)
        .where(ReviewDecision.project_id == project_id)
        .order_by(ReviewDecision.id.desc())
        .limit(1)
    )


def next_review_status(current: str, flags: list[screening.Flag], decided_on: list | None) -> str:
    """Where the review stands after (re)screening.

    No flag above info: not required. Otherwise pending until a reviewer decides;
    a decision stands while the flags it was about stay the same, and a change of
    flags sends the project back to pending.
    """
    if not screening.needs_review(flags):
        return "not_required"
    if current == "not_required" or decided_on is None:
        return (
            "pending"
            if current in ("not_required", "cleared", "cleared_with_conditions", "objection")
            else current
        )
    if sorted(map(list, decided_on)) != sorted([f.code, f.severity] for f in flags):
        return "pending"
    return current


def screen_project(project: Project, record: dict, ruleset: screening.Ruleset) -> str:
    """Screen `record` onto the project (in the caller's transaction). Returns a history note."""
    flags = screening.screen(record, ruleset)
    before = project.review_status if project.id is not None else "not_required"
    with db.session.no_autoflush:
        status = next_review_status(before, flags, _last_decision_flags(project.id))
        project.flags = [ProjectFlag(position=i, **f.as_dict()) for i, f in enumerate(flags)]
    project.ruleset_version = ruleset.version
    if status != before or project.id is None:
        project.review_status, project.review_status_since = status, utcnow()
    if before not in ("not_required", "pending") and status == "pending":
        return (
            f"Review reopened: the flags changed after the {before.replace('_', ' ')} "
            "decision, so the project needs a new review."
        )
    return ""


def flag_rows(flags: list[screening.Flag]) -> list[dict]:
    return [{"position": i, **f.as_dict()} for i, f in enumerate(flags)]


# ---------------------------------------------------------------- review decisions


def can_decide_review(actor: Actor) -> bool:
    return actor.role == "reviewer"


def review_decide(project_id: int, status: str, note: str, actor: Actor) -> Project:
    """Record a reviewer's decision and move the project's review status.

    Raises PermissionDenied (not a reviewer), NotFound, ValidationFailed.
    """
    from registry.services.projects import project_get, record_version

    if not can_decide_review(actor):
        raise PermissionDenied("Only reviewers record review decisions.")
    errors = []
    if status not in DECISIONS:
        errors.append(
            {
                "field": "status",
                "code": "invalid_choice",
                "message": f"{status!r} is not a decision; allowed: {', '.join(DECISIONS)}.",
            }
        )
    if not isinstance(status, str):
        status = repr(status)
    note = note.strip() if isinstance(note, str) else ""
    if _CONTROL.search(note):
        errors.append(
            {
                "field": "note",
                "code": "invalid_characters",
                "message": "Must not contain control characters.",
            }
        )
    elif not 1 <= len(note) <= 10_000:
        errors.append(
            {
                "field": "note",
                "code": "required",
                "message": "Write the decision's reasons: 1 to 10,000 characters.",
            }
        )
    begin_write()
    project = project_get(project_id)
    if project.review_status == "not_required" and not errors:
        errors.append(
            {
                "field": "status",
                "code": "not_reviewable",
                "message": "This project has no flag above info, so there is nothing to review.",
            }
        )
    if errors:
        db.session.rollback()
        raise ValidationFailed(errors)
    old = security_state(project)
    db.session.add(
        ReviewDecision(
            project_id=project.id,
            status=status,
            note=note,
            reviewer=actor.label,
            flags=[[f.code, f.severity] for f in project.flags],
        )
    )
    project.review_status, project.review_status_since = status, utcnow()
    project.updated_at = utcnow()
    db.session.flush()
    record_version(
        project,
        "review",
        actor,
        None,
        security_before=old,
        note=f"Review decision: {status.replace('_', ' ')}.",
    )
    db.session.commit()
    db.session.refresh(project)
    return project


def review_queue(status: str = "pending", limit: int = 100) -> list[Project]:
    """Projects in a review status, the longest waiting first (with their flags and
    decisions, which reviewers see on every item: two queries, not one per project)."""
    return list(
        db.session.scalars(
            select(Project)
            .where(Project.review_status == status, Project.withdrawn_at.is_(None))
            .options(selectinload(Project.decisions))  # flags load with selectin already
            .order_by(Project.review_status_since, Project.id)
            .limit(limit)
        )
    )


# ---------------------------------------------------------------- admins' vendor entries


def vendor_add(
    name: str,
    aliases: list[str],
    country: str | None,
    categories: list[str],
    source: str,
    actor: Actor,
) -> VendorEntry:
    """An admin adds a vendor of concern. Raises PermissionDenied, ValidationFailed.

    Existing projects are re-flagged by `screening_rerun`.
    """
    from schemas.fields import country_from_code

    if actor.role not in ("admin", "system"):
        raise PermissionDenied("Only admins add vendors of concern.")
    errors = []
    name = (name or "").strip()
    aliases = [a.strip() for a in aliases or [] if a and a.strip()]
    if not 3 <= len(name) <= 300:
        errors.append(
            {
                "field": "name",
                "code": "invalid_length",
                "message": "Must be between 3 and 300 characters long.",
            }
        )
    if any(len(a) < 3 or len(a) > 300 for a in aliases):
        errors.append(
            {
                "field": "aliases",
                "code": "invalid_length",
                "message": "Each alias must be between 3 and 300 characters long.",
            }
        )
    found = country_from_code(country) if country else None
    if country and found is None:
        errors.append(
            {
                "field": "country",
                "code": "invalid_country",
                "message": f"{country!r} is not an ISO 3166-1 country code.",
            }
        )
    bad = [c for c in categories if c not in VENDOR_CATEGORIES]
    if bad or not categories:
        errors.append(
            {
                "field": "categories",
                "code": "invalid_choice",
                "message": f"Give one or more of: {', '.join(VENDOR_CATEGORIES)}.",
            }
        )
    if any(_CONTROL.search(text or "") for text in [name, source or "", *aliases]):
        errors.append(
            {
                "field": "name",
                "code": "invalid_characters",
                "message": "Names and source must not contain control characters.",
            }
        )
    if not (source or "").strip():
        errors.append(
            {
                "field": "source",
                "code": "required",
                "message": "Say where the listing comes from (a list, a decision, a date).",
            }
        )
    if errors:
        raise ValidationFailed(errors)
    begin_write()
    entry = VendorEntry(
        name=name,
        aliases=aliases,
        country=found.alpha_2 if found else None,
        categories=categories,
        source=source.strip(),
        added_by=actor.label,
    )
    db.session.add(entry)
    db.session.commit()
    return entry


# ---------------------------------------------------------------- re-screening


@dataclass
class RerunReport:
    ruleset_version: str
    screened: int = 0
    changed: list[int] = field(default_factory=list)
    added: Counter = field(default_factory=Counter)
    removed: Counter = field(default_factory=Counter)
    reopened: int = 0


def screening_rerun(
    *, batch_size: int = 2_000, progress: Callable[[int], None] | None = None
) -> RerunReport:
    """Screen every project again with the active ruleset; rewrite only what changed.

    A project whose flags change gets a new version and a history entry saying
    why; a decided review whose flags changed goes back to pending.
    """
    from registry.services.projects import project_record, record_version

    ruleset = active_ruleset()
    report = RerunReport(ruleset.version)
    actor = Actor.system("screening rerun")
    last_id = 0
    while True:
        begin_write()
        projects = list(
            db.session.scalars(
                select(Project).where(Project.id > last_id).order_by(Project.id).limit(batch_size)
            )
        )
        if not projects:
            db.session.rollback()
            break
        for project in projects:
            record = project_record(project)
            new = screening.screen(record, ruleset)
            old_flags = {(f.code, f.severity, f.rationale) for f in project.flags}
            if old_flags != {(f.code, f.severity, f.rationale) for f in new}:
                before = security_state(project)
                old_codes = {f.code for f in project.flags}
                note = screen_project(project, record, ruleset)
                project.updated_at = utcnow()
                db.session.flush()
                record_version(
                    project,
                    "rescreen",
                    actor,
                    None,
                    security_before=before,
                    note=note or f"Re-screened with ruleset {ruleset.version}.",
                )
                new_codes = {f.code for f in new}
                report.changed.append(project.id)
                report.added.update(new_codes - old_codes)
                report.removed.update(old_codes - new_codes)
                report.reopened += bool(note)
        # Only rows screened under another ruleset: a rerun that changes nothing writes
        # nothing (and leaves the data version, and so the list caches, alone).
        ids = [p.id for p in projects]
        db.session.execute(
            update(ProjectFlag)
            .where(ProjectFlag.project_id.in_(ids), ProjectFlag.ruleset_version != ruleset.version)
            .values(ruleset_version=ruleset.version)
        )
        db.session.execute(
            update(Project)
            .where(Project.id.in_(ids), Project.ruleset_version != ruleset.version)
            .values(ruleset_version=ruleset.version)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        report.screened += len(projects)
        last_id = projects[-1].id
        if progress:
            progress(len(projects))
    return report
