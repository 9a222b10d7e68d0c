"""Problems with a page's request or form told in words: the field's label and what to
do, in the page's language, from the `{field, code, message}` the schemas and services
give (the API keeps their precise English). The pages' helpers and the HTML error pages
both use it."""

from __future__ import annotations

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from registry import names, reference
from schemas.exports import ProjectExportArgsSchema, SummaryArgsSchema
from schemas.fields import Boolean, Choice, Number
from schemas.fields import List as ListField
from schemas.query import Flag, ProjectQueryArgsSchema


def language() -> str:
    return str(get_locale() or "en")


def label(vocabulary: str, code: str) -> str:
    return reference.label(vocabulary, code, language())


def sector_name(code: str) -> str:
    return names.sector_name(code, language())


# The settings a page's address may carry, and the labels the pages give them.
QUERY_FIELDS = {
    **SummaryArgsSchema().fields,
    **ProjectExportArgsSchema().fields,
    **ProjectQueryArgsSchema().fields,
}
FIELD_LABELS = {
    "country": _l("Country"),
    "region": _l("Region"),
    "sector": _l("Sector"),
    "sector_group": _l("Sector group"),
    "status": _l("Status"),
    "instrument": _l("Instrument"),
    "reporting_org": _l("Reporting organisation"),
    "updated_since": _l("Updated since"),
    "q": _l("Search"),
    "include_withdrawn": _l("Include withdrawn projects"),
    "flagged": _l("Flagged"),
    "flag": _l("Security flag"),
    "severity": _l("Severity"),
    "review_status": _l("Review status"),
    "sort": _l("Sort by"),
    "limit": _l("Projects per page"),
    "cursor": _l("Page"),
    "explode": _l("One row per"),
    "excel": _l("For Excel (UTF-8 with BOM)"),
    "group_by": _l("Group by"),
    "convert_to": _l("Also convert into"),
    "rates": _l("Your own rates table"),
    # the forms' fields
    "note": _l("Reasons"),
    "name": _l("Company name"),
    "aliases": _l("Other names (comma-separated)"),
    "categories": _l("Categories"),
    "source": _l("Source of the listing"),
    "email": _l("Email"),
    "password": _l("Password"),
    "page": _l("Page"),
    "reason": _l("Reason"),
}


def _choices(field) -> str:
    """The labels of what a Choice field (or a list of them) takes, in the page's language."""
    inner = field.inner if isinstance(field, ListField) else field
    if not isinstance(inner, Choice):
        return ""
    codes = reference.vocabulary(inner.vocabulary)
    return format_list([label(inner.vocabulary, c) for c in codes], style="or", locale=language())


def _bound(field, *names, default=None):
    """The first of a field's (or its list's inner field's) attributes that is set."""
    for owner in (field, getattr(field, "inner", None)):
        for name in names:
            value = getattr(owner, name, None)
            if value is not None:
                return value
    return default


def _kind(field) -> str:
    inner = field.inner if isinstance(field, ListField) else field
    if isinstance(inner, (Flag, Boolean)):
        return "boolean"
    if isinstance(inner, Number):
        return "number"
    if isinstance(inner, ListField) or isinstance(field, ListField):
        return "list"
    return ""


def _out_of_range(field, value: str) -> str:
    minimum = _bound(field, "minimum", default=1)
    maximum = _bound(field, "maximum")
    if maximum is None:
        return _(
            "“%(value)s” is below the smallest allowed, %(minimum)s.", value=value, minimum=minimum
        )
    if value.isdigit() and int(minimum) <= int(value) <= int(maximum):  # a page past the end
        return _("There is no page %(value)s here. Go back to the first page.", value=value)
    if _kind(field) == "number":
        return _(
            "“%(value)s” is outside the allowed range, %(minimum)s to %(maximum)s.",
            value=value,
            minimum=minimum,
            maximum=maximum,
        )
    return _(
        "“%(value)s” is not a whole number from %(minimum)s to %(maximum)s.",
        value=value,
        minimum=minimum,
        maximum=maximum,
    )


def _withdrawn_sector(value: str) -> str:
    return _(
        "%(value)s (%(name)s) has been withdrawn from the DAC list. Choose a sector that is "
        "in use.",
        value=value,
        name=sector_name(value),
    )


def _invalid_type(field, value: str) -> str:
    kind = _kind(field)
    if kind == "boolean":
        return _("“%(value)s” is neither true nor false. Use true or false.", value=value)
    if kind == "number":
        return _("“%(value)s” is not a number.", value=value)
    if kind == "list":
        return _("Choose from the list.")
    return _("This has the wrong form; check it and try again.")


