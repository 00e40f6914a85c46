"""The likelihood plot of a graded submission, as an SVG image for the feedback."""

from __future__ import annotations

from pathlib import Path

from flask import Response, abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..models import Submission, utcnow
from ..rendering import current_locale
from ..services.courses import can_teach
from ..services.plots import PlotText, plot_choice, submission_plot
from ..services.reveal import key_revealed
from . import bp


def plot_text() -> PlotText:
    """The plot's words in the reader's language."""
    return PlotText(
        loglik=_("Log-likelihood"),
        curve_title=_("Log-likelihood near the estimate"),
        surface_title=_("Log-likelihood surface"),
        your_answer=_("Your answer"),
        mle=_("MLE"),
        held=_("Other parameters held at their maximum-likelihood values"),
        # Formatted by the plot itself, with the student's value.
        off_plot=_("Your answer lies outside the plotted range: %(value)s", value="%(value)s"),
    )


def plot_url(submission: Submission | None) -> str | None:
    """The address of the submission's likelihood plot for an <img>, or None when no plot fits it."""
    if submission is None or plot_choice(submission) is None:
        return None
    return url_for("learn.submission_plot", item_id=submission.assignment_item_id, submission_id=submission.id)


def plot_cache_dir() -> Path:
    configured = current_app.config.get("PLOT_CACHE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "plot-cache"


@bp.route("/items/<int:item_id>/submissions/<int:submission_id>/plot.svg", endpoint="submission_plot")
@login_required
def submission_plot_svg(item_id: int, submission_id: int):
    submission = db.session.get(Submission, submission_id)
    if submission is None or submission.assignment_item_id != item_id:
        abort(404)
    item = submission.assignment_item
    # A student sees only their own submissions; teachers of the course (and admins) see every student's.
    if submission.user_id != current_user.id and not can_teach(db.session, item.assignment.course_id, current_user):
        abort(404)
    reveal = key_revealed(db.session, item, submission.user, utcnow())
    image = submission_plot(
        submission, reveal=reveal, locale=current_locale(), text=plot_text(), cache_dir=plot_cache_dir()
    )
    if image is None:
        abort(404)
    response = Response(image.svg, mimetype="image/svg+xml")
    # The reveal may change at any moment (the due time passes): the browser keeps the picture but asks again,
    # and gets a 304 while nothing has changed.
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.set_etag(image.etag)
    return response.make_conditional(request)
