"""Item analysis of a course's assignment items, and the queue of written answers to grade."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..database import begin_write_transaction
from ..extensions import db
from ..models import AssignmentItem, Submission, utcnow
from ..rendering import current_locale
from ..services.charts import HistogramText, histogram_svg, svg_data_uri
from ..services.item_analysis import SAME_REST, SAME_SCORE, TOO_FEW_STUDENTS, MIN_STUDENTS, analyse_course
from ..services.review import (
    COMMENT_MAX_LENGTH,
    ReviewOutcome,
    ScoreError,
    parse_percent,
    pending_reviews,
    review_text_answer,
)
from . import bp
from .views import course_taught_or_403

QUICK_SCORES = ("0", "50", "100")


def undefined_reasons() -> dict[str, str]:
    """Why a discrimination is shown as "—", for its tooltip."""
    return {
        TOO_FEW_STUDENTS: _("Undefined: fewer than %(num)s students attempted it.", num=MIN_STUDENTS),
        SAME_SCORE: _("Undefined: every student who attempted it has the same score on it."),
        SAME_REST: _(
            "Undefined: the students' totals on the rest of the assignment are all equal (for instance, "
            "it is the assignment's only item)."
        ),
    }


def chart(counts: tuple[int, ...]) -> str:
    svg = histogram_svg(tuple(counts), HistogramText(xlabel=_("Score, %"), ylabel=_("Students")))
    return svg_data_uri(svg)


def chart_description(counts: tuple[int, ...]) -> str:
    """The chart's bars in words, for its alt text."""
    width = 100 // len(counts)
    bars = [f"{width * i}–{width * (i + 1)}%: {count}" for i, count in enumerate(counts)]
    return _("Score distribution (students per score range): %(bars)s", bars="; ".join(bars))


@bp.route("/courses/<int:course_id>/analysis")
def item_analysis(course_id: int):
    course = course_taught_or_403(course_id)
    analysis = analyse_course(db.session, course, current_locale())
    return render_template(
        "teach/item_analysis.html", course=course, analysis=analysis, detail=None, reasons=undefined_reasons()
    )


@bp.route("/courses/<int:course_id>/analysis/items/<int:item_id>")
def item_analysis_detail(course_id: int, item_id: int):
    course = course_taught_or_403(course_id)
    item = db.session.get(AssignmentItem, item_id)
    if item is None or item.assignment.course_id != course.id:
        abort(404)
    analysis = analyse_course(db.session, course, current_locale(), assignment_id=item.assignment_id)
    detail = analysis.item(item.id)
    if detail is None:
        abort(404)
    return render_template(
        "teach/item_analysis.html",
        course=course,
        analysis=analysis,
        detail=detail,
        reasons=undefined_reasons(),
        chart=chart,
        chart_description=chart_description,
    )


def queue_filter(item_text: str | None, part: str | None) -> tuple[int | None, str | None]:
    """The part a queue is narrowed to, from the query or the form; anything unreadable narrows nothing."""
    text = (item_text or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        return None, None
    return int(text), (part or "").strip()[:50] or None


def render_queue(course, item_id: int | None, part: str | None, *, errors=None, typed=None, status: int = 200):
    queue = pending_reviews(db.session, course, current_locale(), item_id=item_id, part=part)
    chosen = next((p for p in queue.parts if p.item_id == item_id and p.part == part), None)
    return render_template(
        "teach/review_queue.html",
        course=course,
        queue=queue,
        chosen=chosen,
        item_id=item_id,
        part=part,
        errors=errors or {},
        typed=typed or {},
        quick_scores=QUICK_SCORES,
        comment_max=COMMENT_MAX_LENGTH,
    ), status


@bp.route("/courses/<int:course_id>/review")
def review_queue(course_id: int):
    course = course_taught_or_403(course_id)
    item_id, part = queue_filter(request.args.get("item"), request.args.get("part"))
    return render_queue(course, item_id, part)


@bp.route("/courses/<int:course_id>/review/save", methods=["POST"])
def review_save(course_id: int):
    course = course_taught_or_403(course_id)
    form = request.form
    item_id, part_filter = queue_filter(form.get("filter_item"), form.get("filter_part"))
    back = url_for("teach.review_queue", course_id=course.id, item=item_id, part=part_filter if item_id else None)
    submission_id, based_on = _id(form.get("submission_id")), _id(form.get("based_on"))
    part_name = (form.get("part") or "").strip()
    if submission_id is None or based_on is None or not part_name:
        flash(_("The form was incomplete, so nothing was saved. Choose an answer below and grade it again."), "error")
        return redirect(back)
    submission = db.session.get(Submission, submission_id)
    if submission is None or submission.assignment_item.assignment.course_id != course.id:
        abort(404)

    comment = (form.get("comment") or "").strip()
    quick = form.get("quick")
    error = None
    try:
        percent = parse_percent(quick if quick in QUICK_SCORES else form.get("score", ""))
    except ScoreError:
        error = _("Type the score as a percentage of the part: a number from 0 to 100.")
    if len(comment) > COMMENT_MAX_LENGTH:
        error = _("The comment is too long: at most %(max)s characters.", max=COMMENT_MAX_LENGTH)
    if error is not None:
        key = f"{submission.id}-{part_name}"
        return render_queue(
            course,
            item_id,
            part_filter,
            errors={key: error},
            typed={key: {"score": form.get("score", ""), "comment": comment}},
            status=422,
        )

    # Reading the current grading and appending the review in one transaction no other writer interleaves.
    begin_write_transaction(db.session)
    result = review_text_answer(
        db.session,
        submission=submission,
        part_name=part_name,
        percent=percent,
        comment=comment,
        reviewer=current_user,
        based_on=based_on,
        now=utcnow(),
    )
    if result.outcome is ReviewOutcome.SAVED:
        db.session.commit()
        flash(
            _("Saved: %(pct)s%% for the answer of %(name)s.", pct=f"{percent:g}", name=submission.user.name), "success"
        )
    elif result.outcome is ReviewOutcome.STALE:
        db.session.rollback()
        flash(
            _(
                "Nothing was saved: this answer has been graded again since the page was opened (in another tab, "
                "by a colleague or by a regrade). The queue below shows what is still waiting."
            ),
            "warning",
        )
    else:
        db.session.rollback()
        flash(_("Nothing was saved: this part is not a written answer of that submission."), "error")
    return redirect(back)


def _id(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None
