"""Submitting answers: parse every part, check against the variant's key, store an append-only submission.

A malformed answer is returned with its message and uses no attempt; nothing is written for it. A choice arrives as
the positions of the chosen options in the order the variant shows them; it is read, and stored, as their ids.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import Float, Insert, Select, String, bindparam, case, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

import grader
from exercises import KeyContext, check_answer, combined_score, option_order, read_answer
from exercises.schema import ChoicePart

from ..models import Assignment, AssignmentItem, Extension, Grade, Grading, ScorePolicy, Submission, User, Variant
from ..models import utcnow
from .extensions import LOOK_UP, MaybeExtension, deadlines, resolve
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


def submission_window(assignment: Assignment, now: datetime, extension: Extension | None = None) -> Window:
    """Where ``now`` (the server's clock, never the browser's) falls in the assignment's times, or in those of the
    student's ``extension`` when they have one."""
    times = deadlines(assignment, extension)
    if times.opens_at is not None and now < times.opens_at:
        return Window.NOT_OPEN
    if times.closes_at is not None and now > times.closes_at:
        return Window.CLOSED
    if times.due_at is not None and now > times.due_at:
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
    extension: MaybeExtension = LOOK_UP,
) -> SubmitResult:
    """Grade and store one attempt. ``raw_answers`` holds each part's text by part name, a choice's as the
    positions of the chosen options in the variant's order; ``shown_version_id``, when given, is the exercise
    version the form was made for, and a form made for an earlier version is refused (its positions may name other
    options now). ``extension`` is the student's extension on the item's assignment (None: they have none) when the
    caller has read it already; by default it is read here."""
    extension = resolve(session, item.assignment_id, student.id, extension)
    window = submission_window(item.assignment, now, extension)
    if window is Window.NOT_OPEN:
        return SubmitResult(Outcome.NOT_OPEN)
    if window is Window.CLOSED:
        return SubmitResult(Outcome.CLOSED)

    exercise = item.exercise
    version = exercise.current_version
    if shown_version_id is not None and shown_version_id != version.id:
        return SubmitResult(Outcome.VERSION_CHANGED)
    definition = version.parsed_definition()
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
    # is the backstop on every backend. What follows is read by statements after the lock is held, so they see
    # every attempt committed before it.
    session.execute(_LOCK_VARIANT, {"variant_id": variant.id})
    used, earlier_id = session.execute(_ATTEMPTS_AND_FORM, {"variant_id": variant.id,
                                                            "form_token": form_token or None}).one()
    if form_token and earlier_id is not None:
        return SubmitResult(Outcome.DUPLICATE, submission=session.get(Submission, earlier_id))
    if used >= item.attempt_limit:
        return SubmitResult(Outcome.NO_ATTEMPTS_LEFT)
    key = ensure_key(session, variant, version)

    verdicts: dict[str, dict[str, Any]] = {}
    context = KeyContext(key.definition, key.dataset, key.values, key.mistakes, variant.seed)
    checked = [check_answer(part, parsed[part.name], context) for part in parts]
    for part, verdict in zip(parts, checked, strict=True):
        verdicts[part.name] = verdict_to_json(verdict)
    score = combined_score(checked, parts)

    submission = Submission(
        variant_id=variant.id, assignment_item_id=item.id, user_id=student.id, exercise_version_id=version.id,
        attempt_no=used + 1, raw_answers=raw, parsed_answers=parsed, is_late=window is Window.LATE, created_at=now,
        form_token=form_token or None,
    )
    # Both rows in one flush: the grading takes the submission's id from the INSERT that returns it.
    submission.gradings.append(Grading(grader_version=grader.GRADER_VERSION, score=score, verdicts=verdicts,
                                       reason="submit", created_at=now))
    session.add(submission)
    session.flush()
    update_grade(session, item, student)
    return SubmitResult(Outcome.GRADED, submission=submission)


