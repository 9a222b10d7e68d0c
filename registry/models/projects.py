"""The project record, its query tables and its version history.

The record's nested lists are kept as JSON documents on the project row, exactly as
validated; recipient countries and sectors are also written to their own tables
(one row per share) so that filters, facets, summaries and exploded exports are
plain indexed SQL. The service layer writes both in one transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.extensions import db
from registry.models.accounts import Organisation
from registry.models.types import JSONDocument, Money, UTCDateTime, utcnow


class Project(db.Model):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(100), unique=True)
    reporting_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    instrument: Mapped[str] = mapped_column(String(20), index=True)
    planned_start: Mapped[date | None] = mapped_column(Date)
    planned_end: Mapped[date | None] = mapped_column(Date)
    actual_start: Mapped[date | None] = mapped_column(Date)
    actual_end: Mapped[date | None] = mapped_column(Date)
    # The first start date known (actual before planned): the project's year in summaries.
    start_year: Mapped[int] = mapped_column(Integer, index=True)
    recipient_countries: Mapped[list] = mapped_column(JSONDocument)
    sectors: Mapped[list] = mapped_column(JSONDocument)
    participants: Mapped[list] = mapped_column(JSONDocument)
    technologies: Mapped[list] = mapped_column(JSONDocument)
    maritime_activities: Mapped[list] = mapped_column(JSONDocument)
    export_control_categories: Mapped[list] = mapped_column(JSONDocument)
    locations: Mapped[list] = mapped_column(JSONDocument)
    tags: Mapped[list] = mapped_column(JSONDocument)
    # Lower-cased identifier, title, description, participant and vendor names, for `q`.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Derived text stored for speed (registry/services/derived.py): the project's JSON
    # document (security aside) as the API returns it, so a list page is a concatenation
    # of stored text; its cells of the one-row-per-project CSV export, encoded; and the
    # render version that wrote both (another version reads as not stored).
    document: Mapped[str | None] = mapped_column(Text)
    export_cells: Mapped[str | None] = mapped_column(Text)
    render_version: Mapped[str | None] = mapped_column(String(40))
    # `version` counts every version (review decisions and re-screens too): GET's ETag.
    # `record_version` counts only the ministry's own writes (create, update, withdraw):
    # what If-Match on its next write compares (registry/api/http.py).
    version: Mapped[int] = mapped_column(Integer)
    record_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Screening: see registry/rules. `review_status` moves only by reviewers'
    # decisions, or back to pending when the flags change after one.
    review_status: Mapped[str] = mapped_column(String(30), index=True, default="not_required")
    review_status_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ruleset_version: Mapped[str] = mapped_column(String(100), default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    reporting_org: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    country_shares: Mapped[list[ProjectCountry]] = relationship(
        cascade="all, delete-orphan", order_by="ProjectCountry.position", passive_deletes=True
    )
    sector_shares: Mapped[list[ProjectSector]] = relationship(
        cascade="all, delete-orphan", order_by="ProjectSector.position", passive_deletes=True
    )
    flags: Mapped[list[ProjectFlag]] = relationship(
        cascade="all, delete-orphan",
        order_by="ProjectFlag.position",
        passive_deletes=True,
        lazy="selectin",
    )
    decisions: Mapped[list[ReviewDecision]] = relationship(
        order_by="ReviewDecision.id", viewonly=True
    )

    # Optimistic locking: every UPDATE says `WHERE version = <the version we read>`.
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Project {self.identifier} v{self.version}>"


class ProjectCountry(db.Model):
    """One recipient country of a project and its share (basis points, 10000 = 100%)."""

    __tablename__ = "project_countries"
    __table_args__ = (Index("ix_project_countries_code_project", "code", "project_id"),)

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(2))
    share_bp: Mapped[int] = mapped_column(Integer)


class ProjectSector(db.Model):
    """One DAC sector of a project, its 3-digit category and its share in basis points."""

    __tablename__ = "project_sectors"
    __table_args__ = (
        Index("ix_project_sectors_code_project", "code", "project_id"),
        Index("ix_project_sectors_category_project", "category", "project_id"),
    )

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(5))
    category: Mapped[str] = mapped_column(String(3))
    share_bp: Mapped[int] = mapped_column(Integer)


class ProjectFlag(db.Model):
    """One security flag on a project, as the screening rules explained it."""

    __tablename__ = "project_flags"
    __table_args__ = (Index("ix_project_flags_code_project", "code", "project_id"),)

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10), index=True)
    pillar: Mapped[str] = mapped_column(String(40))
    rationale: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    ruleset_version: Mapped[str] = mapped_column(String(100))
    # The rationale as data ({"key": …, parameters}), put in words by the pages in their
    # language (registry/web/flags.py); None on rows screened before reasons were stored.
    reason: Mapped[dict | None] = mapped_column(JSONDocument, nullable=True)


class ReviewDecision(db.Model):
    """A reviewer's decision on a project. Append-only: never edited, never deleted."""

    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(String(300))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The flags (code and severity) the decision was about; a change reopens the review.
    flags: Mapped[list] = mapped_column(JSONDocument)


class VendorEntry(db.Model):
    """A vendor of concern added by an admin, on top of the lists in seed/screening/."""

    __tablename__ = "vendor_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str | None] = mapped_column(String(2))
    categories: Mapped[list] = mapped_column(JSONDocument)
    aliases: Mapped[list] = mapped_column(JSONDocument)
    source: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(300))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The normalised name (schemas.vendors.name_key) while the entry is in force, so two
    # admins cannot add the same vendor at once; NULL once retired.
    name_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    # Raised by every edit and retirement: screening's ruleset cache notices the change.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # Retired entries stop matching in screening and stay listed, with their history.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProjectVersion(db.Model):
    """One version of a project as it was written: who, when, the record, and the diff."""

    __tablename__ = "project_versions"
    __table_args__ = (UniqueConstraint("project_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))  # create, update, withdraw
    actor: Mapped[str] = mapped_column(String(300))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    record: Mapped[dict] = mapped_column(JSONDocument)
    changes: Mapped[list] = mapped_column(JSONDocument)
    # Why the version exists when no one edited the record (a rescreen, a review).
    note: Mapped[str] = mapped_column(Text, default="")


@event.listens_for(ReviewDecision, "before_update")
@event.listens_for(ReviewDecision, "before_delete")
def _decisions_are_append_only(_mapper, _connection, decision):
    raise PermissionError("Review decisions are append-only: they cannot be edited or deleted.")
