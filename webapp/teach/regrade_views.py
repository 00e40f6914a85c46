"""Regrading a course from the web: choose the scope and the version to judge by, see the dry run, apply it.

Every run is a row (RegradeRun) and its result page is a GET, sortable by the change. A small scope runs in the
request; a larger one (more than ``REGRADE_SYNC_LIMIT`` submissions) runs in a background thread of this process,
which writes its progress to the row between batches, while the result page refreshes itself until the run ends.
No Redis needed: a run whose process died stops reporting and is shown as interrupted after ``STALE_AFTER``.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from flask import Flask, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import ValidationError

from ..database import begin_write_transaction
from ..extensions import db
from ..models import Assignment, AssignmentItem, Course, RegradeRun, utcnow
from ..rendering import current_locale
from ..services.regrade import Against, RegradeReport, regrade_scope, run_regrade
from ..services.regrade_report import SORTS, sort_grade_changes
from . import bp
from .problem_words import stored_in_words
from .views import course_taught_or_403

log = logging.getLogger(__name__)

REGRADE_SYNC_LIMIT = 300  # submissions; app.config["REGRADE_SYNC_LIMIT"] overrides it
STALE_AFTER = timedelta(minutes=10)
REFRESH_SECONDS = 2
RECENT_RUNS = 10
ALL_ITEMS = "all"


class RegradeForm(FlaskForm):
    """The scope and the version that judges. The template draws the fields from ``item_choices`` and
    ``against_choices`` (plain (value, label) pairs): a value that is not among them is refused with a message."""

    item = StringField(_l("What to regrade"), default=ALL_ITEMS)
    against = StringField(_l("Judge each answer by"), default=Against.ANSWERED.value)
    submit = SubmitField(_l("Dry run: show what would change"))
    item_choices: list[tuple[str, str]] = []

    @property
    def against_choices(self) -> list[tuple[str, str]]:
        return [
            (Against.ANSWERED.value, _("the exercise version it answered — after a grader change")),
            (Against.CURRENT.value, _("the exercise's current version — after fixing a tolerance or a key")),
        ]

    def validate_item(self, field) -> None:
        if field.data not in {value for value, _label in self.item_choices}:
            raise ValidationError(_l("Choose one of the course's items, or all of them."))

    def validate_against(self, field) -> None:
        if field.data not in {against.value for against in Against}:
            raise ValidationError(_l("Choose which version of the exercise judges the answers."))


class ApplyForm(FlaskForm):
    run = HiddenField()
    submit = SubmitField(_l("Apply: save the new grades"))


def course_items(course: Course) -> list[AssignmentItem]:
    return list(
        db.session.scalars(
            select(AssignmentItem)
            .join(Assignment, Assignment.id == AssignmentItem.assignment_id)
            .where(Assignment.course_id == course.id)
            .order_by(Assignment.id, AssignmentItem.position, AssignmentItem.id)
        )
    )


def item_title(item: AssignmentItem) -> str:
    return f"{item.assignment.title} — {item.exercise.current_version.title(current_locale())}"


def regrade_form(course: Course, items: list[AssignmentItem], **kwargs) -> RegradeForm:
    form = RegradeForm(**kwargs)
    form.item_choices = [(ALL_ITEMS, _("Every item of the course"))] + [(str(i.id), item_title(i)) for i in items]
    return form


def is_stale(run: RegradeRun, now: datetime) -> bool:
    return run.status == "running" and now - run.updated_at > STALE_AFTER


# ----- pages ------------------------------------------------------------------------------------------------------


@bp.route("/courses/<int:course_id>/regrade", methods=["GET", "POST"])
def regrade(course_id: int):
    course = course_taught_or_403(course_id)
    items = course_items(course)
    form = regrade_form(course, items)
    if form.validate_on_submit():
        item = next((i for i in items if str(i.id) == form.item.data), None)
        return launch(course, item, Against(form.against.data), applied=False)
    status = 422 if request.method == "POST" else 200
    runs = db.session.scalars(
        select(RegradeRun).where(RegradeRun.course_id == course.id).order_by(RegradeRun.id.desc()).limit(RECENT_RUNS)
    ).all()
    titles = {item.id: item_title(item) for item in items}
    return render_template(
        "teach/regrade.html", course=course, form=form, runs=runs, titles=titles, now=utcnow(), is_stale=is_stale
    ), status


@bp.route("/courses/<int:course_id>/regrade/apply", methods=["POST"])
def regrade_apply(course_id: int):
    course = course_taught_or_403(course_id)
    form = ApplyForm()
    dry_run = None
    if form.validate_on_submit() and (form.run.data or "").isdigit():
        dry_run = db.session.get(RegradeRun, int(form.run.data))
    if dry_run is None or dry_run.course_id != course.id or dry_run.applied or dry_run.status != "done":
        flash(_("Run a dry run first, then apply it from its page."), "error")
        return redirect(url_for("teach.regrade", course_id=course.id))
    return launch(course, dry_run.item, Against(dry_run.against), applied=True)


@bp.route("/courses/<int:course_id>/regrade/run")
def regrade_run(course_id: int):
    """A run's progress while it runs (the page refreshes itself), then its report. Without ``?run=``: the latest."""
    course = course_taught_or_403(course_id)
    query = select(RegradeRun).where(RegradeRun.course_id == course.id)
    run_id = request.args.get("run", type=int)
    if run_id is not None:
        query = query.where(RegradeRun.id == run_id)
    run = db.session.scalars(query.order_by(RegradeRun.id.desc()).limit(1)).first()
    if run is None and run_id is not None:
        abort(404)
    now = utcnow()
    report = RegradeReport.from_json(run.report) if run is not None and run.report is not None else None
    sort = request.args.get("sort") if request.args.get("sort") in SORTS else "change"
    descending = request.args.get("dir", "asc" if sort != "change" else "desc") == "desc"
    items = course_items(course)
    rows = []
    if report is not None:
        order = {item.id: place for place, item in enumerate(items)}
        rows = sort_grade_changes(report.grades, sort, descending, order)
    page = render_template(
        "teach/regrade_run.html",
        course=course,
        run=run,
        report=report,
        rows=rows,
        titles={item.id: item_title(item) for item in items},
        sort=sort,
        descending=descending,
        stale=run is not None and is_stale(run, now),
        apply_form=ApplyForm(formdata=None, run=str(run.id)) if run is not None else None,
        refresh=REFRESH_SECONDS,
        stored_in_words=stored_in_words,
    )
    response = make_response(page)
    if run is not None and run.status == "running" and not is_stale(run, now):
        response.headers["Refresh"] = str(REFRESH_SECONDS)  # the page updates itself until the run ends
    return response


