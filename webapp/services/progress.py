"""What a student has done so far: per course its assignments, per assignment its items."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..models import Assignment, AssignmentItem, Course, Exercise, Grade, Submission, User, Variant


@dataclass(frozen=True)
class ItemProgress:
    item: AssignmentItem
    grade: Grade | None
    attempts_used: int

    @property
    def attempts_left(self) -> int:
        return max(0, self.item.attempt_limit - self.attempts_used)


def course_assignments(session: Session, course: Course) -> list[Assignment]:
    return list(session.scalars(
        select(Assignment).where(Assignment.course_id == course.id)
        .order_by(Assignment.due_at.is_(None), Assignment.due_at, Assignment.id)
        .options(selectinload(Assignment.items).selectinload(AssignmentItem.exercise).selectinload(Exercise.versions))
    ))


def assignment_progress(session: Session, assignment: Assignment, student: User) -> list[ItemProgress]:
    items = assignment.items
    item_ids = [item.id for item in items]
    grades = {g.assignment_item_id: g for g in session.scalars(
        select(Grade).where(Grade.user_id == student.id, Grade.assignment_item_id.in_(item_ids)))}
    used = dict(session.execute(
        select(Variant.exercise_id, func.count(Submission.id))
        .join(Submission, Submission.variant_id == Variant.id)
        .where(Variant.user_id == student.id, Variant.course_id == assignment.course_id)
        .group_by(Variant.exercise_id)
    ).all())
    return [ItemProgress(item, grades.get(item.id), used.get(item.exercise_id, 0)) for item in items]


def item_submissions(session: Session, item: AssignmentItem, student: User) -> list[Submission]:
    return list(session.scalars(
        select(Submission)
        .where(Submission.assignment_item_id == item.id, Submission.user_id == student.id)
        .order_by(Submission.attempt_no.desc())
        .options(selectinload(Submission.gradings))
    ))
