"""Grade reports for a course's teachers: the gradebook (students × assignment items) and one student's report.

The gradebook reads plain rows, never ORM objects, in a fixed number of statements whatever the course's size: the
columns (items with their assignment and current exercise version), the students, and every grade of the course.
Totals, means and the order are computed here, in Python, the same on every database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from exercises import ExerciseDefinition

from ..models import (
    Assignment,
    AssignmentItem,
    Course,
    CourseRole,
    Enrolment,
    ExerciseVersion,
    Grade,
    GradeOverride,
    Submission,
    User,
)
from .history import Attempt, read_attempt

SORT_NAME = "name"
SORT_TOTAL = "total"
ITEM_SORT_PREFIX = "item-"
PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Cell:
    """One student's grade on one item."""

    score: float  # as graded: best or last attempt per the policy, late penalty applied
    attempts: int
    is_late: bool
    override: float | None  # the teacher's score, when one was set

    @property
    def effective(self) -> float:
        return self.override if self.override is not None else self.score

    @property
    def overridden(self) -> bool:
        return self.override is not None


@dataclass(frozen=True)
class Column:
    item_id: int
    assignment_title: str
    title_ru: str
    title_en: str
    weight: float
    mean: float | None = None  # of the effective scores of the students graded on it; None when nobody is
    graded: int = 0

    @property
    def key(self) -> str:
        return f"{ITEM_SORT_PREFIX}{self.item_id}"

    def title(self, locale: str) -> str:
        return self.title_ru if locale == "ru" else self.title_en


@dataclass(frozen=True)
class Row:
    student_id: int
    name: str
    email: str
    cells: list[Cell | None]  # in the order of the columns; None: no grade yet
    total: float  # Σ weight × effective score


@dataclass(frozen=True)
class Sort:
    key: str = SORT_NAME
    descending: bool = False

    @property
    def direction(self) -> str:
        return "desc" if self.descending else "asc"


@dataclass(frozen=True)
class Gradebook:
    course: Course
    columns: list[Column]
    rows: list[Row]
    sort: Sort

    @property
    def possible(self) -> float:
        return sum(column.weight for column in self.columns)

    @property
    def mean_total(self) -> float | None:
        return sum(row.total for row in self.rows) / len(self.rows) if self.rows else None

    @property
    def page_count(self) -> int:
        return max(1, math.ceil(len(self.rows) / PAGE_SIZE))

    def page(self, number: int) -> list[Row]:
        """The rows of page ``number`` (from 1; clamped to the pages there are)."""
        number = min(max(1, number), self.page_count)
        return self.rows[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]


def parse_sort(key: str | None, direction: str | None, columns: Sequence[Column]) -> Sort:
    """The order a query string asks for, if it is one of the gradebook's (name, total or a column); else by name."""
    allowed = {SORT_NAME, SORT_TOTAL} | {column.key for column in columns}
    if key not in allowed:
        return Sort()
    return Sort(key, direction == "desc")


def course_columns(session: Session, course: Course) -> list[Column]:
    """The course's assignment items in order, titled by their exercise's current version: one statement."""
    latest = (
        select(ExerciseVersion.exercise_id, func.max(ExerciseVersion.number).label("number"))
        .group_by(ExerciseVersion.exercise_id)
        .subquery()
    )
    rows = session.execute(
        select(
            AssignmentItem.id,
            Assignment.title,
            ExerciseVersion.title_ru,
            ExerciseVersion.title_en,
            AssignmentItem.weight,
        )
        .join(Assignment, AssignmentItem.assignment_id == Assignment.id)
        .join(latest, latest.c.exercise_id == AssignmentItem.exercise_id)
        .join(
            ExerciseVersion,
            (ExerciseVersion.exercise_id == latest.c.exercise_id) & (ExerciseVersion.number == latest.c.number),
        )
        .where(Assignment.course_id == course.id)
        .order_by(
            Assignment.opens_at.is_(None),
            Assignment.opens_at,
            Assignment.id,
            AssignmentItem.position,
            AssignmentItem.id,
        )
    ).all()
    return [Column(*row) for row in rows]


def course_students(session: Session, course: Course) -> list[tuple[int, str, str]]:
    """(id, name, e-mail) of the course's students: one statement."""
    return [
        tuple(row)
        for row in session.execute(
            select(User.id, User.name, User.email)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.course_id == course.id, Enrolment.role == CourseRole.STUDENT.value)
        )
    ]


def course_cells(session: Session, course: Course) -> dict[tuple[int, int], Cell]:
    """Every grade of the course by (student id, item id): one statement."""
    rows = session.execute(
        select(
            Grade.user_id, Grade.assignment_item_id, Grade.score, Grade.attempts, Grade.is_late, Grade.override_score
        )
        .join(AssignmentItem, Grade.assignment_item_id == AssignmentItem.id)
        .join(Assignment, AssignmentItem.assignment_id == Assignment.id)
        .where(Assignment.course_id == course.id)
    )
    return {
        (user_id, item_id): Cell(score, attempts, bool(late), override)
        for user_id, item_id, score, attempts, late, override in rows
    }


