"""Who may see what: teacher pages refuse students, learn pages need a login, a student sees only their own work and
never an answer key.

The route walks read the app's URL map, so a route added later is checked without anyone remembering to list it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.routing import Rule

from webapp.models import CourseRole, Role, Submission, Variant
from webapp.services.courses import enrol

from ..catalogue_copies import WEATHER_STEPS
from ..conftest import hidden_fields, log_in, submit_form

EN = {"Accept-Language": "en"}


# ----- walking the URL map ---------------------------------------------------------------------------------------

def rules_of(app: Flask, blueprint: str) -> list[Rule]:
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith(f"{blueprint}.")]
    return sorted(rules, key=lambda rule: rule.rule)


def url_values(classroom) -> dict[str, int]:
    """Ids of real objects for every URL argument the app uses; a new argument must be added here."""
    return {"course_id": classroom["course"].id, "user_id": classroom["alice"].id,
            "assignment_id": classroom["assignment"].id, "item_id": classroom["item"].id,
            "exercise_id": classroom["item"].exercise_id,
            "submission_id": 1}  # no submission exists: every check here is decided before the lookup


def build_url(app: Flask, rule: Rule, values: dict[str, int]) -> str:
    unknown = set(rule.arguments) - values.keys()
    if unknown:
        pytest.fail(f"{rule.rule} takes {sorted(unknown)}: add a real object's id for it to url_values()")
    return app.url_map.bind("localhost").build(rule.endpoint, {name: values[name] for name in rule.arguments})


def method_of(rule: Rule) -> str:
    methods = set(rule.methods or ()) - {"HEAD", "OPTIONS"}
    return "GET" if "GET" in methods else sorted(methods)[0]


def visit(client, rule: Rule, url: str):
    """Request the route as a browser would: GET, or its form method with a valid CSRF token of this session."""
    method = method_of(rule)
    if method == "GET":
        return client.get(url, headers=EN)
    token_page = client.get("/")
    if token_page.status_code != 200:
        token_page = client.get("/login")
    return client.open(url, method=method, data={"csrf_token": hidden_fields(token_page.text)["csrf_token"]},
                       headers=EN)


def sends_to_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


def describe(rule: Rule, url: str, response) -> str:
    return f"{method_of(rule)} {url} ({rule.endpoint}) -> {response.status_code} {response.headers.get('Location', '')}"


@pytest.fixture
def other_teacher(make_user, make_course):
    """A teacher with a course of their own, who does not teach the classroom's course."""
    teacher = make_user(Role.TEACHER, name="Oleg Other")
    make_course(teacher, title="Another course")
    return teacher


def test_every_teach_route_refuses_everyone_but_the_course_teacher(app, classroom, other_teacher):
    rules = rules_of(app, "teach")
    assert len(rules) >= 3, [rule.rule for rule in rules]
    assert any("course_id" in rule.arguments for rule in rules)
    values = url_values(classroom)

    anonymous = app.test_client()
    student = app.test_client()
    log_in(student, classroom["alice"])
    stranger = app.test_client()
    log_in(stranger, other_teacher)
    teacher = app.test_client()
    log_in(teacher, classroom["teacher"])

    wrong = []
    for rule in rules:
        url = build_url(app, rule, values)
        course_scoped = "course_id" in rule.arguments

        response = visit(anonymous, rule, url)
        if not sends_to_login(response):
            wrong.append(f"anonymous: {describe(rule, url, response)}, expected a redirect to /login")

        response = visit(student, rule, url)
        if response.status_code != 403:
            wrong.append(f"student: {describe(rule, url, response)}, expected 403")

        response = visit(stranger, rule, url)
        if course_scoped and response.status_code != 403:
            wrong.append(f"teacher of another course: {describe(rule, url, response)}, expected 403")
        if not course_scoped and response.status_code != 200 and method_of(rule) == "GET":
            wrong.append(f"teacher of another course: {describe(rule, url, response)}, expected 200")

        response = visit(teacher, rule, url)
        expected_ok = response.status_code == 200 if method_of(rule) == "GET" else \
            response.status_code < 500 and response.status_code not in (401, 403, 404) and not sends_to_login(response)
        if not expected_ok:
            wrong.append(f"the course's teacher: {describe(rule, url, response)}, expected access")
    assert not wrong, "\n".join(wrong)


def test_the_course_teacher_sees_the_gradebook_but_not_another_course(app, classroom, make_course, make_user):
    elsewhere = make_course(make_user(Role.TEACHER), title="Someone else's course")
    client = app.test_client()
    log_in(client, classroom["teacher"])
    assert client.get(f"/teach/courses/{classroom['course'].id}/gradebook").status_code == 200
    assert client.get(f"/teach/courses/{elsewhere.id}/gradebook").status_code == 403
    assert client.get("/teach/courses/999999/gradebook").status_code == 404


def test_every_learn_route_requires_login(app, classroom):
    rules = rules_of(app, "learn")
    assert len(rules) >= 3, [rule.rule for rule in rules]
    values = url_values(classroom)
    anonymous = app.test_client()
    wrong = []
    for rule in rules:
        url = build_url(app, rule, values)
        response = visit(anonymous, rule, url)
        if not sends_to_login(response):
            wrong.append(describe(rule, url, response))
    assert not wrong, "\n".join(wrong)


