"""When a student may see the key of an assignment item (the MLE marked on the likelihood plot, for one).

The assignment's reveal policy decides:

- ``never``: not while the assignment exists;
- ``after_due``: once answers are due and no longer accepted: strictly after the hard close when the assignment has
  one (late work is accepted until then, and must not be copied from a revealed key), else strictly after the due
  time; an assignment without a due time never reveals. A student with an extension has their own due time and
  hard close (``extensions.deadlines``), so the key is shown to them once their own times have passed;
- ``after_last_attempt_or_correct``: once the student has used every attempt of the item, or has a submission whose
  current grading (the latest, after any regrade) scores 1.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import AssignmentItem, Grading, RevealPolicy, Submission, User, Variant
from .extensions import LOOK_UP, MaybeExtension, deadlines, resolve


def key_revealed(
    session: Session, item: AssignmentItem, student: User, now: datetime, extension: MaybeExtension = LOOK_UP
) -> bool:
    """Whether ``student`` may see the key of ``item`` at ``now`` (an aware UTC time, the server's clock).
    ``extension`` is the student's extension on the item's assignment when the caller has read it (None: none)."""
    assignment = item.assignment
    policy = assignment.reveal_policy
    if policy == RevealPolicy.AFTER_DUE.value:
        extension = resolve(session, assignment.id, student.id, extension)
        reveal_at = deadlines(assignment, extension).reveal_at
        return reveal_at is not None and now > reveal_at
    if policy == RevealPolicy.AFTER_LAST_ATTEMPT_OR_CORRECT.value:
        return _attempts_used(session, item, student) >= item.attempt_limit or _has_full_score(session, item, student)
    return False  # never, and any policy this code does not know: revealing by mistake cannot be taken back


def _attempts_used(session: Session, item: AssignmentItem, student: User) -> int:
    """Attempts as ``submit_answer`` counts them: every submission on the student's variant of the exercise."""
    variant_id = session.scalar(
        select(Variant.id).where(
            Variant.course_id == item.assignment.course_id,
            Variant.user_id == student.id,
            Variant.exercise_id == item.exercise_id,
        )
    )
    if variant_id is None:
        return 0
    return session.scalar(select(func.count()).select_from(Submission).where(Submission.variant_id == variant_id)) or 0


def _has_full_score(session: Session, item: AssignmentItem, student: User) -> bool:
    latest = (
        select(func.max(Grading.id))
        .join(Submission, Submission.id == Grading.submission_id)
        .where(Submission.assignment_item_id == item.id, Submission.user_id == student.id)
        .group_by(Grading.submission_id)
    )
    found = session.scalar(select(Grading.id).where(Grading.id.in_(latest), Grading.score >= 1.0).limit(1))
    return found is not None
