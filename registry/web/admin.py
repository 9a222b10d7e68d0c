"""/admin/vendors: admins add a vendor of concern and re-run screening."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from registry.services import screening, vendors
from registry.services.actors import ADMIN
from registry.services.errors import ValidationFailed
from registry.web.auth import current_actor, signed_in
from registry.web.blueprint import bp
from registry.web.forms import RerunForm, VendorForm


@bp.route("/admin/vendors", methods=["GET", "POST"])
@signed_in(roles=(ADMIN,))
def admin_vendors():
    form = VendorForm()
    if form.validate_on_submit():
        aliases = [a.strip() for a in (form.aliases.data or "").split(",") if a.strip()]
        try:
            entry = vendors.vendor_add(
                {
                    "name": form.name.data,
                    "aliases": aliases,
                    "country": form.country.data or None,
                    "categories": form.categories.data,
                    "source": form.source.data,
                },
                current_actor(),
            )
        except ValidationFailed as error:
            for problem in error.errors:
                flash(f"{problem['field']}: {problem['message']}", "error")
        else:
            flash(
                _(
                    "Vendor %(name)s added. Re-run screening to flag existing projects.",
                    name=entry.name,
                ),
                "success",
            )
            return redirect(url_for("web.admin_vendors"))
    ruleset = screening.active_ruleset()
    return render_template(
        "admin_vendors.html", form=form, rerun=RerunForm(), ruleset=ruleset.describe()
    )


@bp.post("/admin/screening/rerun")
@signed_in(roles=(ADMIN,))
def admin_rerun():
    form = RerunForm()
    if form.validate_on_submit():
        report = screening.screening_rerun(current_actor())
        flash(
            _(
                "%(screened)s projects screened, %(changed)s changed, %(reopened)s reviews "
                "reopened.",
                screened=report.screened,
                changed=len(report.changed),
                reopened=report.reopened,
            ),
            "success",
        )
    return redirect(url_for("web.admin_vendors"))
