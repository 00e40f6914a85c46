"""Teachers' pages for authoring exercises: the library of exercises with their versions, the editor (preview the
keys of a sample variant, save a new version) and the export of a version as an ``exercises/<slug>/`` folder.

Exercises are shared by every course, so any teacher may author them (the blueprint refuses students)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from exercises import GENERATORS

from ..database import begin_write_transaction
from ..extensions import db
from ..models import Exercise
from ..rendering import current_locale
from ..services.authoring import (
    Authored,
    AuthoringInvalid,
    check_draft,
    draft_of,
    exercise_catalogue,
    grader_families,
    save_draft,
)
from ..services.authoring_draft import ExerciseDraft
from ..services.authoring_export import export_zip
from ..services.authoring_preview import sample_preview
from . import bp
from .authoring_forms import (
    ExerciseForm,
    attach_errors,
    change_rows,
    draft_form,
    form_draft,
    form_errors,
    problem_errors,
)
from .problem_words import in_words


def exercise_or_404(exercise_id: int) -> Exercise:
    exercise = db.session.get(Exercise, exercise_id)
    if exercise is None:
        abort(404)
    return exercise


@bp.route("/exercises")
def exercise_library():
    return render_template("teach/exercise_library.html", exercises=exercise_catalogue(db.session),
                           locale=current_locale())


@bp.route("/exercises/new", methods=["GET", "POST"])
def new_exercise():
    return editor(None)


@bp.route("/exercises/<int:exercise_id>/edit", methods=["GET", "POST"])
def edit_exercise(exercise_id: int):
    return editor(exercise_or_404(exercise_id))


@bp.route("/exercises/<int:exercise_id>/export.zip")
def export_exercise(exercise_id: int):
    exercise = exercise_or_404(exercise_id)
    return Response(
        export_zip(exercise.current_version),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{exercise.slug}.zip"', "Cache-Control": "no-store"},
    )


def editor(exercise: Exercise | None):
    if request.method == "GET":
        draft = draft_of(exercise.current_version) if exercise is not None else ExerciseDraft()
        # An exercise opens with the keys of its sample variant already shown.
        authored = check_draft(db.session, draft, exercise) if exercise is not None else None
        return render_editor(exercise, draft, authored, problem_errors(authored.problems, {}) if authored else {})
    form = ExerciseForm()
    action = request.form.get("action", "preview")
    uploaded, upload_error = read_upload(form)
    draft = form_draft(form, uploaded)
    if change_rows(draft, action):
        return render_editor(exercise, draft, None, {})
    form.validate()  # what the selects offer; the format's rules are the service's
    own = form_errors(form)
    if upload_error:
        own.setdefault("upload", []).append(upload_error)
    if action == "save" and not own:
        begin_write_transaction(db.session)
        try:
            saved = save_draft(db.session, draft, exercise, current_user)
        except AuthoringInvalid as invalid:
            db.session.rollback()
            authored = invalid.authored
        else:
            db.session.commit()
            if not saved.changed:
                flash(_("Nothing changed: version %(number)d stays the current one.", number=saved.version.number),
                      "info")
            else:
                flash(_("Saved as version %(number)d of “%(title)s”. Students see it from their next visit; answers "
                        "already sent keep the version they answered.", number=saved.version.number,
                        title=saved.version.title(current_locale())), "success")
            return redirect(url_for("teach.edit_exercise", exercise_id=saved.exercise.id))
    else:
        authored = check_draft(db.session, draft, exercise)
    errors = problem_errors(authored.problems, own)
    return render_editor(exercise, draft, authored, errors, uploaded=uploaded is not None), 422 if errors else 200


def read_upload(form: ExerciseForm) -> tuple[str | None, str | None]:
    """The uploaded CSV file's text, or a message saying why it cannot be read; (None, None) without a file."""
    upload = form.upload.data
    if form.data_source.data != "upload" or upload is None or not getattr(upload, "filename", ""):
        return None, None
    data = upload.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, _("The file is not in UTF-8. In your spreadsheet, save it as “CSV UTF-8” and try again.")
    if "\x00" in text:
        return None, _("This does not look like a CSV file: save the table as CSV and try again.")
    return text, None


def render_editor(exercise: Exercise | None, draft: ExerciseDraft, authored: Authored | None,
                  errors: dict[str, list[str]], uploaded: bool = False) -> str:
    form = draft_form(draft)
    general = attach_errors(form, errors)
    locale = current_locale()
    preview = None
    if authored is not None and authored.sample is not None and authored.definition is not None:
        preview = sample_preview(authored.definition, authored.sample, locale)
    return render_template(
        "teach/exercise_edit.html",
        exercise=exercise,
        form=form,
        general_errors=general,
        error_count=sum(len(messages) for messages in errors.values()),
        preview=preview,
        prompts=authored.loaded.prompts if authored is not None and authored.loaded is not None else None,
        families=grader_families(),
        generators=[GENERATORS[name] for name in sorted(GENERATORS)],
        uploaded=uploaded,
        locale=locale,
        in_words=in_words,
    )
