"""Submitting answers: parse every part, check against the variant's key, store an append-only submission.

A malformed answer is returned with its message and uses no attempt; nothing is written for it. A choice arrives as
the positions of the chosen options in the order the variant shows them; it is read, and stored, as their ids.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import grader
from exercises import ExerciseDefinition, KeyContext, check_answer, option_order, read_answer
from exercises.schema import ChoicePart

from ..models import Assignment, AssignmentItem, Grade, Grading, ScorePolicy, Submission, User, Variant
from .variants import ensure_key, get_or_create_variant


class Outcome(str, enum.Enum):
    GRADED = "graded"
    MALFORMED = "malformed"
    NOT_OPEN = "not_open"
    CLOSED = "closed"
    NO_ATTEMPTS_LEFT = "no_attempts_left"
    DUPLICATE = "duplicate"  # the same form was sent twice: the first submission stands, no new attempt
    VERSION_CHANGED = "version_changed"  # the exercise changed after the page was shown: nothing read or stored


# Problems of a posted choice that the form, not the student's typing, causes (codes beside the grader's own).
CHOICE_POSITION = "choice_position"  # a position that is no option's: a stale or altered form
CHOICE_ONE_ONLY = "choice_one_only"  # several options sent for a part that takes one


@dataclass(frozen=True)
class AnswerProblem:
    code: str
    params: dict[str, Any]
    message: str


class ChoicePositionError(ValueError):
    """Posted choice positions that name no option of the variant's shown order, or too many options."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class SubmitResult:
    outcome: Outcome
    submission: Submission | None = None
    problems: dict[str, AnswerProblem] = field(default_factory=dict)


class Window(str, enum.Enum):
    NOT_OPEN = "not_open"
    OPEN = "open"
    LATE = "late"
    CLOSED = "closed"


def submission_window(assignment: Assignment, now: datetime) -> Window:
    """Where ``now`` (the server's clock, never the browser's) falls in the assignment's times."""
    if assignment.opens_at is not None and now < assignment.opens_at:
        return Window.NOT_OPEN
    if assignment.closes_at is not None and now > assignment.closes_at:
        return Window.CLOSED
    if assignment.due_at is not None and now > assignment.due_at:
        return Window.LATE
    return Window.OPEN


def attempts_used(session: Session, variant: Variant) -> int:
    return session.scalar(select(func.count()).select_from(Submission).where(Submission.variant_id == variant.id)) or 0


def choice_ids(part: ChoicePart, raw: str, seed: str) -> str:
    """The ids of the options at the posted positions (0-based, ','-separated) of the order the variant with
    ``seed`` shows, joined with ',' as ``exercises.read_answer`` reads a choice; nothing chosen gives ''."""
    shown = option_order(part, seed)
    pieces = [piece.strip() for piece in raw.split(",") if piece.strip()]
    ids = []
    for piece in pieces:
        # Decimal digits only (no sign, no spaces inside), and short: anything else was never a field's value.
        if not (piece.isascii() and piece.isdigit() and len(piece) <= 4 and int(piece) < len(shown)):
            raise ChoicePositionError(CHOICE_POSITION, "The choice sent is not one of the options shown.")
        if shown[int(piece)].id not in ids:
            ids.append(shown[int(piece)].id)
    if len(ids) > 1 and not part.multiple:
        raise ChoicePositionError(CHOICE_ONE_ONLY, "Only one option can be chosen here.")
    return ",".join(ids)


