"""A teacher builds an assignment from the exercise library and edits it: the search, the builder's buttons, the
rules between fields (with their messages in English and Russian), and times typed in the teacher's zone.

Moscow is UTC+3 all year (since 2014), Novosibirsk UTC+7; Berlin moves its clocks (2026: forward on 29 March at
02:00, back on 25 October at 03:00). The UTC times expected below are written by hand from those offsets.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from webapp.models import Assignment, AssignmentItem, Submission
from webapp.services.assignment_builder import (
    NonexistentTime,
    exercise_library,
    local_to_utc,
    search_library,
)

from ..catalogue_copies import WEATHER_STEPS
from ..conftest import hidden_fields, log_in, submit_form

EN = {"Accept-Language": "en"}
RU = {"Accept-Language": "ru"}
UTC = timezone.utc


def new_url(course) -> str:
    return f"/teach/courses/{course.id}/assignments/new"


def edit_url(course, assignment) -> str:
    return f"/teach/courses/{course.id}/assignments/{assignment.id}/edit"


@pytest.fixture
def teacher(app, classroom, db_session):
    """The classroom's teacher, in Moscow, logged in."""
    classroom["teacher"].timezone = "Europe/Moscow"
    db_session.flush()
    client = app.test_client()
    log_in(client, classroom["teacher"])
    return client


def settings(**overrides: str) -> dict[str, str]:
    values = {
        "title": "Week 2: regressions",
        "opens_at": "2026-12-01T09:00",
        "due_at": "2026-12-08T23:59",
        "closes_at": "2026-12-15 18:30",
        "max_attempts": "4",
        "late_penalty": "20",
        "reveal_policy": "after_due",
        "score_policy": "last",
    }
    return {**values, **overrides}


def items(*rows: tuple[int, str, str]) -> dict[str, str]:
    fields = {}
    for index, (exercise_id, weight, attempts) in enumerate(rows):
        fields.update(
            {
                f"items-{index}-exercise_id": str(exercise_id),
                f"items-{index}-weight": weight,
                f"items-{index}-max_attempts": attempts,
            }
        )
    return fields


def save(client, url, data, headers=EN):
    return submit_form(client, url, {**data, "action": "save"}, headers=headers)


def field_error(page: str, field_id: str) -> str:
    match = re.search(rf'<small id="{re.escape(field_id)}-error" class="field-error">(.*?)</small>', page, re.S)
    return html.unescape(match.group(1)) if match else ""


