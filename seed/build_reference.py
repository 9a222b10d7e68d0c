"""Build the registry's reference CSVs from the published IATI codelists.

Reads the IATI codelist XML files (Sector, SectorCategory, OrganisationType) and
writes one CSV per list into ``seed/reference/`` beside this script:

- ``sectors.csv``             code,name,category,status
- ``sector_categories.csv``   code,name,status
- ``organisation_types.csv``  code,name

Names are the English narratives (the ``<narrative>`` without ``xml:lang``).
The codelists carry no Japanese: ``sectors_ja.csv`` and ``sector_categories_ja.csv``
(``code,name_ja``) are translated by hand (see SOURCES.md); after a rebuild the
script lists every code that has no Japanese name yet and exits with status 1.
Status is ``active`` unless the item is marked ``status="withdrawn"``. Rows are
sorted by code and written as UTF-8 with ``\\n`` line endings, so re-running on
the same input produces byte-identical files.

Usage::

    python seed/build_reference.py [--source DIR]

``DIR`` defaults to ``shared/iati/codelists`` beside the repository checkout.
Standard library only.
"""

from __future__ import annotations

import argparse
import csv
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STATUSES = frozenset({"active", "withdrawn"})

SEED_DIR = Path(__file__).resolve().parent
OUTPUT_DIR = SEED_DIR / "reference"
DEFAULT_SOURCE = SEED_DIR.parent.parent / "shared/iati/codelists"


@dataclass(frozen=True)
class CodelistItem:
    code: str
    name: str
    status: str
    category: str | None


def english_name(item: ET.Element, code: str) -> str:
    """Return the English narrative of an item's ``<name>``.

    The codelists mark translations with ``xml:lang``; the English narrative has
    none (or an explicit ``en``). Raises ValueError if there is not exactly one.
    """
    narratives = [n for n in item.findall("name/narrative") if n.get(XML_LANG, "en") == "en"]
    if len(narratives) != 1:
        raise ValueError(f"code {code}: expected one English name, found {len(narratives)}")
    name = (narratives[0].text or "").strip()
    if not name:
        raise ValueError(f"code {code}: empty English name")
    return name


def read_codelist(path: Path) -> list[CodelistItem]:
    """Parse one IATI codelist file into items sorted by code.

    Raises ValueError on a missing or duplicate code or an unknown status.
    """
    root = ET.parse(path).getroot()
    items: dict[str, CodelistItem] = {}
    for element in root.iter("codelist-item"):
        code = (element.findtext("code") or "").strip()
        if not code:
            raise ValueError(f"{path.name}: codelist-item without a code")
        if code in items:
            raise ValueError(f"{path.name}: duplicate code {code}")
        status = element.get("status", "active")
        if status not in STATUSES:
            raise ValueError(f"{path.name}: code {code} has unknown status {status!r}")
        category = element.findtext("category")
        items[code] = CodelistItem(
            code=code,
            name=english_name(element, code),
            status=status,
            category=category.strip() if category is not None else None,
        )
    # Codes within one list share a width, but sort by length first so that a
    # shorter numeric code never sorts after a longer one.
    return sorted(items.values(), key=lambda i: (len(i.code), i.code))


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def build(source: Path, output: Path) -> dict[str, int]:
    """Write the three reference CSVs; return the row count of each file."""
    sectors = read_codelist(source / "Sector.xml")
    categories = read_codelist(source / "SectorCategory.xml")
    organisation_types = read_codelist(source / "OrganisationType.xml")

    known_categories = {c.code for c in categories}
    for sector in sectors:
        if sector.category not in known_categories:
            raise ValueError(f"sector {sector.code}: unknown category {sector.category!r}")

    output.mkdir(parents=True, exist_ok=True)
    write_csv(
        output / "sectors.csv",
        ["code", "name", "category", "status"],
        [[s.code, s.name, s.category or "", s.status] for s in sectors],
    )
    write_csv(
        output / "sector_categories.csv",
        ["code", "name", "status"],
        [[c.code, c.name, c.status] for c in categories],
    )
    write_csv(
        output / "organisation_types.csv",
        ["code", "name"],
        [[o.code, o.name] for o in organisation_types],
    )
    return {
        "sectors.csv": len(sectors),
        "sector_categories.csv": len(categories),
        "organisation_types.csv": len(organisation_types),
    }


def missing_japanese(output: Path) -> dict[str, list[str]]:
    """Codes of the built sector lists that the hand-made Japanese lists do not name."""
    missing = {}
    for english, japanese in (
        ("sectors.csv", "sectors_ja.csv"),
        ("sector_categories.csv", "sector_categories_ja.csv"),
    ):
        with (output / english).open(encoding="utf-8", newline="") as handle:
            codes = [row["code"] for row in csv.DictReader(handle)]
        named = set()
        if (output / japanese).exists():
            with (output / japanese).open(encoding="utf-8", newline="") as handle:
                named = {row["code"] for row in csv.DictReader(handle) if row["name_ja"].strip()}
        gaps = [code for code in codes if code not in named]
        if gaps:
            missing[japanese] = gaps
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=DEFAULT_SOURCE,
        help=f"directory holding the IATI codelist XML (default: {DEFAULT_SOURCE})",
    )
    args = parser.parse_args(argv)
    if not args.source.is_dir():
        parser.error(f"source directory not found: {args.source}")
    counts = build(args.source, OUTPUT_DIR)
    print(
        ", ".join(f"{name}: {count} rows" for name, count in counts.items())
        + f" (written to {OUTPUT_DIR})"
    )
    missing = missing_japanese(OUTPUT_DIR)
    for japanese, codes in missing.items():
        print(f"{japanese}: no Japanese name for {', '.join(codes)}; add them", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
