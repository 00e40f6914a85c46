"""The authoring form: an exercise's identity, texts, models, data and parts, as text fields; between it and the
service's draft (``services.authoring_draft.ExerciseDraft``); the service's problems by field (worded by
``problem_words``).

The form checks only what a select offers (a family, a generator, a part kind); every rule of the exercise format is
the service's, which reports it by field name, shown next to the field here.
"""

from __future__ import annotations

from dataclasses import asdict, fields

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import FieldList, Form, FormField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

import grader
from exercises import GENERATORS

from ..services.authoring_draft import ColumnDraft, ExerciseDraft, FieldProblem, ModelDraft, PartDraft
from .forms import clean_text
from .problem_words import describe_problem

MAX_MODELS, MAX_COLUMNS, MAX_PARTS = 10, 30, 30


def part_kinds() -> list[SelectChoice]:
    return [
        SelectChoice("number", _l("number")),
        SelectChoice("vector", _l("vector (several numbers)")),
        SelectChoice("formula", _l("formula")),
        SelectChoice("choice", _l("choice")),
        SelectChoice("text", _l("text (graded by a teacher)")),
    ]


class ModelEntry(Form):
    name = StringField(_l("Name"), filters=[clean_text])
    family = SelectField(_l("Family"), validate_choice=False)
    inputs = StringField(_l("Inputs"), filters=[clean_text])
    rows = StringField(_l("Rows"), filters=[clean_text])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.family.choices = [SelectChoice("", "—")] + [SelectChoice(f, f) for f in sorted(grader.FAMILIES)]

    def validate_family(self, field) -> None:
        if field.data and field.data not in grader.FAMILIES:
            raise ValidationError(_l("Choose a family from the list."))


class ColumnEntry(Form):
    name = StringField(_l("Column"), filters=[clean_text])
    label_ru = StringField(_l("Heading (Russian)"), filters=[clean_text])
    label_en = StringField(_l("Heading (English)"), filters=[clean_text])
    levels = StringField(_l("Coded values"), filters=[clean_text])


class PartEntry(Form):
    kind = SelectField(_l("Kind"), validate_choice=False, choices=part_kinds)
    name = StringField(_l("Name"), filters=[clean_text])
    weight = StringField(_l("Weight"), filters=[clean_text])
    label_ru = StringField(_l("Question (Russian)"), filters=[clean_text])
    label_en = StringField(_l("Question (English)"), filters=[clean_text])
    key = StringField(_l("Key: the quantity computed"), filters=[clean_text])
    sig_figs = StringField(_l("Significant figures"), filters=[clean_text], render_kw={"placeholder": "3"})
    rel = StringField(_l("Relative"), filters=[clean_text])
    abs = StringField(_l("Absolute"), filters=[clean_text])
    extras = TextAreaField(_l("Settings of this kind (TOML)"), filters=[clean_text])


