"""The teacher's reports cost a constant number of SQL statements, whatever the size of the class.

Each page is requested once for 3 students and again, in the same database, after 27 more students (with grades,
overrides and submissions on every item) have joined: the statements the engine executes (SQLAlchemy's
``before_cursor_execute`` event) must be as many the second time as the first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import event

from webapp.extensions import db
from webapp.models import CourseRole, Grade, GradeOverride, Grading, Role, Submission, Variant, utcnow
from webapp.services.courses import enrol
from webapp.services.gradebook import build_gradebook

from ..conftest import log_in
from .test_gradebook import EN, MORE_SLUGS, gradebook_rows


@contextmanager
def counted_statements(app: Flask) -> Iterator[list[str]]:
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(connection, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def course_of(db_session, make_user, make_course, make_assignment):
    """A course with four items, and a function that adds students who each have a grade (every fourth with an
    override) and a submission on every item."""
    teacher = make_user(Role.TEACHER, name="Tamara Teacher")
    course = make_course(teacher)
    items = make_assignment(course, slugs=MORE_SLUGS).items

    def add_students(count: int) -> list:
        students = []
        for _ in range(count):
            student = make_user()
            students.append(student)
            enrol(db_session, course, student, CourseRole.STUDENT)
            for position, item in enumerate(items):
                override = 0.5 if (student.id + position) % 4 == 0 else None
                db_session.add(
                    Grade(
                        assignment_item_id=item.id,
                        user_id=student.id,
                        score=0.25 * position,
                        attempts=1,
                        is_late=position == 3,
                        override_score=override,
                        override_reason="oral exam" if override is not None else None,
                    )
                )
                variant = Variant(
                    course_id=course.id, user_id=student.id, exercise_id=item.exercise_id, seed=f"{student.id:032d}"
                )
                db_session.add(variant)
                db_session.flush()
                version = item.exercise.current_version
                submission = Submission(
                    variant_id=variant.id,
                    assignment_item_id=item.id,
                    user_id=student.id,
                    exercise_version_id=version.id,
                    attempt_no=1,
                    raw_answers={part.name: "-0.5" for part in version.parts},
                    parsed_answers={part.name: -0.5 for part in version.parts},
                    created_at=utcnow(),
                )
                submission.gradings.append(
                    Grading(
                        grader_version="test",
                        score=0.0,
                        reason="submit",
                        verdicts={part.name: {"score": 0.0, "correct": False} for part in version.parts},
                    )
                )
                db_session.add(submission)
        db_session.flush()
        return students

    return {"teacher": teacher, "course": course, "items": items, "add_students": add_students}


def statements_for(app: Flask, client, url: str) -> tuple[int, bytes]:
    with counted_statements(app) as statements:
        response = client.get(url, headers=EN)
        body = response.data  # a streamed export runs its statements while it is read
    assert response.status_code == 200, url
    return len(statements), body


def test_every_report_costs_the_same_statements_for_3_and_for_30_students(app, course_of):
    course = course_of["course"]
    third_item = course_of["items"][2].id
    urls = [
        f"/teach/courses/{course.id}/gradebook",
        f"/teach/courses/{course.id}/gradebook?sort=total&dir=desc",
        f"/teach/courses/{course.id}/gradebook?sort=item-{third_item}&dir=asc",
        f"/teach/courses/{course.id}/gradebook.csv",
        f"/teach/courses/{course.id}/submissions.csv",
    ]
    course_of["add_students"](3)
    client = app.test_client()
    log_in(client, course_of["teacher"])
    for url in urls:
        client.get(url).close()  # warm up: nothing one-off is counted below

    small = {url: statements_for(app, client, url) for url in urls}
    course_of["add_students"](27)
    large = {url: statements_for(app, client, url) for url in urls}

    # The reports really grew tenfold: rows of the gradebook and of both exports (their header line aside).
    assert len(gradebook_rows(small[urls[0]][1].decode())) == 3
    assert len(gradebook_rows(large[urls[0]][1].decode())) == 30
    for export in urls[3:]:
        lines = small[export][1].count(b"\r\n") - 1, large[export][1].count(b"\r\n") - 1
        assert lines[0] >= 3 and lines[1] == 10 * lines[0], (export, lines)
    for url in urls:
        assert small[url][0] > 0
        assert large[url][0] == small[url][0], (
            f"{url}: {small[url][0]} statements for 3 students, {large[url][0]} for 30"
        )


def test_the_student_report_costs_the_same_statements_for_one_and_many_submissions(app, course_of, db_session):
    student_id = course_of["add_students"](1)[0].id
    client = app.test_client()
    log_in(client, course_of["teacher"])
    url = f"/teach/courses/{course_of['course'].id}/students/{student_id}"
    client.get(url).close()
    few, _ = statements_for(app, client, url)

    # Nine more attempts on every item, and three override changes on each grade.
    for grade in db_session.query(Grade).filter_by(user_id=student_id).all():
        for n in range(3):
            db_session.add(
                GradeOverride(
                    grade_id=grade.id,
                    teacher_id=course_of["teacher"].id,
                    old_score=None,
                    new_score=0.1 * n,
                    reason=f"change {n}",
                    created_at=utcnow(),
                )
            )
    for submission in db_session.query(Submission).filter_by(user_id=student_id).all():
        for attempt in range(2, 11):
            extra = Submission(
                variant_id=submission.variant_id,
                assignment_item_id=submission.assignment_item_id,
                user_id=student_id,
                exercise_version_id=submission.exercise_version_id,
                attempt_no=attempt,
                raw_answers=submission.raw_answers,
                parsed_answers=submission.parsed_answers,
                created_at=utcnow(),
            )
            extra.gradings.append(
                Grading(grader_version="test", score=0.0, reason="submit", verdicts=submission.gradings[0].verdicts)
            )
            db_session.add(extra)
    db_session.flush()
    many, body = statements_for(app, client, url)
    assert body.count(b'<article class="submission-card">') == 40
    assert body.count(b"change 2</td>") == 4
    assert many == few, f"{few} statements for 4 submissions, {many} for 40"


def test_the_gradebook_service_reads_three_statements(app, course_of, db_session):
    course_of["add_students"](5)
    with counted_statements(app) as statements:
        book = build_gradebook(db_session, course_of["course"], "total", "desc")
    assert len(book.rows) == 5 and len(book.columns) == 4
    assert len(statements) <= 3, statements
