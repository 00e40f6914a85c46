"""The answer form: one field per part of an exercise version, its kind deciding the field.

Every field hands the service the raw text of its answer. A choice posts the positions of the chosen options in
the order this variant shows them (0-based, joined with ','), never the options' ids, which authors may have
named after their meaning; the service maps positions back to ids (``services.submit.choice_ids``). No field
validates anything itself: the grader and the service say, in the student's language, what is wrong with an
answer, and posted text (or the chosen boxes) comes back as it was sent.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from exercises.answers import option_order
from exercises.schema import ChoicePart, Part


class AnswerFormBase(FlaskForm):
    # Hidden fields show no label; naming one ("") spares WTForms translating a default, which loads its message
    # catalogue from disk on every request.
    form_token = HiddenField(label="")
    # The exercise version the page showed: choice positions mean something only in that version's options.
    shown_version = HiddenField(label="")

    def part_field(self, part: Part) -> Field:
        return self[field_name(part)]

    def raw_answers(self, parts: Sequence[Part]) -> dict[str, str]:
        return {part.name: raw_text(part, self.part_field(part).data) for part in parts}


def field_name(part: Part) -> str:
    return f"part_{part.name}"


def raw_text(part: Part, data: object) -> str:
    if isinstance(part, ChoicePart):
        chosen = data if isinstance(data, list) else [data] if data else []
        return ",".join(str(position) for position in chosen)
    return str(data or "")


def part_field(part: Part, locale: str, seed: str) -> Field:
    label = part.label.get(locale)
    if isinstance(part, ChoicePart):
        # Every option is offered in this variant's order, its value its position there: nothing else marks it.
        choices = [
            SelectChoice(str(position), option.get(locale)) for position, option in enumerate(option_order(part, seed))
        ]
        if part.multiple:
            return SelectMultipleField(label, choices=choices, validate_choice=False)
        return RadioField(label, choices=choices, validate_choice=False)
    if part.kind == "text":
        return TextAreaField(label)
    return StringField(label)


def answer_form(parts: Sequence[Part], locale: str, seed: str, version_id: int) -> AnswerFormBase:
    """A form with one field per part; ``seed`` (the student's variant) orders the options of choice parts."""
    form = answer_form_class(parts, locale, seed, version_id)()
    if not form.form_token.data:
        form.form_token.data = secrets.token_urlsafe(24)
    if not form.shown_version.data:
        form.shown_version.data = str(version_id)
    return form


# Form classes by (version id, the parts object, locale, order of each choice part's options), each with the parts
# it was built from. A class holds labels and options in one order, nothing of a student's answers or key, so
# variants whose options come in the same order share it. The parts are the parsed definition's, shared across
# requests (``ExerciseVersion.parsed_definition``): holding them keeps their id from being reused, and a hit must
# be built from these very parts, so a version id that means another definition (another database) never hits.
_FORM_CLASSES: OrderedDict[tuple[Any, ...], tuple[Sequence[Part], type[AnswerFormBase]]] = OrderedDict()
_FORM_CLASSES_LIMIT = 512
_FORM_CLASSES_LOCK = threading.Lock()


def answer_form_class(parts: Sequence[Part], locale: str, seed: str, version_id: int) -> type[AnswerFormBase]:
    orders = tuple(
        tuple(option.id for option in option_order(part, seed)) if isinstance(part, ChoicePart) else None
        for part in parts
    )
    key = (version_id, id(parts), locale, orders)
    with _FORM_CLASSES_LOCK:
        found = _FORM_CLASSES.get(key)
        if found is not None and found[0] is parts:
            _FORM_CLASSES.move_to_end(key)
            return found[1]

    class AnswerForm(AnswerFormBase):
        pass

    for part in parts:
        setattr(AnswerForm, field_name(part), part_field(part, locale, seed))
    with _FORM_CLASSES_LOCK:
        _FORM_CLASSES[key] = (parts, AnswerForm)
        if len(_FORM_CLASSES) > _FORM_CLASSES_LIMIT:
            _FORM_CLASSES.popitem(last=False)
    return AnswerForm
