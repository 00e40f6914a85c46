"""CSV exports of a course: the gradebook, and every submission part by part.

The files open in spreadsheets as they are: UTF-8 with a byte-order mark, RFC 4180 quoting (the csv module, CRLF
line ends), numbers written as numbers. Text from people (names, e-mail addresses, typed answers) that begins with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single quote, so that a spreadsheet shows it
as text instead of running it as a formula ("CSV injection"). A number is never altered: -0.5 stays a number, while
the answer a student typed as "-0.5" is text and is neutralised like any other.

Column headings come from the caller (the view translates them); nothing here reads the request.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ..feedback import verdict_status
from ..models import Assignment, AssignmentItem, Course, ExercisePart, ExerciseVersion, Grading, Submission, User
from .gradebook import Gradebook

BOM = "\ufeff"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_MIME = "text/csv; charset=utf-8"
_ROWS_PER_CHUNK = 500


def neutralise(text: str) -> str:
    """Text that a spreadsheet would read as a formula, made plain text with a leading single quote."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def cell(value: Any) -> str | int | float:
    """One cell: numbers as they are (csv writes them unquoted), None as empty, anything else as neutralised text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    return neutralise(str(value))


def csv_chunks(rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The rows as CSV bytes, the byte-order mark first, in chunks (an export of thousands of rows streams)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    for count, row in enumerate(rows, start=1):
        writer.writerow([cell(value) for value in row])
        if count % _ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def export_filename(what: str, course: Course, day: date) -> str:
    """``gradebook-course-12-2026-11-21.csv``: the course's id and the day of the export, ASCII only."""
    return f"{what}-course-{course.id}-{day.isoformat()}.csv"


def percent(fraction: float | None) -> float | None:
    return None if fraction is None else round(100.0 * fraction, 2)


# ----- the gradebook ----------------------------------------------------------------------------------------------

GRADEBOOK_HEADINGS = ("student", "email", "total", "total_percent")


def gradebook_table(gradebook: Gradebook, locale: str, headings: Mapping[str, str]) -> Iterator[list[Any]]:
    """One row per student: name, e-mail, the score that counts on each item (%; empty without a grade), the total
    in points (each item weighs its weight) and as a percentage of what could be earned."""
    yield [
        headings["student"],
        headings["email"],
        *(f"{column.assignment_title}: {column.title(locale)} (%)" for column in gradebook.columns),
        headings["total"],
        headings["total_percent"],
    ]
    possible = gradebook.possible
    for row in gradebook.rows:
        yield [
            row.name,
            row.email,
            *(percent(c.effective) if c is not None else None for c in row.cells),
            round(row.total, 4),
            percent(row.total / possible) if possible else None,
        ]


# ----- every submission -------------------------------------------------------------------------------------------

SUBMISSION_HEADINGS = (
    "submission",
    "student",
    "email",
    "assignment",
    "exercise",
    "version",
    "attempt",
    "submitted_utc",
    "late",
    "score_percent",
    "part",
    "typed",
    "read_as",
    "part_score_percent",
    "verdict",
    "misconception",
    "grader_version",
)


def submissions_table(
    session: Session, course: Course, locale: str, headings: Mapping[str, str]
) -> Iterator[list[Any]]:
    """One row per part of every submission in the course (students who left it included), by student, item and
    attempt: what was typed exactly, how it was read, the part's verdict under the submission's current grading."""
    yield [headings[name] for name in SUBMISSION_HEADINGS]
    in_course = (
        select(Submission.exercise_version_id)
        .join(AssignmentItem, Submission.assignment_item_id == AssignmentItem.id)
        .join(Assignment, AssignmentItem.assignment_id == Assignment.id)
        .where(Assignment.course_id == course.id)
        .distinct()
    )
    versions = {
        version_id: (number, title_ru if locale == "ru" else title_en)
        for version_id, number, title_ru, title_en in session.execute(
            select(
                ExerciseVersion.id, ExerciseVersion.number, ExerciseVersion.title_ru, ExerciseVersion.title_en
            ).where(ExerciseVersion.id.in_(in_course))
        )
    }
    parts: dict[int, list[str]] = {}
    for version_id, name in session.execute(
        select(ExercisePart.version_id, ExercisePart.name)
        .where(ExercisePart.version_id.in_(in_course))
        .order_by(ExercisePart.version_id, ExercisePart.position)
    ):
        parts.setdefault(version_id, []).append(name)

    newer = aliased(Grading)
    current = ~select(newer.id).where(newer.submission_id == Grading.submission_id, newer.id > Grading.id).exists()
    statement = (
        select(
            Submission.id,
            User.name,
            User.email,
            Assignment.title,
            Submission.exercise_version_id,
            Submission.attempt_no,
            Submission.created_at,
            Submission.is_late,
            Submission.raw_answers,
            Submission.parsed_answers,
            Grading.score,
            Grading.verdicts,
            Grading.grader_version,
        )
        .join(Grading, Grading.submission_id == Submission.id)
        .join(User, Submission.user_id == User.id)
        .join(AssignmentItem, Submission.assignment_item_id == AssignmentItem.id)
        .join(Assignment, AssignmentItem.assignment_id == Assignment.id)
        .where(Assignment.course_id == course.id, current)
        .order_by(
            User.name,
            User.id,
            Assignment.opens_at.is_(None),
            Assignment.opens_at,
            Assignment.id,
            AssignmentItem.position,
            Submission.attempt_no,
        )
        .execution_options(yield_per=_ROWS_PER_CHUNK)
    )
    for (
        submission_id,
        name,
        email,
        assignment,
        version_id,
        attempt,
        created_at,
        late,
        raw,
        parsed,
        score,
        verdicts,
        grader_version,
    ) in session.execute(statement):
        number, title = versions[version_id]
        head = [
            submission_id,
            name,
            email,
            assignment,
            title,
            number,
            attempt,
            created_at.strftime("%Y-%m-%d %H:%M:%S"),
            late,
            percent(score),
        ]
        for part in parts.get(version_id, sorted(raw)):
            verdict = verdicts.get(part) or {}
            yield [
                *head,
                part,
                raw.get(part),
                read_as(parsed.get(part)),
                percent(verdict.get("score")),
                verdict_status(verdict) if verdict else None,
                verdict.get("misconception"),
                grader_version,
            ]


def read_as(value: Any) -> Any:
    """A parsed answer as one cell: a number stays a number, a list (a vector, chosen options) is joined with "; "
    into text."""
    if isinstance(value, list):
        return "; ".join(str(piece) for piece in value)
    return value
