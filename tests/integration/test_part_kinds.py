"""Every part kind on the exercise page and through the answer form: number, vector, formula, choice, text.

The exercise is the weather survey (a Bernoulli model on its 15 answers) with parts of its own, one of each kind
(two choices: one radio, one checkbox), in the test's own catalogue. The expected answers are computed here from
the data, independently of the grader: the MLE is the share of "yes" answers k/n, its standard error
sqrt(p(1-p)/n) (the inverse Fisher information), and the log-likelihood k ln p + (n - k) ln(1 - p).
"""

from __future__ import annotations

import html
import math
import re
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from exercises import ExerciseDefinition, option_order
from webapp.models import Assignment, AssignmentItem, CourseRole, Exercise, Role, Submission, Variant, utcnow
from webapp.services.courses import enrol
from webapp.services.sync import sync_exercises

from ..catalogue_copies import copy_weather
from ..conftest import hidden_fields, log_in

KINDS_UUID = "0ce207f0-4a99-454b-a104-2a4c7cad4b51"
RUBRIC_EN = "Full marks: the logarithm is strictly increasing, so it keeps the maximiser."
RUBRIC_RU = "Полный балл: логарифм строго возрастает, поэтому точка максимума та же."
PARTS = f'''
[[parts]]
kind = "number"
name = "p_hat"
label = {{ ru = "Оценка максимального правдоподобия $\\\\hat p$", en = "Maximum-likelihood estimate $\\\\hat p$" }}
key = "mle.p"
allow_percent = true

[[parts]]
kind = "vector"
name = "estimate_se"
label = {{ ru = "Оценка $\\\\hat p$ и её стандартная ошибка", en = "The estimate $\\\\hat p$ and its standard error" }}
key = ["mle.p", "se.p"]

[[parts]]
kind = "formula"
name = "loglik"
label = {{ ru = "Логарифм правдоподобия $\\\\ln L(p)$", en = "The log-likelihood $\\\\ln L(p)$" }}
key = "loglik_function"
variables = [{{ name = "p", parameter = "p" }}]

[[parts]]
kind = "choice"
name = "method"
label = {{ ru = "Что максимизирует оценка?", en = "What does the estimate maximise?" }}
correct = ["likelihood"]
options = [
  {{ id = "likelihood", ru = "Вероятность наблюдённых ответов", en = "The probability of the observed answers" }},
  {{ id = "variance", ru = "Дисперсию ответов", en = "The variance of the answers" }},
  {{ id = "count", ru = "Число ответов «да»", en = "The number of yes answers" }},
]

[[parts]]
kind = "choice"
name = "statements"
label = {{ ru = "Какие утверждения верны?", en = "Which statements are true?" }}
multiple = true
correct = ["share", "log_same"]
options = [
  {{ id = "share", ru = "Оценка равна доле ответов «да»", en = "The estimate is the share of yes answers" }},
  {{ id = "log_same", ru = "У $\\\\ln L$ и $L$ один максимум", en = "$\\\\ln L$ and $L$ peak at the same $p$" }},
  {{ id = "half", ru = "Оценка всегда равна половине", en = "The estimate is always one half" }},
  {{ id = "order", ru = "Оценка зависит от порядка ответов", en = "The estimate depends on the answers' order" }},
]

[[parts]]
kind = "text"
name = "why_log"
label = {{ ru = "Почему логарифм не сдвигает максимум?", en = "Why does the logarithm not move the maximum?" }}
rubric = {{ ru = "{RUBRIC_RU}", en = "{RUBRIC_EN}" }}
max_length = 400
'''
FIELDS = ("p_hat", "estimate_se", "loglik", "method", "statements", "why_log")


def write_all_kinds_exercise(root: Path) -> Path:
    """The survey's data and model with parts of our own, one of each kind, in ``root/weather-kinds``."""
    folder = copy_weather(root, slug="weather-kinds", uuid=KINDS_UUID)
    toml = folder / "exercise.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text[:text.index("[[parts]]")] + PARTS, encoding="utf-8")
    return folder


