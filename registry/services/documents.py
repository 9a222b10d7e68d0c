"""What a viewer sees of a project: its record, its API document, and the part of its
screening the viewer's role may know (need-to-know).

The API, the pages and the exports all take `security_view` from here, so a role sees
the same security information everywhere. Renderers take a ProjectView.
"""

from __future__ import annotations

import json
from typing import Any

from registry.formats import jsonable, money_text
from registry.project_view import ProjectView, ScreeningView
from registry.services import permissions
from registry.services.actors import Actor

DATE_KEYS = ("planned_start", "planned_end", "actual_start", "actual_end")


def project_record(project: Any) -> dict:
    """The fields a ministry submits, as JSON: what PUT replaces and PATCH merges into.

    Reads a ProjectView or the ORM Project being written (the same attribute names)."""
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


def _document(view: ProjectView) -> dict:
    return {
        "id": view.id,
        **project_record(view),
        "reporting_org": {"ref": view.reporting_org.ref, "name": view.reporting_org.name},
        "version": view.version,
        "withdrawn": view.withdrawn_at is not None,
        "created_at": view.created_at.isoformat(),
        "updated_at": view.updated_at.isoformat(),
    }


def project_document(view: ProjectView, viewer: Actor | None = None) -> dict:
    """The whole record as the API returns it, server-owned fields included.

    `security` is there only when the viewer may see it, in the detail its role allows
    (never without a viewer).
    """
    document = _document(view)
    if viewer is None:
        return document
    security = security_view(viewer, view.reporting_org_id, view.screening)
    if security is not None:
        document["security"] = security
    return document


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def document_text(view: ProjectView) -> str:
    """A project's document without security, as JSON text: what is stored on the row."""
    return _json(_document(view))


def document_json(text: str, reporting_org_id: int, screening: ScreeningView, viewer: Actor) -> str:
    """A stored document's text for `viewer`, with the security block it may see spliced in."""
    security = security_view(viewer, reporting_org_id, screening)
    if security is None:
        return text
    return text[:-1] + ',"security":' + _json(security) + "}"


def security_view(viewer: Actor, reporting_org_id: int, screening: ScreeningView) -> dict | None:
    """What `viewer` may know of a project's screening, or None for nothing at all.

    A ministry sees codes and severities on its own projects only; diplomats and
    planners see codes, severities, pillars and the review status; reviewers and
    admins see everything, decisions and their notes included.
    """
    if not permissions.can_see_security(viewer, reporting_org_id):
        return None
    flags = screening.flags
    if permissions.can_see_full_security(viewer):
        return {
            "review_status": screening.review_status,
            "ruleset_version": screening.ruleset_version,
            "flags": [
                {
                    "code": f.code,
                    "severity": f.severity,
                    "pillar": f.pillar,
                    "rationale": f.rationale,
                    "source": f.source,
                    "ruleset_version": f.ruleset_version,
                }
                for f in flags
            ],
            "decisions": [
                {
                    "status": d.status,
                    "note": d.note,
                    "reviewer": d.reviewer,
                    "decided_at": d.decided_at.isoformat(),
                    "flags": d.flags,
                }
                for d in screening.decisions
            ],
        }
    if permissions.can_filter_by_security(viewer):
        return {
            "review_status": screening.review_status,
            "flags": [{"code": f.code, "severity": f.severity, "pillar": f.pillar} for f in flags],
        }
    return {
        "review_status": screening.review_status,
        "flags": [{"code": f.code, "severity": f.severity} for f in flags],
    }


def security_state(review_status: str, flags) -> dict:
    """The screening facts history records: review status and flag codes with severity."""
    return {"review_status": review_status, "flags": [f"{f.code}:{f.severity}" for f in flags]}