def verdict_to_json(verdict: grader.Verdict) -> dict[str, Any]:
    return {"score": verdict.score, "correct": verdict.correct, "code": verdict.code, "message": verdict.message,
            "params": dict(verdict.params), "misconception": verdict.misconception}


# The statements of every submission, built once: SQLAlchemy then finds each compiled in its cache at once, instead
# of building the statement and its cache key again on each request.
_LOCK_VARIANT = select(Variant.id).where(Variant.id == bindparam("variant_id")).with_for_update()
# A NULL form token equals no row's token, so a form without one is never taken for a duplicate.
_ATTEMPTS_AND_FORM = select(
    func.count(), func.min(Submission.id).filter(Submission.form_token == bindparam("form_token", type_=String))
).where(Submission.variant_id == bindparam("variant_id"))


def _counting_submission(policy: ScorePolicy) -> Select:
    """The submission that counts for the grade, its current score and late flag, and how many submissions have
    a grading: the current grading of a submission is its latest; "best" is the highest score after the late
    penalty, the earliest such attempt on a tie; "last" is the latest attempt."""
    newer = aliased(Grading)
    superseded = select(newer.id).where(newer.submission_id == Grading.submission_id, newer.id > Grading.id).exists()
    effective = case((Submission.is_late, Grading.score * bindparam("late_factor", type_=Float)),
                     else_=Grading.score)
    order = (Submission.attempt_no.desc(),) if policy is ScorePolicy.LAST else (effective.desc(), Submission.attempt_no)
    return (
        select(Submission.is_late, Grading.score, func.count().over())
        .join(Grading, Grading.submission_id == Submission.id)
        .where(Submission.assignment_item_id == bindparam("item_id"), Submission.user_id == bindparam("user_id"),
               ~superseded)
        .order_by(*order).limit(1)
    )


_COUNTING_SUBMISSION = {policy.value: _counting_submission(policy) for policy in ScorePolicy}


def _grade_upsert(dialect: str) -> Insert | None:
    """INSERT the grade, or UPDATE it where the student has one for the item: one statement (PostgreSQL, SQLite)."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:
        return None
    statement = insert(Grade.__table__)
    return statement.on_conflict_do_update(
        index_elements=[Grade.assignment_item_id, Grade.user_id],
        set_={name: statement.excluded[name] for name in ("score", "is_late", "attempts", "updated_at")},
    )


_GRADE_UPSERTS = {dialect: _grade_upsert(dialect) for dialect in ("postgresql", "sqlite")}


def update_grade(session: Session, item: AssignmentItem, student: User) -> None:
    """Recompute the grade that counts from the current grading of every submission (best or last, late penalty).

    The database picks the one submission that counts (``_counting_submission``), so a student's hundredth attempt
    reads one row, not a hundred; the grade is then written with one upsert, which does not refresh a Grade this
    session loaded before (``session.refresh`` it to read the new values)."""
    penalty = item.assignment.late_penalty
    statement = _COUNTING_SUBMISSION.get(item.assignment.score_policy, _COUNTING_SUBMISSION[ScorePolicy.BEST.value])
    counting = session.execute(statement, {"item_id": item.id, "user_id": student.id,
                                           "late_factor": 1 - penalty}).first()
    values = {"score": 0.0, "is_late": False, "attempts": 0}
    if counting is not None:
        is_late, score, attempts = counting
        values = {"score": score * (1 - penalty) if is_late else score, "is_late": is_late, "attempts": attempts}
    upsert = _GRADE_UPSERTS.get(session.get_bind().dialect.name)
    if upsert is not None:
        ids = {"assignment_item_id": item.id, "user_id": student.id}
        session.execute(upsert, {**ids, "updated_at": utcnow(), **values})
        return
    grade = session.scalar(select(Grade).where(Grade.assignment_item_id == item.id, Grade.user_id == student.id))
    if grade is None:
        grade = Grade(assignment_item_id=item.id, user_id=student.id)
        session.add(grade)
    for name, value in values.items():
        setattr(grade, name, value)
    session.flush()
