"""Teachers' forms for running a course: a new course, its join code, a roster import, an assignment's settings;
and, for the assignment builder, reading its form into the service's spec and filling it from an assignment.

The forms check what was typed (a date and time, a whole number, a percentage); the rules between fields (due after
opening, ...) are the service's (``services.assignment_builder.check_assignment``), shown on the same fields.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import FieldList, Form, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from ..models import Assignment, RevealPolicy, ScorePolicy
from ..services.assignment_builder import (
    MAX_ATTEMPTS,
    MAX_TITLE_LENGTH,
    AssignmentSpec,
    ItemSpec,
    NonexistentTime,
    local_to_utc,
    utc_to_local,
)
from .forms import clean_text, read_percent

# What people type for a moment: the browser's "2026-11-21T09:30" (a datetime-local field), or by hand
# "2026-11-21 09:30" or "21.11.2026 09:30"; seconds are allowed and dropped.
TIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M")
WHOLE = re.compile(r"\d{1,6}")
DECIMAL = re.compile(r"\d{1,6}(?:[.,]\d{1,6})?")


def read_local_time(text: str | None) -> datetime | None:
    """A wall-clock time as typed (no zone: the teacher's); None for an empty field. Raises ValueError."""
    text = " ".join((text or "").split())
    if not text:
        return None
    for pattern in TIME_FORMATS:
        try:
            return datetime.strptime(text, pattern).replace(second=0)
        except ValueError:
            continue
    raise ValueError(text)


def read_whole(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if WHOLE.fullmatch(text) else None


def read_decimal(text: str | None) -> float | None:
    text = (text or "").strip()
    return float(text.replace(",", ".")) if DECIMAL.fullmatch(text) else None


class CourseForm(FlaskForm):
    title = StringField(
        _l("Course title"),
        filters=[clean_text],
        validators=[
            DataRequired(_l("Give the course a title.")),
            Length(
                max=MAX_TITLE_LENGTH,
                message=_l("The title is too long: at most %(max)d characters.", max=MAX_TITLE_LENGTH),
            ),
        ],
    )


class JoinCodeForm(FlaskForm):
    """Regenerating the join code: nothing to type, the CSRF token only."""


class RosterForm(FlaskForm):
    file = FileField(_l("A CSV file"))
    text = TextAreaField(_l("…or paste the list"), filters=[clean_text])

    def validate_text(self, field) -> None:
        if not field.data and not self.file.data:
            raise ValidationError(_l("Choose a file or paste the list: one student a line, name and e-mail."))


class ItemForm(Form):
    """One exercise of the assignment (a row of the builder; no CSRF token of its own)."""

    exercise_id = HiddenField()
    weight = StringField(_l("Weight"), default="1", filters=[clean_text])
    max_attempts = StringField(_l("Attempts"), filters=[clean_text])

    def validate_weight(self, field) -> None:
        if read_decimal(field.data) is None:
            raise ValidationError(_l("Type a positive number, such as 1 or 2.5."))

    def validate_max_attempts(self, field) -> None:
        if field.data and read_whole(field.data) is None:
            raise ValidationError(_l("Type a whole number, or leave it empty for the assignment's limit."))


def check_time(form, field) -> None:
    try:
        read_local_time(field.data)
    except ValueError:
        raise ValidationError(_l("Type a date and time, such as 2026-11-21 09:30.")) from None


TIME_FIELD = {"type": "datetime-local", "step": "60"}


class AssignmentForm(FlaskForm):
    title = StringField(_l("Title"), filters=[clean_text])
    opens_at = StringField(_l("Opens"), filters=[clean_text], validators=[check_time], render_kw=TIME_FIELD)
    due_at = StringField(_l("Due"), filters=[clean_text], validators=[check_time], render_kw=TIME_FIELD)
    closes_at = StringField(
        _l("Closes (hard deadline)"), filters=[clean_text], validators=[check_time], render_kw=TIME_FIELD
    )
    max_attempts = StringField(_l("Attempts per exercise"), default="3", filters=[clean_text])
    late_penalty = StringField(_l("Late penalty, %"), default="0", filters=[clean_text])
    reveal_policy = SelectField(
        _l("Show the answers"),
        default=RevealPolicy.AFTER_DUE.value,
        validate_choice=False,  # an unknown value is the service's "unknown_policy", in the app's own words
        choices=[
            SelectChoice(RevealPolicy.NEVER.value, _l("never")),
            SelectChoice(
                RevealPolicy.AFTER_DUE.value, _l("after the due time (after the hard close, if there is one)")
            ),
            SelectChoice(
                RevealPolicy.AFTER_LAST_ATTEMPT_OR_CORRECT.value,
                _l("to each student after their last attempt or a correct answer"),
            ),
        ],
    )
    score_policy = SelectField(
        _l("Score that counts"),
        default=ScorePolicy.BEST.value,
        validate_choice=False,
        choices=[
            SelectChoice(ScorePolicy.BEST.value, _l("the best attempt")),
            SelectChoice(ScorePolicy.LAST.value, _l("the last attempt")),
        ],
    )
    items = FieldList(FormField(ItemForm), max_entries=200)
    # Searching the library: part of the same form, so that what was typed above is kept while searching.
    q = StringField(_l("Search the library"), filters=[clean_text], validators=[Length(max=200)])
    topic = StringField(_l("Topic"), filters=[clean_text])
    tag = StringField(_l("Tag"), filters=[clean_text])

    def validate_max_attempts(self, field) -> None:
        value = read_whole(field.data)
        if value is None:
            raise ValidationError(_l("Type a whole number from 1 to %(max)d.", max=MAX_ATTEMPTS))

    def validate_late_penalty(self, field) -> None:
        if read_percent(field.data or "") is None:
            raise ValidationError(_l("Type a percentage from 0 to 100, such as 20."))


# ----- between the builder's form and the service ---------------------------------------------------------------


def form_data(assignment: Assignment | None, zone: ZoneInfo) -> dict:
    """An assignment's settings as its form shows them, its times in the teacher's zone."""
    if assignment is None:
        return {}

    def local(moment: datetime | None) -> str:
        value = utc_to_local(moment, zone)
        return value.strftime("%Y-%m-%dT%H:%M") if value else ""

    return {
        "title": assignment.title,
        "opens_at": local(assignment.opens_at),
        "due_at": local(assignment.due_at),
        "closes_at": local(assignment.closes_at),
        "max_attempts": str(assignment.max_attempts),
        "late_penalty": f"{round(assignment.late_penalty * 100, 4):g}",
        "reveal_policy": assignment.reveal_policy,
        "score_policy": assignment.score_policy,
        "items": [
            {
                "exercise_id": str(item.exercise_id),
                "weight": f"{item.weight:g}",
                "max_attempts": "" if item.max_attempts is None else str(item.max_attempts),
            }
            for item in assignment.items
        ],
    }


def row_exercise_id(entry) -> int:
    value = entry.exercise_id.data or ""
    return int(value) if value.isdigit() and len(value) < 10 else 0


def change_rows(form: AssignmentForm, action: str) -> None:
    """Add, remove or move a row of the builder (a button other than "save"); anything else only searches."""
    verb, _sep, argument = action.partition(":")
    rows = [entry.data for entry in form.items]
    if not argument.isdigit() or len(argument) > 9:
        return
    number = int(argument)
    if verb == "add" and number not in {row_exercise_id(entry) for entry in form.items}:
        rows.append({"exercise_id": str(number), "weight": "1", "max_attempts": ""})
    elif verb == "remove" and number < len(rows):
        del rows[number]
    elif verb in ("up", "down") and number < len(rows):
        other = number - 1 if verb == "up" else number + 1
        if 0 <= other < len(rows):
            rows[number], rows[other] = rows[other], rows[number]
    else:
        return
    while form.items.entries:
        form.items.pop_entry()
    for row in rows:
        form.items.append_entry(row)


def read_spec(form: AssignmentForm, zone: ZoneInfo) -> AssignmentSpec | None:
    """The form's settings with their times in UTC; None (the field marked) when a time does not exist in the zone."""
    times = {}
    for name in ("opens_at", "due_at", "closes_at"):
        field = getattr(form, name)
        try:
            local = read_local_time(field.data)
        except ValueError:
            local = None  # the form has said so
        try:
            times[name] = local_to_utc(local, zone) if local else None
        except NonexistentTime:
            message = _("This time does not exist in your time zone (the clocks move forward then): choose another.")
            field.errors = [*field.errors, message]
    if len(times) < 3:
        return None
    items = tuple(
        ItemSpec(
            row_exercise_id(entry), default(read_decimal(entry.weight.data), 1.0), read_whole(entry.max_attempts.data)
        )
        for entry in form.items
    )
    return AssignmentSpec(
        title=form.title.data or "",
        max_attempts=default(read_whole(form.max_attempts.data), 0),
        late_penalty=default(read_percent(form.late_penalty.data or ""), 0.0),
        reveal_policy=form.reveal_policy.data or "",
        score_policy=form.score_policy.data or "",
        items=items,
        **times,
    )


def default(value, fallback):
    """What was read, or ``fallback`` for a field that could not be read (the form shows its own message there)."""
    return fallback if value is None else value
