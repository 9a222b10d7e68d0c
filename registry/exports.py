"""CSV downloads as Flask responses: streamed, named for what and when, with a BOM for
Excel when asked. The rows come from `registry.services.exports` and summaries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from flask import Response, stream_with_context

from registry.csv_cells import csv_stream


def export_filename(what: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H%MZ")
    return f"registry-{what}-{stamp}.csv"


def csv_response(rows: Iterable[list[str]], what: str, *, excel: bool) -> Response:
    """A streamed CSV download named for `what` and now (with a BOM for Excel when asked)."""
    return Response(
        stream_with_context(csv_stream(rows, bom=excel)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{export_filename(what)}"'},
    )
