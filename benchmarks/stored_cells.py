#!/usr/bin/env python3
"""Does the one-row-per-project CSV export need the cells stored on each row?

Builds N synthetic projects in a temporary SQLite database (the registry's own venv:
run it with `.venv/bin/python benchmarks/stored_cells.py`), then streams the whole
export in one process, alternating two ways, several rounds each:

- stored:   the cells written with every version (`projects.export_cells`);
- rendered: every row's stored text marked stale, so each row is rendered afresh
            from its columns (what the export would do without the column).

It prints the median seconds of each beside the target: the column is worth keeping
only if rendering is measurably slower than the 1.5 x Datasette target can absorb
(see benchmarks/README.md: the export ran 2.5 x faster than Datasette with stored cells).

    .venv/bin/python benchmarks/stored_cells.py --count 100000 --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import text

from registry.app import create_app
from registry.csv_cells import csv_stream
from registry.database import begin_write
from registry.extensions import db
from registry.services import derived, exports, seeding
from registry.services.actors import Actor

PLANNER = Actor(label="benchmark", role="planner")


def export_seconds() -> tuple[float, int]:
    started = time.perf_counter()
    size = 0
    for chunk in csv_stream(exports.project_rows({}, PLANNER, "project", "http://x")):
        size += len(chunk)
    db.session.rollback()
    return time.perf_counter() - started, size


def mark(version: str | None) -> None:
    begin_write()
    db.session.execute(text("UPDATE projects SET render_version = :v"), {"v": version})
    db.session.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="registry-cells-") as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/r.sqlite", "SECRET_KEY": "benchmark"})
        with app.app_context():
            upgrade()
            seeding.reference_load()
            seeding.synthetic_generate(args.count)
            current = derived.render_version()
            times: dict[str, list[float]] = {"stored": [], "rendered": []}
            sizes = {}
            for _ in range(args.rounds):
                for way, version in (("stored", current), ("rendered", "stale")):
                    mark(version)
                    seconds, sizes[way] = export_seconds()
                    times[way].append(seconds)
            mark(current)
    stored, rendered = (statistics.median(times[w]) for w in ("stored", "rendered"))
    print(f"CSV export of {args.count:,} projects, one process, median of {args.rounds} rounds")
    for way in ("stored", "rendered"):
        rounds = ", ".join(f"{t:.2f}" for t in times[way])
        print(f"  {way:<9} {statistics.median(times[way]):6.2f} s  ({rounds})  {sizes[way]:,} B")
    print(
        f"  rendering costs {rendered / stored:.2f} x the stored cells; same bytes: "
        f"{'PASS' if sizes['stored'] == sizes['rendered'] else 'FAIL'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