@pytest.fixture
def kinds(db_session, catalogue_root, make_user, make_course):
    """The all-kinds exercise, synced from a catalogue of its own, in an open assignment of Alice's course."""
    folder = write_all_kinds_exercise(catalogue_root)
    report = sync_exercises(db_session, catalogue_root)
    assert report.ok, report.problems
    exercise = db_session.scalars(select(Exercise).where(Exercise.uuid == KINDS_UUID)).one()
    course = make_course()
    alice = make_user(Role.STUDENT, name="Alice")
    enrol(db_session, course, alice, CourseRole.STUDENT)
    now = utcnow()
    assignment = Assignment(course_id=course.id, title="Week 1", opens_at=now - timedelta(days=1),
                            due_at=now + timedelta(days=7), closes_at=now + timedelta(days=14), max_attempts=3)
    db_session.add(assignment)
    db_session.flush()
    item = AssignmentItem(assignment_id=assignment.id, exercise_id=exercise.id, position=0)
    db_session.add(item)
    db_session.flush()
    answers = tomllib.loads((folder / "exercise.toml").read_text(encoding="utf-8"))["data"]["columns"][1]["values"]
    definition = ExerciseDefinition.model_validate(exercise.current_version.definition)
    return {"alice": alice, "item": item, "url": f"/items/{item.id}", "answers": answers,
            "parts": {part.name: part for part in definition.parts}, "session": db_session}


def expected(kinds) -> dict[str, float]:
    n, k = len(kinds["answers"]), int(sum(kinds["answers"]))
    p = k / n
    return {"n": n, "k": k, "p": p, "se": math.sqrt(p * (1 - p) / n)}


def correct_answers(kinds) -> dict[str, object]:
    e = expected(kinds)
    # The log-likelihood typed differently from k ln p + (n-k) ln(1-p): the same function.
    return {"part_p_hat": f"{e['k']}/{e['n']}", "part_estimate_se": f"{e['p']:.4f}; {e['se']:.4f}".replace(".", ","),
            "part_loglik": f"ln(p^{e['k']}) + {e['n'] - e['k']} ln(1 - p)", "part_method": "likelihood",
            "part_statements": ["log_same", "share"],
            "part_why_log": "Because ln is strictly increasing: it keeps the order of the values."}


def post(client, kinds, data, language="en"):
    """Send the form as the page would: a choice is given here by its options' ids, and posted as their positions
    in the order the student's variant shows them (an id that is no option is posted as it is)."""
    headers = {"Accept-Language": language}
    page = client.get(kinds["url"], headers=headers)
    assert page.status_code == 200
    variant = kinds["session"].scalars(select(Variant).where(Variant.user_id == kinds["alice"].id)).one()
    posted = dict(data)
    for name in ("method", "statements"):
        field = f"part_{name}"
        if field in posted:
            positions = {option.id: str(i) for i, option in enumerate(option_order(kinds["parts"][name],
                                                                                  variant.seed))}
            chosen = posted[field] if isinstance(posted[field], list) else [posted[field]]
            posted[field] = [positions.get(option_id, option_id) for option_id in chosen if option_id]
    return client.post(kinds["url"], data={**hidden_fields(page.text), **posted}, headers=headers)


def answer_panel(page: str) -> str:
    return page.split('id="answer-heading"', 1)[1].split("</section>", 1)[0]


def tag(page: str, element_id: str) -> str:
    found = re.search(rf'<(?:input|textarea|fieldset)\b[^>]*\bid="{element_id}"[^>]*>', page)
    assert found, f"no field with id {element_id}"
    return found.group(0)


def submissions(db_session, kinds) -> list[Submission]:
    return list(db_session.scalars(select(Submission).where(Submission.user_id == kinds["alice"].id)))


