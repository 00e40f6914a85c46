"""Item analysis: facility and discrimination checked against scipy on a fixture computed by hand, the current
grading counting, wrong answers and named misconceptions from real graded submissions, the chart, escaping, access,
and a constant number of queries."""

from __future__ import annotations

import base64
import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from scipy.stats import pearsonr
from sqlalchemy import event

import webapp.teach.analysis_views  # noqa: F401  (attaches the routes to the teach blueprint before any app exists)
from webapp.extensions import db
from webapp.models import CourseRole, Grading, Role, Submission, Variant, utcnow
from webapp.services.courses import enrol
from webapp.services.item_analysis import SAME_REST, SAME_SCORE, TOO_FEW_STUDENTS, analyse_course
from webapp.services.submit import Outcome, submit_answer

from ..conftest import TEST_SECRET, log_in

EN = {"Accept-Language": "en"}
WEATHER_PARTS = ("likelihood", "loglik", "score", "p_hat")  # weights 1 each
THEORY_PARTS = ("reasons", "underflow_value", "log_value", "other_transform")  # weights 1 each; the last is text
PENDING = None
# The counted attempt of each student (part scores), and earlier or later attempts that must not count (best).
WEATHER = {
    "S1": [[1, 1, 1, 1]],
    "S2": [[0, 0, 0, 0], [1, 1, 0, 0]],
    "S3": [[1, 0, 0, 0]],
    "S4": [[1, 1, 1, 0], [1, 0, 0, 0]],
    "S5": [[0, 0, 0, 0]],
}
THEORY = {
    "S1": [[1, 1, 1, PENDING]],
    "S2": [[0.5, 0, 1, PENDING]],
    "S3": [[0, 1, 0, PENDING]],
    "S4": [[1, 1, 1, PENDING]],
}
# By hand: each student's best score (the mean of the part scores, a pending text counting 0).
WEATHER_BEST = {"S1": 1.0, "S2": 0.5, "S3": 0.25, "S4": 0.75, "S5": 0.0}
THEORY_BEST = {"S1": 0.75, "S2": 0.375, "S3": 0.25, "S4": 0.75}

# A row of "most common wrong answers": the label, the other spellings beside it, the count.
WRONG_ANSWER_ROW = re.compile(
    r'<td><code class="raw-answer">([^<]*)</code>(.*?)</td>\s*<td class="num">(\d+)</td>', re.S
)


def verdict(score) -> dict:
    """A part's verdict as the grader stores it (the codes other than pending_review do not matter here)."""
    if score is PENDING:
        return {"score": 0.0, "correct": False, "code": "pending_review", "message": "", "params": {}}
    return {"score": float(score), "correct": score == 1, "code": "x", "message": "", "params": {}}


def store(db_session, course, item, student, scores, *, attempt_no: int, raw=None, regraded_from=None):
    """A submission with its grading, as submit_answer would store it; ``regraded_from`` adds an older grading with
    those part scores first (the current grading is the latest)."""
    exercise = item.exercise
    found = dict(course_id=course.id, user_id=student.id, exercise_id=exercise.id)
    variant = db_session.query(Variant).filter_by(**found).one_or_none() or Variant(**found, seed=f"s{student.id}")
    db_session.add(variant)
    db_session.flush()
    names = [part["name"] for part in exercise.current_version.definition["parts"]]
    raw = raw or {name: "x" for name in names}
    submission = Submission(
        variant_id=variant.id,
        assignment_item_id=item.id,
        user_id=student.id,
        raw_answers=raw,
        exercise_version_id=exercise.current_version.id,
        attempt_no=attempt_no,
        parsed_answers={},
    )
    for part_scores in ([regraded_from] if regraded_from else []) + [scores]:
        verdicts = {name: verdict(score) for name, score in zip(names, part_scores, strict=True)}
        total = sum(s or 0 for s in part_scores) / len(part_scores)
        submission.gradings.append(Grading(grader_version="t", score=total, verdicts=verdicts, reason="submit"))
    db_session.add(submission)
    db_session.flush()
    return submission


@pytest.fixture
def studied(db_session, make_user, make_course, make_assignment):
    teacher = make_user(Role.TEACHER, name="Tamara Teacher")
    course = make_course(teacher)
    students = {name: make_user(name=name) for name in WEATHER}
    for student in students.values():
        enrol(db_session, course, student, CourseRole.STUDENT)
    assignment = make_assignment(course, slugs=("weather-15", "theory-44-why-take-the-log"))
    weather, theory = assignment.items
    for table, item in ((WEATHER, weather), (THEORY, theory)):
        for name, attempts in table.items():
            for attempt_no, scores in enumerate(attempts, start=1):
                # S3's weather attempt was first graded all right; a regrade took three parts away.
                regraded = [1, 1, 1, 1] if (item is weather and name == "S3") else None
                store(db_session, course, item, students[name], scores, attempt_no=attempt_no, regraded_from=regraded)
    return {
        "teacher": teacher,
        "course": course,
        "students": students,
        "weather": weather,
        "theory": theory,
        "assignment": assignment,
    }


