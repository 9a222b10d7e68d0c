"""Reviewers' decisions on flagged projects, and the queue of projects waiting for one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from registry.database import begin_write
from registry.extensions import db
from registry.models import Project, ProjectCountry, ProjectFlag, RefCountry, ReviewDecision
from registry.models.types import utcnow
from registry.project_view import ProjectView
from registry.services import permissions
from registry.services.actors import Actor
from registry.services.derived import store_derived
from registry.services.documents import security_state
from registry.services.errors import PermissionDenied, ValidationFailed
from registry.services.history import project_row, record_version, review_note
from registry.services.listing import project_filter
from registry.services.validation import load
from schemas.reviews import ReviewDecisionSchema, ReviewQueueArgsSchema, ReviewQueuePageArgsSchema

_decision_schema = ReviewDecisionSchema()
_queue_schema = ReviewQueueArgsSchema()
_queue_page_schema = ReviewQueuePageArgsSchema()
SEVERITY_RANK = {"critical": 4, "high": 3, "medium": 2, "info": 1}


@dataclass
class QueuePage:
    """One page of the review queue, what it was asked for, and counts to choose by."""

    items: list[ProjectView]
    total: int  # projects matching the filters, on every page
    page: int
    pages: int
    per_page: int
    query: dict
    by_severity: dict[str, int]  # projects of the whole queue with a flag of each severity
    by_flag: dict[str, int]  # … with each flag
    by_country: dict[str, int]  # … for each recipient country

    @property
    def first(self) -> int:
        """The position of the page's first project (1-based; 0 when there is none)."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


def review_decide(project_id: int, payload: Any, actor: Actor) -> ProjectView:
    """Record a reviewer's decision (`{status, note}`) and move the project's review status.

    Raises PermissionDenied (not a reviewer), NotFound, ValidationFailed.
    """
    if not permissions.can_decide_review(actor):
        raise PermissionDenied("Only reviewers record review decisions.")
    decision = load(_decision_schema, payload)
    begin_write()
    project = project_row(project_id)
    if project.review_status == "not_required":
        db.session.rollback()
        raise ValidationFailed(
            [
                {
                    "field": "status",
                    "code": "not_reviewable",
                    "message": "This project has no flag above info, so there is nothing to "
                    "review.",
                }
            ]
        )
    status = decision["status"]
    old = security_state(project.review_status, project.flags)
    db.session.add(
        ReviewDecision(
            project_id=project.id,
            status=status,
            note=decision["note"],
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
        note=review_note(status),
    )
    store_derived(project)
    db.session.commit()
    db.session.refresh(project)
    return ProjectView.of(project)


def _worst_rank():
    """The rank of a project's worst flag (4 critical … 1 info, 0 for none), per project."""
    rank = case(SEVERITY_RANK, value=ProjectFlag.severity, else_=0)
    return (
        select(func.coalesce(func.max(rank), 0))
        .where(ProjectFlag.project_id == Project.id)
        .correlate(Project)
        .scalar_subquery()
    )


def _first_country_name():
    """The name of a project's first recipient country (NULL for none)."""
    return (
        select(RefCountry.name)
        .join(ProjectCountry, ProjectCountry.code == RefCountry.alpha2)
        .where(ProjectCountry.project_id == Project.id)
        .order_by(ProjectCountry.position)
        .limit(1)
        .correlate(Project)
        .scalar_subquery()
    )


def _queue_order(sort: str) -> list:
    waited = [Project.review_status_since, Project.id]
    if sort == "oldest":
        return waited
    if sort == "newest":
        return [Project.review_status_since.desc(), Project.id.desc()]
    if sort == "country":
        return [_first_country_name().asc().nulls_last(), _worst_rank().desc(), *waited]
    return [_worst_rank().desc(), *waited]


def _queue_counts(column, status: str) -> dict[str, int]:
    """How many projects in `status` have each value of `column` (of their flags or
    countries)."""
    table = column.class_
    rows = db.session.execute(
        select(column, func.count(func.distinct(table.project_id)))
        .join(Project, Project.id == table.project_id)
        .where(Project.review_status == status, Project.withdrawn_at.is_(None))
        .group_by(column)
    )
    return {value: count for value, count in rows}


def review_queue_page(actor: Actor, args: Any = None) -> QueuePage:
    """One page of the projects in a review status (`{status, sort, severity, flag, country,
    page, limit}`; pending, the worst flag first, 25 a page by default).

    `severity`, `flag` and `country` mean what they mean in the project list (a flag of
    that severity, that flag, that recipient country); a page past the last is refused.
    Raises PermissionDenied, ValidationFailed."""
    return _queue_page(actor, _queue_page_schema, args, refuse_past_end=True)


def _queue_page(actor: Actor, schema, args: Any, refuse_past_end: bool = False) -> QueuePage:
    if not permissions.can_see_review_queue(actor):
        raise PermissionDenied("Only reviewers and admins see the review queue.")
    query = load(schema, args or {})
    filters = {name: query.get(name) for name in ("severity", "flag", "country")}
    conditions = [
        Project.review_status == query["status"],
        *project_filter(filters, actor),
    ]
    total = db.session.scalar(select(func.count()).select_from(Project).where(*conditions))
    per_page = query["limit"]
    pages = max(1, -(-total // per_page))
    if query["page"] > pages and refuse_past_end:
        raise ValidationFailed(
            [
                {
                    "field": "page",
                    "code": "out_of_range",
                    "message": f"There is no page {query['page']}; the queue has {pages}.",
                }
            ]
        )
    projects = db.session.scalars(
        select(Project)
        .where(*conditions)
        .options(selectinload(Project.decisions))
        .order_by(*_queue_order(query["sort"]))
        .offset((query["page"] - 1) * per_page)
        .limit(per_page)
    )
    return QueuePage(
        items=[ProjectView.of(p) for p in projects],
        total=total,
        page=query["page"],
        pages=pages,
        per_page=per_page,
        query=query,
        by_severity=_queue_counts(ProjectFlag.severity, query["status"]),
        by_flag=_queue_counts(ProjectFlag.code, query["status"]),
        by_country=_queue_counts(ProjectCountry.code, query["status"]),
    )


def review_queue(actor: Actor, args: Any = None) -> QueuePage:
    """The queue as the API reads it (`{status, sort, severity, flag, country, page,
    limit}`; pending, the longest waiting first, 100 a page by default), with each
    project's flags and decisions; a page past the last is empty, as an API's pages are.
    Raises PermissionDenied, ValidationFailed."""
    return _queue_page(actor, _queue_schema, args)