class ExerciseForm(FlaskForm):
    slug = StringField(_l("Slug (the folder's name)"), filters=[clean_text])
    topic = StringField(_l("Topic"), filters=[clean_text])
    tags = StringField(_l("Tags"), filters=[clean_text])
    title_ru = StringField(_l("Title (Russian)"), filters=[clean_text])
    title_en = StringField(_l("Title (English)"), filters=[clean_text])
    prompt_ru = TextAreaField(_l("Task text (Russian)"), filters=[clean_text])
    prompt_en = TextAreaField(_l("Task text (English)"), filters=[clean_text])
    models = FieldList(FormField(ModelEntry), max_entries=MAX_MODELS)
    data_source = RadioField(
        _l("Where the data come from"),
        default="none",
        validate_choice=False,
        choices=[
            SelectChoice("none", _l("no data (a theory question)")),
            SelectChoice("table", _l("paste a table")),
            SelectChoice("upload", _l("upload a CSV file")),
            SelectChoice("generator", _l("generate each student's own data")),
        ],
    )
    table = TextAreaField(_l("The table (CSV: a line of column names, then one line per row)"))
    upload = FileField(_l("A CSV file"))
    generator = SelectField(_l("Generator"), validate_choice=False)
    parameters = TextAreaField(_l("Parameters (TOML: a number, or [low, high] drawn per student)"),
                               filters=[clean_text])
    columns = FieldList(FormField(ColumnEntry), max_entries=MAX_COLUMNS)
    parts = FieldList(FormField(PartEntry), max_entries=MAX_PARTS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.generator.choices = [SelectChoice("", "—")] + [SelectChoice(g, g) for g in sorted(GENERATORS)]

    def validate_generator(self, field) -> None:
        if self.data_source.data == "generator" and field.data not in GENERATORS:
            raise ValidationError(_l("Choose a generator from the list."))

    def validate_data_source(self, field) -> None:
        if field.data not in ("none", "table", "upload", "generator"):
            raise ValidationError(_l("Choose where the data come from."))


# ----- between the form and the draft -----------------------------------------------------------------------------


def _entry_values(entry, cls) -> dict[str, str]:
    return {f.name: entry.form[f.name].data or "" for f in fields(cls)}


def form_draft(form: ExerciseForm, uploaded_text: str | None = None) -> ExerciseDraft:
    """What the form holds, as the service's draft; an uploaded file's text becomes the pasted table."""
    source = form.data_source.data or "none"
    table = form.table.data or ""
    if uploaded_text is not None:
        source, table = "table", uploaded_text
    return ExerciseDraft(
        slug=form.slug.data or "",
        topic=form.topic.data or "",
        tags=form.tags.data or "",
        title_ru=form.title_ru.data or "",
        title_en=form.title_en.data or "",
        prompt_ru=form.prompt_ru.data or "",
        prompt_en=form.prompt_en.data or "",
        models=[ModelDraft(**_entry_values(entry, ModelDraft)) for entry in form.models],
        data_source="table" if source == "upload" else source,
        table=table.replace("\r\n", "\n"),
        generator=form.generator.data or "",
        parameters=form.parameters.data or "",
        columns=[ColumnDraft(**_entry_values(entry, ColumnDraft)) for entry in form.columns],
        parts=[PartDraft(**_entry_values(entry, PartDraft)) for entry in form.parts],
    )


def draft_form(draft: ExerciseDraft, errors: dict[str, list[str]] | None = None) -> ExerciseForm:
    """A form showing ``draft`` (not read from the request), with ``errors`` on its fields by name."""
    form = ExerciseForm(formdata=None, data=asdict(draft))
    if errors:
        attach_errors(form, errors)
    return form


def form_fields(form: ExerciseForm) -> dict[str, object]:
    """Every field of the form by its name ("slug", "parts-0-key")."""
    found = {}
    for field in form:
        if isinstance(field, FieldList):
            for entry in field:
                for sub in entry:
                    found[sub.name] = sub
        found[field.name] = field
    return found


def form_errors(form: ExerciseForm) -> dict[str, list[str]]:
    return {name: list(field.errors) for name, field in form_fields(form).items()
            if field.errors and not isinstance(field, FieldList)}


def attach_errors(form: ExerciseForm, errors: dict[str, list[str]]) -> list[str]:
    """Each message on its field; those of no field (or of a whole list) are returned, for the top of the form."""
    found, general = form_fields(form), []
    for name, messages in errors.items():
        target = found.get(name)
        if target is None or isinstance(target, FieldList):
            general.extend(messages)
        else:
            target.errors = [*target.errors, *messages]
    return general


def problem_errors(problems: list[FieldProblem], already: dict[str, list[str]]) -> dict[str, list[str]]:
    """The service's problems as messages by field, after the form's own (a field the form already refused is
    not reported again for the consequence)."""
    errors = {name: list(messages) for name, messages in already.items()}
    for problem in problems:
        if problem.field and problem.field in already:
            continue
        errors.setdefault(problem.field, []).append(describe_problem(problem))
    return errors


def change_rows(draft: ExerciseDraft, action: str) -> bool:
    """Add, remove or move a model, column or part of the draft; False when ``action`` is none of those."""
    verb, _sep, argument = action.partition(":")
    lists = {"model": (draft.models, ModelDraft, MAX_MODELS), "column": (draft.columns, ColumnDraft, MAX_COLUMNS),
             "part": (draft.parts, PartDraft, MAX_PARTS)}
    what, _sep, which = verb.partition("_")
    if which not in lists:
        return False
    rows, make, limit = lists[which]
    if what == "add":
        if len(rows) < limit:
            rows.append(make())
        return True
    index = int(argument) if argument.isdigit() and len(argument) < 4 else -1
    if not 0 <= index < len(rows):
        return True
    if what == "remove":
        del rows[index]
    elif what in ("up", "down"):
        other = index - 1 if what == "up" else index + 1
        if 0 <= other < len(rows):
            rows[index], rows[other] = rows[other], rows[index]
    return True
