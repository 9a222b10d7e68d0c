"""Text derived from a project and stored on its row for speed: the API document and the
cells of the one-row-per-project CSV export.

Each row records the render version that wrote it. The version names everything the
text is rendered from: the format of the document and cells (`RENDER_FORMAT`, raised
whenever their code changes), pycountry's version (country names) and the seed files
of names and groups. A row whose version differs is treated as not stored: readers
render it afresh (`stale`), and `flask --app wsgi seed rebuild-derived` (or the
migration that added the version) rewrites it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache

import pycountry
from sqlalchemy import Connection, bindparam, func, or_, select, update

from registry import reference
from registry.csv_cells import encode_cells, project_cells
from registry.database import begin_write
from registry.extensions import db
from registry.models import Organisation, Project
from registry.project_view import VIEW_COLUMNS, ProjectView
from registry.services.documents import document_text

# Raise whenever document_text or project_cells would write different text.
RENDER_FORMAT = 2
_SEED_FILES = ("sectors.csv", "sector_categories.csv", "sector_groups.csv", "m49.csv")

P = Project.__table__.c
ORG = Organisation.__table__.c
# Everything a ProjectView needs, read with Core.
VIEW_SELECT = select(
    *(P[name] for name in VIEW_COLUMNS), ORG.ref.label("org_ref"), ORG.name.label("org_name")
).join(Organisation.__table__, ORG.id == P.reporting_org_id)


@cache
def render_version() -> str:
    """The version of the renderers and of the data they render names from."""
    digest = hashlib.sha256(f"{RENDER_FORMAT}:{pycountry.__version__}".encode())
    for name in _SEED_FILES:
        digest.update((reference.REFERENCE_DIR / name).read_bytes())
    return f"{RENDER_FORMAT}.{digest.hexdigest()[:12]}"


def stale(row, text: str | None) -> bool:
    """Whether a row's stored `text` (its document or cells) must be rendered afresh: it is
    missing, or another render version wrote it."""
    return text is None or row.render_version != render_version()


def derived_values(view: ProjectView) -> dict:
    """The stored columns of a project's derived text."""
    return {
        "document": document_text(view),
        "export_cells": encode_cells(project_cells(view)),
        "render_version": render_version(),
    }


def store_derived(project: Project) -> None:
    """Write the derived text of a project being written (in the caller's transaction).

    A Core UPDATE: derived text is no new version of the record."""
    values = derived_values(ProjectView.of(project, screening=False))
    db.session.execute(update(Project.__table__).where(P.id == project.id).values(**values))


def rebuild_batch(
    connection: Connection, after_id: int, *, batch_size: int = 2_000, everything: bool = False
) -> list[int]:
    """Re-render the stored text of the next `batch_size` stale rows (every row with
    `everything`) with ids above `after_id`, on `connection`. Returns their ids."""
    current = render_version()
    wanted = [] if everything else [or_(P.render_version.is_(None), P.render_version != current)]
    rows = connection.execute(
        VIEW_SELECT.where(P.id > after_id, *wanted).order_by(P.id).limit(batch_size)
    ).all()
    if rows:
        connection.execute(
            update(Project.__table__).where(P.id == bindparam("row_id")),
            [{"row_id": row.id, **derived_values(ProjectView.from_row(row))} for row in rows],
        )
    return [row.id for row in rows]


def derived_rebuild(
    *,
    everything: bool = False,
    batch_size: int = 2_000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Rewrite the stored text of stale rows (or all), a batch per transaction.
    Returns how many rows were rewritten."""
    written, last_id = 0, 0
    while True:
        begin_write()
        ids = rebuild_batch(
            db.session.connection(), last_id, batch_size=batch_size, everything=everything
        )
        db.session.commit()
        if not ids:
            return written
        written, last_id = written + len(ids), ids[-1]
        if progress:
            progress(len(ids))


def stale_count() -> int:
    current = render_version()
    return db.session.scalar(
        select(func.count())
        .select_from(Project.__table__)
        .where(or_(P.render_version.is_(None), P.render_version != current))
    )
