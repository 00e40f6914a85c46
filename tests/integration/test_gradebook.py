"""The teacher's reports: the gradebook and one student's submission history, escaped and in constant queries."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event

from webapp.extensions import db
from webapp.models import CourseRole, Grade, Grading, Role, Submission, Variant, utcnow
from webapp.services.courses import enrol

from ..catalogue_copies import WEATHER_STEPS
from ..conftest import hidden_fields, log_in, submit_form

EN = {"Accept-Language": "en"}
SCRIPT_NAME = "<script>alert(1)</script>"
IMG_ANSWER = "<img src=x onerror=alert(1)>"


def answer(app: Flask, student, item, *typed: str) -> None:
    """Submit each estimate in turn, the survey's three guided steps (3/4 of the score) answered right."""
    client = app.test_client()
    log_in(client, student)
    for text in typed:
        response = submit_form(client, f"/items/{item.id}", {**WEATHER_STEPS, "part_p_hat": text})
        assert response.status_code == 302, text


def teacher_client(app: Flask, classroom):
    client = app.test_client()
    log_in(client, classroom["teacher"])
    return client


def gradebook_url(classroom) -> str:
    return f"/teach/courses/{classroom['course'].id}/gradebook"


def student_url(classroom, student) -> str:
    return f"/teach/courses/{classroom['course'].id}/students/{student.id}"


def visible_text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def gradebook_rows(page: str) -> dict[str, str]:
    """Each student's row of the gradebook table as visible text, by the student's name."""
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    assert body, "no gradebook table"
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S):
        name = html.unescape(re.search(r'<th scope="row"><a [^>]*>(.*?)</a>', row, re.S).group(1))
        rows[name] = visible_text(row)
    return rows


def test_gradebook_shows_scores_attempts_and_the_join_code(app, classroom):
    item = classroom["item"]
    answer(app, classroom["alice"], item, "0.6")
    answer(app, classroom["bob"], item, "0.7", "0.5")

    page = teacher_client(app, classroom).get(gradebook_url(classroom), headers=EN)
    assert page.status_code == 200
    assert f"<code>{classroom['course'].join_code}</code>" in page.text
    assert "2 students" in page.text

    rows = gradebook_rows(page.text)
    assert set(rows) == {"Alice", "Bob"}
    assert re.search(r"(?<!\d)100% 1 attempt(?!s)", rows["Alice"]), rows["Alice"]
    assert re.search(r"(?<!\d)75% 2 attempts", rows["Bob"]), rows["Bob"]
    assert rows["Alice"].endswith("1.00") and rows["Bob"].endswith("0.75")
    assert classroom["alice"].email in rows["Alice"] and classroom["bob"].email in rows["Bob"]


def test_gradebook_without_students_says_so(app, make_course, make_user):
    teacher = make_user(Role.TEACHER)
    course = make_course(teacher, title="Empty course")
    client = app.test_client()
    log_in(client, teacher)
    page = client.get(f"/teach/courses/{course.id}/gradebook", headers=EN)
    assert page.status_code == 200
    assert "No students have joined yet" in page.text and course.join_code in page.text


def test_student_history_lists_raw_answers_newest_first(app, classroom):
    bob = classroom["bob"]
    answer(app, bob, classroom["item"], " 0,70 ", "0.5")

    page = teacher_client(app, classroom).get(student_url(classroom, bob), headers=EN)
    assert page.status_code == 200
    assert "2 submissions" in page.text
    raw_answers = re.findall(r'<code class="raw-answer">(.*?)</code>', page.text)
    assert [raw for raw in raw_answers if "p" not in raw] == ["0.5", " 0,70 "]  # the estimates, not the formulas
    assert re.findall(r"attempt (\d+)", page.text) == ["2", "1"]
    cards = re.findall(r'<article class="submission-card">(.*?)</article>', page.text, re.S)
    assert len(cards) == 2
    assert all("incorrect" in visible_text(card) and "75%" in visible_text(card) for card in cards)
    assert "0.7" in visible_text(cards[1])  # what " 0,70 " was read as