def test_every_kind_renders_with_its_label_and_hint(client, kinds, db_session):
    log_in(client, kinds["alice"])
    page = client.get(kinds["url"], headers={"Accept-Language": "en"}).text
    panel = answer_panel(page)
    for name in ("p_hat", "estimate_se", "loglik", "why_log"):
        assert f'<label for="part_{name}">' in panel
        assert f'aria-describedby="part_{name}-hint"' in tag(panel, f"part_{name}")
        assert f'id="part_{name}-hint"' in panel
    assert 'type="text"' in tag(panel, "part_estimate_se") and "2 numbers" in panel and "“;”" in panel
    assert "A formula in the variable p." in panel
    assert 'data-formula-variables="p"' in tag(panel, "part_loglik")
    assert 'class="formula-preview"' in panel and "formula-preview.js" in page
    assert tag(panel, "part_why_log").startswith("<textarea") and "at most 400 characters" in panel
    # Choices: a group with its legend; one radio or checkbox per option, each with its own label.
    for name, kind, count in (("method", "radio", 3), ("statements", "checkbox", 4)):
        group = panel.split(f'<fieldset class="choice-field" id="part_{name}"', 1)[1].split("</fieldset>", 1)[0]
        assert group.count(f'type="{kind}"') == count and "<legend>" in group
        for index in range(count):
            assert f'<label class="choice-option" for="part_{name}-{index}">' in group
            assert f'id="part_{name}-{index}"' in group
        assert " checked" not in group
    assert "Choose one option." in panel and "Choose every option that is true." in panel


def test_options_come_in_the_variants_own_order(client, kinds, db_session):
    log_in(client, kinds["alice"])
    page = client.get(kinds["url"], headers={"Accept-Language": "en"}).text
    variant = db_session.scalars(select(Variant).where(Variant.user_id == kinds["alice"].id)).one()
    for name in ("method", "statements"):
        # The inputs carry positions 0, 1, ... and the labels show the options in the variant's own order.
        shown = re.findall(rf'name="part_{name}" id="part_{name}-\d+"\s+value="(\w+)"', page)
        assert shown == [str(i) for i in range(len(kinds["parts"][name].options))]
        order = option_order(kinds["parts"][name], variant.seed)
        # Each option's longest stretch of plain text (outside $...$ math), found in the page in that order.
        plain = [max(re.split(r"\$[^$]*\$", option.get("en")), key=len).strip() for option in order]
        labels = [html.unescape(page).index(text) for text in plain]
        assert labels == sorted(labels)
    again = client.get(kinds["url"], headers={"Accept-Language": "en"}).text
    def without_hidden(panel: str) -> str:  # the form's one-time token differs between loads
        return re.sub(r'<input[^>]*type="hidden"[^>]*>', "", panel)

    assert without_hidden(answer_panel(again)) == without_hidden(answer_panel(page))


def test_nothing_of_the_key_is_in_the_page(client, kinds):
    log_in(client, kinds["alice"])
    for language, rubric in (("en", RUBRIC_EN), ("ru", RUBRIC_RU)):
        page = client.get(kinds["url"], headers={"Accept-Language": language}).text
        assert rubric not in page and "rubric" not in page.lower()
        panel = answer_panel(page)
        # The correct options' inputs look exactly like the others: same attributes, only their id and value differ.
        for name in ("method", "statements"):
            inputs = re.findall(rf'<input[^>]*name="part_{name}"[^>]*>', panel)
            shapes = {re.sub(r'(id|value)="[^"]*"', r'\1=""', tag_text) for tag_text in inputs}
            assert len(inputs) == len(kinds["parts"][name].options) and len(shapes) == 1
        assert not re.search(r"\bcorrect", panel, re.IGNORECASE)
        data_attributes = set(re.findall(r"\b(data-[a-z-]+)=", panel))
        assert data_attributes == {"data-formula-variables", "data-for", "data-unreadable"}
        e = expected(kinds)
        for value in (e["p"], e["se"]):
            for shown in (f"{value:.3g}", f"{value:.3g}".replace(".", ",")):
                assert shown not in panel


def test_malformed_answers_are_shown_next_to_their_fields_and_use_no_attempt(client, kinds, db_session):
    log_in(client, kinds["alice"])
    typed = {"part_p_hat": "abc", "part_estimate_se": "0,6; x", "part_loglik": "9 ln p + 6 ln(1-p)",
             "part_why_log": "   "}  # and no option chosen in either choice
    response = post(client, kinds, typed)
    assert response.status_code == 422
    page = response.text
    messages = {
        "p_hat": "“abc” is not a number",
        "estimate_se": "Number 2: “x” is not a number",
        "loglik": "The function “ln” (position 3) needs its argument in parentheses",
        "method": "No option is chosen: choose your answer.",
        "statements": "No option is chosen: choose your answer.",
        "why_log": "The answer is empty: write your answer.",
    }
    for name, message in messages.items():
        error = re.search(rf'<small id="part_{name}-error" class="field-error" role="alert">([^<]*)</small>', page)
        assert error and message in html.unescape(error.group(1)), name
        field = tag(page, f"part_{name}")
        assert f'aria-describedby="part_{name}-hint part_{name}-error"' in field
        assert 'aria-invalid="true"' in field
    # What was typed is still there.
    assert 'value="abc"' in tag(page, "part_p_hat")
    assert 'value="0,6; x"' in tag(page, "part_estimate_se")
    assert 'value="9 ln p + 6 ln(1-p)"' in tag(page, "part_loglik")
    assert "no attempt was used" in page and "Attempts left: 3 of 3" in page
    assert submissions(db_session, kinds) == []


