"""The exercise page's "Answers" block: the correct answers, exactly when the assignment's reveal policy allows.

The exercise is the weather survey (9 "yes" of 15) with one part of each kind (``test_part_kinds``). Its keys,
computed here from the data and not by the grader: the MLE p = 9/15 = 0.6 and its standard error
sqrt(p(1-p)/n) = 0.126491...; to four significant figures 0.6000 and 0.1265.
"""

from __future__ import annotations

import html
import math
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from exercises import ExerciseDefinition
from webapp.models import Assignment, AssignmentItem, CourseRole, Exercise, RevealPolicy, Role, utcnow
from webapp.services.answer_key import significant
from webapp.services.courses import enrol
from webapp.services.sync import sync_exercises

from ..catalogue_copies import WEATHER_STEPS
from ..conftest import log_in, submit_form
from .test_part_kinds import KINDS_UUID, post, write_all_kinds_exercise

P = 9 / 15
SE = math.sqrt(P * (1 - P) / 15)
# Every way the page could write a key, in both decimal marks: four, three and five significant figures.
KEY_SPELLINGS = [
    text.replace(".", mark) for text in ("0.6000", "0.600", "0.1265", "0.126", "0.12649") for mark in (".", ",")
]
CORRECT_OPTIONS = {
    "en": ["The probability of the observed answers", "The estimate is the share of yes answers"],
    "ru": ["Вероятность наблюдённых ответов", "Оценка равна доле ответов «да»"],
}
WRONG_OPTIONS = {
    "en": ["The variance of the answers", "The estimate is always one half"],
    "ru": ["Дисперсию ответов", "Оценка всегда равна половине"],
}
# Wrong in every part, and without any spelling of the keys.
WRONG = {
    "part_p_hat": "0.5",
    "part_estimate_se": "0.5; 0.2",
    "part_loglik": "ln(p)",
    "part_method": "variance",
    "part_statements": ["half"],
    "part_why_log": "No idea.",
}


def all_kinds_survey(db_session, catalogue_root, make_user, make_course) -> dict:
    """``make(policy, **times)`` puts the all-kinds survey in an assignment of Alice's course: open, due in a week,
    closing in two, three attempts, unless the times say otherwise; it returns what ``test_part_kinds.post`` needs."""
    write_all_kinds_exercise(catalogue_root)
    report = sync_exercises(db_session, catalogue_root)
    assert report.ok, report.problems
    exercise = db_session.scalars(select(Exercise).where(Exercise.uuid == KINDS_UUID)).one()
    parts = {part.name: part for part in ExerciseDefinition.model_validate(exercise.current_version.definition).parts}
    course = make_course()
    alice = make_user(Role.STUDENT, name="Alice")
    enrol(db_session, course, alice, CourseRole.STUDENT)
    state = {"alice": alice, "session": db_session, "parts": parts}

    def make(policy: RevealPolicy, **times) -> dict:
        now = utcnow()
        values = {
            "opens_at": now - timedelta(days=1),
            "due_at": now + timedelta(days=7),
            "closes_at": now + timedelta(days=14),
            **times,
        }
        assignment = Assignment(
            course_id=course.id, title="Week 1", max_attempts=3, reveal_policy=policy.value, **values
        )
        db_session.add(assignment)
        db_session.flush()
        item = AssignmentItem(assignment_id=assignment.id, exercise_id=exercise.id, position=0)
        db_session.add(item)
        db_session.flush()
        state.update(item=item, assignment=assignment, url=f"/items/{item.id}")
        return state

    return {"make": make, "alice": alice}


@pytest.fixture
def survey(db_session, catalogue_root, make_user, make_course):
    return all_kinds_survey(db_session, catalogue_root, make_user, make_course)


def page_of(client, kinds, language: str = "en") -> str:
    response = client.get(kinds["url"], headers={"Accept-Language": language})
    assert response.status_code == 200
    return html.unescape(response.text)


def answers_block(page: str) -> str | None:
    found = re.search(r'<section class="answers-panel" id="answers".*?</section>', page, re.DOTALL)
    return found.group(0) if found else None


def assert_hidden(page: str) -> None:
    assert answers_block(page) is None
    assert 'id="answers' not in page and "answers-panel" not in page
    for spelling in KEY_SPELLINGS:
        assert spelling not in page, spelling


def assert_shown(page: str, language: str) -> None:
    block = answers_block(page)
    assert block is not None
    mark = "." if language == "en" else ","
    text = " ".join(re.sub(r"<[^>]+>", " ", block).split())
    # Both numbers have their first figure in the tenths, so four significant figures are four decimals.
    p, se = f"{P:.4f}".replace(".", mark), f"{SE:.4f}".replace(".", mark)
    assert f"{p} {se}" not in text and f"{p}; {se}" in text  # the vector, in order
    assert text.count(p) == 2  # the estimate on its own, and in the vector
    for option in CORRECT_OPTIONS[language]:
        assert option in block
    for option in WRONG_OPTIONS[language]:
        assert option not in block
    assert ("Answers" if language == "en" else "Ответы") in block


