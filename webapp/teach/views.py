"""Teachers' pages: their courses, the gradebook, a student's report with grade overrides, and CSV exports."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext, to_user_timezone
from flask_login import current_user

from ..database import begin_write_transaction
from ..extensions import db
from ..feedback import CORRECT, INCORRECT, PARTLY, PENDING
from ..models import AssignmentItem, Course, CourseRole, User, utcnow
from ..rendering import current_locale
from ..services.courses import can_teach, course_role, courses_of
from ..services.exports import CSV_MIME, csv_chunks, export_filename, gradebook_table, percent, submissions_table
from ..services.gradebook import Gradebook, build_gradebook, student_report
from ..services.overrides import OverrideError, grade_for, override_grade
from . import bp
from .forms import OverrideForm, override_form


def course_taught_or_403(course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None:
        abort(404)
    if not can_teach(db.session, course.id, current_user):
        abort(403)
    return course


def student_or_404(course: Course, user_id: int) -> User:
    """A student of ``course``; anyone else (a teacher, a stranger, nobody) is not found here."""
    student = db.session.get(User, user_id)
    if student is None or course_role(db.session, course.id, student) is not CourseRole.STUDENT:
        abort(404)
    return student


@bp.route("/")
def courses():
    taught = [course for course, role in courses_of(db.session, current_user) if role is CourseRole.TEACHER]
    return render_template("teach/courses.html", courses=taught)


# ----- the gradebook ----------------------------------------------------------------------------------------------


@bp.route("/courses/<int:course_id>/gradebook")
def gradebook(course_id: int):
    course = course_taught_or_403(course_id)
    book = build_gradebook(db.session, course, request.args.get("sort"), request.args.get("dir"))
    page = min(max(1, request.args.get("page", 1, type=int)), book.page_count)
    rows = book.page(page)
    return render_template(
        "teach/gradebook.html",
        gradebook=book,
        rows=rows,
        page=page,
        attempt_words=attempt_words(cell.attempts for row in rows for cell in row.cells if cell),
    )


def attempt_words(counts: Iterable[int]) -> dict[int, str]:
    """The words for each count of attempts on the page ("3 attempts"), each worded once rather than per cell."""
    return {n: ngettext("%(num)s attempt", "%(num)s attempts", n) for n in set(counts)}


# ----- one student ------------------------------------------------------------------------------------------------


@bp.route("/courses/<int:course_id>/students/<int:user_id>")
def student(course_id: int, user_id: int):
    course = course_taught_or_403(course_id)
    return student_page(course, student_or_404(course, user_id))


@bp.route("/courses/<int:course_id>/students/<int:user_id>/items/<int:item_id>/override", methods=["POST"])
def override(course_id: int, user_id: int, item_id: int):
    course = course_taught_or_403(course_id)
    student = student_or_404(course, user_id)
    item = db.session.get(AssignmentItem, item_id)
    if item is None or item.assignment.course_id != course.id:
        abort(404)
    form = override_form(item.id)
    if form.validate_on_submit():
        new_score = form.new_score
        # The grade's current override is read and replaced with no other writer in between.
        begin_write_transaction(db.session)
        try:
            override_grade(db.session, grade_for(db.session, item, student), current_user, new_score, form.reason.data)
        except OverrideError as error:
            db.session.rollback()
            describe = OVERRIDE_ERRORS.get(error.code)
            form.form_errors.append(describe() if describe else str(error))
        else:
            db.session.commit()
            if new_score is None:
                flash(_("The override is removed: the computed score counts again."), "success")
            else:
                flash(_("The score is set to %(pct)s%%.", pct=f"{percent(new_score):g}"), "success")
            return redirect(
                url_for("teach.student", course_id=course.id, user_id=student.id, _anchor=f"grade-{item.id}")
            )
    return student_page(course, student, posted=form, posted_item_id=item.id), 422


OVERRIDE_ERRORS = {
    "reason_required": lambda: _("Give a reason: it is kept with the grade's history."),
    "reason_too_long": lambda: _("The reason is too long: at most %(max)d characters.", max=500),
    "score_out_of_range": lambda: _("Type a score from 0 to 100, or remove the override."),
    "nothing_to_clear": lambda: _("This grade has no override to remove."),
}


def student_page(
    course: Course, student: User, posted: OverrideForm | None = None, posted_item_id: int | None = None,
    extension_posted: tuple[int, Any] | None = None,
) -> str:
    # Imported here: extension_views imports this module (its routes build on the student page).
    from .extension_views import extension_panel

    report = student_report(db.session, course, student, current_locale())
    forms = {}
    for column, cell in zip(report.columns, report.cells, strict=True):
        if column.item_id == posted_item_id and posted is not None:
            forms[column.item_id] = posted
            continue
        current = percent(cell.override) if cell is not None and cell.overridden else None
        forms[column.item_id] = override_form(
            column.item_id, formdata=None, score=f"{current:g}" if current is not None else ""
        )
    # The teacher's words for a part's verdict: a written answer is "awaiting review", not the student's wording.
    review_words = {
        CORRECT: _("correct"),
        PARTLY: _("partly correct"),
        PENDING: _("awaiting review"),
        INCORRECT: _("incorrect"),
    }
    return render_template(
        "teach/student.html",
        course=course,
        student=student,
        report=report,
        forms=forms,
        open_item_id=posted_item_id,
        review_words=review_words,
        extensions=extension_panel(course, student, extension_posted),
    )


# ----- CSV exports ------------------------------------------------------------------------------------------------


@bp.route("/courses/<int:course_id>/gradebook.csv")
def gradebook_csv(course_id: int):
    course = course_taught_or_403(course_id)
    book: Gradebook = build_gradebook(db.session, course, request.args.get("sort"), request.args.get("dir"))
    headings = {
        "student": _("Student"),
        "email": _("E-mail"),
        "total": _("Total, points"),
        "total_percent": _("Total, %"),
    }
    return csv_download(gradebook_table(book, current_locale(), headings), "gradebook", course)


@bp.route("/courses/<int:course_id>/submissions.csv")
def submissions_csv(course_id: int):
    course = course_taught_or_403(course_id)
    headings = {
        "submission": _("Submission"),
        "student": _("Student"),
        "email": _("E-mail"),
        "assignment": _("Assignment"),
        "exercise": _("Exercise"),
        "version": _("Version"),
        "attempt": _("Attempt"),
        "submitted_utc": _("Sent (UTC)"),
        "late": _("Late (1 = yes)"),
        "score_percent": _("Score, %"),
        "part": _("Part"),
        "typed": _("Typed exactly"),
        "read_as": _("Read as"),
        "part_score_percent": _("Part score, %"),
        "verdict": _("Verdict"),
        "misconception": _("Misconception"),
        "grader_version": _("Grader version"),
    }
    locale = current_locale()
    # The rows are read while the response streams, after the request has ended: from a session of their own,
    # closed with the response (also when the download is abandoned: the server closes the iterator).
    session = db.sessionmaker()

    def rows() -> Iterator[list[Any]]:
        try:
            yield from submissions_table(session, course, locale, headings)
        finally:
            session.close()

    return csv_download(rows(), "submissions", course)


def csv_download(rows: Iterable[Sequence[Any]], what: str, course: Course) -> Response:
    """The rows as a CSV attachment, streamed. Nothing in ``rows`` may need the request: it has ended by then."""
    day = to_user_timezone(utcnow()).date()  # the teacher's today
    return Response(
        csv_chunks(rows),
        mimetype=CSV_MIME,
        headers={
            "Content-Disposition": f'attachment; filename="{export_filename(what, course, day)}"',
            "Cache-Control": "no-store",
        },
    )