def test_student_history_of_someone_outside_the_course_is_not_found(app, classroom, make_user):
    outsider = make_user(name="Olga Outsider")
    client = teacher_client(app, classroom)
    assert client.get(student_url(classroom, outsider)).status_code == 404
    assert client.get(student_url(classroom, classroom["teacher"])).status_code == 404  # a teacher is no student
    assert client.get(f"/teach/courses/{classroom['course'].id}/students/999999").status_code == 404


def test_a_students_name_is_escaped(app, client, classroom):
    page = client.get("/register")
    response = client.post("/register", data={
        **hidden_fields(page.text), "name": SCRIPT_NAME, "email": "mallory@example.com",
        "password": "a long enough passphrase", "confirm": "a long enough passphrase",
        "join_code": classroom["course"].join_code,
    })
    assert response.status_code == 302

    teacher = teacher_client(app, classroom)
    gradebook = teacher.get(gradebook_url(classroom), headers=EN).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in gradebook
    assert SCRIPT_NAME not in gradebook and "<script>alert" not in gradebook
    assert SCRIPT_NAME in gradebook_rows(gradebook)

    mallory_id = re.search(r'/students/(\d+)">&lt;script&gt;', gradebook).group(1)
    history = teacher.get(f"/teach/courses/{classroom['course'].id}/students/{mallory_id}", headers=EN).text
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in history and "<script>alert" not in history


def store_submission(db_session, classroom, student, raw: str) -> Submission:
    """A submission written directly: a malformed answer is never stored by the app, but old rows might hold one."""
    item = classroom["item"]
    variant = Variant(course_id=classroom["course"].id, user_id=student.id, exercise_id=item.exercise_id, seed="0" * 32)
    db_session.add(variant)
    db_session.flush()
    submission = Submission(variant_id=variant.id, assignment_item_id=item.id, user_id=student.id,
                            exercise_version_id=item.exercise.current_version.id, attempt_no=1,
                            raw_answers={"p_hat": raw}, parsed_answers={"p_hat": 0.5}, created_at=utcnow())
    db_session.add(submission)
    db_session.flush()
    db_session.add(Grading(submission_id=submission.id, grader_version="test", score=0.0,
                           verdicts={"p_hat": {"score": 0.0, "correct": False}}, reason="submit"))
    db_session.flush()
    return submission


def test_a_stored_raw_answer_is_escaped(app, classroom, db_session):
    store_submission(db_session, classroom, classroom["bob"], IMG_ANSWER)
    page = teacher_client(app, classroom).get(student_url(classroom, classroom["bob"]), headers=EN).text
    assert '<code class="raw-answer">&lt;img src=x onerror=alert(1)&gt;</code>' in page
    assert "<img" not in page


# ----- a constant number of queries ------------------------------------------------------------------------------

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


def gradebook_queries(app: Flask, client, classroom) -> tuple[int, int]:
    with counted_statements(app) as statements:
        page = client.get(gradebook_url(classroom), headers=EN)
    assert page.status_code == 200
    return len(statements), len(gradebook_rows(page.text))


def test_gradebook_queries_do_not_grow_with_the_class(app, classroom, db_session, make_user):
    item = classroom["item"]

    def add_grade(student, score: float) -> None:
        db_session.add(Grade(assignment_item_id=item.id, user_id=student.id, score=score, attempts=1))
        db_session.flush()

    for student in (classroom["alice"], classroom["bob"]):
        add_grade(student, 1.0)
    client = teacher_client(app, classroom)
    client.get(gradebook_url(classroom))  # warm up: nothing one-off is counted below

    small, rows = gradebook_queries(app, client, classroom)
    assert rows == 2 and small > 0

    for n in range(10):
        student = make_user(name=f"Extra {n:02d}")
        enrol(db_session, classroom["course"], student, CourseRole.STUDENT)
        add_grade(student, 0.5)

    large, rows = gradebook_queries(app, client, classroom)
    assert rows == 12
    assert large == small, f"{small} queries for 2 students, {large} for 12"
