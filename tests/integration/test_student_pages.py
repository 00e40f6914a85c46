"""The student's pages: every assignment's status and score on the home page, every exercise's status, score and
attempts on the assignment page, and the language: from the browser, switchable, remembered, exercise texts too."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from exercises import load_exercise
from webapp.models import CourseRole, Role, utcnow
from webapp.services.courses import enrol

from ..catalogue_copies import WEATHER_STEPS
from ..conftest import CATALOGUE, hidden_fields, log_in, submit_form

EN = {"Accept-Language": "en"}
RU = {"Accept-Language": "ru-RU,ru;q=0.9"}
WEIGHTS = {part.name: part.weight for part in load_exercise(CATALOGUE / "weather-15").definition.parts}
# The survey's steps right and the estimate wrong: every part's weight but the estimate's.
WRONG_ESTIMATE_SCORE = 1 - WEIGHTS["p_hat"] / sum(WEIGHTS.values())


def answer(client, item, estimate: str) -> None:
    assert submit_form(client, f"/items/{item.id}", {**WEATHER_STEPS, "part_p_hat": estimate}).status_code == 302


@pytest.fixture
def courses(db_session, make_user, make_course, make_assignment):
    """Alice in one course per situation (attempts are counted per course), each with the weather survey."""
    alice = make_user(Role.STUDENT, name="Alice")
    teacher = make_user(Role.TEACHER)
    now = utcnow()
    past_due = {
        "opens_at": now - timedelta(days=3),
        "due_at": now - timedelta(hours=1),
        "closes_at": now + timedelta(days=1),
    }
    situations = {
        "Untouched": {},
        "Working": {},
        "Finished": {},
        "Used up": {"max_attempts": 1},
        "Missed": past_due,
        "Done late": past_due,
        "Future": {
            "opens_at": now + timedelta(days=2),
            "due_at": now + timedelta(days=9),
            "closes_at": now + timedelta(days=16),
        },
        "Over": {
            "opens_at": now - timedelta(days=10),
            "due_at": now - timedelta(days=3),
            "closes_at": now - timedelta(days=1),
        },
    }
    items = {}
    for title, fields in situations.items():
        course = make_course(teacher, title=f"Course: {title}")
        enrol(db_session, course, alice, CourseRole.STUDENT)
        items[title] = make_assignment(course, title=title, **fields).items[0]
    return {"alice": alice, "items": items}


def home_rows(page: str) -> dict[str, str]:
    rows = re.findall(r'<tr>\s*<td><a href="/assignments/\d+">([^<]+)</a></td>(.*?)</tr>', page, re.DOTALL)
    return {title: body for title, body in rows}


def status_of(row: str) -> str:
    return re.search(r'class="badge badge-\w+ status-(\w+)"', row).group(1)


def score_of(row: str) -> str:
    return re.findall(r'<td class="num">([^<]*)</td>', row)[-1]


def percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def test_home_shows_each_assignments_status_and_score(client, courses):
    log_in(client, courses["alice"])
    items = courses["items"]
    answer(client, items["Working"], "0.7")
    answer(client, items["Finished"], "0.6")
    answer(client, items["Used up"], "0.7")
    answer(client, items["Done late"], "3/5")
    rows = home_rows(client.get("/", headers=EN).text)
    assert {title: status_of(row) for title, row in rows.items()} == {
        "Untouched": "not_started",
        "Working": "in_progress",
        "Finished": "done",
        "Used up": "done",
        "Missed": "late",
        "Done late": "late",
        "Future": "not_started",
        "Over": "late",
    }
    assert {title: score_of(row) for title, row in rows.items()} == {
        "Untouched": "—",
        "Working": percent(WRONG_ESTIMATE_SCORE),
        "Finished": "100%",
        "Used up": percent(WRONG_ESTIMATE_SCORE),
        "Missed": "—",
        "Done late": percent(1 - items["Done late"].assignment.late_penalty),
        "Future": "—",
        "Over": "—",
    }
    words = {title: " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split()) for title, row in rows.items()}
    assert "not started" in words["Untouched"] and "in progress" in words["Working"]
    assert "done" in words["Finished"] and "late" in words["Missed"]
    opens = items["Future"].assignment.opens_at
    assert f"opens {opens.day} {opens.strftime('%b')} {opens.year}, {opens:%H:%M} UTC" in words["Future"]
    assert "closed" in words["Over"]
    assert not any(
        "closed" in words[title] or "opens" in words[title] for title in rows if title not in ("Future", "Over")
    )


def test_home_in_russian(client, courses):
    log_in(client, courses["alice"])
    answer(client, courses["items"]["Working"], "0.7")
    words = {
        title: " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())
        for title, row in home_rows(client.get("/", headers=RU).text).items()
    }
    assert "не начато" in words["Untouched"] and "в работе" in words["Working"]
    assert "откроется" in words["Future"] and "закрыто" in words["Over"]


def test_the_assignment_page_gives_every_exercise_its_status_score_and_attempts(
    client, db_session, make_user, make_course, make_assignment
):
    alice = make_user(Role.STUDENT, name="Alice")
    course = make_course()
    enrol(db_session, course, alice, CourseRole.STUDENT)
    assignment = make_assignment(course, slugs=("weather-15", "theory-41-likelihood-function"))
    log_in(client, alice)
    answer(client, assignment.items[0], "0.7")
    page = client.get(f"/assignments/{assignment.id}", headers=EN).text
    rows = re.findall(r'<tr>\s*<td><a href="/items/(\d+)">([^<]+)</a></td>(.*?)</tr>', page, re.DOTALL)
    assert [title for _, title, _ in rows] == [
        "Weather survey: 15 passers-by",
        "Theory 41: what a likelihood function is",
    ]
    cells = [(status_of(body), re.findall(r'<td class="num">([^<]*)</td>', body)) for _, _, body in rows]
    assert cells == [
        ("in_progress", [percent(WRONG_ESTIMATE_SCORE), "2 / 3", "1"]),
        ("not_started", ["—", "3 / 3", "0"]),
    ]
    header = page.split("</hgroup>", 1)[0]
    assert "status-in_progress" in header
    due, closes = assignment.due_at, assignment.closes_at
    assert f"Due {due.day} {due.strftime('%b')} {due.year}, {due:%H:%M} UTC" in header
    assert f"Answers accepted until {closes.day} {closes.strftime('%b')} {closes.year}" in header


# ----- language ----------------------------------------------------------------------------------------------------

TITLE = {"en": "Weather survey: 15 passers-by", "ru": "Опрос о погоде: 15 прохожих"}
PROMPT = {"en": "Model every answer as an independent Bernoulli trial", "ru": "Бернулли"}
COLUMN = {"en": "Likes the weather?", "ru": "Нравится ли погода?"}


def shown_language(page: str) -> str:
    text = html.unescape(page)
    languages = {
        language
        for language in ("en", "ru")
        if TITLE[language] in text and PROMPT[language] in text and COLUMN[language] in text
    }
    assert len(languages) == 1, languages
    assert re.search(r'<html lang="(\w+)"', page).group(1) in languages
    return languages.pop()


def test_the_exercise_reads_in_the_browsers_language_until_the_student_switches(app, client, classroom, db_session):
    url = f"/items/{classroom['item'].id}"
    log_in(client, classroom["alice"])
    assert shown_language(client.get(url, headers={"Accept-Language": "en-GB,en;q=0.8"}).text) == "en"
    assert shown_language(client.get(url, headers=RU).text) == "ru"
    assert shown_language(client.get(url, headers={"Accept-Language": "de-DE"}).text) == "ru"  # the default

    page = client.get(url, headers=EN)
    switched = client.post(
        "/language",
        data={"csrf_token": hidden_fields(page.text)["csrf_token"], "language": "ru", "next": url},
        headers=EN,
    )
    assert switched.status_code == 302 and switched.headers["Location"] == url
    assert shown_language(client.get(url, headers=EN).text) == "ru"  # the choice beats the browser
    db_session.refresh(classroom["alice"])
    assert classroom["alice"].locale == "ru"

    elsewhere = app.test_client()  # another browser, English, never switched: the account remembers
    log_in(elsewhere, classroom["alice"])
    assert shown_language(elsewhere.get(url, headers=EN).text) == "ru"


def test_the_exercise_page_says_which_score_counts(client, db_session, make_user, make_course, make_assignment):
    """A correct answer followed by a wrong one: under the default "best" policy the 100% still counts, and the
    page says so next to the latest (wrong) feedback; under "last" the latest score counts."""
    alice = make_user(Role.STUDENT, name="Alice")
    course = make_course()
    enrol(db_session, course, alice, CourseRole.STUDENT)
    item = make_assignment(course).items[0]
    log_in(client, alice)
    page = client.get(f"/items/{item.id}", headers=EN).text
    assert "Score that counts" not in page  # nothing sent yet
    answer(client, item, "0.6")
    answer(client, item, "0.7")
    page = html.unescape(client.get(f"/items/{item.id}", headers=EN).text)
    assert "Score that counts: 100% (your best attempt)" in page
    ru = html.unescape(client.get(f"/items/{item.id}", headers=RU).text)
    assert "Засчитанный балл: 100% (лучшая попытка)" in ru

    item.assignment.score_policy = "last"
    db_session.flush()
    answer(client, item, "0.65")  # the grade is recomputed under the new policy with this submission
    page = html.unescape(client.get(f"/items/{item.id}", headers=EN).text)
    assert f"Score that counts: {percent(WRONG_ESTIMATE_SCORE)} (your last attempt)" in page
