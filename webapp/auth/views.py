from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, limiter
from ..i18n import LANGUAGE_COOKIE, LANGUAGES
from ..models import utcnow
from ..services.accounts import AccountError, authenticate, choose_password, end_sessions, record_login
from ..services.accounts import MIN_PASSWORD_LENGTH, register_student
from . import bp
from .forms import LanguageForm, LoginForm, LogoutForm, NewPasswordForm, RegisterForm

ACCOUNT_ERRORS = {
    "email_taken": ("email", lambda: _("An account with this e-mail address exists already. Log in instead.")),
    "unknown_join_code": ("join_code", lambda: _("No course has this join code. Check it with your teacher.")),
    "password_too_short": ("password", lambda: _("The password is too short.")),
    "password_unchanged": ("password", lambda: _(
        "This is the password you were given. Choose a different one, of your own."
    )),
}
# What a user who must replace their password may still reach before doing so.
BEFORE_OWN_PASSWORD = frozenset({"auth.new_password", "auth.logout", "auth.set_language", "static"})


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
            record_login(user, utcnow())
            db.session.commit()  # the login time, and a rehashed password
            session.clear()
            login_user(user)
            target = safe_next(request.args.get("next"))
            if user.must_change_password:
                return redirect(url_for("auth.new_password", next=target))
            return redirect(target or url_for("learn.home"))
    return render_template("auth/login.html", form=form)


@bp.before_app_request
def require_own_password():
    """A user whose password someone else chose (a roster import) chooses their own before any other page."""
    if request.endpoint is None or request.endpoint in BEFORE_OWN_PASSWORD:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        target = safe_next(request.full_path.rstrip("?")) if request.method == "GET" else None
        return redirect(url_for("auth.new_password", next=target))
    return None


@bp.route("/password", methods=["GET", "POST"])
@login_required
@limiter.limit(credential_limit, methods=["POST"])
def new_password():
    """Choose one's own password in place of the first-login one; the session goes on under a new token."""
    if not current_user.must_change_password:
        return redirect(url_for("learn.home"))
    form = NewPasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            choose_password(user, form.password.data)
        except AccountError as error:
            field, message = ACCOUNT_ERRORS[error.code]
            getattr(form, field).errors.append(message())
        else:
            db.session.commit()
            session.clear()
            login_user(user)  # the cookie's old token no longer works: this session continues with the new one
            flash(_("Your password is saved. Use it from now on."), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("learn.home"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/password.html", form=form, min_length=MIN_PASSWORD_LENGTH), status


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
            record_login(registration.user, utcnow())
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