def launch(course: Course, item: AssignmentItem | None, against: Against, *, applied: bool):
    """Record a run of this scope and run it: here when it is small, else in a background thread."""
    now = utcnow()
    if applied:
        running = db.session.scalars(
            select(RegradeRun).where(
                RegradeRun.course_id == course.id, RegradeRun.applied.is_(True), RegradeRun.status == "running"
            )
        ).all()
        if any(not is_stale(run, now) for run in running):
            flash(_("A regrade of this course is being applied already: wait until it ends."), "error")
            return redirect(url_for("teach.regrade_run", course_id=course.id, run=running[-1].id))
    total = regrade_scope(db.session, course, item=item, against=against).total
    run = RegradeRun(
        course_id=course.id,
        teacher_id=current_user.id,
        item_id=item.id if item is not None else None,
        against=against.value,
        applied=applied,
        status="running",
        total=total,
        done=0,
        created_at=now,
        updated_at=now,
    )
    db.session.add(run)
    db.session.commit()
    if total <= current_app.config.get("REGRADE_SYNC_LIMIT", REGRADE_SYNC_LIMIT):
        execute_run(db.session, run.id)
    else:
        start_background(current_app._get_current_object(), run.id)
    return redirect(url_for("teach.regrade_run", course_id=course.id, run=run.id))


# ----- running a regrade (commits between batches: this is the job, not a service) ---------------------------------


def start_background(app: Flask, run_id: int) -> threading.Thread:
    thread = threading.Thread(target=run_in_thread, args=(app, run_id), name=f"regrade-{run_id}", daemon=True)
    thread.start()
    return thread


def run_in_thread(app: Flask, run_id: int) -> None:
    with app.app_context():
        execute_run(db.session, run_id)


def execute_run(session: Session, run_id: int) -> None:
    """Run the recorded regrade: each batch committed (applied) or rolled back (dry run), then the progress
    committed; at the end the report. A failure is recorded on the run, never raised."""
    run = session.get(RegradeRun, run_id)
    assert run is not None
    applied, course, item = run.applied, run.course, run.item

    def progress(done: int, total: int) -> None:
        session.commit() if applied else session.rollback()
        session.execute(
            update(RegradeRun).where(RegradeRun.id == run_id).values(done=done, total=total, updated_at=utcnow())
        )
        begin_write_transaction(session)  # commits the progress, then holds the write lock for the next batch

    try:
        scope = regrade_scope(session, course, item=item, against=Against(run.against))
        begin_write_transaction(session)
        report = run_regrade(session, scope, apply=applied, now=utcnow(), after_batch=progress)
        values = {"status": "done", "done": scope.total, "total": scope.total, "report": report.to_json()}
    except Exception as error:  # the run's page says what failed; the server goes on
        log.exception("regrade run %s failed", run_id)
        session.rollback()
        values = {"status": "failed", "error": (str(error) or type(error).__name__)[:500]}
    now = utcnow()
    session.execute(update(RegradeRun).where(RegradeRun.id == run_id).values(updated_at=now, finished_at=now, **values))
    session.commit()