def build_gradebook(
    session: Session, course: Course, sort: str | None = None, direction: str | None = None
) -> Gradebook:
    """Students × assignment items with totals and column means, in three statements whatever the course's size,
    ordered by ``sort`` ("name", "total" or a column's key) and ``direction`` ("asc" or "desc"); an order that is
    not one of these is taken as by name."""
    columns = course_columns(session, course)
    students = course_students(session, course)
    cells = course_cells(session, course) if columns and students else {}
    weights = [column.weight for column in columns]
    rows = []
    for student_id, name, email in students:
        row_cells = [cells.get((student_id, column.item_id)) for column in columns]
        total = sum(
            weight * cell.effective for weight, cell in zip(weights, row_cells, strict=True) if cell is not None
        )
        rows.append(Row(student_id, name, email, row_cells, total))
    columns = [_with_mean(column, [row.cells[i] for row in rows]) for i, column in enumerate(columns)]
    order = parse_sort(sort, direction, columns)
    return Gradebook(course=course, columns=columns, rows=sort_rows(rows, order, columns), sort=order)


def _with_mean(column: Column, cells: list[Cell | None]) -> Column:
    scores = [cell.effective for cell in cells if cell is not None]
    mean = sum(scores) / len(scores) if scores else None
    return Column(
        column.item_id, column.assignment_title, column.title_ru, column.title_en, column.weight, mean, len(scores)
    )


def sort_rows(rows: list[Row], sort: Sort, columns: Sequence[Column]) -> list[Row]:
    """Rows in the order asked; students without a grade in the sorted column come last either way, and ties go
    by name."""

    def by_name(row: Row) -> tuple[str, int]:
        return row.name.casefold(), row.student_id

    if sort.key == SORT_NAME:
        return sorted(rows, key=by_name, reverse=sort.descending)
    sign = -1.0 if sort.descending else 1.0
    if sort.key == SORT_TOTAL:
        return sorted(rows, key=lambda row: (sign * row.total, *by_name(row)))
    index = next(i for i, column in enumerate(columns) if column.key == sort.key)

    def by_cell(row: Row) -> tuple:
        cell = row.cells[index]
        return (cell is None, sign * cell.effective if cell is not None else 0.0, *by_name(row))

    return sorted(rows, key=by_cell)


# ----- one student's report ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudentReport:
    columns: list[Column]
    cells: list[Cell | None]  # the student's grade on each column's item
    overrides: list[OverrideEntry]  # the audit trail of the student's grades, newest first
    attempts: list[Attempt]  # every submission, newest first

    @property
    def total(self) -> float:
        return sum(
            c.weight * cell.effective for c, cell in zip(self.columns, self.cells, strict=True) if cell is not None
        )

    @property
    def possible(self) -> float:
        return sum(column.weight for column in self.columns)


def student_report(session: Session, course: Course, student: User, locale: str) -> StudentReport:
    columns = course_columns(session, course)
    grades = (
        {
            item_id: Cell(score, attempts, bool(late), override)
            for item_id, score, attempts, late, override in session.execute(
                select(
                    Grade.assignment_item_id, Grade.score, Grade.attempts, Grade.is_late, Grade.override_score
                ).where(Grade.user_id == student.id, Grade.assignment_item_id.in_([c.item_id for c in columns]))
            )
        }
        if columns
        else {}
    )
    definitions: dict[int, ExerciseDefinition] = {}
    attempts = []
    for submission in submission_history(session, course, student):
        version = submission.exercise_version
        if version.id not in definitions:
            definitions[version.id] = ExerciseDefinition.model_validate(version.definition)
        attempts.append(read_attempt(submission, definitions[version.id], locale))
    return StudentReport(
        columns=columns,
        cells=[grades.get(column.item_id) for column in columns],
        overrides=override_history(session, course, student),
        attempts=attempts,
    )


def submission_history(session: Session, course: Course, student: User) -> list[Submission]:
    """Every submission of this student in this course, newest first, with gradings and what was answered."""
    return list(
        session.scalars(
            select(Submission)
            .join(AssignmentItem)
            .join(Assignment)
            .where(Assignment.course_id == course.id, Submission.user_id == student.id)
            .order_by(Submission.created_at.desc(), Submission.id.desc())
            .options(
                selectinload(Submission.gradings),
                selectinload(Submission.exercise_version).selectinload(ExerciseVersion.parts),
                selectinload(Submission.assignment_item).selectinload(AssignmentItem.assignment),
            )
        )
    )


@dataclass(frozen=True)
class OverrideEntry:
    """One change of the audit trail, as the report shows it."""

    created_at: datetime
    item_id: int
    teacher_name: str
    old_score: float | None  # None: the computed score counted
    new_score: float | None
    reason: str


def override_history(session: Session, course: Course, student: User) -> list[OverrideEntry]:
    """Every change a teacher made to this student's grades in this course, newest first: one statement."""
    rows = session.execute(
        select(
            GradeOverride.created_at,
            Grade.assignment_item_id,
            User.name,
            GradeOverride.old_score,
            GradeOverride.new_score,
            GradeOverride.reason,
        )
        .join(Grade, GradeOverride.grade_id == Grade.id)
        .join(User, GradeOverride.teacher_id == User.id)
        .join(AssignmentItem, Grade.assignment_item_id == AssignmentItem.id)
        .join(Assignment, AssignmentItem.assignment_id == Assignment.id)
        .where(Assignment.course_id == course.id, Grade.user_id == student.id)
        .order_by(GradeOverride.created_at.desc(), GradeOverride.id.desc())
    )
    return [OverrideEntry(*row) for row in rows]
