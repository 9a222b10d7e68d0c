"""/admin/vendors: admins add, edit and retire vendors of concern (each change with who,
when and why) and re-run screening in the background, watching its status."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from registry import reference
from registry.models.types import utcnow
from registry.services import background, vendors
from registry.services.actors import ADMIN
from registry.services.errors import NotFound, ValidationFailed
from registry.web.auth import current_actor, signed_in
from registry.web.blueprint import bp
from registry.web.helpers import country_name, label

RERUN = "screening_rerun"
REFRESH_SECONDS = 3


class VendorForm(FlaskForm):
    name = StringField(_l("Company name"), validators=[InputRequired(), Length(min=3, max=300)])
    aliases = StringField(
        _l("Other names (comma-separated)"), validators=[Optional(), Length(max=20_000)]
    )
    country = StringField(
        _l("Home country (ISO code)"), validators=[Optional(), Length(min=2, max=2)]
    )
    categories = SelectMultipleField(
        _l("Categories"),
        choices=[SelectChoice(c, c) for c in reference.vocabulary("vendor_categories")],
        validators=[InputRequired()],
    )
    source = StringField(_l("Source of the listing"), validators=[InputRequired(), Length(max=500)])


class VendorEditForm(VendorForm):
    reason = TextAreaField(_l("Why this change"), validators=[InputRequired(), Length(max=1000)])


class RetireForm(FlaskForm):
    reason = TextAreaField(_l("Why retire it"), validators=[InputRequired(), Length(max=1000)])


class RerunForm(FlaskForm):
    """Only the CSRF token: re-screening takes no input."""


FIELD_LABELS = {
    "name": _l("Company name"),
    "aliases": _l("Other names"),
    "country": _l("Home country"),
    "categories": _l("Categories"),
    "source": _l("Source of the listing"),
}


def _rule(field: str) -> str:
    """What a field allows, said when its value is refused."""
    if field == "categories":
        choices = ", ".join(label("vendor_categories", c) for c in _categories())
        return _("Tick at least one category: %(choices)s.", choices=choices)
    return {
        "name": _("Enter the company's name: 3 to 300 characters."),
        "aliases": _(
            "Other names are separated by commas; each is 3 to 300 characters long, "
            "at most 50 of them."
        ),
        "country": _(
            "Enter the two-letter ISO 3166-1 code of the home country, such as CN or RU, "
            "or leave the box empty."
        ),
        "source": _(
            "Say which list or decision the vendor comes from, with its date: 1 to 500 characters."
        ),
        "reason": _("Say why, in 1 to 1,000 characters: the reason is kept in the history."),
    }.get(field, _("This value is not allowed."))


def _categories() -> tuple[str, ...]:
    return reference.vocabulary("vendor_categories")


def _explain(form: FlaskForm) -> None:
    """Replace WTForms' generic messages by what each field allows, in the page's language."""
    for field in form:
        if field.errors and field.short_name != "csrf_token":
            field.errors = [_rule(field.short_name)]


def _duplicate(error: vendors.DuplicateVendor) -> Markup:
    existing = error.existing
    if existing.entry_id is not None:
        href = url_for("web.admin_vendor", vendor_id=existing.entry_id)
    else:
        href = url_for("web.admin_vendors", _anchor=f"seed-{existing.seed_id}")
    link = Markup('<a href="{}">{}</a>').format(href, existing.name)
    text = (
        _(
            "“%(name)s” is already listed as %(link)s (names are compared without case, "
            "width, spacing or legal forms such as Co., Ltd., Inc. or 株式会社). "
            "Edit that entry instead of adding another."
        )
        if existing.entry_id is not None
        else _(
            "“%(name)s” is already listed as %(link)s on the built-in list (names are "
            "compared without case, width, spacing or legal forms such as Co., Ltd., Inc. "
            "or 株式会社), so it is screened already."
        )
    )
    return Markup(text) % {"name": error.submitted, "link": link}


def _attach(form: FlaskForm, error: ValidationFailed) -> None:
    """Put the service's problems next to the fields they are about."""
    for problem in error.errors:
        name = problem["field"].split("[")[0].split(".")[0]
        field = form[name] if name in form else form["name"]
        message = _duplicate(error) if isinstance(error, vendors.DuplicateVendor) else _rule(name)
        if message not in field.errors:
            field.errors = [*field.errors, message]


