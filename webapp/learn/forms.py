from __future__ import annotations

import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField

from ..models import ExercisePart

class AnswerFormBase(FlaskForm):
    form_token = HiddenField()

    def part_field(self, part: ExercisePart) -> StringField:
        return self[field_name(part)]

    def raw_answers(self, parts: list[ExercisePart]) -> dict[str, str]:
        return {part.name: self.part_field(part).data or "" for part in parts}


def field_name(part: ExercisePart) -> str:
    return f"part_{part.name}"


def answer_form(parts: list[ExercisePart], locale: str) -> AnswerFormBase:
    """A form with one field per part of this exercise version; posted text is kept when it comes back."""

    class AnswerForm(AnswerFormBase):
        pass

    for part in parts:
        # No length validator: the grader's parser says, in the student's language, what is wrong with the text.
        setattr(AnswerForm, field_name(part), StringField(part.label(locale)))
    form = AnswerForm()
    if not form.form_token.data:
        form.form_token.data = secrets.token_urlsafe(24)
    return form
