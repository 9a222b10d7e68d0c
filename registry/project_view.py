"""The one read-only shape of a project that every read path returns and every renderer
takes: the API document, the pages, the CSV cells and the history all read a ProjectView.

Built from an ORM `Project` (`ProjectView.of`) or from a Core row of the projects table
joined with its reporting organisation (`ProjectView.from_row`). A pure leaf: no Flask,
no database session.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal

from registry.rules import Flag

# A stored flag reads as the rules' own Flag (the same fields, in the same order).
FlagView = Flag


@dataclass(frozen=True, slots=True)
class DecisionView:
    status: str
    note: str
    reviewer: str
    decided_at: datetime
    flags: list


@dataclass(frozen=True, slots=True)
class ScreeningView:
    """A project's screening: what need-to-know rules cut down for each viewer."""

    review_status: str
    ruleset_version: str
    flags: tuple[FlagView, ...] = ()
    decisions: tuple[DecisionView, ...] = ()

    @classmethod
    def of(cls, review_status: str, ruleset_version: str, flags=(), decisions=()) -> ScreeningView:
        """From flag and decision rows or objects (anything with their attributes)."""
        return cls(
            review_status,
            ruleset_version,
            tuple(FlagView(*(getattr(f, n) for n in FLAG_FIELDS)) for f in flags),
            tuple(DecisionView(*(getattr(d, n) for n in DECISION_FIELDS)) for d in decisions),
        )


@dataclass(frozen=True, slots=True)
class OrgRef:
    ref: str
    name: str


FLAG_FIELDS = tuple(field.name for field in fields(Flag))
DECISION_FIELDS = tuple(DecisionView.__slots__)
# The JSON lists of a project record, stored as validated.
RECORD_LISTS = (
    "participants",
    "technologies",
    "maritime_activities",
    "export_control_categories",
    "locations",
    "tags",
)
# The projects-table columns a view reads (the stored derived text and search text aside).
VIEW_COLUMNS = (
    "id",
    "identifier",
    "title",
    "description",
    "status",
    "amount",
    "currency",
    "instrument",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "start_year",
    "recipient_countries",
    "sectors",
    *RECORD_LISTS,
    "reporting_org_id",
    "version",
    "review_status",
    "review_status_since",
    "ruleset_version",
    "withdrawn_at",
    "created_at",
    "updated_at",
)


@dataclass(frozen=True, slots=True)
class ProjectView:
    id: int
    identifier: str
    title: str
    description: str
    status: str
    amount: Decimal
    currency: str
    instrument: str
    planned_start: date | None
    planned_end: date | None
    actual_start: date | None
    actual_end: date | None
    start_year: int
    recipient_countries: list
    sectors: list
    participants: list
    technologies: list
    maritime_activities: list
    export_control_categories: list
    locations: list
    tags: list
    reporting_org_id: int
    version: int
    review_status: str
    review_status_since: datetime
    ruleset_version: str
    withdrawn_at: datetime | None
    created_at: datetime
    updated_at: datetime
    reporting_org: OrgRef
    screening: ScreeningView
    # The record version (only the ministry's own writes raise it): what If-Match on its
    # next write compares. Read from the ORM row; views of Core rows (lists, exports),
    # which no ETag is made from, leave it None.
    record_version: int | None = None

    @classmethod
    def of(cls, project, *, screening: bool = True) -> ProjectView:
        """The view of an ORM Project, with its flags and decisions unless `screening` is
        False (the stored document, which carries no screening, needs neither)."""
        screening_view = (
            ScreeningView.of(
                project.review_status, project.ruleset_version, project.flags, project.decisions
            )
            if screening
            else ScreeningView(project.review_status, project.ruleset_version)
        )
        org = project.reporting_org
        return cls(
            *(getattr(project, name) for name in VIEW_COLUMNS),
            reporting_org=OrgRef(org.ref, org.name),
            screening=screening_view,
            record_version=project.record_version,
        )

    @classmethod
    def from_row(cls, row, flags=(), decisions=()) -> ProjectView:
        """The view of a Core row with VIEW_COLUMNS, `org_ref` and `org_name`; `flags` and
        `decisions` are rows of their tables (only those the viewer may see)."""
        mapping = row._mapping
        screening = ScreeningView.of(
            mapping["review_status"], mapping["ruleset_version"], flags, decisions
        )
        return cls(
            *(mapping[name] for name in VIEW_COLUMNS),
            reporting_org=OrgRef(mapping["org_ref"], mapping["org_name"]),
            screening=screening,
        )