def teacher_client(app, teacher):
    client = app.test_client()
    log_in(client, teacher)
    return client


def test_facility_and_discrimination_agree_with_scipy(db_session, studied):
    analysis = analyse_course(db_session, studied["course"], "en")
    [block] = analysis.assignments
    weather, theory = block.items
    totals = {name: WEATHER_BEST[name] + THEORY_BEST.get(name, 0.0) for name in WEATHER_BEST}

    assert weather.students == 5 and weather.attempts == 7
    assert weather.facility == pytest.approx(sum(WEATHER_BEST.values()) / 5)  # 0.5
    names = sorted(WEATHER_BEST)
    expected = pearsonr([WEATHER_BEST[n] for n in names], [THEORY_BEST.get(n, 0.0) for n in names]).statistic
    assert weather.discrimination.value == pytest.approx(expected)

    assert theory.students == 4 and theory.attempts == 4
    assert theory.facility == pytest.approx(0.53125)
    names = sorted(THEORY_BEST)
    expected = pearsonr([THEORY_BEST[n] for n in names], [WEATHER_BEST[n] for n in names]).statistic
    assert theory.discrimination.value == pytest.approx(expected)

    # A part against the rest: the total without the part's quarter of the item's score.
    p_hat = {part.name: part for part in weather.parts}["p_hat"]
    counted_p_hat = {"S1": 1, "S2": 0, "S3": 0, "S4": 0, "S5": 0}
    names = sorted(counted_p_hat)
    expected = pearsonr([counted_p_hat[n] for n in names], [totals[n] - counted_p_hat[n] / 4 for n in names])
    assert p_hat.facility == pytest.approx(0.2)
    assert p_hat.discrimination.value == pytest.approx(expected.statistic)
    assert p_hat.distribution == (4, 0, 0, 0, 0, 0, 0, 0, 0, 1)

    # S3's current grading (after the regrade) counts, not the first one: 1 of 4 steps right.
    likelihood = {part.name: part for part in weather.parts}["likelihood"]
    assert likelihood.facility == pytest.approx(4 / 5)
    loglik = {part.name: part for part in weather.parts}["loglik"]
    assert loglik.facility == pytest.approx(3 / 5)

    # The written answer awaits review everywhere: it has no figures yet, and says why.
    text = {part.name: part for part in theory.parts}["other_transform"]
    assert (text.students, text.facility, text.pending) == (0, None, 4)
    assert text.discrimination.value is None and text.discrimination.undefined_because == TOO_FEW_STUDENTS


def test_the_last_policy_counts_the_last_attempt(db_session, studied):
    studied["assignment"].score_policy = "last"
    db_session.flush()
    weather = analyse_course(db_session, studied["course"], "en").assignments[0].items[0]
    # S4's later attempt (1 of 4) counts now instead of the better earlier one.
    assert weather.facility == pytest.approx((1 + 0.5 + 0.25 + 0.25 + 0) / 5)


def test_undefined_discrimination_is_explained(app, db_session, make_user, make_course, make_assignment):
    teacher = make_user(Role.TEACHER)
    course = make_course(teacher)
    students = [make_user(name=f"P{n}") for n in range(3)]
    for student in students:
        enrol(db_session, course, student, CourseRole.STUDENT)
    lone = make_assignment(course, title="Alone").items[0]  # one item: the rest is 0 for everyone
    pair = make_assignment(course, title="Pair", slugs=("theory-41-likelihood-function", "normal-sample"))
    for student, scores in zip(students, ([1, 1, 1, 1], [1, 0, 0, 0], [0, 0, 0, 0]), strict=True):
        store(db_session, course, lone, student, scores, attempt_no=1)
    first, second = pair.items
    for student, score in zip(students[:2], (1, 0), strict=True):  # two students only
        store(db_session, course, first, student, [score, score, PENDING], attempt_no=1)
    second_names = len(second.exercise.current_version.definition["parts"])
    for student in students:  # everyone the same score
        store(db_session, course, second, student, [1] * second_names, attempt_no=1)

    blocks = analyse_course(db_session, course, "en").assignments
    reasons = [(item.title, item.discrimination.undefined_because) for block in blocks for item in block.items]
    assert [reason for _, reason in reasons] == [SAME_REST, TOO_FEW_STUDENTS, SAME_SCORE]

    page = teacher_client(app, teacher).get(f"/teach/courses/{course.id}/analysis", headers=EN).text
    tooltips = re.findall(r'<span class="undefined" tabindex="0" title="([^"]+)"[^>]*>—</span>', page)
    assert [html.unescape(t) for t in tooltips] == [
        "Undefined: the students' totals on the rest of the assignment are all equal (for instance, it is the "
        "assignment's only item).",
        "Undefined: fewer than 3 students attempted it.",
        "Undefined: every student who attempted it has the same score on it.",
    ]


