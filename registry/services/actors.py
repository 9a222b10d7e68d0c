"""Who is acting: a partner ministry's token, a signed-in person, or the system itself,
and the role names every permission check and route declaration uses."""

from __future__ import annotations

from dataclasses import dataclass

from registry import reference

MINISTRY = "ministry"
SYSTEM = "system"
DIPLOMAT, REVIEWER, PLANNER, ADMIN = reference.vocabulary("user_roles")
PEOPLE_ROLES = (DIPLOMAT, REVIEWER, PLANNER, ADMIN)


@dataclass(frozen=True)
class Actor:
    """The caller of a service. `label` is what history records as 'who'."""

    label: str
    role: str  # MINISTRY, SYSTEM or one of PEOPLE_ROLES
    organisation_id: int | None = None
    can_write: bool = True
    # The API token acting, if any: what its rate limit is counted under (unique per token,
    # even across a database reset; registry/limits.py).
    rate_limit_key: str | None = None

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(label=f"system: {label}", role=SYSTEM)

    @property
    def is_ministry(self) -> bool:
        return self.role == MINISTRY
