"""The form that gives one student an extension on one assignment: a new due time and an optional hard close, typed
in the teacher's time zone as in the assignment builder, and a reason. One form per assignment on the student's
report, told apart by a prefix (``extension_form``).

The form checks what was typed (a date and time, the reason's length); the rules between the times (due not before
the assignment opens, close not before due) are the service's (``services.extensions.check_extension``), shown on
the same fields.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from ..models import Extension
from ..services.assignment_builder import NonexistentTime, local_to_utc, utc_to_local
from ..services.extensions import MAX_REASON_LENGTH
from .course_forms import TIME_FIELD, check_time, read_local_time
from .forms import clean_text


class ExtensionForm(FlaskForm):
    due_at = StringField(_l("New due time"), filters=[clean_text], validators=[check_time], render_kw=TIME_FIELD)
    closes_at = StringField(
        _l("Hard close (optional)"), filters=[clean_text], validators=[check_time], render_kw=TIME_FIELD
    )
    reason = TextAreaField(
        _l("Reason"),
        filters=[clean_text],
        render_kw={"rows": 2, "maxlength": MAX_REASON_LENGTH},
        validators=[
            Length(
                max=MAX_REASON_LENGTH,
                message=_l("The reason is too long: at most %(max)d characters.", max=MAX_REASON_LENGTH),
            )
        ],
    )
    save = SubmitField(_l("Save the extension"))
    remove = SubmitField(_l("Remove the extension"))


def extension_form(assignment_id: int, **kwargs) -> ExtensionForm:
    return ExtensionForm(prefix=f"ext{assignment_id}", **kwargs)


def filled_form(assignment_id: int, extension: Extension | None, zone: ZoneInfo) -> ExtensionForm:
    """The form as the page first shows it: the student's extension, if any, its times in the teacher's zone."""
    if extension is None:
        return extension_form(assignment_id, formdata=None)

    def local(moment: datetime | None) -> str:
        value = utc_to_local(moment, zone)
        return value.strftime("%Y-%m-%dT%H:%M") if value else ""

    return extension_form(
        assignment_id,
        formdata=None,
        data={"due_at": local(extension.due_at), "closes_at": local(extension.closes_at), "reason": extension.reason},
    )


def read_times(form: ExtensionForm, zone: ZoneInfo) -> tuple[datetime | None, datetime | None] | None:
    """The due time and hard close in UTC (None for an empty or unreadable field: the form says so); None when a
    time does not exist in the zone (the field is marked)."""
    times = []
    for field in (form.due_at, form.closes_at):
        try:
            local = read_local_time(field.data)
        except ValueError:
            local = None
        try:
            times.append(local_to_utc(local, zone) if local else None)
        except NonexistentTime:
            message = _("This time does not exist in your time zone (the clocks move forward then): choose another.")
            field.errors = [*field.errors, message]
    return (times[0], times[1]) if len(times) == 2 else None
