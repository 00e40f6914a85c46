"""A student answers the 15-respondent weather survey end to end, through the real forms."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from exercises import load_exercise
from webapp.models import Grade, Submission, utcnow

from ..catalogue_copies import WEATHER_STEPS
from ..conftest import CATALOGUE, hidden_fields, log_in, submit_form

# Independent of the grader: 9 of the 15 respondents said "yes", so the closed-form MLE is k/n.
EXPECTED_P_HAT = float(Fraction(9, 15))
SURVEY_PARTS = load_exercise(CATALOGUE / "weather-15").definition.parts


def other_parts_right() -> dict[str, str]:
    """The survey's guided steps before the estimate answered right, so that these tests are about the estimate."""
    steps = {name: text for name, text in WEATHER_STEPS.items() if name.removeprefix("part_") in
             {part.name for part in SURVEY_PARTS}}
    assert len(steps) == len(SURVEY_PARTS) - 1, "answer every part of the survey besides p_hat"
    return steps


def score_when_p_hat(correct: bool) -> float:
    """The submission's score when every other part is right and the estimate is (or is not)."""
    weights = {part.name: part.weight for part in SURVEY_PARTS}
    return (sum(weights.values()) - (0 if correct else weights["p_hat"])) / sum(weights.values())


def exercise_url(item) -> str:
    return f"/items/{item.id}"


def answer(client, item, text: str, **kwargs):
    return submit_form(client, exercise_url(item), {**other_parts_right(), "part_p_hat": text}, **kwargs)


def submission_count(db_session, student) -> int:
    return db_session.scalar(select(func.count()).select_from(Submission).where(Submission.user_id == student.id))


def test_the_catalogue_data_is_the_seed_survey():
    loaded = load_exercise(CATALOGUE / "weather-15")
    answers = next(c for c in loaded.definition.data.columns if c.name == "answer").values
    assert len(answers) == 15 and sum(answers) == 9
    assert EXPECTED_P_HAT == pytest.approx(0.6)


def test_exercise_page_shows_the_data_table_and_math(client, classroom):
    log_in(client, classroom["alice"])
    page = client.get(exercise_url(classroom["item"]), headers={"Accept-Language": "en"})
    assert page.status_code == 200
    cells = re.findall(r"<td>(yes|no)</td>", page.text)
    assert len(cells) == 15 and cells.count("yes") == 9
    assert '<span class="math inline">' in page.text and '<div class="math block">' in page.text
    assert "/static/vendor/katex/katex.min.js" in page.text
    assert "cdn" not in page.text.lower()


@pytest.mark.parametrize("typed", ["0.6", "0,6", "3/5", ".6", "6e-1", "60%", " 0.600 ", "9/15"])
def test_accepted_spellings_of_the_correct_answer(client, classroom, db_session, typed):
    log_in(client, classroom["alice"])
    response = answer(client, classroom["item"], typed)
    assert response.status_code == 302
    submission = db_session.scalars(select(Submission).where(Submission.user_id == classroom["alice"].id)).one()
    assert submission.raw_answers["p_hat"] == typed  # exactly as typed, spaces included
    assert submission.parsed_answers["p_hat"] == pytest.approx(EXPECTED_P_HAT, rel=1e-3)
    assert submission.current_grading.score == 1.0
    feedback = client.get(response.headers["Location"], headers={"Accept-Language": "en"}).text
    assert "badge-ok\">correct" in feedback and "Correct." in feedback


def test_wrong_answer_is_graded_incorrect_with_a_helpful_sentence(client, classroom, db_session):
    log_in(client, classroom["alice"])
    response = answer(client, classroom["item"], "0.7", headers={"Accept-Language": "en"})
    page = client.get(response.headers["Location"], headers={"Accept-Language": "en"}).text
    assert "badge-bad\">incorrect" in page
    assert "log-likelihood" in page and "significant figures" in page
    grading = db_session.scalars(select(Submission)).one().current_grading
    assert grading.score == pytest.approx(score_when_p_hat(False)) and grading.verdicts["p_hat"]["correct"] is False
    assert "0.6" not in page.split('id="feedback"')[1]  # the key is not revealed


