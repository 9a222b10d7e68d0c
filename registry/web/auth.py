"""Sign-in for people (Flask-Login), and the `signed_in` declaration every page makes."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from registry import reference
from registry.access import public
from registry.extensions import login_manager
from registry.limits import sign_in_attempt, sign_in_succeeded
from registry.services import accounts
from registry.services.actors import Actor
from registry.web.blueprint import bp


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])


@login_manager.user_loader
def _load_user(session_id: str):
    """The session cookie's `<id>:<generation>`: no one once sign-out, a password change or
    disabling has raised that person's generation."""
    return accounts.user_for_session(session_id)


def current_actor() -> Actor:
    """The signed-in person as the services' actor."""
    return Actor(
        label=current_user.email,
        role=current_user.role,
        organisation_id=current_user.organisation_id,
    )


def signed_in(roles: tuple[str, ...] | None = None):
    """The page needs a signed-in person (with one of `roles`, when given)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles is not None and current_user.role not in roles:
                names = ", ".join(
                    reference.label("user_roles", r, str(get_locale())) for r in roles
                )
                abort(403, _("This page is for %(roles)s only.", roles=names))
            return view(*args, **kwargs)

        wrapper.access = {"public": False, "roles": roles}
        return wrapper

    return decorator


def safe_next(target: str | None) -> str:
    """Only same-site paths: no scheme, no host, no protocol-relative `//evil`."""
    if not target:
        return url_for("web.projects")
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return url_for("web.projects")
    return target


def _login_key() -> str:
    email = (request.form.get("email") or "").strip().lower()
    return f"login:{request.remote_addr}:{email}"


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Sign in. After 5 failures in 15 minutes for one address and email, 429 until the
    window ends."""
    form = LoginForm()
    # Counted as failed until the password proves right, in the database all workers share.
    attempt = sign_in_attempt(_login_key()) if request.method == "POST" else None
    if form.validate_on_submit():
        user = accounts.user_authenticate(form.email.data, form.password.data)
        if user is not None:
            sign_in_succeeded(attempt)
            login_user(user)
            return redirect(safe_next(request.args.get("next")))
        flash(_("Wrong email or password."), "error")
    status = 400 if request.method == "POST" else 200
    return render_template("login.html", form=form), status


@bp.post("/logout")
@signed_in()
def logout():
    """Sign out everywhere: every session of this person ends, here and on other devices,
    and a copy of the cookie signs no one in."""
    accounts.user_end_sessions(current_user.email, current_actor())
    logout_user()
    return redirect(url_for("web.login"))
