from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, limiter
from ..i18n import LANGUAGE_COOKIE, LANGUAGES
from ..services.accounts import AccountError, authenticate, end_sessions, register_student
from . import bp
from .forms import LanguageForm, LoginForm, LogoutForm, RegisterForm

ACCOUNT_ERRORS = {
    "email_taken": ("email", lambda: _("An account with this e-mail address exists already. Log in instead.")),
    "unknown_join_code": ("join_code", lambda: _("No course has this join code. Check it with your teacher.")),
    "password_too_short": ("password", lambda: _("The password is too short.")),
}


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: a crafted ?next= must not send a student to another site after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def credential_limit() -> str:
    """Guessing passwords, or making the server hash many of them, is slowed per client address."""
    return current_app.config["CREDENTIAL_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(credential_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong e-mail or password."))
        else:
            db.session.commit()  # a rehashed password is kept
            session.clear()
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or url_for("learn.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(credential_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    form = RegisterForm()
    if request.method == "GET" and request.args.get("code"):
        form.join_code.data = request.args["code"]
    if form.validate_on_submit():
        try:
            registration = register_student(
                db.session, email=form.email.data, name=form.name.data, password=form.password.data,
                join_code=form.join_code.data,
            )
        except AccountError as error:
            field, message = ACCOUNT_ERRORS[error.code]
            getattr(form, field).errors.append(message())
            db.session.rollback()
        else:
            db.session.commit()
            session.clear()
            login_user(registration.user)
            flash(_("Welcome! You have joined %(course)s.", course=registration.course.title), "success")
            return redirect(url_for("learn.home"))
    return render_template("auth/register.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        end_sessions(current_user)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
def set_language():
    form = LanguageForm()
    target = safe_next(form.next.data) or url_for("learn.home")
    if form.validate_on_submit() and form.language.data in LANGUAGES:
        if current_user.is_authenticated:
            current_user.locale = form.language.data
            db.session.commit()
        response = redirect(target)
        response.set_cookie(LANGUAGE_COOKIE, form.language.data, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True, secure=request.is_secure)
        return response
    return redirect(target)