def test_chosen_options_and_typed_text_stay_when_another_part_is_refused(client, kinds, db_session):
    log_in(client, kinds["alice"])
    answers = {**correct_answers(kinds), "part_estimate_se": "0.6", "part_method": "variance",
               "part_statements": ["share", "half"]}
    response = post(client, kinds, answers)
    assert response.status_code == 422
    page = response.text
    assert "Expected 2 numbers separated by “;” (or each on its own line), but found 1." in html.unescape(page)
    variant = db_session.scalars(select(Variant).where(Variant.user_id == kinds["alice"].id)).one()
    checked = {option_order(kinds["parts"][name], variant.seed)[int(position)].id for name, position in re.findall(
        r'<input type="(?:radio|checkbox)" name="part_(\w+)" id="[^"]+"\s+value="(\d+)" checked>', page)}
    assert checked == {"variance", "share", "half"}
    assert f'>\r\n{answers["part_why_log"]}</textarea>' in page
    assert html.escape(answers["part_loglik"]) in tag(page, "part_loglik")
    # The parts that could be read carry no message.
    assert 'id="part_method-error"' not in page and 'id="part_why_log-error"' not in page
    assert submissions(db_session, kinds) == []


def test_an_option_that_was_never_offered_is_refused(client, kinds, db_session):
    log_in(client, kinds["alice"])
    response = post(client, kinds, {**correct_answers(kinds), "part_method": "guessed"})
    assert response.status_code == 422
    assert "The choice sent is not one of the options shown" in html.unescape(response.text)
    assert submissions(db_session, kinds) == []


def test_correct_answers_earn_full_score_except_the_text_awaiting_the_teacher(client, kinds, db_session):
    log_in(client, kinds["alice"])
    answers = correct_answers(kinds)
    response = post(client, kinds, answers)
    assert response.status_code == 302
    [submission] = submissions(db_session, kinds)
    assert submission.raw_answers["statements"] == "log_same,share"  # the checked boxes joined with ','
    assert submission.raw_answers["loglik"] == answers["part_loglik"]
    assert submission.parsed_answers["statements"] == ["log_same", "share"]
    e = expected(kinds)
    assert submission.parsed_answers["estimate_se"] == pytest.approx([e["p"], e["se"]], abs=1e-4)
    verdicts = submission.current_grading.verdicts
    assert {name: verdicts[name]["correct"] for name in FIELDS} == {**{name: True for name in FIELDS},
                                                                    "why_log": False}
    assert verdicts["why_log"]["code"] == "pending_review" and verdicts["why_log"]["score"] == 0
    weights = {name: part.weight for name, part in kinds["parts"].items()}
    assert submission.current_grading.score == pytest.approx(1 - weights["why_log"] / sum(weights.values()))

    page = client.get(response.headers["Location"], headers={"Accept-Language": "en"}).text
    feedback = page.split('id="feedback"', 1)[1].split("</section>", 1)[0]  # not the history after it
    assert 'class="feedback feedback-pending"' in page
    assert feedback.count('badge-ok">correct</span>') == 5
    assert feedback.count('badge-info">awaiting the teacher</span>') == 1
    assert "Your teacher will read it and grade it" in feedback
    assert "Correct: your formula agrees with the expected function at all" in feedback
    assert "Correct: every number matches. Any value rounded correctly to 3 significant figures" in feedback
    # A choice is shown as the options chosen, in words.
    assert "The probability of the observed answers" in feedback and "you chose" in feedback
    assert "Attempts left: 2 of 3" in page


