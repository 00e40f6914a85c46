"""Teachers grading written answers: the queue of answers awaiting review, and saving a review.

A review never rewrites a grading: it appends one (reason "review", the teacher as reviewer) that copies the
current grading's verdicts and replaces the reviewed part's, with the submission's score computed again from the
parts' weights, and the student's grade is recomputed from it. A review is based on the grading the teacher saw; if
a newer one exists (the same form sent twice, another tab, a colleague, a regrade), nothing is saved.
"""

from __future__ import annotations

import copy
import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, selectinload

import grader
from exercises import ExerciseDefinition
from exercises.answers import PENDING_REVIEW
from exercises.schema import Part, TextPart

from ..models import Assignment, AssignmentItem, Course, ExercisePart, Grading, Submission, User
from .submit import update_grade

# The verdict code of a written answer a teacher has graded (beside the grader's own codes).
REVIEWED = "reviewed"
COMMENT_MAX_LENGTH = 1000
# The queue shows this many answers at a time, the oldest first; the page says how many more are waiting.
QUEUE_PAGE = 25
# A percentage as teachers type it: 0-100, a point or comma for decimals, an optional "%".
_PERCENT = re.compile(r"^(\d{1,3})(?:[.,](\d{1,4}))?\s*%?$")


class ReviewOutcome(str, enum.Enum):
    SAVED = "saved"
    STALE = "stale"  # a newer grading exists than the one the form was based on: nothing saved
    NOT_A_TEXT_PART = "not_a_text_part"


@dataclass(frozen=True)
class ReviewResult:
    outcome: ReviewOutcome
    grading: Grading | None = None


@dataclass(frozen=True)
class PendingAnswer:
    submission: Submission
    grading: Grading  # the current one, which a review is based on
    part: TextPart
    title: str
    label: str
    rubric: str
    text: str  # exactly as the student sent it


@dataclass(frozen=True)
class QueuePart:
    """A text part with answers awaiting review: a filter of the queue."""

    item_id: int
    part: str
    title: str
    label: str
    pending: int


@dataclass(frozen=True)
class ReviewQueue:
    parts: list[QueuePart]
    answers: list[PendingAnswer]  # of the chosen part (all parts when none is chosen), at most QUEUE_PAGE
    waiting: int  # of the chosen part, all of them


class ScoreError(ValueError):
    """A typed score that is not a percentage from 0 to 100."""


def parse_percent(text: str) -> float:
    """The score a teacher typed, as a percentage of the part: "50", "50 %", "62,5"; else ScoreError."""
    match = _PERCENT.match((text or "").strip())
    if match is None:
        raise ScoreError(text)
    value = float(f"{match.group(1)}.{match.group(2) or 0}")
    if value > 100:
        raise ScoreError(text)
    return value


def submission_score(parts: Sequence[Part], verdicts: Mapping[str, Mapping[str, Any]]) -> float:
    """A submission's score from its parts' verdicts: their weighted mean (the grader's ``combine_scores``, as
    ``exercises.answers.combined_score`` does for fresh verdicts); a part without a verdict scores 0."""
    return grader.combine_scores(
        [float((verdicts.get(part.name) or {}).get("score") or 0.0) for part in parts], [part.weight for part in parts]
    )