def submit_answer(
    session: Session, *, student: User, item: AssignmentItem, raw_answers: Mapping[str, str], now: datetime,
    secret: str, form_token: str | None = None, shown_version_id: int | None = None,
) -> SubmitResult:
    """Grade and store one attempt. ``raw_answers`` holds each part's text by part name, a choice's as the
    positions of the chosen options in the variant's order; ``shown_version_id``, when given, is the exercise
    version the form was made for, and a form made for an earlier version is refused (its positions may name other
    options now)."""
    window = submission_window(item.assignment, now)
    if window is Window.NOT_OPEN:
        return SubmitResult(Outcome.NOT_OPEN)
    if window is Window.CLOSED:
        return SubmitResult(Outcome.CLOSED)

    exercise = item.exercise
    version = exercise.current_version
    if shown_version_id is not None and shown_version_id != version.id:
        return SubmitResult(Outcome.VERSION_CHANGED)
    definition = ExerciseDefinition.model_validate(version.definition)
    parts = definition.parts
    variant = get_or_create_variant(session, course=item.assignment.course, user=student, exercise=exercise,
                                    secret=secret)

    raw: dict[str, str] = {}
    parsed: dict[str, Any] = {}
    problems: dict[str, AnswerProblem] = {}
    for part in parts:
        raw[part.name] = str(raw_answers.get(part.name, ""))
        try:
            if isinstance(part, ChoicePart):
                raw[part.name] = choice_ids(part, raw[part.name], variant.seed)
            parsed[part.name] = read_answer(part, raw[part.name], definition)
        except ChoicePositionError as error:
            problems[part.name] = AnswerProblem(error.code, {}, str(error))
        except grader.AnswerError as error:
            problems[part.name] = AnswerProblem(error.code, dict(error.params), str(error))
    if problems:
        return SubmitResult(Outcome.MALFORMED, problems=problems)

    # One writer per variant at a time (a row lock on PostgreSQL); the unique (variant, attempt_no) constraint
    # is the backstop on every backend.
    session.execute(select(Variant.id).where(Variant.id == variant.id).with_for_update())
    if form_token:
        earlier = session.scalar(
            select(Submission).where(Submission.variant_id == variant.id, Submission.form_token == form_token)
        )
        if earlier is not None:
            return SubmitResult(Outcome.DUPLICATE, submission=earlier)
    used = attempts_used(session, variant)
    if used >= item.attempt_limit:
        return SubmitResult(Outcome.NO_ATTEMPTS_LEFT)
    key = ensure_key(session, variant, version)

    verdicts: dict[str, dict[str, Any]] = {}
    context = KeyContext(key.definition, key.dataset, key.values, key.mistakes, variant.seed)
    total_weight = sum(part.weight for part in parts)
    score = 0.0
    for part in parts:
        verdict = check_answer(part, parsed[part.name], context)
        verdicts[part.name] = _verdict_to_json(verdict)
        score += part.weight * verdict.score
    score = min(1.0, max(0.0, score / total_weight))

    submission = Submission(
        variant_id=variant.id, assignment_item_id=item.id, user_id=student.id, exercise_version_id=version.id,
        attempt_no=used + 1, raw_answers=raw, parsed_answers=parsed, is_late=window is Window.LATE, created_at=now,
        form_token=form_token or None,
    )
    session.add(submission)
    session.flush()
    session.add(Grading(submission_id=submission.id, grader_version=grader.GRADER_VERSION, score=score,
                        verdicts=verdicts, reason="submit", created_at=now))
    session.flush()
    update_grade(session, item, student)
    return SubmitResult(Outcome.GRADED, submission=submission)


def _verdict_to_json(verdict: grader.Verdict) -> dict[str, Any]:
    return {"score": verdict.score, "correct": verdict.correct, "code": verdict.code, "message": verdict.message,
            "params": dict(verdict.params), "misconception": verdict.misconception}


def update_grade(session: Session, item: AssignmentItem, student: User) -> Grade:
    """Recompute the grade that counts from the current grading of every submission (best or last, late penalty)."""
    rows = session.execute(
        select(Submission, Grading)
        .join(Grading, Grading.submission_id == Submission.id)
        .where(Submission.assignment_item_id == item.id, Submission.user_id == student.id)
        .order_by(Submission.attempt_no, Grading.id)
    ).all()
    current: dict[int, tuple[Submission, Grading]] = {}
    for submission, grading in rows:
        current[submission.id] = (submission, grading)  # the later grading of a submission wins
    penalty = item.assignment.late_penalty
    effective = [
        (grading.score * (1 - penalty) if submission.is_late else grading.score, submission.is_late)
        for submission, grading in current.values()
    ]
    grade = session.scalar(select(Grade).where(Grade.assignment_item_id == item.id, Grade.user_id == student.id))
    if grade is None:
        grade = Grade(assignment_item_id=item.id, user_id=student.id)
        session.add(grade)
    if not effective:
        grade.score, grade.is_late = 0.0, False
    elif item.assignment.score_policy == ScorePolicy.LAST.value:
        grade.score, grade.is_late = effective[-1]
    else:
        grade.score, grade.is_late = max(effective, key=lambda pair: pair[0])
    grade.attempts = len(current)
    session.flush()
    return grade
