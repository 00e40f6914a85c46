"""Teachers' pages for running a course: open one, its join code, import a roster, see who joined, and build or
edit an assignment from the exercise library."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_login import current_user

from ..extensions import db
from ..i18n import TIMEZONE_COOKIE, valid_timezone
from ..models import Assignment, Course, utcnow
from ..rendering import current_locale, zone_label
from ..services.assignment_builder import (
    MAX_ATTEMPTS,
    MAX_ITEMS,
    MAX_TITLE_LENGTH,
    MAX_WEIGHT,
    AssignmentInvalid,
    check_assignment,
    course_assignments,
    exercise_library,
    library_facets,
    save_assignment,
    search_library,
)
from ..services.course_admin import (
    MAX_NAME_LENGTH,
    MAX_NEW_ACCOUNTS,
    MAX_ROSTER_LINES,
    Outcome,
    RosterError,
    RosterImport,
    course_students,
    data_url,
    decode_roster,
    first_login_csv,
    import_roster,
    open_course,
    read_roster,
    regenerate_join_code,
)
from ..services.exports import export_filename
from . import bp
from .course_forms import (
    AssignmentForm,
    CourseForm,
    JoinCodeForm,
    RosterForm,
    change_rows,
    form_data,
    read_spec,
    row_exercise_id,
)
from .views import course_taught_or_403

# ----- the course -------------------------------------------------------------------------------------------------


@bp.route("/courses/new", methods=["GET", "POST"])
def new_course():
    form = CourseForm()
    if form.validate_on_submit():
        course = open_course(db.session, title=form.title.data, teacher=current_user)
        db.session.commit()
        flash(_("The course is open. Give your students its join code, or import their list."), "success")
        return redirect(url_for("teach.course", course_id=course.id))
    return render_template("teach/course_new.html", form=form), 422 if form.is_submitted() else 200


@bp.route("/courses/<int:course_id>")
def course(course_id: int):
    course = course_taught_or_403(course_id)
    return render_template(
        "teach/course_overview.html",
        course=course,
        members=course_students(db.session, course),
        assignments=course_assignments(db.session, course),
        join_form=JoinCodeForm(),
        join_url=url_for("auth.register", code=course.join_code, _external=True),
    )


@bp.route("/courses/<int:course_id>/join-code", methods=["POST"])
def new_join_code(course_id: int):
    course = course_taught_or_403(course_id)
    if JoinCodeForm().validate_on_submit():
        code = regenerate_join_code(db.session, course)
        db.session.commit()
        flash(
            _("The new join code is %(code)s. The old one no longer works; students who joined stay.", code=code),
            "success",
        )
    return redirect(url_for("teach.course", course_id=course.id))


# ----- the roster -------------------------------------------------------------------------------------------------

ROSTER_ERRORS = {
    "not_utf8": lambda: _("The file is not in UTF-8. In your spreadsheet, save it as “CSV UTF-8” and try again."),
    "not_text": lambda: _("This does not look like a CSV file: save the list as CSV (name, e-mail) and try again."),
    "empty": lambda: _("The list is empty: one student a line, name and e-mail."),
    "too_long": lambda: _("The list is too long: at most %(max)d lines at once.", max=MAX_ROSTER_LINES),
}

LINE_PROBLEMS = {
    "missing_name": lambda line: _("no name"),
    "name_too_long": lambda line: _("the name is longer than %(max)d characters", max=MAX_NAME_LENGTH),
    "missing_email": lambda line: _("no e-mail address"),
    "bad_email": lambda line: _("“%(email)s” is not an e-mail address", email=line.email),
    "duplicate": lambda line: _("the same e-mail address as line %(line)d", line=line.first_seen or 0),
}

OUTCOMES = {
    Outcome.CREATED: lambda: _("new account, enrolled"),
    Outcome.ENROLLED: lambda: _("existing account, enrolled"),
    Outcome.ALREADY_ENROLLED: lambda: _("already in the course"),
    Outcome.TEACHER: lambda: _("teaches this course: not added as a student"),
    Outcome.REJECTED: lambda: _("skipped"),
    Outcome.NOT_YET: lambda: _("not imported yet: send the same list again"),
}


@bp.route("/courses/<int:course_id>/roster", methods=["GET", "POST"])
def roster(course_id: int):
    course = course_taught_or_403(course_id)
    form = RosterForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            roster = read_roster(decode_roster(upload.read()) if upload else form.text.data)
        except RosterError as error:
            (form.file if upload else form.text).errors.append(ROSTER_ERRORS[error.code]())
        else:
            return roster_result(course, import_roster(db.session, course, roster))
    status = 422 if form.is_submitted() else 200
    return render_template("teach/course_roster.html", course=course, form=form, max_new=MAX_NEW_ACCOUNTS), status


def roster_result(course: Course, result: RosterImport) -> Response:
    db.session.commit()
    headings = {"name": _("Name"), "email": _("E-mail"), "password": _("First-login password")}
    day = to_user_timezone(utcnow()).date()
    response = make_response(
        render_template(
            "teach/course_roster_result.html",
            course=course,
            result=result,
            Outcome=Outcome,
            outcome_words={outcome: describe() for outcome, describe in OUTCOMES.items()},
            problems={
                line.line.number: [LINE_PROBLEMS[code](line.line) for code in line.line.problems]
                for line in result.lines
            },
            csv_url=data_url(first_login_csv(result, headings)) if result.new_accounts else None,
            csv_name=export_filename("first-login-passwords", course, day),
            login_url=url_for("auth.login", _external=True),
        )
    )
    # The passwords are on this page only: no cache may keep it, and going back must not show it again.
    response.headers["Cache-Control"] = "no-store"
    return response


# ----- assignments ------------------------------------------------------------------------------------------------

ASSIGNMENT_PROBLEMS = {
    "title_missing": lambda title: _("Give the assignment a title."),
    "title_too_long": lambda title: _("The title is too long: at most %(max)d characters.", max=MAX_TITLE_LENGTH),
    "due_before_opening": lambda title: _("The due time is before the opening time."),
    "close_before_due": lambda title: _("The hard close is before the due time: set it at or after the due time."),
    "close_before_opening": lambda title: _("The hard close is before the opening time."),
    "attempts_out_of_range": lambda title: _("Type a whole number from 1 to %(max)d.", max=MAX_ATTEMPTS),
    "penalty_out_of_range": lambda title: _("Type a percentage from 0 to 100, such as 20."),
    "penalty_needs_due": lambda title: _(
        "A late penalty needs a due time (work is late after it): set one, or make the penalty 0."
    ),
    "unknown_policy": lambda title: _("Choose one of the options."),
    "reveal_needs_due": lambda title: _(
        "Set a due time for this choice: without one the answers would never be shown."
    ),
    "no_items": lambda title: _("Add at least one exercise from the library."),
    "too_many_items": lambda title: _("At most %(max)d exercises in one assignment.", max=MAX_ITEMS),
    "unknown_exercise": lambda title: _("This exercise does not exist: remove it."),
    "archived_exercise": lambda title: _("This exercise is archived: choose another one."),
    "duplicate_exercise": lambda title: _("This exercise is in the assignment already: remove one of the two."),
    "weight_out_of_range": lambda title: _("The weight must be above 0 and at most %(max)d.", max=int(MAX_WEIGHT)),
    "removed_item_has_work": lambda title: _(
        "“%(title)s” has students' answers or grades, so it stays in the assignment: add it back.", title=title
    ),
}


@bp.route("/courses/<int:course_id>/assignments/new", methods=["GET", "POST"])
def new_assignment(course_id: int):
    return assignment_builder(course_taught_or_403(course_id), None)


@bp.route("/courses/<int:course_id>/assignments/<int:assignment_id>/edit", methods=["GET", "POST"])
def edit_assignment(course_id: int, assignment_id: int):
    course = course_taught_or_403(course_id)
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.course_id != course.id:
        abort(404)
    return assignment_builder(course, assignment)


def teacher_zone() -> ZoneInfo:
    """The zone the teacher's times are typed and shown in: the account's, else the browser's, else UTC (as
    ``i18n.select_timezone`` chooses for showing times)."""
    name = valid_timezone(current_user.timezone) or valid_timezone(request.cookies.get(TIMEZONE_COOKIE))
    return ZoneInfo(name or "UTC")


def assignment_builder(course: Course, assignment: Assignment | None):
    zone = teacher_zone()
    status, items_errors = 200, []
    if request.method == "GET":
        form = AssignmentForm(formdata=None, data={**form_data(assignment, zone), **search_args()})
    else:
        form = AssignmentForm()
        action = request.form.get("action", "")
        if action == "save":
            status = 422
            typed_well = form.validate()
            spec = read_spec(form, zone)
            if typed_well and spec is not None:
                try:
                    saved = save_assignment(db.session, course, spec, assignment)
                except AssignmentInvalid as invalid:
                    db.session.rollback()
                    items_errors = show_problems(form, invalid.problems)
                else:
                    db.session.commit()
                    flash(_("The assignment “%(title)s” is saved.", title=saved.title), "success")
                    return redirect(url_for("teach.course", course_id=course.id, _anchor=f"assignment-{saved.id}"))
            elif spec is not None:
                # Some fields could not be read: the rules are still shown for the others, all in one go.
                items_errors = show_problems(form, check_assignment(db.session, spec, assignment))
        else:
            change_rows(form, action)
    library = exercise_library(db.session)
    topics, tags = library_facets(library)
    chosen = [row_exercise_id(entry) for entry in form.items]
    known = {entry.exercise_id: entry for entry in exercise_library(db.session, ids=[i for i in chosen if i])}
    return render_template(
        "teach/assignment_builder.html",
        course=course,
        assignment=assignment,
        form=form,
        items_errors=items_errors,
        rows=[(entry, known.get(exercise_id)) for entry, exercise_id in zip(form.items, chosen, strict=True)],
        results=search_library(library, form.q.data or "", form.topic.data or "", form.tag.data or ""),
        library_size=len(library),
        topics=topics,
        tags=tags,
        chosen=set(chosen),
        locale=current_locale(),
        zone_name=zone.key,
        zone_label=zone_label(datetime.now(zone)),
    ), status


def search_args() -> dict[str, str]:
    return {name: request.args.get(name, "")[:200] for name in ("q", "topic", "tag")}


def show_problems(form: AssignmentForm, problems) -> list[str]:
    """Each problem next to its field; those of the assignment's list of exercises as a whole are returned."""
    titles = {
        entry.exercise_id: entry.title(current_locale())
        for entry in exercise_library(db.session, ids=[p.exercise_id for p in problems if p.exercise_id])
    }
    whole = []
    for problem in problems:
        message = ASSIGNMENT_PROBLEMS[problem.code](titles.get(problem.exercise_id, "?"))
        if problem.field == "items":
            whole.append(message)
            continue
        fields = form.items[problem.index].form if problem.index is not None else form
        involved = [getattr(fields, name) for name in (problem.field, *INVOLVES.get(problem.code, ()))]
        # A field that could not be read was read as empty: a rule about it would only repeat its own message.
        if not any(field.errors for field in involved):
            involved[0].errors = [*involved[0].errors, message]
    return whole


# The other fields each rule reads, besides the one it is shown at.
INVOLVES = {
    "due_before_opening": ("opens_at",),
    "close_before_due": ("due_at",),
    "close_before_opening": ("opens_at",),
    "penalty_needs_due": ("due_at",),
    "reveal_needs_due": ("due_at",),
}