def test_never_shows_the_answers_even_after_the_due_time_and_every_attempt(client, survey, db_session):
    kinds = survey["make"](RevealPolicy.NEVER)
    log_in(client, survey["alice"])
    for _ in range(3):
        assert post(client, kinds, WRONG).status_code == 302
    kinds["assignment"].due_at = utcnow() - timedelta(minutes=1)
    db_session.flush()
    for language in ("en", "ru"):
        assert_hidden(page_of(client, kinds, language))


def test_after_due_shows_the_answers_once_late_work_is_closed(client, survey, db_session):
    kinds = survey["make"](RevealPolicy.AFTER_DUE)
    log_in(client, survey["alice"])
    assert_hidden(page_of(client, kinds))
    for _ in range(3):  # every attempt used, still before the due time
        assert post(client, kinds, WRONG).status_code == 302
    assert_hidden(page_of(client, kinds))
    kinds["assignment"].due_at = utcnow() - timedelta(minutes=1)
    db_session.flush()
    assert_hidden(page_of(client, kinds))  # past due, but late work is still accepted until the hard close
    kinds["assignment"].closes_at = utcnow() - timedelta(seconds=30)
    db_session.flush()
    for language in ("en", "ru"):
        assert_shown(page_of(client, kinds, language), language)


def test_after_due_without_a_due_time_never_shows_them(client, survey):
    kinds = survey["make"](RevealPolicy.AFTER_DUE, due_at=None, closes_at=None)
    log_in(client, survey["alice"])
    for _ in range(3):
        post(client, kinds, WRONG)
    assert_hidden(page_of(client, kinds))


def test_after_the_last_attempt_the_answers_appear(client, survey):
    kinds = survey["make"](RevealPolicy.AFTER_LAST_ATTEMPT_OR_CORRECT)
    log_in(client, survey["alice"])
    assert_hidden(page_of(client, kinds))
    for _ in range(2):
        assert post(client, kinds, WRONG).status_code == 302
        assert_hidden(page_of(client, kinds))  # an attempt is left
    assert post(client, kinds, WRONG).status_code == 302
    for language in ("en", "ru"):
        assert_shown(page_of(client, kinds, language), language)


def test_a_correct_answer_shows_the_answers(client, classroom, db_session):
    """The real weather survey, graded by the grader alone: once an answer scores full marks, the key is shown."""
    classroom["assignment"].reveal_policy = RevealPolicy.AFTER_LAST_ATTEMPT_OR_CORRECT.value
    db_session.flush()
    log_in(client, classroom["alice"])
    kinds = {"url": f"/items/{classroom['item'].id}"}
    assert submit_form(client, kinds["url"], {**WEATHER_STEPS, "part_p_hat": "0.7"}).status_code == 302
    assert_hidden(page_of(client, kinds))
    assert submit_form(client, kinds["url"], {**WEATHER_STEPS, "part_p_hat": "3/5"}).status_code == 302
    for language, estimate in (("en", "0.6000"), ("ru", "0,6000")):
        block = answers_block(page_of(client, kinds, language))
        assert block is not None and f"<code>{estimate}</code>" in block
        assert block.count("<code>") == 1  # the formulas' keys are functions: nothing to show for them


def test_an_answer_awaiting_the_teacher_is_not_yet_correct(client, survey):
    kinds = survey["make"](RevealPolicy.AFTER_LAST_ATTEMPT_OR_CORRECT)
    log_in(client, survey["alice"])
    # Right in every part the grader decides; the written answer counts 0 until the teacher grades it.
    right = {
        "part_p_hat": "9/15",
        "part_estimate_se": "3/5; 0.12649",
        "part_loglik": "9*ln(p) + 6*ln(1-p)",
        "part_method": "likelihood",
        "part_statements": ["share", "log_same"],
        "part_why_log": "It increases.",
    }
    assert post(client, kinds, right).status_code == 302
    assert answers_block(page_of(client, kinds)) is None


@pytest.mark.parametrize(
    "value, text",
    [
        (0.6, "0.6000"),
        (9 / 15, "0.6000"),
        (0.126491, "0.1265"),
        (-3.14159, "-3.142"),
        (12345.678, "12350"),
        (9.99996, "10.00"),
        (1.23456e-5, "1.235e-05"),
        (2.5e7, "2.500e+07"),
        (0.0, "0"),
        (42, "42.00"),
    ],
)
def test_numbers_are_written_to_four_significant_figures(value, text):
    assert significant(value) == text
    assert significant(value, ",") == text.replace(".", ",")
