"""Screening as the registry does it: the active ruleset, flags written with every
change of a project, and re-screening every project after the rules or lists change.

The rules themselves are pure functions in `registry.rules`; who may see what is
`registry.services.documents`; reviews are `registry.services.reviews`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from sqlalchemy import func, select, update

from registry import observability, rules
from registry.database import begin_write
from registry.extensions import db
from registry.models import Project, ProjectFlag, ReviewDecision, VendorEntry
from registry.models.types import utcnow
from registry.services import permissions
from registry.services.actors import Actor
from registry.services.derived import store_derived
from registry.services.documents import project_record, security_state
from registry.services.errors import PermissionDenied
from registry.services.history import record_version

# Review statuses a decision leaves behind; a change of flags after one reopens the review.
DECIDED = ("cleared", "cleared_with_conditions", "objection")

_ruleset_cache: dict[tuple, rules.Ruleset] = {}


def active_ruleset() -> rules.Ruleset:
    """The ruleset from seed/screening/ plus the admins' vendor entries in force (cached
    per set: an addition, edit or retirement changes the stamp)."""
    stamp = tuple(
        db.session.execute(
            select(
                func.count(VendorEntry.id),
                func.max(VendorEntry.id),
                func.sum(VendorEntry.revision),
            )
        ).one()
    )
    if stamp not in _ruleset_cache:
        extra = [
            rules.ExtraVendor(
                v.id, v.name, v.country, tuple(v.categories), tuple(v.aliases), v.source
            )
            for v in db.session.scalars(
                select(VendorEntry).where(VendorEntry.retired_at.is_(None)).order_by(VendorEntry.id)
            )
        ]
        _ruleset_cache.clear()
        _ruleset_cache[stamp] = rules.load_ruleset(extra)
    return _ruleset_cache[stamp]


def _last_decision_flags(project_id: int | None) -> list | None:
    if project_id is None:
        return None
    return db.session.scalar(
        select(ReviewDecision.flags)
        .where(ReviewDecision.project_id == project_id)
        .order_by(ReviewDecision.id.desc())
        .limit(1)
    )


def next_review_status(current: str, flags: list[rules.Flag], decided_on: list | None) -> str:
    """Where the review stands after (re)screening.

    No flag above info: not required. Otherwise pending until a reviewer decides;
    a decision stands while the flags it was about stay the same, and a change of
    flags sends the project back to pending.
    """
    if not rules.needs_review(flags):
        return "not_required"
    if current == "not_required" or decided_on is None:
        return "pending" if current in ("not_required", *DECIDED) else current
    if sorted(map(list, decided_on)) != sorted([f.code, f.severity] for f in flags):
        return "pending"
    return current


def flag_rows(flags: list[rules.Flag]) -> list[dict]:
    """The `project_flags` rows of a project's flags (without project_id)."""
    return [{"position": i, **asdict(f)} for i, f in enumerate(flags)]


def screen_project(project: Project, record: dict, ruleset: rules.Ruleset) -> str:
    """Screen `record` onto the project (in the caller's transaction). Returns a history note."""
    flags = rules.screen(record, ruleset)
    before = project.review_status if project.id is not None else "not_required"
    with db.session.no_autoflush:
        status = next_review_status(before, flags, _last_decision_flags(project.id))
        old_codes = {f.code for f in project.flags} if project.id is not None else set()
        project.flags = [ProjectFlag(**row) for row in flag_rows(flags)]
    raised = [f.code for f in flags if f.code not in old_codes]
    observability.flags_raised(len(raised), raised)
    project.ruleset_version = ruleset.version
    if status != before or project.id is None:
        project.review_status, project.review_status_since = status, utcnow()
    if before not in ("not_required", "pending") and status == "pending":
        return (
            f"Review reopened: the flags changed after the {before.replace('_', ' ')} "
            "decision, so the project needs a new review."
        )
    return ""


@dataclass
class RerunReport:
    ruleset_version: str
    screened: int = 0
    changed: list[int] = field(default_factory=list)
    added: Counter = field(default_factory=Counter)
    removed: Counter = field(default_factory=Counter)
    reopened: int = 0


def _flag_keys(flags) -> set[tuple[str, str, str]]:
    return {(f.code, f.severity, f.rationale) for f in flags}


def _refresh_reasons(project: Project, flags: list[rules.Flag]) -> None:
    """Store the reasons and sources of unchanged flags in place (rows screened before
    reasons were kept; a source naming the rules' previous version): no new version, the
    flags being the same."""
    for stored, fresh in zip(project.flags, flags, strict=False):
        if stored.code != fresh.code:
            continue
        if stored.reason != fresh.reason:
            stored.reason = fresh.reason
        if stored.source != fresh.source:
            stored.source = fresh.source


def _rescreen(project: Project, ruleset: rules.Ruleset, actor: Actor, report: RerunReport):
    """Screen one project again; write a version only if its flags changed."""
    record = project_record(project)
    new = rules.screen(record, ruleset)
    if _flag_keys(project.flags) == _flag_keys(new):
        _refresh_reasons(project, new)
        return
    before = security_state(project.review_status, project.flags)
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
    store_derived(project)
    new_codes = {f.code for f in new}
    report.changed.append(project.id)
    report.added.update(new_codes - old_codes)
    report.removed.update(old_codes - new_codes)
    report.reopened += bool(note)


def screening_rerun(
    actor: Actor, *, batch_size: int = 2_000, progress: Callable[[int], None] | None = None
) -> RerunReport:
    """Screen every project again with the active ruleset; rewrite only what changed.

    A project whose flags change gets a new version and a history entry saying
    why; a decided review whose flags changed goes back to pending.
    Raises PermissionDenied unless the actor may manage screening.
    """
    if not permissions.can_manage_screening(actor):
        raise PermissionDenied("Only admins re-run screening.")
    ruleset = active_ruleset()
    report = RerunReport(ruleset.version)
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
            _rescreen(project, ruleset, actor, report)
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
