"""What a student has done so far: per course its assignments, per assignment its items, each with a status.

An item is
- ``done`` when its grade is full marks or no attempt is left (nothing more can be earned), and nothing was late;
- ``late`` when work was sent after the due time, or the due time has passed and the item is not done;
- ``in_progress`` when it has been tried;
- ``not_started`` otherwise.
An assignment is late when one of its items is, done when all are, not started when none was tried, in progress
otherwise. Times are compared with the server's clock (``now``, aware UTC), never the browser's; the due time and the
hard close are the student's own where a teacher gave them an extension (``extensions.deadlines``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..models import Assignment, AssignmentItem, Course, Exercise, Extension, Grade, Submission, User, Variant
from .extensions import Deadlines, deadlines, student_extensions
from .submit import Window, submission_window

FULL_SCORE = 1.0 - 1e-9


class Status(str, enum.Enum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    LATE = "late"


@dataclass(frozen=True)
class ItemProgress:
    item: AssignmentItem
    grade: Grade | None
    attempts_used: int
    sent_late: bool = False  # some submission of the item came after the due time
    past_due: bool = False

    @property
    def attempts_left(self) -> int:
        return max(0, self.item.attempt_limit - self.attempts_used)

    @property
    def score(self) -> float | None:
        """The score that counts (late penalty and any teacher override applied); None before any attempt."""
        return self.grade.effective_score if self.grade is not None else None

    @property
    def finished(self) -> bool:
        return (self.score or 0.0) >= FULL_SCORE or (self.attempts_used > 0 and self.attempts_left == 0)

    @property
    def status(self) -> Status:
        if self.sent_late or (self.past_due and not self.finished):
            return Status.LATE
        if self.finished:
            return Status.DONE
        return Status.IN_PROGRESS if self.attempts_used else Status.NOT_STARTED


@dataclass(frozen=True)
class AssignmentProgress:
    assignment: Assignment
    items: list[ItemProgress]
    window: Window
    deadlines: Deadlines  # the student's times: the assignment's, or those of their extension

    @property
    def status(self) -> Status:
        statuses = {item.status for item in self.items}
        if Status.LATE in statuses:
            return Status.LATE
        if statuses == {Status.DONE}:
            return Status.DONE
        if statuses <= {Status.NOT_STARTED}:
            return Status.NOT_STARTED
        return Status.IN_PROGRESS

    @property
    def earned(self) -> float:
        return sum(item.score or 0.0 for item in self.items)

    @property
    def possible(self) -> int:
        return len(self.items)

    @property
    def scored(self) -> bool:
        """Whether any item has a score yet (before that, the score so far is shown as a dash, not as 0%)."""
        return any(item.score is not None for item in self.items)


def course_assignments(session: Session, course: Course) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment)
            .where(Assignment.course_id == course.id)
            .order_by(Assignment.due_at.is_(None), Assignment.due_at, Assignment.id)
            .options(
                selectinload(Assignment.items).selectinload(AssignmentItem.exercise).selectinload(Exercise.versions)
            )
        )
    )


def course_progress(session: Session, course: Course, student: User, now: datetime) -> list[AssignmentProgress]:
    """Every assignment of ``course`` (soonest due first) with the student's progress, in five queries."""
    return progress_of(session, course_assignments(session, course), student, now)


def assignment_progress(
    session: Session, assignment: Assignment, student: User, now: datetime,
    extensions: Mapping[int, Extension | None] | None = None,
) -> AssignmentProgress:
    return progress_of(session, [assignment], student, now, extensions)[0]


def progress_of(
    session: Session, assignments: Sequence[Assignment], student: User, now: datetime,
    extensions: Mapping[int, Extension | None] | None = None,
) -> list[AssignmentProgress]:
    """The student's progress on ``assignments``, all of one course. ``extensions`` maps the assignments' ids to the
    student's extension on each (None: none) when the caller has read them; by default they are read here."""
    if extensions is None:
        extensions = student_extensions(session, student.id, [a.id for a in assignments])
    times = {a.id: deadlines(a, extensions.get(a.id)) for a in assignments}
    item_ids = [item.id for assignment in assignments for item in assignment.items]
    if not item_ids:
        return [
            AssignmentProgress(a, [], submission_window(a, now, extensions.get(a.id)), times[a.id])
            for a in assignments
        ]
    course_id = assignments[0].course_id
    grades = {
        g.assignment_item_id: g
        for g in session.scalars(
            select(Grade).where(Grade.user_id == student.id, Grade.assignment_item_id.in_(item_ids))
        )
    }
    # Attempts as submit_answer counts them: every submission on the student's variant of the exercise.
    used = dict(
        session.execute(
            select(Variant.exercise_id, func.count(Submission.id))
            .join(Submission, Submission.variant_id == Variant.id)
            .where(Variant.user_id == student.id, Variant.course_id == course_id)
            .group_by(Variant.exercise_id)
        ).all()
    )
    sent_late = set(
        session.scalars(
            select(Submission.assignment_item_id)
            .distinct()
            .where(
                Submission.user_id == student.id,
                Submission.assignment_item_id.in_(item_ids),
                Submission.is_late.is_(True),
            )
        )
    )
    progress = []
    for assignment in assignments:
        window = submission_window(assignment, now, extensions.get(assignment.id))
        due_at = times[assignment.id].due_at
        past_due = window is Window.CLOSED or (due_at is not None and now > due_at)
        items = [
            ItemProgress(item, grades.get(item.id), used.get(item.exercise_id, 0), item.id in sent_late, past_due)
            for item in assignment.items
        ]
        progress.append(AssignmentProgress(assignment, items, window, times[assignment.id]))
    return progress


def item_submissions(session: Session, item: AssignmentItem, student: User) -> list[Submission]:
    """The student's submissions on ``item``, newest first, with their gradings and the versions they answered."""
    return list(
        session.scalars(
            select(Submission)
            .where(Submission.assignment_item_id == item.id, Submission.user_id == student.id)
            .order_by(Submission.attempt_no.desc())
            .options(selectinload(Submission.gradings), selectinload(Submission.exercise_version))
        )
    )