# ----- wrong answers and misconceptions from real grading ---------------------------------------------------------

RIGHT_STEPS = {"likelihood": "p^9*(1-p)^6", "loglik": "9*ln(p) + 6*ln(1-p)", "score": "9/p - 6/(1-p)"}


def answer(db_session, item, student, p_hat: str, **steps: str):
    result = submit_answer(
        db_session,
        student=student,
        item=item,
        raw_answers={**RIGHT_STEPS, **steps, "p_hat": p_hat},
        now=utcnow(),
        secret=TEST_SECRET,
    )
    assert result.outcome is Outcome.GRADED, result
    return result.submission


@pytest.fixture
def survey_answers(db_session, classroom, make_user):
    """The weather survey (9 "yes" of 15: p̂ = 0.6) answered 1 − p̂ = 0.4 in several spellings, and otherwise."""
    course, item = classroom["course"], classroom["item"]
    more = [make_user(name=name) for name in ("Carol", "Dave", "Erin")]
    for student in more:
        enrol(db_session, course, student, CourseRole.STUDENT)
    alice, bob, carol, dave, erin = classroom["alice"], classroom["bob"], *more
    answer(db_session, item, alice, "0.4")
    answer(db_session, item, alice, "0.4")
    answer(db_session, item, bob, " 0.4 ", loglik="9*LN(p) + 6*LN(p)")
    answer(db_session, item, carol, "0,4", loglik=" 9*ln(p) + 6*ln(p)")
    answer(db_session, item, dave, "0.7")
    answer(db_session, item, erin, "0.6")
    return classroom


def test_misconceptions_and_wrong_answers_are_counted(db_session, survey_answers):
    item = survey_answers["item"]
    # The grader itself names the mistake 1 − p̂ (grader/misconceptions.py): "complement_probability".
    verdict = (
        db_session.query(Submission)
        .filter_by(user_id=survey_answers["alice"].id)
        .first()
        .current_grading.verdicts["p_hat"]
    )
    assert verdict["misconception"] == "complement_probability"

    analysis = analyse_course(db_session, survey_answers["course"], "en").item(item.id)
    p_hat = {part.name: part for part in analysis.parts}["p_hat"]
    [found] = p_hat.misconceptions
    assert (found.id, found.submissions, found.students) == ("complement_probability", 4, 3)
    assert found.explanation.startswith("You estimated the probability of the other outcome")
    # Grouped by the value read: "0.4" (twice), " 0.4 " and "0,4" are one answer, shown as its commonest spelling.
    assert [(w.text, w.count) for w in p_hat.wrong_answers] == [("0.4", 4), ("0.7", 1)]
    assert p_hat.wrong_answers[0].spellings == ("0.4", "0,4")
    assert analysis.attempts == 6 and analysis.students == 5


def test_the_page_shows_misconceptions_wrong_answers_and_a_chart(app, survey_answers):
    course, item = survey_answers["course"], survey_answers["item"]
    client = teacher_client(app, survey_answers["teacher"])
    page = client.get(f"/teach/courses/{course.id}/analysis/items/{item.id}", headers=EN)
    assert page.status_code == 200
    text = page.text
    section = re.search(r'<article class="part-analysis" id="part-p_hat">(.*?)</article>', text, re.S).group(1)
    assert "complement_probability" in section
    assert "You estimated the probability of the other outcome: p̂ is the share of the outcome coded 1." in section
    rows = [(label, count) for label, _, count in WRONG_ANSWER_ROW.findall(section)]
    assert rows == [("0.4", "4"), ("0.7", "1")]
    # Bob's and Carol's wrong step, typed in other cases and spaces, is one answer once trimmed and casefolded.
    loglik = re.search(r'id="part-loglik">(.*?)</article>', text, re.S).group(1)
    rows = [(label, count) for label, _, count in WRONG_ANSWER_ROW.findall(loglik)]
    assert rows == [("9*ln(p) + 6*ln(p)", "2")]

    # Each chart is an SVG without metadata, described in its alt text: 5 students, p̂ right only for Erin.
    charts = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', text)
    assert len(charts) == 1 + 4
    for encoded, _alt in charts:
        root = ET.fromstring(base64.b64decode(encoded))
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert root.find(".//{http://www.w3.org/2000/svg}metadata") is None
    p_hat_alt = html.unescape(re.search(r'id="part-p_hat">.*?alt="([^"]+)"', text, re.S).group(1))
    assert "0–10%: 4;" in p_hat_alt and "90–100%: 1" in p_hat_alt

    russian = client.get(f"/teach/courses/{course.id}/analysis/items/{item.id}", headers={"Accept-Language": "ru"})
    assert "Вы оценили вероятность другого исхода" in russian.text
    assert "Частые неверные ответы" in russian.text