def _what_to_do(code: str, field, value: str) -> str | None:
    """What is wrong and what to do, for every code the schemas and services give (the
    field, when known, tells the limits; `value` is what was sent)."""
    maximum = _bound(field, "max_length", "max_items", "maximum")
    minimum = _bound(field, "min_length", "min_items", "minimum")
    advice = {
        "required": lambda: _("This is required."),
        "null": lambda: _("This is required."),
        "unknown_field": lambda: _("This setting is not known here; leave it out."),
        "invalid_type": lambda: _invalid_type(field, value),
        "invalid": lambda: _("This has the wrong form; check it and try again."),
        "invalid_country": lambda: _(
            "“%(value)s” is not an ISO 3166-1 country code. Choose the country from the "
            "list, or use a code such as VN (Vietnam) or JP (Japan).",
            value=value,
        ),
        "invalid_region": lambda: _(
            "“%(value)s” is not a UN M49 region code. Use one such as 142 (Asia) or "
            "035 (South-eastern Asia).",
            value=value,
        ),
        "invalid_sector": lambda: _(
            "“%(value)s” is not a DAC sector code. Use a 5-digit purpose code such as 21040 "
            "or a 3-digit category such as 210.",
            value=value,
        ),
        "withdrawn_sector": lambda: _withdrawn_sector(value),
        "invalid_choice": lambda: (
            _(
                "“%(value)s” is not one of the choices. Choose from: %(choices)s.",
                value=value,
                choices=_choices(field),
            )
            if _choices(field) and value
            else _("Choose at least one, each once.")
        ),
        "invalid_datetime": lambda: _(
            "“%(value)s” is not a date. Write it as 2026-01-31.", value=value
        ),
        "invalid_date": lambda: _(
            "“%(value)s” is not a date. Write it as 2026-01-31.", value=value
        ),
        "invalid_sort": lambda: _(
            "“%(value)s” is not a sort order. Choose one from the “Sort by” list.", value=value
        ),
        "out_of_range": lambda: _out_of_range(field, value),
        "too_long": lambda: (
            _("This is too long: at most %(maximum)d characters.", maximum=maximum)
            if maximum
            else _("This is too long.")
        ),
        "too_short": lambda: (
            _("This is too short: at least %(minimum)d characters.", minimum=minimum)
            if minimum
            else _("This is too short.")
        ),
        "invalid_length": lambda: _("Each entry must be from 3 to 300 characters long."),
        "too_few": lambda: _("Choose at least %(minimum)d.", minimum=minimum or 1),
        "too_many": lambda: _("Choose at most %(maximum)d.", maximum=maximum or 1),
        "duplicate": lambda: _("This is already listed; change or remove the repeated entry."),
        "invalid_characters": lambda: _("Remove the control or invisible characters from it."),
        "whitespace": lambda: _("Remove the spaces at its start and end."),
        "invalid_number": lambda: _(
            "“%(value)s” is not a plain number. Write digits 0-9 with an optional minus sign "
            "and decimal point, such as 1250000.50.",
            value=value,
        ),
        "too_precise": lambda: _("“%(value)s” has too many decimal places.", value=value),
        "invalid_cursor": lambda: _(
            "This page link is out of date or damaged. Start again from the first page."
        ),
        "invalid_currency": lambda: _(
            "There is no exchange rate for this currency. Choose one from the list, or add "
            "it to your rates table."
        ),
        "invalid_rate": lambda: _("The rate (units_per_usd) must be a number above zero."),
        "empty": lambda: _("Upload a CSV file whose first line is currency,units_per_usd."),
        "invalid_email": lambda: _("“%(value)s” is not an e-mail address.", value=value),
        "server_owned": lambda: _("The registry sets this itself; leave it out."),
        "not_reviewable": lambda: _(
            "This project has no flag above information, so there is nothing to review."
        ),
        "retired": lambda: _("A retired entry cannot be edited."),
        "not_found": lambda: _("Nothing was found for “%(value)s”.", value=value),
        "invalid_subdivision": lambda: _(
            "“%(value)s” is not an ISO 3166-2 subdivision code such as VN-HP.", value=value
        ),
        "subdivision_country": lambda: _(
            "This subdivision is not in a recipient country of the project."
        ),
        "percentages_sum": lambda: _("The percentages must add up to 100."),
        "percentages_incomplete": lambda: _("Give a percentage on every entry or on none."),
        "missing_start": lambda: _("Give at least one start date, planned or actual."),
        "date_order": lambda: _("An end date must be on or after its start date."),
        "future_date": lambda: _(
            "An actual date cannot be in the future; use a planned date for what is to come."
        ),
        "invalid_ref": lambda: _(
            "“%(value)s” is not an organisation reference such as JP-GOV-1.", value=value
        ),
        "not_unique": lambda: _("This is already used by another record."),
    }
    if code == "invalid_currency" and field is None:  # a line of an uploaded rates table
        return _("The currency is not an ISO 4217 code such as USD or JPY.")
    return advice[code]() if code in advice else None


def _submitted(args, name: str, index: str | None) -> str:
    values = args.getlist(name) if args is not None else []
    if index is not None and index.isdigit() and int(index) < len(values):
        return values[int(index)]
    return ", ".join(values)


def page_problem(problem: dict, args=None, fields=None) -> dict:
    """One problem with a page's request or form (`{field, code, message}` as the services
    and the schemas give it) for people: the field's label and what to do, in the page's
    language.

    `field` becomes the label (`Status`, not `status[0]`); `message` says what is wrong
    with the value sent (from `args`, the request's values or the form sent) and what to do
    instead. `fields` are the schema's fields the problem's field is looked up in (a form's
    schema: `ReviewDecisionSchema().fields`); by default a page's settings. A problem whose
    code this does not know keeps the service's message on an English page and is told in
    general words on another."""
    path = str(problem.get("field", ""))
    name, _bracket, rest = path.partition("[")
    line = name.removeprefix("rates line ")
    if line != name:
        label_text = _("Your own rates table, line %(line)s", line=line)
        name = "rates"
    else:
        label_text = str(FIELD_LABELS.get(name, name))
    field = (QUERY_FIELDS if fields is None else fields).get(name)
    value = _submitted(args, name, rest.rstrip("]") if rest else None)
    code = problem.get("code", "")
    message = _what_to_do(code, field, value)
    if message is None:
        message = (
            problem.get("message", "")
            if language() == "en"
            else _("This value is not accepted; check it and try again.")
        )
    return {"field": label_text, "message": message, "code": code, "name": name}


def page_problems(problems: list[dict], args=None, fields=None) -> list[dict]:
    return [page_problem(p, args, fields) for p in problems]
