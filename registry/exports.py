"""CSV downloads as Flask responses: streamed, named for what and when, with a BOM for
Excel when asked. The rows come from `registry.services.exports` and summaries.

A streamed answer's status goes out with its first bytes, so the first chunk is made in
the view, before the response starts: the query running, the first rows read and every
check of the filters. Whatever fails there (a database that dropped the connection, a
filter the reader may not use) gets the registry's ordinary error answer (problem+json
503 with Retry-After under /api), never a server's bare 500. Once bytes have gone out, a
failure is logged and the download is cut off, so the client sees an incomplete transfer
rather than a file that looks whole.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from flask import Response, stream_with_context

from registry.csv_cells import csv_stream

log = logging.getLogger(__name__)


def export_filename(what: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H%MZ")
    return f"registry-{what}-{stamp}.csv"


def csv_response(rows: Iterable[list[str]], what: str, *, excel: bool) -> Response:
    """A streamed CSV download named for `what` and now (with a BOM for Excel when asked).

    Its first chunk is made here (errors raised by it are the view's), the rest as the
    response is sent.
    """
    chunks = csv_stream(rows, bom=excel)
    first = next(chunks)
    return Response(
        stream_with_context(_rest(first, chunks, what)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{export_filename(what)}"'},
    )


def _rest(first: bytes, chunks: Iterator[bytes], what: str) -> Iterator[bytes]:
    """The first chunk, then the others; a failure after the start is logged and re-raised,
    which makes the server drop the connection (the chunked transfer never ends, so no
    client takes the part sent for the whole file)."""
    sent = len(first)
    yield first
    try:
        for chunk in chunks:
            yield chunk
            sent += len(chunk)
    except Exception as error:
        log.warning(
            "The %s CSV export failed after %d bytes had been sent (%s: %s); the download "
            "is cut off.",
            what,
            sent,
            type(error).__name__,
            str(error).splitlines()[0] if str(error) else "",
        )
        raise
