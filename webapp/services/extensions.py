"""Per-student extensions: one student's own due time (and hard close) for one assignment, granted by a teacher.

An extension replaces the assignment's due time and hard close for that student only, everywhere those times decide
something: whether an answer is accepted and late (``submit.submission_window``), the status and the due time on the
student's pages (``progress``), and when the key is revealed under ``after_due`` (``reveal``). Its hard close is
optional: without one the student's late work is accepted at any time after the new due time, with the assignment's
late penalty. The opening time stays the assignment's. An extension applies to answers sent while it exists; answers
sent before keep the late mark they were given (a teacher can override such a grade).

``deadlines(assignment, extension)`` is the one place that combines the two. Callers that already hold the student's
extension (the answer path reads it in the statement that loads the item) pass it; the others pass ``LOOK_UP`` and
it is read with ``extension_for``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from ..models import Assignment, Course, CourseRole, Enrolment, Extension, User, utcnow

MAX_REASON_LENGTH = 300


class _Unknown(enum.Enum):
    LOOK_UP = "look up"


# "Read the student's extension from the database": the default of the services that accept one.
LOOK_UP = _Unknown.LOOK_UP
MaybeExtension = Extension | None | _Unknown


@dataclass(frozen=True)
class Deadlines:
    """The times that apply to one student: the assignment's, or their extension's due time and hard close."""

    opens_at: datetime | None
    due_at: datetime | None
    closes_at: datetime | None
    extension: Extension | None = None

    @property
    def extended(self) -> bool:
        return self.extension is not None

    @property
    def reveal_at(self) -> datetime | None:
        """When answers stop being accepted, so the key may be shown (``after_due``): the hard close if there is
        one, else the due time; None (never) without a due time."""
        if self.due_at is None:
            return None
        return self.closes_at or self.due_at


def deadlines(assignment: Assignment, extension: Extension | None) -> Deadlines:
    if extension is None or extension.assignment_id != assignment.id:
        return Deadlines(assignment.opens_at, assignment.due_at, assignment.closes_at)
    return Deadlines(assignment.opens_at, extension.due_at, extension.closes_at, extension)


def extension_for(session: Session, assignment_id: int, user_id: int) -> Extension | None:
    return session.scalar(
        select(Extension).where(Extension.assignment_id == assignment_id, Extension.user_id == user_id)
    )


def resolve(session: Session, assignment_id: int, user_id: int, extension: MaybeExtension) -> Extension | None:
    """``extension`` as given, or the student's own read from the database for ``LOOK_UP``."""
    return extension_for(session, assignment_id, user_id) if extension is LOOK_UP else extension


def student_extensions(session: Session, user_id: int, assignment_ids: Iterable[int]) -> dict[int, Extension]:
    """The student's extensions among ``assignment_ids``, by assignment id (one query)."""
    ids = list(assignment_ids)
    if not ids:
        return {}
    found = session.scalars(select(Extension).where(Extension.user_id == user_id, Extension.assignment_id.in_(ids)))
    return {extension.assignment_id: extension for extension in found}


@dataclass(frozen=True)
class AssignmentExtension:
    """One assignment of a course with one student's extension on it (None: the assignment's times apply)."""

    assignment: Assignment
    extension: Extension | None
    granted_by: str | None  # the teacher's name; None when there is no extension or the account is gone


def course_extensions(session: Session, course: Course, student: User) -> list[AssignmentExtension]:
    """Every assignment of ``course`` (soonest due first) with ``student``'s extension, in one query."""
    rows = session.execute(
        select(Assignment, Extension, User.name)
        .outerjoin(Extension, and_(Extension.assignment_id == Assignment.id, Extension.user_id == student.id))
        .outerjoin(User, User.id == Extension.granted_by_id)
        .where(Assignment.course_id == course.id)
        .order_by(Assignment.due_at.is_(None), Assignment.due_at, Assignment.id)
    ).all()
    return [AssignmentExtension(assignment, extension, name) for assignment, extension, name in rows]


# ----- granting, changing and removing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    field: str  # "due_at", "closes_at", "reason" or "student"
    code: str


class ExtensionInvalid(ValueError):
    def __init__(self, problems: list[Problem]):
        super().__init__(", ".join(f"{p.field}: {p.code}" for p in problems))
        self.problems = problems


def check_extension(
    session: Session, assignment: Assignment, student: User, due_at: datetime | None, closes_at: datetime | None,
    reason: str,
) -> list[Problem]:
    """Every rule the extension breaks, each at its field: a due time is required and not before the assignment
    opens, a hard close is not before the due time, a reason (at most 300 characters) is given, and the student is
    a student of the assignment's course."""
    problems = []
    role = session.scalar(
        select(Enrolment.role).where(Enrolment.course_id == assignment.course_id, Enrolment.user_id == student.id)
    )
    if role != CourseRole.STUDENT.value:
        problems.append(Problem("student", "not_in_course"))
    if due_at is None:
        problems.append(Problem("due_at", "due_required"))
    elif assignment.opens_at is not None and due_at < assignment.opens_at:
        problems.append(Problem("due_at", "due_before_opening"))
    if closes_at is not None and due_at is not None and closes_at < due_at:
        problems.append(Problem("closes_at", "close_before_due"))
    reason = (reason or "").strip()
    if not reason:
        problems.append(Problem("reason", "reason_required"))
    elif len(reason) > MAX_REASON_LENGTH:
        problems.append(Problem("reason", "reason_too_long"))
    return problems


def grant_extension(
    session: Session, *, assignment: Assignment, student: User, teacher: User, due_at: datetime | None,
    closes_at: datetime | None, reason: str,
) -> Extension:
    """Give ``student`` their own due time (and optional hard close) on ``assignment``, or change the one they have.
    Raises ExtensionInvalid with every problem; flushes, never commits."""
    problems = check_extension(session, assignment, student, due_at, closes_at, reason)
    if problems:
        raise ExtensionInvalid(problems)
    assert due_at is not None  # checked above
    extension = session.scalar(
        select(Extension)
        .where(Extension.assignment_id == assignment.id, Extension.user_id == student.id)
        .with_for_update()
    )
    if extension is None:
        extension = Extension(assignment_id=assignment.id, user_id=student.id, due_at=due_at)
        session.add(extension)
    extension.due_at, extension.closes_at = due_at, closes_at
    extension.reason = reason.strip()
    extension.granted_by_id = teacher.id
    extension.updated_at = utcnow()
    session.flush()
    return extension


def remove_extension(session: Session, *, assignment: Assignment, student: User) -> bool:
    """Take the student's extension away: the assignment's times apply again. False when there was none."""
    extension = extension_for(session, assignment.id, student.id)
    if extension is None:
        return False
    session.delete(extension)
    session.flush()
    return True
