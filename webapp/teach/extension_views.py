"""Giving one student an extension on one assignment, changing it or removing it, from the student's report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..database import begin_write_transaction
from ..extensions import db
from ..models import Assignment, Course, User
from ..rendering import format_when, zone_label
from ..services.extensions import (
    MAX_REASON_LENGTH,
    AssignmentExtension,
    ExtensionInvalid,
    Problem,
    check_extension,
    course_extensions,
    grant_extension,
    remove_extension,
)
from . import bp
from .course_views import teacher_zone
from .extension_forms import ExtensionForm, extension_form, filled_form, read_times
from .views import course_taught_or_403, student_or_404, student_page

# Row ids are 32-bit INTEGER columns: a larger number in an address names no row (and must not reach the database).
_MAX_ROW_ID = 2**31 - 1


@dataclass(frozen=True)
class ExtensionRow:
    """One assignment on the student's report: the times that apply, the student's extension and its form."""

    entry: AssignmentExtension
    form: ExtensionForm
    open: bool  # the form comes back with errors: shown unfolded


@dataclass(frozen=True)
class ExtensionPanel:
    rows: list[ExtensionRow]
    zone_label: str  # the zone the teacher types times in ("MSK", "UTC+7")


def extension_panel(course: Course, student: User, posted: tuple[int, ExtensionForm] | None = None) -> ExtensionPanel:
    """Every assignment of the course with the student's extension and a form for it; ``posted`` is the form just
    sent for one assignment (with its errors and what was typed), shown in place of a fresh one."""
    zone = teacher_zone()
    rows = []
    for entry in course_extensions(db.session, course, student):
        assignment_id = entry.assignment.id
        if posted is not None and posted[0] == assignment_id:
            rows.append(ExtensionRow(entry, posted[1], True))
        else:
            rows.append(ExtensionRow(entry, filled_form(assignment_id, entry.extension, zone), False))
    return ExtensionPanel(rows, zone_label(datetime.now(zone)))


@bp.route(
    "/courses/<int:course_id>/students/<int:user_id>/assignments/<int:assignment_id>/extension", methods=["POST"]
)
def extension(course_id: int, user_id: int, assignment_id: int):
    course = course_taught_or_403(course_id)
    student = student_or_404(course, user_id)
    assignment = db.session.get(Assignment, assignment_id) if assignment_id <= _MAX_ROW_ID else None
    if assignment is None or assignment.course_id != course.id:
        abort(404)
    form = extension_form(assignment.id)
    back = url_for("teach.student", course_id=course.id, user_id=student.id, _anchor=f"extension-{assignment.id}")
    # The CSRF token was checked before the view (CSRFProtect); what the form checks here is what was typed.
    typed_well = form.validate_on_submit()
    if form.remove.data:
        begin_write_transaction(db.session)
        if remove_extension(db.session, assignment=assignment, student=student):
            db.session.commit()
            flash(_("The extension is removed: the assignment's times apply to %(name)s again.", name=student.name),
                  "success")
        else:
            flash(_("%(name)s has no extension on this assignment.", name=student.name), "info")
        return redirect(back)
    elif (times := read_times(form, teacher_zone())) is not None and not typed_well:
        # Some field could not be read: the rules are still shown for the others, all in one go.
        show_problems(form, check_extension(db.session, assignment, student, *times, form.reason.data or ""),
                      assignment)
    elif times is not None:
        due_at, closes_at = times
        # The student's extension is read and replaced with no other writer in between.
        begin_write_transaction(db.session)
        try:
            saved = grant_extension(db.session, assignment=assignment, student=student, teacher=current_user,
                                    due_at=due_at, closes_at=closes_at, reason=form.reason.data or "")
            db.session.commit()
        except ExtensionInvalid as invalid:
            db.session.rollback()
            show_problems(form, invalid.problems, assignment)
        except IntegrityError:
            # Another teacher gave this student an extension on this assignment at the same moment.
            db.session.rollback()
            form.form_errors.append(
                _("This extension was changed at the same moment elsewhere: check it and save again.")
            )
        else:
            flash(_("%(name)s's due time for “%(title)s” is now %(when)s.", name=student.name,
                    title=assignment.title, when=format_when(saved.due_at)), "success")
            return redirect(back)
    return student_page(course, student, extension_posted=(assignment.id, form)), 422


def show_problems(form: ExtensionForm, problems: list[Problem], assignment: Assignment) -> None:
    """Each problem next to its field, unless that field already says what is wrong with what was typed."""
    for problem in problems:
        message = PROBLEMS[problem.code](assignment)
        if problem.field == "student":
            form.form_errors.append(message)
            continue
        field = getattr(form, problem.field)
        if not field.errors:
            field.errors = [message]


PROBLEMS = {
    "not_in_course": lambda a: _("This person is not a student of the course: extensions are for its students."),
    "due_required": lambda a: _("Type the new due time."),
    "due_before_opening": lambda a: _(
        "The assignment opens %(when)s: the new due time cannot be before that.", when=format_when(a.opens_at)
    ),
    "close_before_due": lambda a: _("The hard close is before the due time: set it at or after the due time."),
    "reason_required": lambda a: _("Give a reason: it is kept with the extension."),
    "reason_too_long": lambda a: _("The reason is too long: at most %(max)d characters.", max=MAX_REASON_LENGTH),
}