@pytest.mark.parametrize("typed, message", [
    ("abc", "is not a number"),
    ("", "The answer is empty"),
    ("1e400", "too large"),
    ("nan", "not a finite number"),
    ("1/0", "divides by zero"),
])
def test_malformed_answer_keeps_the_text_and_uses_no_attempt(client, classroom, db_session, typed, message):
    log_in(client, classroom["alice"])
    response = answer(client, classroom["item"], typed, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert message in response.text
    assert f'value="{typed}"' in response.text  # what was typed is still in the field
    assert 'aria-invalid="true"' in response.text
    assert 'aria-describedby="part_p_hat-hint part_p_hat-error"' in response.text
    assert "no attempt was used" in response.text
    assert submission_count(db_session, classroom["alice"]) == 0
    assert "Attempts left: 3 of 3" in response.text


def test_malformed_answer_message_is_in_russian_for_a_russian_browser(client, classroom):
    log_in(client, classroom["alice"])
    response = answer(client, classroom["item"], "abc", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert "«abc» — не число" in response.text
    assert "попытка не потрачена" in response.text


def test_attempt_limit_then_refusal(client, classroom, db_session):
    log_in(client, classroom["alice"])
    for typed in ("0.1", "0.2", "0.3"):
        assert answer(client, classroom["item"], typed).status_code == 302
    page = client.get(exercise_url(classroom["item"]), headers={"Accept-Language": "en"})
    assert "You have used all attempts" in page.text and 'id="answer-form"' not in page.text
    # A form kept open in another tab is refused too, and stores nothing.
    data = {**hidden_fields(page.text), **other_parts_right(), "part_p_hat": "0.6"}
    refused = client.post(exercise_url(classroom["item"]), data=data,
                          headers={"Accept-Language": "en"}, follow_redirects=True)
    assert "You have used all attempts" in refused.text
    assert submission_count(db_session, classroom["alice"]) == 3
    grade = db_session.scalars(select(Grade)).one()
    assert grade.attempts == 3 and grade.score == pytest.approx(score_when_p_hat(False))


def test_the_same_form_sent_twice_is_one_attempt(client, classroom, db_session):
    log_in(client, classroom["alice"])
    page = client.get(exercise_url(classroom["item"]))
    data = {**hidden_fields(page.text), **other_parts_right(), "part_p_hat": "0,6"}
    first = client.post(exercise_url(classroom["item"]), data=data)
    second = client.post(exercise_url(classroom["item"]), data=data)
    assert first.status_code == second.status_code == 302
    assert submission_count(db_session, classroom["alice"]) == 1


def test_best_score_counts_and_late_work_is_penalised(client, classroom, db_session):
    classroom["assignment"].due_at = utcnow() - timedelta(hours=1)
    db_session.flush()
    log_in(client, classroom["alice"])
    answer(client, classroom["item"], "0.6")
    grade = db_session.scalars(select(Grade)).one()
    submission = db_session.scalars(select(Submission)).one()
    assert submission.is_late and grade.is_late
    assert grade.score == pytest.approx(1 - classroom["assignment"].late_penalty)


@pytest.mark.parametrize("field, delta, message", [
    ("closes_at", timedelta(hours=-1), "This assignment is closed"),
    ("opens_at", timedelta(hours=1), "This assignment is not open yet"),
])
def test_outside_the_window_nothing_is_accepted(client, classroom, db_session, field, delta, message):
    assignment = classroom["assignment"]
    if field == "closes_at":
        assignment.due_at = utcnow() - timedelta(hours=2)
    setattr(assignment, field, utcnow() + delta)
    db_session.flush()
    log_in(client, classroom["alice"])
    page = client.get(exercise_url(classroom["item"]))
    data = {**hidden_fields(page.text), **other_parts_right(), "part_p_hat": "0.6"}
    response = client.post(exercise_url(classroom["item"]), data=data,
                           headers={"Accept-Language": "en"}, follow_redirects=True)
    assert message in response.text
    assert submission_count(db_session, classroom["alice"]) == 0


def test_data_download_is_the_students_csv(client, classroom):
    log_in(client, classroom["alice"])
    response = client.get(f"/items/{classroom['item'].id}/data.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert 'filename="weather-15-data.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8"))))
    assert [int(r["respondent"]) for r in rows] == list(range(1, 16))
    assert sum(int(r["answer"]) for r in rows) == 9


def test_answer_form_requires_csrf(client, classroom, db_session):
    log_in(client, classroom["alice"])
    response = client.post(exercise_url(classroom["item"]), data={"part_p_hat": "0.6"})
    assert response.status_code == 400
    assert submission_count(db_session, classroom["alice"]) == 0


@pytest.mark.parametrize("language, sentence", [
    ("en", "You estimated the probability of the other outcome"),
    ("ru", "Вы оценили вероятность другого исхода"),
])
def test_the_share_of_no_answers_is_named_as_a_misconception(client, classroom, db_session, language, sentence):
    log_in(client, classroom["alice"])
    response = answer(client, classroom["item"], "0,4")  # 6 "no" of 15
    page = client.get(response.headers["Location"], headers={"Accept-Language": language}).text
    assert sentence in page
    grading = db_session.scalars(select(Submission)).one().current_grading
    assert grading.score == pytest.approx(score_when_p_hat(False))
    assert grading.verdicts["p_hat"]["misconception"] == "complement_probability"
