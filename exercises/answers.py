"""Answer kinds: reading what a student typed into a part and checking it against the variant's key.

One class per part kind, registered under the kind's id (``ANSWER_KINDS``). ``read`` turns the raw text into a
JSON-able parsed answer or raises ``grader.AnswerError`` (the submission is then returned with the message and
uses no attempt); ``check`` grades a parsed answer and returns a ``grader.Verdict``. Raw answers are always text:
a vector is numbers separated by ';', a choice is the chosen option ids separated by ','.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

import grader

from .data import Dataset
from .keys import Fits, KeyValue, as_table, formula_domains, formula_key
from .schema import ChoicePart, ExerciseDefinition, FormulaPart, NumberPart, Option, Part, TextPart, VectorPart

# The verdict code of a written answer before a teacher grades it; its score counts as 0 until then.
PENDING_REVIEW = "pending_review"


@dataclass(frozen=True)
class KeyContext:
    """What checking needs besides the parsed answer: the variant's key, its data and definition, its seed."""

    definition: ExerciseDefinition
    dataset: Dataset
    values: dict[str, KeyValue]
    mistakes: dict[str, Any]
    seed: str


class AnswerKind:
    id: ClassVar[str]

    def read(self, part: Any, raw: str) -> Any:
        raise NotImplementedError

    def check(self, part: Any, parsed: Any, key: KeyContext) -> grader.Verdict:
        raise NotImplementedError


class NumberAnswer(AnswerKind):
    id = "number"

    def read(self, part: NumberPart, raw: str) -> float:
        return grader.parse_number(raw, allow_percent=part.allow_percent)

    def check(self, part: NumberPart, parsed: float, key: KeyContext) -> grader.Verdict:
        return grader.check_number(parsed, float(key.values[part.name]), _tolerance(part),
                                   key.mistakes.get(part.name, ()))


class VectorAnswer(AnswerKind):
    id = "vector"

    def read(self, part: VectorPart, raw: str, definition: ExerciseDefinition) -> list[float]:
        return grader.parse_vector(raw, vector_length(part, definition))

    def check(self, part: VectorPart, parsed: list[float], key: KeyContext) -> grader.Verdict:
        keys = key.values[part.name]
        assert isinstance(keys, list)
        mistakes = key.mistakes.get(part.name) or None
        return grader.check_vector(parsed, keys, _tolerance(part), mistakes)


class FormulaAnswer(AnswerKind):
    id = "formula"

    def read(self, part: FormulaPart, raw: str) -> str:
        grader.parse_formula(raw, [v.name for v in part.variables])  # raises AnswerError with a position
        return raw.strip()

    def check(self, part: FormulaPart, parsed: str, key: KeyContext) -> grader.Verdict:
        formula = grader.parse_formula(parsed, [v.name for v in part.variables])
        fits = Fits(key.definition, key.dataset)
        field = f"parts.{part.name}.key"
        return grader.check_formula(formula, formula_key(fits, part, field), formula_domains(fits, part),
                                    rtol=part.rtol, up_to_constant=part.up_to_constant)


class ChoiceAnswer(AnswerKind):
    id = "choice"

    def read(self, part: ChoicePart, raw: str) -> list[str]:
        chosen = [piece.strip() for piece in raw.split(",") if piece.strip()]
        if not chosen:
            raise grader.AnswerError("choice_required")
        ids = {option.id for option in part.options}
        for choice in chosen:
            if choice not in ids:
                raise grader.AnswerError("choice_unknown", text=choice[:40])
        if not part.multiple and len(set(chosen)) > 1:
            raise grader.AnswerError("choice_unknown", text=", ".join(chosen)[:40])
        return sorted(set(chosen))

    def check(self, part: ChoicePart, parsed: list[str], key: KeyContext) -> grader.Verdict:
        correct = set(part.correct)
        chosen = set(parsed)
        right, wrong = len(chosen & correct), len(chosen - correct)
        # A multiple choice earns the share of correct options found, less one share per wrong option chosen.
        score = 1.0 if chosen == correct else max(0.0, (right - wrong) / len(correct)) if part.multiple else 0.0
        params = {"chosen": sorted(chosen), "right": right, "wrong": wrong, "expected": len(correct)}
        if score == 1.0:
            return grader.Verdict(score=1.0, correct=True, code="correct", params=params, message="Correct.")
        if score > 0.0:
            return grader.Verdict(score=score, correct=False, code="choice_partly", params=params,
                                  message=f"Partly correct: {right} of {len(correct)} correct option(s) chosen, "
                                          f"{wrong} wrong.")
        return grader.Verdict(score=0.0, correct=False, code="incorrect", params=params, message="Not correct.")


class TextAnswer(AnswerKind):
    id = "text"

    def read(self, part: TextPart, raw: str) -> str:
        text = raw.strip()
        if not text:
            raise grader.AnswerError("text_empty")
        if len(text) > part.max_length:
            raise grader.AnswerError("too_long", length=len(text), max_length=part.max_length)
        return text

    def check(self, part: TextPart, parsed: str, key: KeyContext) -> grader.Verdict:
        return grader.Verdict(score=0.0, correct=False, code=PENDING_REVIEW, params={},
                              message="Your answer is saved; a teacher will grade it with the rubric.")


ANSWER_KINDS: dict[str, AnswerKind] = {kind.id: kind for kind in
                                       (NumberAnswer(), VectorAnswer(), FormulaAnswer(), ChoiceAnswer(), TextAnswer())}


def read_answer(part: Part, raw: str, definition: ExerciseDefinition) -> Any:
    """The parsed answer (JSON-able), or grader.AnswerError saying why the text cannot be read."""
    if isinstance(part, VectorPart):
        return VectorAnswer().read(part, raw, definition)
    return ANSWER_KINDS[part.kind].read(part, raw)


def check_answer(part: Part, parsed: Any, key: KeyContext) -> grader.Verdict:
    return ANSWER_KINDS[part.kind].check(part, parsed, key)


def vector_length(part: VectorPart, definition: ExerciseDefinition) -> int:
    """The number of components: the number of keys listed, of the start vector's values, or of the design
    matrix's columns for a whole coefficient vector such as ``mle.beta``."""
    if isinstance(part.key, list):
        return len(part.key)
    spec = as_table(part.key)
    if spec.start is not None:
        return len(spec.start)
    _, model = definition.model_for(spec.model)
    design = model.inputs.get("X")
    if isinstance(design, list):
        return len(design)
    raise ValueError(f"part {part.name!r}: the key {spec.quantity!r} is not a coefficient vector of a design matrix")


def option_order(part: ChoicePart, seed: str) -> list[Option]:
    """The options in the order this variant shows them: shuffled by the variant's seed, the same on every visit."""
    if not part.shuffle:
        return list(part.options)
    digest = hashlib.sha256(f"{seed}:{part.name}".encode()).digest()
    order = np.random.default_rng(int.from_bytes(digest[:16], "big")).permutation(len(part.options))
    return [part.options[i] for i in order]


def _tolerance(part: NumberPart | VectorPart) -> grader.Tolerance:
    return grader.Tolerance(**part.tolerance.model_dump())


def combined_score(verdicts: Sequence[grader.Verdict], parts: Sequence[Part]) -> float:
    return grader.combine_scores([v.score for v in verdicts], [p.weight for p in parts])
