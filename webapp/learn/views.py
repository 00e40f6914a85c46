from __future__ import annotations

import csv
import io

from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import and_, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from exercises import ExerciseDefinition, KeyComputationError, display_table, vector_length
from exercises.data import format_number
from exercises.schema import ChoicePart, FormulaPart, NumberPart, Part, VectorPart

from ..database import begin_write_transaction
from ..extensions import db
from ..feedback import answer_problem_message
from ..models import Assignment, AssignmentItem, Exercise, Extension, utcnow
from ..rendering import current_locale
from ..services.courses import course_role, courses_of
from ..services.answer_key import revealed_answers
from ..services.history import attempt_history
from ..services.progress import assignment_progress, course_progress
from ..services.reveal import key_revealed
from ..services.submit import Outcome, submit_answer
from ..services.variants import ensure_key, get_or_create_variant
from . import bp
from .forms import answer_form
from .plot_views import plot_url


def enrolled_or_404(course_id: int) -> None:
    """Students see only their own courses; a course they are not in does not exist for them."""
    if course_role(db.session, course_id, current_user) is None and not current_user.is_admin:
        abort(404)


# The item with everything its pages read of it (its assignment and course, its exercise and versions, and the
# student's extension on the assignment, if any) in one statement rather than one lazy load each; built once, so
# SQLAlchemy finds it compiled in its cache at once.
_ITEM = (
    select(AssignmentItem, Extension)
    .outerjoin(Extension, and_(Extension.assignment_id == AssignmentItem.assignment_id,
                               Extension.user_id == bindparam("user_id")))
    .where(AssignmentItem.id == bindparam("item_id"))
    .options(
        joinedload(AssignmentItem.assignment).joinedload(Assignment.course),
        joinedload(AssignmentItem.exercise).joinedload(Exercise.versions),
    )
)


# Row ids are INTEGER columns (32 bits on PostgreSQL): an address with a larger number names no row, and sending it
# to the database would fail the request instead of answering 404.
_MAX_ROW_ID = 2**31 - 1


def load_item(item_id: int) -> tuple[AssignmentItem, Extension | None]:
    """The item, and the current user's extension on its assignment (None: the assignment's times apply)."""
    if item_id > _MAX_ROW_ID:
        abort(404)
    row = db.session.execute(_ITEM, {"item_id": item_id, "user_id": current_user.id}).unique().one_or_none()
    if row is None:
        abort(404)
    item, extension = row
    enrolled_or_404(item.assignment.course_id)
    return item, extension


@bp.route("/")
@login_required
def home():
    now = utcnow()
    courses = [
        (course, role, course_progress(db.session, course, current_user, now))
        for course, role in courses_of(db.session, current_user)
    ]
    return render_template("learn/home.html", courses=courses)


@bp.route("/assignments/<int:assignment_id>")
@login_required
def assignment(assignment_id: int):
    found = db.session.get(Assignment, assignment_id) if assignment_id <= _MAX_ROW_ID else None
    if found is None:
        abort(404)
    enrolled_or_404(found.course_id)
    return render_template(
        "learn/assignment.html",
        assignment=found,
        progress=assignment_progress(db.session, found, current_user, utcnow()),
    )


