"""A live MLE Lab (its own SQLite database, migrated and synced) and Debian's headless chromium driving it."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from webapp.extensions import db
from webapp.models import Assignment, AssignmentItem, CourseRole, Exercise, Role, utcnow
from webapp.services.accounts import create_user
from webapp.services.courses import create_course, enrol
from webapp.services.sync import sync_exercises

from ..conftest import CATALOGUE, PASSWORD, make_app

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    reason = "Debian's chromium is not installed (apt-get install chromium); the browser tests need it"
    if os.environ.get("MLELAB_REQUIRE_BROWSER"):
        pytest.fail(reason + " and MLELAB_REQUIRE_BROWSER is set")
    pytest.skip(reason)


# The live assignment's exercises, in order: the survey, then the two regressions of the catalogue.
LIVE_EXERCISES = ("weather-15", "linear-protein", "logistic-biomarker")


@dataclass(frozen=True)
class LiveSite:
    url: str
    student_email: str
    teacher_email: str
    password: str
    # A second student of the course, for flows that use up attempts or switch the account's language, so that
    # they leave the first student's pages as the other tests expect them.
    other_student_email: str = "rosa@example.com"


@pytest.fixture(scope="session")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    folder = tmp_path_factory.mktemp("live")
    app = make_app(f"sqlite:///{folder / 'live.sqlite3'}", folder, TESTING=False)
    with app.app_context():
        upgrade()
        session = db.session
        assert sync_exercises(session, CATALOGUE).ok
        teacher = create_user(
            session, email="teacher@example.com", name="Tamara Teacher", password=PASSWORD, role=Role.TEACHER
        )
        student = create_user(session, email="student@example.com", name="Sasha Student", password=PASSWORD)
        other = create_user(session, email=LiveSite.other_student_email, name="Rosa Regression", password=PASSWORD)
        course = create_course(session, title="Statistics 1", teacher=teacher)
        for enrolled in (student, other):
            enrol(session, course, enrolled, CourseRole.STUDENT)
        now = utcnow()
        assignment = Assignment(
            course_id=course.id,
            title="Week 1: the likelihood",
            opens_at=now - timedelta(days=1),
            due_at=now + timedelta(days=7),
            closes_at=now + timedelta(days=14),
        )
        session.add(assignment)
        session.flush()
        for position, slug in enumerate(LIVE_EXERCISES):
            exercise = session.query(Exercise).filter_by(slug=slug).one()
            session.add(AssignmentItem(assignment_id=assignment.id, exercise_id=exercise.id, position=position))
        session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveSite(f"http://127.0.0.1:{server.server_port}", "student@example.com", "teacher@example.com", PASSWORD)
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


def screenshot(page, name: str) -> Path:
    """Saved for people to look at (not compared): test-artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, site: LiveSite, email: str) -> None:
    """Log in through the form, as a person does, and land on the home page."""
    page.goto(f"{site.url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(site.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site.url}/")
