"""Error pages in the user's language; never a bare 500 with a traceback."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import db

MESSAGES = {
    400: lambda: _("The request could not be understood."),
    403: lambda: _("You do not have access to this page."),
    404: lambda: _("This page does not exist, or it is not available to you."),
    405: lambda: _("This page cannot be used this way."),
    413: lambda: _("What you sent is too large."),
    429: lambda: _("Too many attempts from your connection. Wait a minute and try again."),
    # Unhandled exceptions arrive here as a 500 (and propagate instead when testing).
    500: lambda: _("Something went wrong on our side. Please try again in a moment."),
    503: lambda: _("This exercise cannot be shown right now. Your teacher has been told; please try again later."),
}


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_template("error.html", code=400, message=_(
            "The form had expired or was sent from another page. Go back, reload the page and send it again: "
            "nothing was saved.")), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if (error.code or 500) >= 500:
            # A failed statement leaves the session unusable until rolled back; the page itself may need it.
            db.session.rollback()
        describe = MESSAGES.get(error.code or 500)
        message = describe() if describe else error.description
        return render_template("error.html", code=error.code, message=message), error.code
