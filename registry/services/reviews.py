"""Reviewers' decisions on flagged projects, and the queue of projects waiting for one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.database import begin_write
from registry.extensions import db
from registry.models import Project, ReviewDecision
from registry.models.types import utcnow
from registry.project_view import ProjectView
from registry.services import permissions
from registry.services.actors import Actor
from registry.services.derived import store_derived
from registry.services.documents import security_state
from registry.services.errors import PermissionDenied, ValidationFailed
from registry.services.history import project_row, record_version
from registry.services.validation import load
from schemas.reviews import ReviewDecisionSchema, ReviewQueueArgsSchema

_decision_schema = ReviewDecisionSchema()
_queue_schema = ReviewQueueArgsSchema()


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
        note=f"Review decision: {status.replace('_', ' ')}.",
    )
    store_derived(project)
    db.session.commit()
    db.session.refresh(project)
    return ProjectView.of(project)


def review_queue(actor: Actor, args: Any = None) -> list[ProjectView]:
    """Projects in a review status (`{status, limit}`, pending and 100 by default), the
    longest waiting first, with their flags and decisions (two queries, not one per
    project). Raises PermissionDenied, ValidationFailed."""
    if not permissions.can_see_review_queue(actor):
        raise PermissionDenied("Only reviewers and admins see the review queue.")
    query = load(_queue_schema, args or {})
    projects = db.session.scalars(
        select(Project)
        .where(Project.review_status == query["status"], Project.withdrawn_at.is_(None))
        .options(selectinload(Project.decisions))  # flags load with selectin already
        .order_by(Project.review_status_since, Project.id)
        .limit(query["limit"])
    )
    return [ProjectView.of(p) for p in projects]
