"""Answers sent at the same moment: the attempt limit holds, and one form sent many times is one attempt.

These tests cannot run inside the suite's rolled-back transaction (one connection shared by every request would
serialise them), so they build an app of their own on a database of their own, where every request commits for
real: a SQLite file shared by all threads, and a schema of its own on the PostgreSQL test server when
``TEST_DATABASE_URL`` is set. Each parallel request runs in its own thread with its own test client (its own cookie
jar, app context and database session); the clients log in and fetch their form one after the other, and a
``threading.Barrier`` releases all the POSTs together.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from itertools import count
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Assignment, AssignmentItem, Course, CourseRole, Exercise, Grade, Role, Submission, utcnow
from webapp.services.accounts import create_user
from webapp.services.courses import create_course, enrol
from webapp.services.sync import sync_exercises

from ..catalogue_copies import copy_weather
from ..conftest import PASSWORD, backends, hidden_fields, log_in, make_app, postgres_url, recreate_postgres_schema

ATTEMPT_LIMIT = 3
CORRECT = "0.6"  # the copied survey's only part: 9 "yes" of 15, so p̂ = 9/15
NO_ATTEMPTS_LEFT = "You have used all attempts for this exercise."
SENT_TWICE = "This answer was sent twice at the same moment; the first one was graded."
FLASH = re.compile(r'<div class="flash flash-(?P<category>\w+)"[^>]*>(?P<message>.*?)</div>', re.S)
# Long enough never to cut a slow run short; only there so that a deadlock fails the test instead of hanging it.
DEADLOCK_GUARD_SECONDS = 120


@dataclass(frozen=True)
class SharedSite:
    app: Flask
    backend: str
    course_id: int
    item_id: int

    @property
    def url(self) -> str:
        return f"/items/{self.item_id}"


@pytest.fixture(scope="module", params=backends())
def shared_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedSite]:
    """An app whose requests commit for real, holding a course and an assignment (3 attempts) on the survey."""
    folder = tmp_path_factory.mktemp(f"concurrent-{request.param}")
    catalogue = folder / "exercises"
    catalogue.mkdir()
    copy_weather(catalogue)
    schema = f"mlelab_concurrency_{os.getpid()}"
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'shared.sqlite3'}"
    else:
        recreate_postgres_schema(schema)
        url = postgres_url(schema)
    app = make_app(url, folder, EXERCISES_DIR=str(catalogue))
    with app.app_context():
        upgrade()
        session = db.session
        assert sync_exercises(session, catalogue).ok
        teacher = create_user(
            session, email="race-teacher@example.com", name="Tamara Teacher", password=PASSWORD, role=Role.TEACHER
        )
        course = create_course(session, title="Statistics 1", teacher=teacher)
        now = utcnow()
        assignment = Assignment(
            course_id=course.id,
            title="Week 1",
            opens_at=now - timedelta(days=1),
            due_at=now + timedelta(days=7),
            closes_at=now + timedelta(days=14),
            max_attempts=ATTEMPT_LIMIT,
        )
        session.add(assignment)
        session.flush()
        exercise = session.scalars(select(Exercise)).one()
        item = AssignmentItem(assignment_id=assignment.id, exercise_id=exercise.id)
        session.add(item)
        session.commit()
        site = SharedSite(app, request.param, course.id, item.id)
    yield site
    with app.app_context():
        db.engine.dispose()
    if request.param == "postgresql":
        recreate_postgres_schema(schema, create=False)


_students = count(1)


@dataclass(frozen=True)
class Student:
    id: int
    email: str


def new_student(site: SharedSite) -> Student:
    """A student of its own for each test, enrolled and committed (so no test sees another's attempts)."""
    with site.app.app_context():
        session = db.session
        user = create_user(
            session, email=f"racer{next(_students)}-{site.backend}@example.com", name="Rita Racer", password=PASSWORD
        )
        enrol(session, session.get(Course, site.course_id), user, CourseRole.STUDENT)
        session.commit()
        return Student(user.id, user.email)


def english_client(site: SharedSite) -> FlaskClient:
    client = site.app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def run_together(posts: list[Callable[[], Any]]) -> list[Any]:
    """Run every callable in its own thread, all released at once by a barrier; each one's result, or the
    exception it raised (the app runs with TESTING, so an error that would be a 500 arrives here as one)."""
    barrier = threading.Barrier(len(posts))
    results: list[Any] = [None] * len(posts)

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=DEADLOCK_GUARD_SECONDS)
            results[index] = posts[index]()
        except Exception as error:  # noqa: BLE001 - reported by the test, with the others' results
            results[index] = error

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(posts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLOCK_GUARD_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a request never finished: a deadlock?"
    return results


def describe(results: list[Any]) -> list[str]:
    return [repr(r) if isinstance(r, BaseException) else f"{r.status_code} {r.location}" for r in results]


def flashes(client: FlaskClient, url: str) -> list[str]:
    """The messages the page at ``url`` shows this client once (what the browser sees after a redirect)."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return [match["message"].strip() for match in FLASH.finditer(page.text)]


def stored_attempts(site: SharedSite, student: Student) -> tuple[list[int], int | None]:
    """The attempt numbers stored for the student, and the ``attempts`` of their grade (None without a grade)."""
    with site.app.app_context():
        session = db.session
        numbers = sorted(session.scalars(select(Submission.attempt_no).where(Submission.user_id == student.id)))
        grade = session.scalar(select(Grade).where(Grade.user_id == student.id))
        return numbers, None if grade is None else grade.attempts


def prepared_client(site: SharedSite, student: Student) -> tuple[FlaskClient, dict[str, str]]:
    """A logged-in client and the hidden fields (CSRF and one-time form token) of the form it was shown."""
    client = english_client(site)
    log_in(client, student)
    page = client.get(site.url)
    assert page.status_code == 200 and 'id="answer-form"' in page.text
    return client, hidden_fields(page.text)


def answering(site: SharedSite, client: FlaskClient, fields: dict[str, str], typed: str) -> Callable[[], Any]:
    """What one thread does once released: post the form it was shown, with ``typed`` as the estimate."""
    return lambda: client.post(site.url, data={**fields, "part_p_hat": typed})


# ----- the attempt limit -----------------------------------------------------------------------------------------


def test_parallel_answers_never_exceed_the_attempt_limit(shared_site):
    student = new_student(shared_site)
    prepared = [prepared_client(shared_site, student) for _ in range(8)]  # eight tabs, eight different forms
    assert len({fields["form_token"] for _, fields in prepared}) == 8

    results = run_together([answering(shared_site, client, fields, CORRECT) for client, fields in prepared])

    shown = describe(results)
    assert all(not isinstance(r, BaseException) and r.status_code == 302 for r in results), shown
    graded = [i for i, r in enumerate(results) if r.location.endswith("#feedback")]
    assert len(graded) == ATTEMPT_LIMIT, shown
    assert stored_attempts(shared_site, student) == (list(range(1, ATTEMPT_LIMIT + 1)), ATTEMPT_LIMIT)
    # Each refused request was told why, in words; the graded ones were not told anything was wrong.
    for index, (client, _) in enumerate(prepared):
        told = flashes(client, results[index].location)
        assert told == ([] if index in graded else [NO_ATTEMPTS_LEFT]), (index, told, shown)


def test_the_attempt_after_the_limit_is_refused_once_parallel_answers_used_it_up(shared_site):
    """The limit reached in parallel holds for a later, ordinary answer too."""
    student = new_student(shared_site)
    prepared = [prepared_client(shared_site, student) for _ in range(ATTEMPT_LIMIT + 1)]
    first, *racing = prepared
    results = run_together([answering(shared_site, client, fields, "0.5") for client, fields in racing])
    assert all(not isinstance(r, BaseException) and r.status_code == 302 for r in results), describe(results)
    assert stored_attempts(shared_site, student)[0] == list(range(1, ATTEMPT_LIMIT + 1)), describe(results)

    client, fields = first
    late = client.post(shared_site.url, data={**fields, "part_p_hat": CORRECT}, follow_redirects=True)
    assert late.status_code == 200 and NO_ATTEMPTS_LEFT in late.text
    assert stored_attempts(shared_site, student) == (list(range(1, ATTEMPT_LIMIT + 1)), ATTEMPT_LIMIT)


# ----- one form sent many times ----------------------------------------------------------------------------------


def test_one_form_sent_six_times_at_once_is_one_attempt(shared_site):
    """A double click, or a browser resending its form: the same session, CSRF token and form token, six times."""
    student = new_student(shared_site)
    client, fields = prepared_client(shared_site, student)
    session_cookie = client.get_cookie("session")
    assert session_cookie is not None
    clicks = []
    for _ in range(6):
        twin = english_client(shared_site)
        twin.set_cookie("session", session_cookie.value, domain=session_cookie.domain, path=session_cookie.path)
        clicks.append(twin)

    results = run_together([answering(shared_site, twin, fields, CORRECT) for twin in clicks])

    shown = describe(results)
    assert all(not isinstance(r, BaseException) and r.status_code == 302 for r in results), shown
    assert stored_attempts(shared_site, student) == ([1], 1), shown
    for twin, result in zip(clicks, results, strict=True):
        # Every click lands on the one graded attempt; a click that lost the race is told so, never an error.
        assert result.location.split("#")[0] == shared_site.url, shown
        assert flashes(twin, result.location) in ([], [SENT_TWICE]), shown
    page = client.get(shared_site.url)
    assert f"Attempts left: {ATTEMPT_LIMIT - 1} of {ATTEMPT_LIMIT}" in page.text
