"""Summaries of projects by any mix of country, region, sector, sector group, status,
year, instrument and reporting org: project counts and sums per currency.

Amounts are never added across currencies; grouping by country or region counts each
project's country share of its amount, by sector or sector group its sector share
(both, when grouped by both). Sums are integer cents per share in SQL, with the
shares applied exactly in Decimal afterwards.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from sqlalchemy import BigInteger, func, select, type_coerce

from registry import reference
from registry.extensions import db
from registry.models import (
    Organisation,
    Project,
    ProjectCountry,
    ProjectSector,
    RefCountry,
    RefSector,
)
from registry.names import country_name
from registry.services import listing
from registry.services.actors import Actor
from registry.services.errors import ValidationFailed
from registry.services.validation import load
from registry.shares import share_of
from schemas.exports import SummaryArgsSchema

CENT = Decimal("0.01")
_args_schema = SummaryArgsSchema()


@dataclass(frozen=True)
class Rates:
    """Units of each currency per one unit of `base`, and where they come from."""

    base: str
    units: dict[str, Decimal]
    source: str

    def convert(self, amount: Decimal, currency: str, target: str) -> Decimal | None:
        if currency not in self.units or target not in self.units:
            return None
        return (amount / self.units[currency] * self.units[target]).quantize(CENT, ROUND_HALF_EVEN)


def seed_rates() -> Rates:
    return Rates(
        "USD",
        reference.exchange_rates(),
        "seed/reference/exchange_rates.csv (illustrative, as of 2025-01-01)",
    )


def parse_rates(text: str, name: str) -> Rates:
    """A planner's rates table: CSV `currency,units_per_usd`. Raises ValidationFailed."""
    units, errors = {}, []
    for number, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        code = (row.get("currency") or "").strip().upper()
        try:
            value = Decimal((row.get("units_per_usd") or "").strip())
            if not value.is_finite() or value <= 0:
                raise InvalidOperation
        except InvalidOperation:
            errors.append(
                {
                    "field": f"rates line {number}",
                    "code": "invalid_rate",
                    "message": "units_per_usd must be a positive number.",
                }
            )
            continue
        if len(code) != 3 or not code.isalpha():
            errors.append(
                {
                    "field": f"rates line {number}",
                    "code": "invalid_currency",
                    "message": f"{code!r} is not an ISO 4217 code.",
                }
            )
            continue
        units[code] = value
    if not units and not errors:
        errors.append(
            {
                "field": "rates",
                "code": "empty",
                "message": "Upload a CSV with the header currency,units_per_usd.",
            }
        )
    if errors:
        raise ValidationFailed(errors)
    units.setdefault("USD", Decimal(1))
    return Rates("USD", units, f"uploaded table {name!r}")


def summary_rows(filters: dict, viewer: Actor, group_by: list[str]) -> tuple[list[str], list[list]]:
    """(header, rows) of the summary, sorted by the group values then currency."""
    matching = select(Project.id).where(*listing.project_filter(filters, viewer)).subquery()
    by_country = bool({"country", "region"} & set(group_by))
    by_sector = bool({"sector", "sector_group"} & set(group_by))
    query = select().select_from(Project).where(Project.id.in_(select(matching.c.id)))
    if by_country:
        query = query.join(ProjectCountry, ProjectCountry.project_id == Project.id)
    if by_sector:
        query = query.join(ProjectSector, ProjectSector.project_id == Project.id)
    if "region" in group_by:
        query = query.join(RefCountry, RefCountry.alpha2 == ProjectCountry.code)
    if "sector_group" in group_by:
        query = query.join(RefSector, RefSector.code == ProjectSector.code)
    if "reporting_org" in group_by:
        query = query.join(Organisation, Organisation.id == Project.reporting_org_id)
    columns = {
        "country": ProjectCountry.code,
        "region": RefCountry.region_code,
        "sector": ProjectSector.code,
        "sector_group": RefSector.sector_group,
        "status": Project.status,
        "year": Project.start_year,
        "instrument": Project.instrument,
        "reporting_org": Organisation.ref,
    }
    keys = [columns[g].label(g) for g in group_by] + [Project.currency]
    counts = {
        tuple(r[:-1]): r[-1]
        for r in db.session.execute(
            query.add_columns(*keys, func.count(func.distinct(Project.id))).group_by(*keys)
        )
    }
    shares = [
        c
        for c, used in ((ProjectCountry.share_bp, by_country), (ProjectSector.share_bp, by_sector))
        if used
    ]
    cents = func.sum(type_coerce(Project.amount, BigInteger))
    sums: dict[tuple, Decimal] = defaultdict(Decimal)
    for row in db.session.execute(
        query.add_columns(*keys, *shares, cents).group_by(*keys, *shares)
    ):
        sums[tuple(row[: len(keys)])] += share_of(row[-1], *row[len(keys) : -1])
    header = [*group_by, "currency", "project_count", "amount"]
    rows = [
        [*values, count, sums[values].quantize(CENT, ROUND_HALF_EVEN)]
        for values, count in sorted(counts.items(), key=lambda kv: tuple(map(str, kv[0])))
    ]
    return header, rows


def labelled(
    header: list[str], rows: list[list], rates: Rates | None = None, convert_to: str | None = None
) -> tuple[list[str], list[list]]:
    """Add readable names next to codes, and the conversion columns when asked."""
    names = {
        "country": country_name,
        "region": reference.region_name,
        "sector": lambda c: reference.sectors()[c].name if c in reference.sectors() else c,
    }
    out_header, out_rows = [], [[] for _ in rows]
    for i, column in enumerate(header):
        out_header.append(column)
        for out, row in zip(out_rows, rows, strict=True):
            out.append(row[i])
        if column in names:
            out_header.append(f"{column}_name")
            for out, row in zip(out_rows, rows, strict=True):
                out.append(names[column](row[i]) if row[i] else "")
    if convert_to:
        out_header += [f"amount_{convert_to}", "rates"]
        currency_at, amount_at = header.index("currency"), header.index("amount")
        for out, row in zip(out_rows, rows, strict=True):
            converted = rates.convert(row[amount_at], row[currency_at], convert_to)
            out += ["" if converted is None else converted, rates.source]
    return out_header, out_rows


def summary_table(
    filters: dict,
    viewer: Actor,
    group_by: list[str],
    convert_to: str | None = None,
    rates: Rates | None = None,
) -> tuple[str, list[str], list[list]]:
    """The whole summary as the page and the API serve it: (file stem, header, rows).

    `rates` defaults to the registry's table when a conversion is asked for.
    Raises ValidationFailed (bad grouping, no rate for the target currency),
    PermissionDenied (a forbidden filter).
    """
    args = load(_args_schema, {"group_by": group_by, "convert_to": convert_to})
    dimensions, convert_to = args["group_by"], args["convert_to"]
    if convert_to:
        rates = rates or seed_rates()
        if convert_to not in rates.units:
            raise ValidationFailed(
                [
                    {
                        "field": "convert_to",
                        "code": "invalid_currency",
                        "message": f"No rate for {convert_to} in {rates.source}; "
                        f"it has {', '.join(sorted(rates.units))}.",
                    }
                ]
            )
    header, rows = summary_rows(filters, viewer, dimensions)
    header, rows = labelled(header, rows, rates, convert_to)
    return f"summary-by-{'-'.join(dimensions)}", header, rows