@bp.route("/items/<int:item_id>", methods=["GET", "POST"])
@login_required
def exercise(item_id: int):
    item, extension = load_item(item_id)
    version = item.exercise.current_version
    parts = version.parsed_definition().parts
    locale = current_locale()
    secret = current_app.config["SECRET_KEY"]
    variant = get_or_create_variant(
        db.session, course=item.assignment.course, user=current_user, exercise=item.exercise, secret=secret
    )
    form = answer_form(parts, locale, variant.seed, version.id)

    if form.validate_on_submit():
        # The attempt count and the new submission in one transaction that no other writer can interleave.
        begin_write_transaction(db.session)
        try:
            result = submit_answer(
                db.session,
                student=current_user,
                item=item,
                raw_answers=form.raw_answers(parts),
                now=utcnow(),
                secret=secret,
                form_token=form.form_token.data,
                shown_version_id=shown_version_id(form.shown_version.data),
                extension=extension,
            )
        except IntegrityError:
            # Another request took this attempt number or form token first; nothing of this one was stored.
            db.session.rollback()
            flash(_("This answer was sent twice at the same moment; the first one was graded."), "warning")
            return redirect(url_for("learn.exercise", item_id=item.id))
        except KeyComputationError:
            db.session.rollback()
            current_app.logger.exception("key computation failed for item %s", item.id)
            flash(
                _(
                    "This exercise cannot be graded right now, and no attempt was used. Your teacher has been "
                    "told; please try again later."
                ),
                "error",
            )
            return redirect(url_for("learn.exercise", item_id=item.id))
        if result.outcome is Outcome.MALFORMED:
            for part in parts:
                problem = result.problems.get(part.name)
                if problem:
                    form.part_field(part).errors.append(answer_problem_message(problem.code, problem.params, part.kind))
            flash(_("Some answers could not be read. Nothing was graded and no attempt was used."), "error")
        elif result.outcome in (Outcome.GRADED, Outcome.DUPLICATE):
            db.session.commit()
            return redirect(url_for("learn.exercise", item_id=item.id, _anchor="feedback"))
        else:
            flash(_OUTCOME_MESSAGES[result.outcome](), "error")
            return redirect(url_for("learn.exercise", item_id=item.id))

    try:
        key = ensure_key(db.session, variant, version)
    except KeyComputationError:
        db.session.rollback()
        current_app.logger.exception("key computation failed for item %s", item.id)
        abort(503)
    now = utcnow()
    revealed = key_revealed(db.session, item, current_user, now, extension)
    db.session.commit()
    history = attempt_history(db.session, item, current_user, locale)
    progress = assignment_progress(db.session, item.assignment, current_user, now, {item.assignment_id: extension})
    # The item's progress counts the attempts as submit_answer does (every submission on the student's variant).
    counted = next(p for p in progress.items if p.item.id == item.id)
    return render_template(
        "learn/exercise.html",
        item=item,
        version=version,
        parts=parts,
        form=form,
        hints={part.name: part_hint(part, key.definition) for part in parts},
        table=display_table(key.definition, key.dataset, locale),
        history=history,
        latest=history[0] if history else None,
        plot_url=plot_url(history[0].submission if history else None),
        answers=revealed_answers(key.definition, key.values, variant.seed, locale) if revealed else None,
        attempts_left=counted.attempts_left,
        window=progress.window,
        deadlines=progress.deadlines,
        counted=counted,
    ), 200 if not form.errors else 422


def shown_version_id(posted: str | None) -> int:
    """The version id the form carried; anything unreadable is no version's id, so such a form is refused."""
    text = (posted or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else 0


def part_hint(part: Part, definition: ExerciseDefinition) -> str:
    """The line under a field that says how to write its answer (never anything of the key)."""
    if isinstance(part, NumberPart):
        return _("A number: a decimal with a point or a comma, or a fraction with “/”.")
    if isinstance(part, VectorPart):
        return ngettext(
            "%(num)s numbers, in order, separated by “;”: each a decimal or a fraction.",
            "%(num)s numbers, in order, separated by “;”: each a decimal or a fraction.",
            vector_length(part, definition),
        )
    if isinstance(part, FormulaPart):
        names = ", ".join(variable.name for variable in part.variables)
        return ngettext(
            "A formula in the variable %(names)s. Write * for a product, ^ for a power, ln(…), exp(…), sqrt(…).",
            "A formula in the variables %(names)s. Write * for a product, ^ for a power, ln(…), exp(…), sqrt(…).",
            len(part.variables),
            names=names,
        )
    if isinstance(part, ChoicePart):
        return _("Choose every option that is true.") if part.multiple else _("Choose one option.")
    return _("A few sentences in your own words; at most %(n)s characters.", n=part.max_length)


_OUTCOME_MESSAGES = {
    Outcome.NOT_OPEN: lambda: _("This assignment is not open yet."),
    Outcome.CLOSED: lambda: _("This assignment is closed: answers are no longer accepted."),
    Outcome.NO_ATTEMPTS_LEFT: lambda: _("You have used all attempts for this exercise."),
    Outcome.VERSION_CHANGED: lambda: _(
        "This exercise was changed after you opened it. Nothing was graded and no "
        "attempt was used: check the exercise and answer again."
    ),
}


@bp.route("/items/<int:item_id>/data.csv")
@login_required
def data_csv(item_id: int):
    item, _extension = load_item(item_id)
    version = item.exercise.current_version
    variant = get_or_create_variant(
        db.session,
        course=item.assignment.course,
        user=current_user,
        exercise=item.exercise,
        secret=current_app.config["SECRET_KEY"],
    )
    try:
        key = ensure_key(db.session, variant, version)
    except KeyComputationError:
        db.session.rollback()
        abort(503)
    db.session.commit()
    if key.definition.data is None:
        abort(404)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    names = list(key.dataset.columns)
    writer.writerow(names)
    for row in zip(*(key.dataset.columns[name] for name in names), strict=True):
        writer.writerow([format_number(value) for value in row])
    filename = f"{item.exercise.slug}-data.csv"
    return Response(
        buffer.getvalue().encode("utf-8"),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
