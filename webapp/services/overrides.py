"""A teacher's override of a grade, with its reason, kept in an append-only audit trail (GradeOverride).

The grade keeps the current override (``Grade.override_score``/``override_reason``); every change — set, changed or
cleared — appends one GradeOverride row with the score before and after, who made it and why. A regrade or a new
attempt recomputes ``Grade.score`` and leaves the override as it is.
"""

from __future__ import annotations

import math

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import AssignmentItem, Grade, GradeOverride, User, utcnow

MAX_REASON_LENGTH = 500


class OverrideError(ValueError):
    """An override the rules refuse; ``code`` says which rule."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def grade_for(session: Session, item: AssignmentItem, student: User) -> Grade:
    """The student's grade on ``item``; a student who never answered gets one (score 0, no attempt), so that a
    teacher can set a score for work done elsewhere."""
    query = select(Grade).where(Grade.assignment_item_id == item.id, Grade.user_id == student.id)
    grade = session.scalar(query)
    if grade is not None:
        return grade
    try:
        with session.begin_nested():
            grade = Grade(assignment_item_id=item.id, user_id=student.id, score=0.0, attempts=0, is_late=False)
            session.add(grade)
    except IntegrityError:
        # The student's first answer made the grade at the same moment.
        grade = session.scalars(query).one()
    return grade


def override_grade(
    session: Session, grade: Grade, teacher: User, new_score: float | None, reason: str
) -> GradeOverride:
    """Set the grade's score to ``new_score`` (a fraction in [0, 1]) whatever was computed, or clear the override
    with ``new_score=None``; ``reason`` is required (at most 500 characters). Flushes, never commits."""
    reason = (reason or "").strip()
    if not reason:
        raise OverrideError("reason_required", "A reason is required.")
    if len(reason) > MAX_REASON_LENGTH:
        raise OverrideError("reason_too_long", f"The reason is longer than {MAX_REASON_LENGTH} characters.")
    if new_score is not None and not (math.isfinite(new_score) and 0.0 <= new_score <= 1.0):
        raise OverrideError("score_out_of_range", "The score must be between 0 and 1.")
    # Read the override under a row lock (PostgreSQL), so that two teachers at once each record what they replaced.
    locked = session.scalars(
        select(Grade).where(Grade.id == grade.id).with_for_update().execution_options(populate_existing=True)
    ).one()
    if new_score is None and locked.override_score is None:
        raise OverrideError("nothing_to_clear", "The grade has no override to remove.")
    change = GradeOverride(
        grade_id=locked.id,
        teacher_id=teacher.id,
        old_score=locked.override_score,
        new_score=new_score,
        reason=reason,
        created_at=utcnow(),
    )
    locked.override_score = new_score
    locked.override_reason = reason if new_score is not None else None
    session.add(change)
    session.flush()
    return change