def test_choice_answers_show_option_texts_and_typed_text_is_escaped(app, db_session, studied):
    course, weather, theory = studied["course"], studied["weather"], studied["theory"]
    student = studied["students"]["S5"]
    store(
        db_session,
        course,
        theory,
        student,
        [0, 0, 1, PENDING],
        attempt_no=1,
        raw={
            "reasons": "normalises,sum",
            "underflow_value": "exact",
            "log_value": "minus_1386",
            "other_transform": "?",
        },
    )
    store(
        db_session,
        course,
        weather,
        student,
        [0, 0, 0, 0],
        attempt_no=2,
        raw={"likelihood": "<img src=x onerror=alert(1)>", "loglik": "x", "score": "x", "p_hat": "x"},
    )
    client = teacher_client(app, studied["teacher"])
    theory_page = client.get(f"/teach/courses/{course.id}/analysis/items/{theory.id}", headers=EN).text
    underflow = re.search(r'id="part-underflow_value">(.*?)</article>', theory_page, re.S).group(1)
    assert re.search(r'<q class="chosen-option">The exact value, about <span class="math inline">', underflow)
    reasons = re.search(r'id="part-reasons">(.*?)</article>', theory_page, re.S).group(1)
    assert "The product over the observations becomes a sum" in reasons and "becomes a probability" in reasons

    weather_page = client.get(f"/teach/courses/{course.id}/analysis/items/{weather.id}", headers=EN).text
    assert "&lt;img src=x onerror=alert(1)&gt;" in weather_page
    assert "<img src=x" not in weather_page


# ----- access and queries -----------------------------------------------------------------------------------------


def test_only_the_course_teacher_sees_the_analysis(app, studied, make_user, make_course, make_assignment):
    course, item = studied["course"], studied["weather"]
    urls = [f"/teach/courses/{course.id}/analysis", f"/teach/courses/{course.id}/analysis/items/{item.id}"]
    student = app.test_client()
    log_in(student, studied["students"]["S1"])
    other = make_user(Role.TEACHER)
    other_course = make_course(other, title="Other")
    stranger = teacher_client(app, other)
    for url in urls:
        assert student.get(url).status_code == 403
        assert stranger.get(url).status_code == 403
    # An item of another course is not this course's, even for its teacher.
    foreign = make_assignment(other_course).items[0]
    own = teacher_client(app, studied["teacher"])
    assert own.get(f"/teach/courses/{course.id}/analysis/items/{foreign.id}").status_code == 404
    assert own.get(f"/teach/courses/{course.id}/analysis/items/999999").status_code == 404
    assert all(own.get(url).status_code == 200 for url in urls)


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


def test_queries_do_not_grow_with_the_class(app, db_session, studied, make_user):
    course, weather, theory = studied["course"], studied["weather"], studied["theory"]
    client = teacher_client(app, studied["teacher"])
    urls = [f"/teach/courses/{course.id}/analysis", f"/teach/courses/{course.id}/analysis/items/{weather.id}"]

    def count() -> list[int]:
        counts = []
        for url in urls:
            with counted_statements(app) as statements:
                assert client.get(url, headers=EN).status_code == 200
            counts.append(len(statements))
        return counts

    count()  # warm up
    small = count()
    with counted_statements(app) as statements:
        analyse_course(db_session, course, "en")
    service_small = len(statements)
    for n in range(12):
        student = make_user(name=f"Extra {n:02d}")
        enrol(db_session, course, student, CourseRole.STUDENT)
        for attempt_no in (1, 2):
            store(db_session, course, weather, student, [1, 0, n % 2, 0], attempt_no=attempt_no)
        store(db_session, course, theory, student, [1, 0.5, 0, PENDING], attempt_no=1)
    assert count() == small, f"{small} queries for 5 students, more for 17"
    with counted_statements(app) as statements:
        analyse_course(db_session, course, "en")
    assert len(statements) == service_small <= 6