def input_value(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]* name="{re.escape(name)}"[^>]*>', page)
    assert tag, f"no field {name}"
    value = re.search(r' value="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""


def assignments_of(db_session, course) -> list[Assignment]:
    db_session.expire_all()
    return list(db_session.scalars(select(Assignment).where(Assignment.course_id == course.id).order_by(Assignment.id)))


# ----- the library ------------------------------------------------------------------------------------------------


def slugs(entries) -> set[str]:
    return {entry.slug for entry in entries}


def test_the_library_is_searched_by_russian_or_english_title_topic_and_tag(db_session, synced_catalogue):
    library = exercise_library(db_session)
    assert len(library) == len(synced_catalogue)
    weather = {"weather-10", "weather-15", "weather-survey-random"}
    assert slugs(search_library(library, "Опрос о ПОГОДЕ")) == weather
    assert slugs(search_library(library, "weather passers-by")) == weather
    assert slugs(search_library(library, "пуассоновская ее")) == {"poisson-mutations"}  # ё read as е
    assert slugs(search_library(library, tag="logistic-regression")) == {
        "logistic-biomarker",
        "theory-48-mle-logistic-regression",
        "theory-49-logistic-no-closed-form",
    }
    assert slugs(search_library(library, topic="bernoulli")) == weather
    assert slugs(search_library(library, "теория", tag="normal")) == {"theory-46-normal-log-likelihood"}
    assert search_library(library, "нет такого упражнения") == []


def test_the_builder_page_searches_the_library(teacher, classroom):
    course = classroom["course"]
    page = teacher.get(new_url(course) + "?q=логистическ", headers=EN).text
    found = re.findall(r"<strong>([^<]+)</strong>", page)
    assert found == [
        "A biomarker and a disease: logistic regression and BCE",
        "Theory 48: maximum likelihood in logistic regression",
        "Theory 49: why logistic regression has no closed-form estimate",
    ]
    page = submit_form(teacher, new_url(course), {"q": "", "tag": "coin", "action": "search"}, headers=RU).text
    assert re.findall(r"<strong>([^<]+)</strong>", page) == ["Шесть орлов из десяти: вероятность и правдоподобие"]


# ----- building one -----------------------------------------------------------------------------------------------


def test_a_teacher_builds_an_assignment_with_the_builders_buttons(teacher, classroom, db_session, synced_catalogue):
    course = classroom["course"]
    linear, logistic = synced_catalogue["linear-protein"], synced_catalogue["logistic-biomarker"]
    data = settings()
    page = submit_form(teacher, new_url(course), {**data, "action": f"add:{logistic.id}"}, headers=EN)
    assert page.status_code == 200
    data.update(items((logistic.id, "1", "")))
    page = teacher.post(new_url(course), data={**hidden_fields(page.text), **data, "action": f"add:{linear.id}"})
    rows = re.findall(r'name="items-(\d+)-exercise_id"[^>]*value="(\d+)"', page.text)
    assert [int(value) for _, value in rows] == [logistic.id, linear.id]
    assert 'value="Week 2: regressions"' in page.text  # what was typed is kept
    # Move the linear regression up, then save with its weight and attempt limit.
    data.update(items((logistic.id, "1", ""), (linear.id, "1", "")))
    page = teacher.post(new_url(course), data={**hidden_fields(page.text), **data, "action": "up:1"})
    rows = re.findall(r'name="items-(\d+)-exercise_id"[^>]*value="(\d+)"', page.text)
    assert [int(value) for _, value in rows] == [linear.id, logistic.id]
    data.update(items((linear.id, "2,5", "6"), (logistic.id, "1", "")))
    response = teacher.post(new_url(course), data={**hidden_fields(page.text), **data, "action": "save"})
    assert response.status_code == 302, field_error(response.text, "title")

    created = assignments_of(db_session, course)[-1]
    assert created.title == "Week 2: regressions"
    # Typed in Moscow (UTC+3): 09:00 -> 06:00 UTC; 23:59 -> 20:59; 18:30 -> 15:30.
    assert created.opens_at == datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    assert created.due_at == datetime(2026, 12, 8, 20, 59, tzinfo=UTC)
    assert created.closes_at == datetime(2026, 12, 15, 15, 30, tzinfo=UTC)
    assert (created.max_attempts, created.late_penalty) == (4, pytest.approx(0.2))
    assert (created.reveal_policy, created.score_policy) == ("after_due", "last")
    assert [(i.exercise_id, i.position, i.weight, i.max_attempts) for i in created.items] == [
        (linear.id, 0, 2.5, 6),
        (logistic.id, 1, 1.0, None),
    ]
    overview = teacher.get(f"/teach/courses/{course.id}", headers=EN).text
    assert "1 Dec 2026, 09:00 MSK" in overview and "Week 2: regressions" in overview


RULES = [
    # (fields changed, field id, English message, Russian message)
    (
        {"due_at": "2026-11-30T09:00"},
        "due_at",
        "The due time is before the opening time.",
        "Срок сдачи раньше открытия.",
    ),
    (
        {"closes_at": "2026-12-08T23:00"},
        "closes_at",
        "The hard close is before the due time: set it at or after the due time.",
        "Окончательное закрытие раньше срока сдачи: поставьте его не раньше срока.",
    ),
    (
        {"due_at": "", "closes_at": "2026-11-30T10:00", "late_penalty": "0", "reveal_policy": "never"},
        "closes_at",
        "The hard close is before the opening time.",
        "Окончательное закрытие раньше открытия.",
    ),
    ({"max_attempts": "0"}, "max_attempts", "Type a whole number from 1 to 100.", "Введите целое число от 1 до 100."),
    (
        {"max_attempts": "three"},
        "max_attempts",
        "Type a whole number from 1 to 100.",
        "Введите целое число от 1 до 100.",
    ),
    (
        {"late_penalty": "150"},
        "late_penalty",
        "Type a percentage from 0 to 100, such as 20.",
        "Введите процент от 0 до 100, например 20.",
    ),
    (
        {"due_at": "", "closes_at": "", "reveal_policy": "never"},
        "late_penalty",
        "A late penalty needs a due time (work is late after it): set one, or make the penalty 0.",
        "Штраф за опоздание требует срока сдачи (опоздание считается после него): задайте срок или поставьте штраф 0.",
    ),
    (
        {"due_at": "", "closes_at": "", "late_penalty": "0"},
        "reveal_policy",
        "Set a due time for this choice: without one the answers would never be shown.",
        "Для этого варианта задайте срок сдачи: без него ответы не будут показаны никогда.",
    ),
    (
        {"opens_at": "next monday"},
        "opens_at",
        "Type a date and time, such as 2026-11-21 09:30.",
        "Введите дату и время, например 2026-11-21 09:30.",
    ),
    ({"title": ""}, "title", "Give the assignment a title.", "Дайте заданию название."),
]


@pytest.mark.parametrize(("changes", "field_id", "english", "russian"), RULES)
def test_each_rule_is_shown_at_its_field_in_both_languages(
    teacher, classroom, db_session, synced_catalogue, changes, field_id, english, russian
):
    course = classroom["course"]
    before = len(assignments_of(db_session, course))
    data = {**settings(**changes), **items((synced_catalogue["weather-10"].id, "1", ""))}
    for headers, message in ((EN, english), (RU, russian)):
        response = save(teacher, new_url(course), data, headers)
        assert response.status_code == 422
        assert field_error(response.text, field_id) == message
    assert len(assignments_of(db_session, course)) == before


@pytest.mark.parametrize(
    ("headers", "messages"),
    [
        (
            EN,
            [
                "Add at least one exercise from the library.",
                "Type a positive number, such as 1 or 2.5.",
                "The weight must be above 0 and at most 1000.",
                "This exercise is in the assignment already: remove one of the two.",
            ],
        ),
        (
            RU,
            [
                "Добавьте хотя бы одно упражнение из библиотеки.",
                "Введите положительное число, например 1 или 2,5.",
                "Вес должен быть больше 0 и не больше 1000.",
                "Это упражнение уже есть в задании: уберите одно из двух.",
            ],
        ),
    ],
)
def test_the_exercises_of_an_assignment_are_checked_row_by_row(teacher, classroom, synced_catalogue, headers, messages):
    course = classroom["course"]
    response = save(teacher, new_url(course), settings(), headers)
    assert (
        re.search(r'<p class="field-error" role="alert">([^<]*)</p>', html.unescape(response.text)).group(1)
        == messages[0]
    )
    weather = synced_catalogue["weather-10"].id
    rows = items((weather, "heavy", ""), (synced_catalogue["weather-15"].id, "0", ""), (weather, "1", ""))
    response = save(teacher, new_url(course), {**settings(), **rows}, headers)
    assert response.status_code == 422
    assert field_error(response.text, "items-0-weight") == messages[1]
    assert field_error(response.text, "items-1-weight") == messages[2]
    assert messages[3] in html.unescape(response.text)


def test_a_time_the_clocks_skip_is_refused_and_a_repeated_one_is_the_first(
    teacher, classroom, db_session, synced_catalogue
):
    berlin = ZoneInfo("Europe/Berlin")
    with pytest.raises(NonexistentTime):
        local_to_utc(datetime(2026, 3, 29, 2, 30), berlin)
    assert local_to_utc(datetime(2026, 10, 25, 2, 30), berlin) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert local_to_utc(datetime(2026, 7, 1, 12, 0), berlin) == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)

    classroom["teacher"].timezone = "Europe/Berlin"
    db_session.flush()
    data = {
        **settings(opens_at="2026-03-29T02:30", due_at="2026-04-01T12:00", closes_at=""),
        **items((synced_catalogue["weather-10"].id, "1", "")),
    }
    response = save(teacher, new_url(classroom["course"]), data)
    assert response.status_code == 422
    assert field_error(response.text, "opens_at").startswith("This time does not exist in your time zone")