# ----- one student's work is theirs alone -------------------------------------------------------------------------

BOBS_ANSWER = "0.4321"


def test_a_student_cannot_see_another_students_work(app, classroom, db_session):
    course, item, bob = classroom["course"], classroom["item"], classroom["bob"]
    bob_client = app.test_client()
    log_in(bob_client, bob)
    bobs_work = {**WEATHER_STEPS, "part_p_hat": BOBS_ANSWER}
    assert submit_form(bob_client, f"/items/{item.id}", bobs_work).status_code == 302
    assert db_session.scalar(select(func.count()).select_from(Submission).where(Submission.user_id == bob.id)) == 1

    alice = app.test_client()
    log_in(alice, classroom["alice"])
    page = alice.get(f"/items/{item.id}", headers=EN)
    assert page.status_code == 200
    assert 'id="feedback"' not in page.text and 'class="attempt' not in page.text
    assert "Attempts left: 3 of 3" in page.text
    assert BOBS_ANSWER not in page.text

    overview = alice.get(f"/assignments/{classroom['assignment'].id}", headers=EN)
    assert overview.status_code == 200
    assert BOBS_ANSWER not in overview.text
    assert re.search(r'<td class="num">—</td>\s*<td class="num">3 / 3</td>', overview.text)

    for url in (f"/teach/courses/{course.id}/students/{bob.id}", f"/teach/courses/{course.id}/gradebook"):
        refused = alice.get(url, headers=EN)
        assert refused.status_code == 403, url
        assert BOBS_ANSWER not in refused.text and bob.email not in refused.text


def test_a_student_outside_the_course_finds_nothing(app, classroom, db_session, make_user, make_course):
    carol = make_user(name="Carol")
    enrol(db_session, make_course(title="Carol's own course"), carol, CourseRole.STUDENT)
    client = app.test_client()
    log_in(client, carol)
    item, assignment = classroom["item"], classroom["assignment"]
    for url in (f"/items/{item.id}", f"/items/{item.id}/data.csv", f"/assignments/{assignment.id}"):
        response = client.get(url, headers=EN)
        assert response.status_code == 404, url
        assert classroom["course"].title not in response.text
    # Sending an answer to someone else's course is refused the same way, and stores nothing.
    page = client.get("/")
    response = client.post(f"/items/{item.id}", data={**hidden_fields(page.text), "part_p_hat": "0.6"})
    assert response.status_code == 404
    assert db_session.scalar(select(func.count()).select_from(Submission).where(Submission.user_id == carol.id)) == 0
    # Not even a variant (data, key) was made for her.
    assert db_session.scalar(select(func.count()).select_from(Variant).where(Variant.user_id == carol.id)) == 0


# ----- no answer key on a student's page --------------------------------------------------------------------------

# The key of the weather survey is 9/15 = 0.6. Any spelling of it: 0.6, 0,6, .6, 0.600, 3/5, 9/15, 60%, 6e-1.
KEY_SPELLINGS = re.compile(r"(?<![\w.,/])0?[.,]60*(?![\d])|(?<!\d)(?:3/5|9/15)(?!\d)|(?<![\d.,])60\s*%|6e-1")
PROMPT_SECTION = re.compile(r'<section class="prompt"[^>]*>.*?</section>', re.S)


def without_prompt(page: str) -> str:
    """The page source (attributes and scripts included) without the exercise text, whose examples are fixed."""
    assert len(PROMPT_SECTION.findall(page)) == 1, "the prompt section was not found"
    return PROMPT_SECTION.sub("", page)


def key_mentions(page: str) -> list[str]:
    return KEY_SPELLINGS.findall(without_prompt(page))


def test_the_key_pattern_finds_every_spelling_of_the_key():
    for text in ("0.6", "0,6", ".6", "0.600", "3/5", "9/15", "60%", "60 %", "6e-1", 'data-key="0.6"', "<b>0.60</b>"):
        assert KEY_SPELLINGS.search(text), text
    for text in ("0.65", "10.6", "0.25", "1/4", "15", "160%", "0.7", "2026-01-06"):
        assert not KEY_SPELLINGS.search(text), text


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_student_never_sees_the_key(client, classroom, language):
    headers = {"Accept-Language": language}
    item = classroom["item"]
    log_in(client, classroom["alice"])

    before = client.get(f"/items/{item.id}", headers=headers)
    assert before.status_code == 200
    assert key_mentions(before.text) == []

    malformed = submit_form(client, f"/items/{item.id}", {"part_p_hat": "abc"}, headers=headers)
    assert malformed.status_code == 422
    assert key_mentions(malformed.text) == []

    wrong = submit_form(client, f"/items/{item.id}", {**WEATHER_STEPS, "part_p_hat": "0.7"}, headers=headers)
    assert wrong.status_code == 302
    after = client.get(f"/items/{item.id}", headers=headers)
    assert 'id="feedback"' in after.text and "badge-bad" in after.text and "<code>0.7</code>" in after.text
    assert key_mentions(after.text) == []