def test_wrong_answers_get_their_kinds_verdicts(client, kinds, db_session):
    log_in(client, kinds["alice"])
    e = expected(kinds)
    answers = {**correct_answers(kinds), "part_method": "count", "part_statements": "share",
               "part_estimate_se": f"{e['p']}; {2 * e['se']}",
               "part_loglik": f"{e['k']}*ln(p) + {e['n'] - e['k']}*ln(1-p) + 1"}
    response = post(client, kinds, answers)
    assert response.status_code == 302
    [submission] = submissions(db_session, kinds)
    verdicts = submission.current_grading.verdicts
    assert (verdicts["method"]["code"], verdicts["method"]["score"]) == ("incorrect", 0)
    assert (verdicts["statements"]["code"], verdicts["statements"]["score"]) == ("choice_partly", 0.5)
    assert verdicts["estimate_se"]["score"] == 0.5 and verdicts["estimate_se"]["params"]["components_correct"] == [
        True, False]
    assert verdicts["loglik"]["code"] == "differs_by_constant"

    for language, sentences in (
        ("en", ["Not correct: this is not the right option.",
                "Partly correct: you chose 1 of the 2 correct options, and 0 wrong ones.",
                "1 of 2 numbers is correct. Not correct yet: the numbers at positions 2",
                "differs from the expected function by the same constant everywhere"]),
        ("ru", ["Неверно: это не тот вариант.",
                "Отчасти верно: вы выбрали 1 из 2 верных вариантов и 0 неверных.",
                "Верно 1 число из 2. Пока неверны числа на позициях 2",
                "отличается от ожидаемой функции на одну и ту же постоянную"]),
    ):
        page = html.unescape(client.get(kinds["url"], headers={"Accept-Language": language}).text)
        feedback = page.split('id="feedback"', 1)[1]
        for sentence in sentences:
            assert sentence in feedback, (language, sentence)
        assert 'badge-bad"' in feedback and 'badge-warn"' in feedback
        # The feedback names no correct option and no key value.
        assert "The probability of the observed answers" not in feedback
        assert "Вероятность наблюдённых ответов" not in feedback
        assert f"{e['se']:.3g}" not in feedback and f"{e['se']:.3g}".replace(".", ",") not in feedback


def test_malformed_messages_in_russian(client, kinds, db_session):
    log_in(client, kinds["alice"])
    response = post(client, kinds, {**correct_answers(kinds), "part_estimate_se": "0,6; x", "part_method": "",
                                    "part_why_log": ""}, language="ru")
    page = html.unescape(response.text)
    assert response.status_code == 422
    assert "Число 2: «x» — не число" in page
    assert "Не выбран ни один вариант" in page
    assert "Ответ пуст: напишите свой ответ." in page
    assert "попытка не потрачена" in page
    assert db_session.scalar(select(func.count()).select_from(Submission)) == 0


def test_an_exercise_without_data_shows_no_data_panel(client, db_session, catalogue_root, make_user, make_course):
    folder = write_all_kinds_exercise(catalogue_root)
    toml = folder / "exercise.toml"
    text = toml.read_text(encoding="utf-8")
    # Only the theory parts: no model, no data.
    theory = "[[parts]]" + "[[parts]]".join(p for p in text.split("[[parts]]") if 'kind = "choice"' in p
                                            or 'kind = "text"' in p)
    toml.write_text(text[:text.index("[model]")] + theory, encoding="utf-8")
    report = sync_exercises(db_session, catalogue_root)
    assert report.ok, report.problems
    exercise = db_session.scalars(select(Exercise).where(Exercise.uuid == KINDS_UUID)).one()
    course, student = make_course(), make_user(Role.STUDENT)
    enrol(db_session, course, student, CourseRole.STUDENT)
    now = utcnow()
    assignment = Assignment(course_id=course.id, title="Theory", opens_at=now - timedelta(days=1))
    db_session.add(assignment)
    db_session.flush()
    item = AssignmentItem(assignment_id=assignment.id, exercise_id=exercise.id, position=0)
    db_session.add(item)
    db_session.flush()
    log_in(client, student)
    page = client.get(f"/items/{item.id}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Your data" not in page.text and "data.csv" not in page.text
    assert 'id="part_method"' in page.text and 'id="part_why_log"' in page.text
    assert client.get(f"/items/{item.id}/data.csv").status_code == 404
