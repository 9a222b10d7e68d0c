"""Forms of the pages (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from registry import reference


class ReviewForm(FlaskForm):
    status = SelectField(
        _l("Decision"),
        choices=[SelectChoice(s, s) for s in reference.vocabulary("review_decisions")],
        validators=[DataRequired()],
    )
    note = TextAreaField(_l("Reasons"), validators=[DataRequired(), Length(max=10_000)])


class VendorForm(FlaskForm):
    name = StringField(_l("Company name"), validators=[DataRequired(), Length(min=3, max=300)])
    aliases = StringField(
        _l("Other names (comma-separated)"), validators=[Optional(), Length(max=2000)]
    )
    country = StringField(_l("Home country (ISO code)"), validators=[Optional(), Length(max=3)])
    categories = SelectMultipleField(
        _l("Categories"),
        choices=[SelectChoice(c, c) for c in reference.vocabulary("vendor_categories")],
        validators=[DataRequired()],
    )
    source = StringField(_l("Source of the listing"), validators=[DataRequired(), Length(max=500)])


class RerunForm(FlaskForm):
    """Only the CSRF token: re-screening takes no input."""