def _payload(form: VendorForm) -> dict:
    aliases = [a.strip() for a in (form.aliases.data or "").split(",") if a.strip()]
    return {
        "name": form.name.data,
        "aliases": aliases,
        "country": (form.country.data or "").strip().upper() or None,
        "categories": form.categories.data,
        "source": form.source.data,
    }


def _when(value: datetime | None) -> str:
    return format_datetime(value, "medium") if value else ""


def _value(field: str, value) -> str:
    if value in (None, "", []):
        return "–"
    if field == "categories":
        return ", ".join(label("vendor_categories", c) for c in value)
    if field == "country":
        return f"{country_name(value)} ({value})"
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


def _history(vendor_id: int) -> list[dict]:
    actions = {"add": _("Added"), "edit": _("Edited"), "retire": _("Retired")}
    return [
        {
            "when": _when(change.changed_at),
            "who": change.actor,
            "what": actions.get(change.action, change.action),
            "why": change.reason,
            "changes": [
                {
                    "field": FIELD_LABELS.get(c["field"], c["field"]),
                    "before": _value(c["field"], c["before"]),
                    "after": _value(c["field"], c["after"]),
                }
                for c in change.changes
            ],
        }
        for change in vendors.vendor_history(vendor_id, current_actor())
    ]


def _run_view(run: dict | None) -> dict | None:
    """A run as the status panel shows it."""
    if run is None:
        return None
    result = run["result"] or {}
    states = {
        "queued": _("Waiting to start"),
        "running": _("Running"),
        "done": _("Done"),
        "failed": _("Failed"),
    }
    return {
        **run,
        "state": states.get(run["status"], run["status"]),
        "active": run["status"] in background.ACTIVE,
        "queued": _when(run["queued_at"]),
        "started": _when(run["started_at"]),
        "finished": _when(run["finished_at"]),
        "summary": (
            _(
                "%(screened)s projects screened, %(changed)s changed, %(reopened)s reviews "
                "reopened.",
                screened=result["screened"],
                changed=result["changed"],
                reopened=result["reopened"],
            )
            if run["status"] == "done"
            else ""
        ),
    }


def _page(template: str, status: int = 200, run: dict | None = None, **context):
    """A page with the re-run panel: the latest run, or `run` (the run page, which reloads
    itself while the run is under way; pages with forms do not, so typing is never lost)."""
    follow = run is not None
    run = _run_view(run if follow else background.latest(RERUN))
    response = make_response(
        render_template(
            template,
            run=run,
            follow=follow,
            rerun=RerunForm(),
            categories=_categories(),
            **context,
        ),
        status,
    )
    if follow and run["active"]:
        # The browser loads the page again while the run is under way; no script needed.
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response


def _rescreen(done: str) -> None:
    """Re-screen in the background after a change of the lists, and say so."""
    run_id = background.start(RERUN, current_actor())
    flash(
        _(
            "%(done)s Projects are being re-screened in the background (run %(id)s).",
            done=done,
            id=run_id,
        ),
        "success",
    )


@bp.route("/admin/vendors", methods=["GET", "POST"])
@signed_in(roles=(ADMIN,))
def admin_vendors():
    form = VendorForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                entry = vendors.vendor_add(_payload(form), current_actor())
            except ValidationFailed as error:
                _attach(form, error)
            else:
                _rescreen(_("Vendor %(name)s added.", name=entry.name))
                return redirect(url_for("web.admin_vendors"))
        else:
            _explain(form)
        status = 422
    actor = current_actor()
    return _page(
        "admin_vendors.html",
        status,
        form=form,
        entries=vendors.vendor_list(actor),
        seed=vendors.vendor_seed_list(actor),
    )


