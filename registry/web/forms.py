"""Forms of the pages (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from registry import reference


class ReviewForm(FlaskForm):
    status = SelectField(
        _l("Decision"),
        choices=[SelectChoice(s, s) for s in reference.vocabulary("review_decisions")],
        validators=[DataRequired()],
    )
    note = TextAreaField(_l("Reasons"), validators=[DataRequired(), Length(max=10_000)])
