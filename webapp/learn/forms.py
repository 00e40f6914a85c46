"""The answer form: one field per part of an exercise version, its kind deciding the field.

Every field hands the service the raw text the answer kinds read (``exercises.read_answer``): a choice is the chosen
option ids joined with ','. No field validates anything itself: the grader says, in the student's language, what is
wrong with an answer, and posted text (or the chosen boxes) comes back as it was sent.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from exercises.answers import option_order
from exercises.schema import ChoicePart, Part


class AnswerFormBase(FlaskForm):
    form_token = HiddenField()

    def part_field(self, part: Part) -> Field:
        return self[field_name(part)]

    def raw_answers(self, parts: Sequence[Part]) -> dict[str, str]:
        return {part.name: raw_text(part, self.part_field(part).data) for part in parts}


def field_name(part: Part) -> str:
    return f"part_{part.name}"


def raw_text(part: Part, data: object) -> str:
    if isinstance(part, ChoicePart):
        chosen = data if isinstance(data, list) else [data] if data else []
        return ",".join(str(option_id) for option_id in chosen)
    return str(data or "")


def part_field(part: Part, locale: str, seed: str) -> Field:
    label = part.label.get(locale)
    if isinstance(part, ChoicePart):
        # Every option is offered in this variant's order; none is marked in any way but its id and text.
        choices = [SelectChoice(option.id, option.get(locale)) for option in option_order(part, seed)]
        if part.multiple:
            return SelectMultipleField(label, choices=choices, validate_choice=False)
        return RadioField(label, choices=choices, validate_choice=False)
    if part.kind == "text":
        return TextAreaField(label)
    return StringField(label)


def answer_form(parts: Sequence[Part], locale: str, seed: str) -> AnswerFormBase:
    """A form with one field per part; ``seed`` (the student's variant) orders the options of choice parts."""

    class AnswerForm(AnswerFormBase):
        pass

    for part in parts:
        setattr(AnswerForm, field_name(part), part_field(part, locale, seed))
    form = AnswerForm()
    if not form.form_token.data:
        form.form_token.data = secrets.token_urlsafe(24)
    return form
