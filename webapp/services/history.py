"""A student's attempts at an assignment item as the exercise page shows them: every submission, newest first,
with each part's answer as it was sent (a choice as its options' texts), the part's verdict and the score."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from exercises import ExerciseDefinition
from exercises.schema import ChoicePart, Part

from ..feedback import verdict_status
from ..models import AssignmentItem, Submission, User
from .progress import item_submissions


@dataclass(frozen=True)
class AnsweredPart:
    part: Part  # as the version the submission answered defines it
    label: str
    status: str  # feedback.CORRECT, PARTLY, PENDING or INCORRECT
    verdict: dict[str, Any]
    typed: str  # exactly as sent; for a choice, the chosen options' ids joined with ","
    chosen: list[str] | None  # a choice's chosen options, as their texts in the reader's language


@dataclass(frozen=True)
class Attempt:
    submission: Submission
    score: float  # of the current grading (the latest, after any regrade), before any late penalty
    parts: list[AnsweredPart]


def attempt_history(session: Session, item: AssignmentItem, student: User, locale: str) -> list[Attempt]:
    """Every submission of ``student`` on ``item``, the latest first."""
    definitions: dict[int, ExerciseDefinition] = {}
    history = []
    for submission in item_submissions(session, item, student):
        version_id = submission.exercise_version_id
        if version_id not in definitions:
            definitions[version_id] = submission.exercise_version.parsed_definition()
        history.append(read_attempt(submission, definitions[version_id], locale))
    return history


def read_attempt(submission: Submission, definition: ExerciseDefinition, locale: str) -> Attempt:
    grading = submission.current_grading
    parts = []
    for part in definition.parts:
        verdict = grading.verdicts.get(part.name)
        if verdict is None:
            continue
        typed = str(submission.raw_answers.get(part.name, ""))
        chosen = None
        if isinstance(part, ChoicePart):
            texts = {option.id: option.get(locale) for option in part.options}
            chosen = [
                texts.get(option_id, option_id)
                for option_id in (piece.strip() for piece in typed.split(","))
                if option_id
            ]
        parts.append(
            AnsweredPart(
                part=part,
                label=part.label.get(locale),
                status=verdict_status(verdict),
                verdict=verdict,
                typed=typed,
                chosen=chosen,
            )
        )
    return Attempt(submission=submission, score=grading.score, parts=parts)
