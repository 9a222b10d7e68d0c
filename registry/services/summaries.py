"""Summaries of projects by any mix of country, region, sector, sector group, status,
year, instrument and reporting org: project counts and sums per currency.

Amounts are never added across currencies; grouping by country or region counts each
project's country share of its amount, by sector or sector group its sector share
(both, when grouped by both: each country share split among the sectors). A share is
the amount split in whole cents by `registry.shares.allocate`, computed in SQL here
(`allocated_cents`), so a summary adds up exactly the share amounts of the exploded
export, and the shares of one project add up to its amount. Grouped by country or
region, the country filters select the shares counted (grouped by sector or sector
group, the sector filters), as they select the rows of an exploded export.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from sqlalchemy import BigInteger, case, func, select, type_coerce
from sqlalchemy.sql import ColumnElement

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
from registry.services.exports import ShareSelection
from registry.services.validation import load
from registry.shares import WHOLE, whole_unit_currencies
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


P = Project.__table__.c


def currency_step(currency: ColumnElement) -> ColumnElement:
    """SQL for `registry.shares.step_cents` of a currency column: 100 for JPY, 1 for USD."""
    steps = whole_unit_currencies()
    return case(*((currency == code, step) for code, step in sorted(steps.items())), else_=1)


def allocated_cents(
    cents: ColumnElement,
    share_bp: ColumnElement,
    partition: list,
    position: ColumnElement,
    step: ColumnElement | int = 1,
) -> ColumnElement:
    """SQL for one share of `cents` (whole, not negative) split among the rows of
    `partition` by their `share_bp`: `registry.shares.allocate`, row by row, in units of
    `step` cents (`currency_step`: whole yen for JPY).

    Each share's exact part rounded down, plus one unit for the shares with the largest
    remainders (the earlier `position` first) while units are left over. The units are
    taken as quotient and remainder of WHOLE so that no product outgrows a BIGINT.
    """
    units = cents if isinstance(step, int) and step == 1 else cents // step
    quotient, remainder = units // WHOLE, units % WHOLE
    floor = quotient * share_bp + (remainder * share_bp) // WHOLE
    rest = (remainder * share_bp) % WHOLE
    rank = func.row_number().over(partition_by=partition, order_by=(rest.desc(), position))
    leftover = units - func.sum(floor).over(partition_by=partition)
    return (floor + case((rank <= leftover, 1), else_=0)) * step


def _project_columns() -> list:
    return [
        P.id.label("project_id"),
        P.currency,
        P.status,
        P.start_year,
        P.instrument,
        P.reporting_org_id,
    ]


# The share tables under names of their own: the list's filters test the tables
# themselves (`id IN (SELECT project_id FROM project_countries …)`), which must not
# be correlated with the shares being split.
_COUNTRIES = ProjectCountry.__table__.alias("country_share")
_SECTORS = ProjectSector.__table__.alias("sector_share")


def _share_columns(shares) -> list:
    if shares is _COUNTRIES:
        return [shares.c.code.label("country")]
    return [shares.c.code.label("sector"), shares.c.category.label("sector_category")]


def summary_shares(conditions: list, by_country: bool, by_sector: bool):
    """A subquery of one row per project matching `conditions` (on projects), or per
    country share, per sector share, or per sector share of each country share, with
    its `cents` (`allocated_cents`). The split sees all of a project's shares: select
    shares outside it."""
    amount = type_coerce(P.amount, BigInteger)
    query = select(*_project_columns()).where(*conditions)
    if not (by_country or by_sector):
        return query.add_columns(amount.label("cents")).subquery()
    first = _COUNTRIES if by_country else _SECTORS
    cents = allocated_cents(
        amount, first.c.share_bp, [first.c.project_id], first.c.position, currency_step(P.currency)
    )
    query = query.join(first, first.c.project_id == P.id).add_columns(
        *_share_columns(first), cents.label("cents")
    )
    if not (by_country and by_sector):
        return query.subquery()
    # Each country's cents split among the sectors by the same rule.
    countries = query.subquery()
    partition = [countries.c.project_id, countries.c.country]
    step = currency_step(countries.c.currency)
    cents = allocated_cents(
        countries.c.cents, _SECTORS.c.share_bp, partition, _SECTORS.c.position, step
    )
    return (
        select(
            *(column for column in countries.c if column.name != "cents"),
            *_share_columns(_SECTORS),
            cents.label("cents"),
        )
        .join(_SECTORS, _SECTORS.c.project_id == countries.c.project_id)
        .subquery()
    )


def summary_rows(filters: dict, viewer: Actor, group_by: list[str]) -> tuple[list[str], list[list]]:
    """(header, rows) of the summary, sorted by the group values then currency."""
    by_country = bool({"country", "region"} & set(group_by))
    by_sector = bool({"sector", "sector_group"} & set(group_by))
    conditions = listing.project_filter(filters, viewer)
    shares = summary_shares(conditions, by_country, by_sector)
    selection = ShareSelection.of(filters)
    query = select().select_from(shares)
    if by_country:
        query = query.where(*selection.country_sql(shares.c.country))
    if by_sector:
        query = query.where(*selection.sector_sql(shares.c.sector, shares.c.sector_category))
    if "region" in group_by:
        query = query.join(RefCountry, RefCountry.alpha2 == shares.c.country)
    if "sector_group" in group_by:
        query = query.join(RefSector, RefSector.code == shares.c.sector)
    if "reporting_org" in group_by:
        query = query.join(Organisation, Organisation.id == shares.c.reporting_org_id)
    columns = {
        "country": lambda: shares.c.country,
        "region": lambda: RefCountry.region_code,
        "sector": lambda: shares.c.sector,
        "sector_group": lambda: RefSector.sector_group,
        "status": lambda: shares.c.status,
        "year": lambda: shares.c.start_year,
        "instrument": lambda: shares.c.instrument,
        "reporting_org": lambda: Organisation.ref,
    }
    keys = [columns[g]().label(g) for g in group_by] + [shares.c.currency]
    query = query.add_columns(
        *keys, func.count(func.distinct(shares.c.project_id)), func.sum(shares.c.cents)
    ).group_by(*keys)
    header = [*group_by, "currency", "project_count", "amount"]
    rows = [
        [*values, count, Decimal(int(cents)).scaleb(-2)]
        for *values, count, cents in db.session.execute(query)
    ]
    rows.sort(key=lambda row: tuple(map(str, row[: len(group_by) + 1])))
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
