"""Teachers' forms: overriding a grade."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ..services.overrides import MAX_REASON_LENGTH

# What a person types for a percentage: "85", "85.5", "85,5", "85 %". No signs, exponents, NaN or infinities.
PERCENT = re.compile(r"(?P<number>\d{1,3}(?:[.,]\d{1,6})?)\s*%?")


def read_percent(text: str) -> float | None:
    """The score as a fraction in [0, 1] from a percentage typed from 0 to 100; None if it is not one."""
    match = PERCENT.fullmatch(text.strip())
    if match is None:
        return None
    value = float(match.group("number").replace(",", "."))
    return value / 100.0 if 0.0 <= value <= 100.0 else None


def clean_text(value: str | None) -> str | None:
    """Surrounding spaces off, and a browser's CRLF line ends as one character each (as the field's maxlength
    counts them)."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class OverrideForm(FlaskForm):
    """Set a grade's score (a percentage) or remove the override; a reason either way. One form per item on the
    student's page, told apart by a prefix (``override_form``)."""

    score = StringField(_l("New score, %"), filters=[clean_text])
    reason = TextAreaField(
        _l("Reason"),
        filters=[clean_text],
        validators=[
            DataRequired(_l("Give a reason: it is kept with the grade's history.")),
            Length(
                max=MAX_REASON_LENGTH,
                message=_l("The reason is too long: at most %(max)d characters.", max=MAX_REASON_LENGTH),
            ),
        ],
    )
    save = SubmitField(_l("Set the score"))
    clear = SubmitField(_l("Remove the override"))

    def validate_score(self, field) -> None:
        if self.clear.data:
            return
        if not field.data:
            raise ValidationError(_l("Type a score from 0 to 100, or remove the override."))
        if len(field.data) > 20:
            raise ValidationError(_l("This is not a score from 0 to 100: type a number such as 85 or 92.5."))
        if read_percent(field.data) is None:
            raise ValidationError(
                _l("“%(text)s” is not a score from 0 to 100: type a number such as 85 or 92.5.", text=field.data)
            )

    @property
    def new_score(self) -> float | None:
        """The score to set, as a fraction; None when the override is to be removed."""
        return None if self.clear.data else read_percent(self.score.data or "")


def override_form(item_id: int, **kwargs) -> OverrideForm:
    return OverrideForm(prefix=f"item{item_id}", **kwargs)