# ----- editing one ------------------------------------------------------------------------------------------------


def test_editing_shows_local_times_and_keeps_the_items_that_stay(teacher, classroom, db_session, synced_catalogue):
    course, assignment, item = classroom["course"], classroom["assignment"], classroom["item"]
    assignment.opens_at = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    assignment.due_at = datetime(2026, 12, 8, 20, 59, tzinfo=UTC)
    assignment.closes_at = None
    db_session.flush()
    page = teacher.get(edit_url(course, assignment), headers=EN).text
    assert input_value(page, "opens_at") == "2026-12-01T09:00"
    assert input_value(page, "due_at") == "2026-12-08T23:59"
    assert input_value(page, "closes_at") == ""
    assert input_value(page, "late_penalty") == "25"

    normal = synced_catalogue["normal-sample"].id
    data = {
        **settings(title="Week 1, revised", opens_at="2026-12-02T10:00", closes_at=""),
        **items((normal, "1", "2"), (item.exercise_id, "3", "")),
    }
    response = save(teacher, edit_url(course, assignment), data)
    assert response.status_code == 302
    db_session.expire_all()
    assert assignment.title == "Week 1, revised" and assignment.opens_at == datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    assert assignment.closes_at is None
    kept = {i.exercise_id: i for i in assignment.items}
    assert [i.exercise_id for i in assignment.items] == [normal, item.exercise_id]
    assert kept[item.exercise_id].id == item.id and kept[item.exercise_id].weight == 3.0
    assert kept[normal].max_attempts == 2

    # An exercise nobody has answered yet can be taken out again.
    normal_item_id = kept[normal].id
    data.update({"items-0-exercise_id": str(item.exercise_id), "items-0-weight": "3", "items-0-max_attempts": ""})
    del data["items-1-exercise_id"], data["items-1-weight"], data["items-1-max_attempts"]
    assert save(teacher, edit_url(course, assignment), data).status_code == 302
    db_session.expire_all()
    assert [(i.id, i.position) for i in assignment.items] == [(item.id, 0)]
    assert db_session.get(AssignmentItem, normal_item_id) is None


