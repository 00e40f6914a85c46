"""Grade reports for a course's teachers: the gradebook and one student's submission history."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import (Assignment, AssignmentItem, Course, CourseRole, Enrolment, Exercise, ExerciseVersion, Grade,
                      Submission, User)


@dataclass(frozen=True)
class GradebookColumn:
    item: AssignmentItem
    assignment: Assignment
    title_ru: str
    title_en: str


@dataclass(frozen=True)
class GradebookRow:
    student: User
    grades: list[Grade | None]

    @property
    def total(self) -> float:
        return sum(g.effective_score for g in self.grades if g is not None)


@dataclass(frozen=True)
class Gradebook:
    course: Course
    columns: list[GradebookColumn]
    rows: list[GradebookRow]


def course_students(session: Session, course: Course) -> list[User]:
    return list(session.scalars(
        select(User).join(Enrolment)
        .where(Enrolment.course_id == course.id, Enrolment.role == CourseRole.STUDENT.value)
        .order_by(User.name, User.id)
    ))


def build_gradebook(session: Session, course: Course) -> Gradebook:
    """Students × assignment items, in a constant number of queries whatever the course's size."""
    items = list(session.scalars(
        select(AssignmentItem).join(Assignment)
        .where(Assignment.course_id == course.id)
        .order_by(Assignment.opens_at, Assignment.id, AssignmentItem.position, AssignmentItem.id)
        .options(selectinload(AssignmentItem.assignment),
                 selectinload(AssignmentItem.exercise).selectinload(Exercise.versions))
    ))
    columns = []
    for item in items:
        version: ExerciseVersion = item.exercise.current_version
        columns.append(GradebookColumn(item, item.assignment, version.title_ru, version.title_en))
    students = course_students(session, course)
    grades = session.scalars(
        select(Grade).where(Grade.assignment_item_id.in_([item.id for item in items]))
    ) if items else []
    by_cell = {(g.user_id, g.assignment_item_id): g for g in grades}
    rows = [GradebookRow(s, [by_cell.get((s.id, item.id)) for item in items]) for s in students]
    return Gradebook(course=course, columns=columns, rows=rows)


def submission_history(session: Session, course: Course, student: User) -> list[Submission]:
    """Every submission of this student in this course, newest first, with gradings and what was answered."""
    return list(session.scalars(
        select(Submission).join(AssignmentItem).join(Assignment)
        .where(Assignment.course_id == course.id, Submission.user_id == student.id)
        .order_by(Submission.created_at.desc(), Submission.id.desc())
        .options(selectinload(Submission.gradings),
                 selectinload(Submission.exercise_version).selectinload(ExerciseVersion.parts),
                 selectinload(Submission.assignment_item).selectinload(AssignmentItem.assignment))
    ))
