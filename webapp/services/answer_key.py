"""The correct answers of a variant as a student may read them, once the reveal policy allows
(``services.reveal.key_revealed`` decides; callers must ask it first and call nothing here before it says yes).

Numbers are written to four significant figures with the reader's decimal mark; a choice's correct options are
given by their texts, in the order the variant shows them. Formulas (their key is a function) and written answers
(graded by a teacher) have nothing to show here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from babel.numbers import get_decimal_symbol

from exercises import ExerciseDefinition, option_order
from exercises.schema import ChoicePart, NumberPart, VectorPart

FIGURES = 4


@dataclass(frozen=True)
class RevealedAnswer:
    label: str
    kind: str  # "number", "vector" or "choice"
    values: list[str]  # the number; the vector's components in order; the correct options' texts


def significant(value: float, decimal_mark: str = ".", figures: int = FIGURES) -> str:
    """``value`` to ``figures`` significant figures, trailing zeros kept (0.6 -> "0.6000"); very small or large
    numbers in scientific notation ("1.235e-05")."""
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    rounded = float(f"{value:.{figures - 1}e}")  # so that 9.99996 is 10.00, not 9.99996 to more figures
    exponent = math.floor(math.log10(abs(rounded)))
    if -4 <= exponent < 6:
        text = f"{rounded:.{max(0, figures - 1 - exponent)}f}"
    else:
        text = f"{rounded:.{figures - 1}e}"
    return text.replace(".", decimal_mark)


def revealed_answers(
    definition: ExerciseDefinition, key_values: Mapping[str, Any], seed: str, locale: str
) -> list[RevealedAnswer]:
    """The answers of ``definition``'s number, vector and choice parts for the variant with ``seed`` and
    ``key_values`` (``services.variants.ensure_key``)."""
    mark = get_decimal_symbol(locale)
    shown = []
    for part in definition.parts:
        label = part.label.get(locale)
        if isinstance(part, NumberPart) and key_values.get(part.name) is not None:
            shown.append(RevealedAnswer(label, part.kind, [significant(key_values[part.name], mark)]))
        elif isinstance(part, VectorPart) and key_values.get(part.name) is not None:
            shown.append(RevealedAnswer(label, part.kind, [significant(v, mark) for v in key_values[part.name]]))
        elif isinstance(part, ChoicePart):
            correct = [option.get(locale) for option in option_order(part, seed) if option.id in part.correct]
            shown.append(RevealedAnswer(label, part.kind, correct))
    return shown
