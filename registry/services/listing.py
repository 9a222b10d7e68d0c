"""The one query builder behind the API list, the browse pages and the CSV exports."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from registry.extensions import db
from registry.models import Project


@dataclass
class Page:
    items: list[Project]
    total: int


def project_page(limit: int = 50) -> Page:
    """The most recently updated projects that have not been withdrawn."""
    base = select(Project).where(Project.withdrawn_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    items = list(db.session.scalars(base.order_by(Project.updated_at.desc(), Project.id.desc())
                                    .limit(limit)))
    return Page(items, total)
