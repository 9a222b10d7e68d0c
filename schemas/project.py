"""The project record: its validation on input and its JSON shape on output."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pycountry
from marshmallow import ValidationError, fields, validates_schema

from registry import reference
from registry.formats import decimal_text
from schemas.base import StrictSchema
from schemas.fields import (
    REFUSE,
    Boolean,
    Choice,
    CountryCode,
    CurrencyCode,
    Date,
    List,
    Nested,
    Number,
    Problem,
    SectorCode,
    ServerOwned,
    Text,
    fail,
)

HUNDRED = Decimal(100)
MAX_AMOUNT = Decimal("999999999999999.99")  # fits the integer-cents column with room for sums
STORED_PLACES = 2  # amounts are stored as integer cents (registry/models/types.py Money)
SERVER_OWNED = ("id", "reporting_org", "version", "created_at", "updated_at", "security")


def latest_date_today() -> dt.date:
    """The latest calendar date anywhere on Earth now (UTC+14), so no partner's today is
    'future'."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=14)).date()


class _ShareSchema(StrictSchema):
    percentage = Number(minimum=0, maximum=100, places=2, allow_none=True)


class CountryShareSchema(_ShareSchema):
    code = CountryCode(required=True)


class SectorShareSchema(_ShareSchema):
    code = SectorCode(required=True)


class Shares(List):
    """A list of `{code, percentage}`: distinct codes; percentages on all or none,
    summing to 100."""

    def _deserialize(self, value, attr, data, **kwargs):
        shares = super()._deserialize(value, attr, data, **kwargs)
        codes = [s["code"] for s in shares]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            fail(
                f"{', '.join(duplicates)} listed more than once; list each code once.", "duplicate"
            )
        given = [s.get("percentage") is not None for s in shares]
        if any(given) and not all(given):
            missing = [str(i) for i, g in enumerate(given) if not g]
            fail(
                "Give a percentage on every entry or on none; missing on entr"
                f"{'y' if len(missing) == 1 else 'ies'} {', '.join(missing)}.",
                "percentages_incomplete",
            )
        if all(given):
            total = sum(s["percentage"] for s in shares)
            if total != HUNDRED:
                fail(
                    f"Percentages must add up to 100; they add up to {decimal_text(total)}.",
                    "percentages_sum",
                )
        return shares


class DatesSchema(StrictSchema):
    planned_start = Date(allow_none=True)
    planned_end = Date(allow_none=True)
    actual_start = Date(allow_none=True)
    actual_end = Date(allow_none=True)

    @validates_schema
    def _check_order(self, data, **kwargs):
        errors: dict[str, list] = {}
        if not data.get("planned_start") and not data.get("actual_start"):
            errors["_schema"] = [
                Problem(
                    "Give at least one start date: planned_start or actual_start.", "missing_start"
                )
            ]
        for kind in ("planned", "actual"):
            start, end = data.get(f"{kind}_start"), data.get(f"{kind}_end")
            if start and end and end < start:
                errors[f"{kind}_end"] = [
                    Problem(
                        f"{end.isoformat()} is before {kind}_start {start.isoformat()}; "
                        "an end date must be on or after its start.",
                        "date_order",
                    )
                ]
        latest = latest_date_today()
        for key in ("actual_start", "actual_end"):
            value = data.get(key)
            if value and value > latest:
                errors.setdefault(key, []).append(
                    Problem(
                        f"{value.isoformat()} is in the future; actual dates record what has "
                        "happened (use planned dates for the future).",
                        "future_date",
                    )
                )
        if errors:
            raise ValidationError(errors)


class FinanceSchema(StrictSchema):
    amount = Number(required=True, minimum=0, maximum=MAX_AMOUNT)  # places: _check_places
    currency = CurrencyCode(required=True)
    instrument = Choice("instruments", required=True)

    @validates_schema(skip_on_field_errors=False)
    def _check_places(self, data, **kwargs):
        """At most the places the currency has (ISO 4217 minor unit), and never more than
        the STORED_PLACES the registry keeps; a currency that failed leaves the storage limit."""
        amount = data.get("amount")
        problem = None if amount is None else amount_places_problem(amount, data.get("currency"))
        if problem is not None:
            raise ValidationError({"amount": [problem]})


def amount_places_problem(amount: Decimal, currency: str | None) -> Problem | None:
    """What is wrong with the decimal places of an amount in a currency, or None.

    The currency's minor unit counts by value: `1000.00` JPY is a whole amount (the API
    writes every amount with two places) and `1000.50` JPY is not. Places written beyond
    STORED_PLACES are refused as before, even as zeros. Currencies of three places (KWD,
    BHD, OMR …) are kept to two: their third place cannot be stored and is refused.
    """
    unit = reference.minor_unit(currency) if currency else None
    if amount.as_tuple().exponent < -STORED_PLACES:
        if unit is not None and unit > STORED_PLACES:
            return Problem(
                f"{currency} has {unit} decimal places (ISO 4217 minor unit {unit}), but the "
                f"registry keeps amounts to {STORED_PLACES} decimal places; give the amount "
                f"rounded to {STORED_PLACES} places; got {amount}.",
                "too_precise",
            )
        return Problem(
            f"Must have at most {STORED_PLACES} decimal places; got {amount}.", "too_precise"
        )
    if unit is not None and unit < STORED_PLACES and amount != round(amount, unit):
        places = "no minor unit: give a whole amount" if unit == 0 else f"{unit} decimal place"
        return Problem(
            f"{currency} has {places} (ISO 4217 minor unit {unit}); got {amount}.",
            "too_precise",
        )
    return None