def _vendor_or_404(vendor_id: int):
    try:
        return vendors.vendor_get(vendor_id, current_actor())
    except NotFound:
        abort(404, _("There is no vendor entry %(id)s.", id=vendor_id))


def _edit_page(vendor, form: VendorEditForm, retire: RetireForm, status: int = 200):
    return _page(
        "admin_vendor.html",
        status,
        vendor=vendor,
        form=form,
        retire=retire,
        history=_history(vendor.id),
    )


@bp.route("/admin/vendors/<int:vendor_id>", methods=["GET", "POST"])
@signed_in(roles=(ADMIN,))
def admin_vendor(vendor_id: int):
    vendor = _vendor_or_404(vendor_id)
    if request.method == "GET":
        form = VendorEditForm(
            data={
                "name": vendor.name,
                "aliases": ", ".join(vendor.aliases),
                "country": vendor.country or "",
                "categories": list(vendor.categories),
                "source": vendor.source,
            }
        )
        return _edit_page(vendor, form, RetireForm(prefix="retire"))
    form = VendorEditForm()
    if form.validate_on_submit():
        revision = vendor.revision
        try:
            vendor = vendors.vendor_update(
                vendor_id, {**_payload(form), "reason": form.reason.data}, current_actor()
            )
        except ValidationFailed as error:
            _attach(form, error)
        else:
            if vendor.revision == revision:
                flash(_("Nothing changed: the entry already reads like that."), "success")
            else:
                _rescreen(_("Vendor %(name)s updated.", name=vendor.name))
            return redirect(url_for("web.admin_vendor", vendor_id=vendor_id))
    else:
        _explain(form)
    return _edit_page(vendor, form, RetireForm(prefix="retire", formdata=None), 422)


@bp.post("/admin/vendors/<int:vendor_id>/retire")
@signed_in(roles=(ADMIN,))
def admin_vendor_retire(vendor_id: int):
    vendor = _vendor_or_404(vendor_id)
    retire = RetireForm(prefix="retire")
    if retire.validate_on_submit():
        try:
            vendor = vendors.vendor_retire(
                vendor_id, {"reason": retire.reason.data}, current_actor()
            )
        except ValidationFailed as error:
            _attach(retire, error)
        else:
            _rescreen(_("Vendor %(name)s retired: it no longer matches.", name=vendor.name))
            return redirect(url_for("web.admin_vendor", vendor_id=vendor_id))
    else:
        _explain(retire)
    form = VendorEditForm(
        formdata=None,
        data={
            "name": vendor.name,
            "aliases": ", ".join(vendor.aliases),
            "country": vendor.country or "",
            "categories": list(vendor.categories),
            "source": vendor.source,
        },
    )
    return _edit_page(vendor, form, retire, 422)


@bp.post("/admin/screening/rerun")
@signed_in(roles=(ADMIN,))
def admin_rerun():
    form = RerunForm()
    if not form.validate_on_submit():  # CSRFProtect has refused a bad token already
        return redirect(url_for("web.admin_vendors", _anchor="run"))
    pressed = utcnow()
    run_id = background.start(RERUN, current_actor())
    run = background.status(run_id) or {}
    if run.get("queued_at") and run["queued_at"] < pressed:
        flash(
            _(
                "A re-run started by %(who)s at %(when)s is already under way; "
                "this page follows it.",
                who=run["actor"],
                when=_when(run["queued_at"]),
            ),
            "success",
        )
    else:
        flash(_("Re-screening started in the background (run %(id)s).", id=run_id), "success")
    return redirect(url_for("web.admin_run", run_id=run_id))


@bp.get("/admin/screening/runs/<int:run_id>")
@signed_in(roles=(ADMIN,))
def admin_run(run_id: int):
    """One re-run: its status, reloading itself until it ends, then its result."""
    run = background.status(run_id)
    if run is None or run["kind"] != RERUN:
        abort(404, _("There is no re-run %(id)s.", id=run_id))
    return _page("admin_run.html", run=run)
