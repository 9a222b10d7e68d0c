"""Every permission of the registry: `can_<verb>_<thing>(actor, …)`, beside the actions
they guard (CKAN's logic/auth beside logic/action). Services check these; routes only
authenticate (and may refuse a page early with the same functions).
"""

from __future__ import annotations

from registry.services.actors import (
    ADMIN,
    DIPLOMAT,
    PEOPLE_ROLES,
    PLANNER,
    REVIEWER,
    SYSTEM,
    Actor,
)

# Who sees the whole screening (rationale, sources, decisions and their notes) …
FULL_SECURITY_ROLES = (REVIEWER, ADMIN, SYSTEM)
# … and who sees codes, severities, pillars and the review status of every project.
SUMMARY_SECURITY_ROLES = (DIPLOMAT, PLANNER)


# ---------------------------------------------------------------- projects


def can_create_project(actor: Actor) -> bool:
    """A partner ministry with a write token, or the system (seeding, imports)."""
    return actor.can_write and (actor.is_ministry or actor.role == SYSTEM)


def can_update_project(actor: Actor, reporting_org_id: int) -> bool:
    """A ministry changes only its own projects; the system (seeding, imports) any."""
    if not actor.can_write:
        return False
    if actor.role == SYSTEM:
        return True
    return actor.is_ministry and actor.organisation_id == reporting_org_id


# ---------------------------------------------------------------- screening: need-to-know


def can_see_security(viewer: Actor, reporting_org_id: int) -> bool:
    """People see every project's screening; a ministry only its own projects'."""
    if viewer.role in FULL_SECURITY_ROLES + SUMMARY_SECURITY_ROLES:
        return True
    return viewer.is_ministry and viewer.organisation_id == reporting_org_id


def can_see_full_security(viewer: Actor) -> bool:
    """Rationale, sources, decisions and reviewers' notes."""
    return viewer.role in FULL_SECURITY_ROLES


def can_filter_by_security(viewer: Actor) -> bool:
    return viewer.role in FULL_SECURITY_ROLES + SUMMARY_SECURITY_ROLES


# ---------------------------------------------------------------- reviews and lists


def can_decide_review(actor: Actor) -> bool:
    return actor.role == REVIEWER and actor.can_write


def can_see_review_queue(actor: Actor) -> bool:
    return actor.role in (REVIEWER, ADMIN, SYSTEM)


def can_manage_screening(actor: Actor) -> bool:
    """Add vendors of concern and re-run screening."""
    return actor.role in (ADMIN, SYSTEM)


def can_see_reviewer(viewer: Actor) -> bool:
    """Who decided a review, who re-ran screening: need-to-know, like the decisions."""
    return can_see_full_security(viewer)


# ---------------------------------------------------------------- accounts


def can_manage_accounts(actor: Actor) -> bool:
    """Disable and enable people, set anyone's password: admins and the system (the CLI)."""
    return actor.can_write and actor.role in (ADMIN, SYSTEM)


def can_manage_own_account(actor: Actor, email: str) -> bool:
    """A person signed in to the pages changes their own password and ends their own
    sessions. An API token acting for them does not: its label is `<email> (token N)`."""
    return actor.can_write and actor.role in PEOPLE_ROLES and actor.label == email