class ParticipantSchema(StrictSchema):
    name = Text(required=True, min_length=1, max_length=300, strict_whitespace=True)
    role = Choice("participant_roles", required=True)
    country = CountryCode(allow_none=True)
    state_owned = Boolean(load_default=False)
    stake_percentage = Number(minimum=0, maximum=100, places=2, allow_none=True)


class TechnologySchema(StrictSchema):
    category = Choice("technology_categories", required=True)
    vendor = Text(max_length=300, allow_none=True, strict_whitespace=True)
    vendor_country = CountryCode(allow_none=True)


class LocationSchema(StrictSchema):
    name = Text(required=True, min_length=1, max_length=200)
    latitude = Number(required=True, minimum=-90, maximum=90, places=6)
    longitude = Number(required=True, minimum=-180, maximum=180, places=6)
    subdivision = fields.Raw(allow_none=True)  # checked against the countries below


class ProjectSchema(StrictSchema):
    """A whole project record as a partner ministry submits it (create or full replace)."""

    identifier = Text(
        required=True,
        min_length=1,
        max_length=100,
        forbidden="/&|?",
        strict_whitespace=True,
        format_characters=REFUSE,
    )
    title = Text(required=True, min_length=3, max_length=300)
    description = Text(max_length=20_000, load_default="")
    status = Choice("statuses", required=True)
    recipient_countries = Shares(
        Nested(CountryShareSchema), required=True, min_items=1, max_items=250
    )
    sectors = Shares(Nested(SectorShareSchema), required=True, min_items=1, max_items=100)
    dates = Nested(DatesSchema, required=True)
    finance = Nested(FinanceSchema, required=True)
    participants = List(Nested(ParticipantSchema), max_items=200, load_default=list)
    technologies = List(Nested(TechnologySchema), max_items=200, load_default=list)
    maritime_activities = List(Choice("maritime_activities"), unique=True, load_default=list)
    export_control_categories = List(
        Choice("export_control_categories"), unique=True, load_default=list
    )
    locations = List(Nested(LocationSchema), max_items=500, load_default=list)
    tags = List(
        Text(min_length=1, max_length=50, format_characters=REFUSE),
        max_items=20,
        unique=True,
        load_default=list,
    )

    id = ServerOwned(load_only=True)
    reporting_org = ServerOwned(load_only=True)
    version = ServerOwned(load_only=True)
    created_at = ServerOwned(load_only=True)
    updated_at = ServerOwned(load_only=True)
    security = ServerOwned(load_only=True)

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _check_subdivisions(self, data, original, **kwargs):
        """Each location's subdivision is an ISO 3166-2 code of one of the recipient countries."""
        countries = [s["code"] for s in data.get("recipient_countries") or [] if "code" in s]
        submitted = original.get("recipient_countries") if isinstance(original, dict) else None
        if not isinstance(submitted, list) or len(countries) != len(submitted):
            countries = []  # the countries have errors of their own; check codes only
        errors: dict = {}
        for index, location in enumerate(data.get("locations") or []):
            code = location.get("subdivision")
            if code is None:
                continue
            problem = _subdivision_problem(code, countries)
            if isinstance(problem, Problem):
                errors[index] = {"subdivision": [problem]}
            else:
                location["subdivision"] = problem
        if errors:
            raise ValidationError({"locations": errors})


def _subdivision_problem(code, countries: list[str]) -> Problem | str:
    """The normalised subdivision code, or a Problem saying what is wrong with it."""
    if not isinstance(code, str):
        return Problem(
            "Must be an ISO 3166-2 subdivision code string such as VN-HP.", "invalid_type"
        )
    subdivision = pycountry.subdivisions.get(code=code.strip().upper())
    if subdivision is None:
        return Problem(
            f"{code!r} is not an ISO 3166-2 subdivision code (for example VN-HP).",
            "invalid_subdivision",
        )
    if countries and subdivision.country_code not in countries:
        return Problem(
            f"{subdivision.code} ({subdivision.name}) is in {subdivision.country_code}, "
            f"which is not a recipient country of this project ({', '.join(countries)}).",
            "subdivision_country",
        )
    return subdivision.code


class ProjectInputSchema(ProjectSchema):
    """The fields a ministry may send (for the API description; ProjectSchema validates)."""

    class Meta:
        exclude = SERVER_OWNED