def pending_reviews(
    session: Session, course: Course, locale: str, *, item_id: int | None = None, part: str | None = None
) -> ReviewQueue:
    """Written answers of ``course`` whose current grading awaits review, oldest first, in a constant number of
    queries; ``item_id`` and ``part`` choose one part's answers."""
    newer = aliased(Grading)
    superseded = select(newer.id).where(newer.submission_id == Grading.submission_id, newer.id > Grading.id).exists()
    with_text = select(ExercisePart.version_id).where(ExercisePart.kind == "text")
    rows = session.execute(
        select(Submission, Grading)
        .join(Grading, Grading.submission_id == Submission.id)
        .join(AssignmentItem, AssignmentItem.id == Submission.assignment_item_id)
        .join(Assignment, Assignment.id == AssignmentItem.assignment_id)
        .where(Assignment.course_id == course.id, ~superseded, Submission.exercise_version_id.in_(with_text))
        .order_by(Submission.created_at, Submission.id)
        .options(
            selectinload(Submission.user),
            selectinload(Submission.exercise_version),
            selectinload(Submission.assignment_item),
        )
    ).all()
    definitions: dict[int, ExerciseDefinition] = {}
    parts: dict[tuple[int, str], QueuePart] = {}
    answers: list[PendingAnswer] = []
    for submission, grading in rows:
        version = submission.exercise_version
        if version.id not in definitions:
            definitions[version.id] = ExerciseDefinition.model_validate(version.definition)
        for text_part in definitions[version.id].parts:
            verdict = grading.verdicts.get(text_part.name) or {}
            if not isinstance(text_part, TextPart) or verdict.get("code") != PENDING_REVIEW:
                continue
            key = (submission.assignment_item_id, text_part.name)
            held = parts.get(key)
            parts[key] = QueuePart(
                key[0], key[1], version.title(locale), text_part.label.get(locale), (held.pending if held else 0) + 1
            )
            if (item_id is None or key[0] == item_id) and (part is None or key[1] == part):
                answers.append(
                    PendingAnswer(
                        submission=submission,
                        grading=grading,
                        part=text_part,
                        title=version.title(locale),
                        label=text_part.label.get(locale),
                        rubric=text_part.rubric.get(locale),
                        text=str(submission.raw_answers.get(text_part.name, "")),
                    )
                )
    return ReviewQueue(parts=list(parts.values()), answers=answers[:QUEUE_PAGE], waiting=len(answers))


def review_text_answer(
    session: Session,
    *,
    submission: Submission,
    part_name: str,
    percent: float,
    comment: str,
    reviewer: User,
    based_on: int,
    now: datetime,
) -> ReviewResult:
    """Grade one written answer: ``percent`` (0-100) of the part, with an optional comment for the student.

    Call it in a write transaction (``database.begin_write_transaction``): the submission's row lock (PostgreSQL)
    or the database's write lock (SQLite) makes two reviews of one answer take turns, and the second finds the
    first's grading newer than its ``based_on``."""
    if not 0 <= percent <= 100:
        raise ValueError(f"a percentage from 0 to 100, not {percent}")
    session.execute(select(Submission.id).where(Submission.id == submission.id).with_for_update())
    latest = session.scalar(
        select(Grading).where(Grading.submission_id == submission.id).order_by(Grading.id.desc()).limit(1)
    )
    if latest is None or latest.id != based_on:
        return ReviewResult(ReviewOutcome.STALE, latest)
    definition = ExerciseDefinition.model_validate(submission.exercise_version.definition)
    part = next((p for p in definition.parts if p.name == part_name), None)
    if not isinstance(part, TextPart) or part_name not in latest.verdicts:
        return ReviewResult(ReviewOutcome.NOT_A_TEXT_PART, latest)

    score = percent / 100
    verdicts = copy.deepcopy(latest.verdicts)
    verdicts[part_name] = {
        "score": score,
        "correct": score == 1.0,
        "code": REVIEWED,
        "message": comment.strip(),
        "params": {"percent": percent},
        "misconception": None,
    }
    grading = Grading(
        submission_id=submission.id,
        grader_version=latest.grader_version,
        score=submission_score(definition.parts, verdicts),
        verdicts=verdicts,
        reason="review",
        reviewer_id=reviewer.id,
        created_at=now,
    )
    session.add(grading)
    session.flush()
    # The submission's loaded list of gradings no longer ends with its current one.
    session.expire(submission, ["gradings"])
    update_grade(session, submission.assignment_item, submission.user)
    return ReviewResult(ReviewOutcome.SAVED, grading)