def test_an_exercise_students_answered_cannot_be_removed(app, teacher, classroom, db_session, synced_catalogue):
    course, assignment, item = classroom["course"], classroom["assignment"], classroom["item"]
    alice = app.test_client()
    log_in(alice, classroom["alice"])
    assert submit_form(alice, f"/items/{item.id}", {**WEATHER_STEPS, "part_p_hat": "0.6"}).status_code == 302
    data = {**settings(), **items((synced_catalogue["weather-10"].id, "1", ""))}
    for headers, message in (
        (EN, "“Weather survey: 15 passers-by” has students' answers or grades, so it stays"),
        (RU, "На «Опрос о погоде: 15 прохожих» уже есть ответы или оценки студентов"),
    ):
        response = save(teacher, edit_url(course, assignment), data, headers)
        assert response.status_code == 422
        assert message in html.unescape(response.text)
    db_session.expire_all()
    assert [i.id for i in assignment.items] == [item.id]
    assert db_session.scalar(select(func.count()).select_from(Submission)) == 1


def test_an_assignment_of_another_course_is_not_found_here(app, classroom, make_course, make_assignment):
    other = make_course(classroom["teacher"], title="Second course")
    elsewhere = make_assignment(other)
    client = app.test_client()
    log_in(client, classroom["teacher"])
    assert client.get(edit_url(classroom["course"], elsewhere)).status_code == 404
    assert client.get(edit_url(other, elsewhere)).status_code == 200


def test_a_student_cannot_save_an_assignment(app, classroom, db_session, synced_catalogue):
    client = app.test_client()
    log_in(client, classroom["alice"])
    token = hidden_fields(client.get("/").text)["csrf_token"]
    data = {"csrf_token": token, **settings(), **items((synced_catalogue["weather-10"].id, "1", "")), "action": "save"}
    assert client.post(new_url(classroom["course"]), data=data).status_code == 403
    count = db_session.scalar(select(func.count()).select_from(AssignmentItem))
    assert count == 1
