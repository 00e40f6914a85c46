"""Fixtures shared by the suite.

Database tests run once per backend: SQLite always, PostgreSQL too when ``TEST_DATABASE_URL`` is set (CI sets it and
fails if the server cannot be reached). The schema is built by the real migrations, once per backend; every test
then runs inside a transaction that is rolled back (flask-sqlalchemy-lite's ``test_isolation``: savepoints).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from argon2 import PasswordHasher
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from webapp import create_app
from webapp.extensions import db
from webapp.models import Assignment, AssignmentItem, Course, CourseRole, Exercise, Role, User, utcnow
from webapp.services import accounts
from webapp.services.accounts import create_user
from webapp.services.courses import create_course, enrol
from webapp.services.sync import sync_exercises

REPO = Path(__file__).resolve().parent.parent
CATALOGUE = REPO / "exercises"
PASSWORD = "correct horse battery"
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
# One schema per test run, so that two runs on the same server (two developers, a developer and CI) never collide.
PG_TEST_SCHEMA = f"mlelab_test_{os.getpid()}"


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


def postgres_url(schema: str) -> str:
    """The test server's URL, confined to one schema so the suite never touches anything else in the database."""
    base = os.environ["TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


def recreate_postgres_schema(schema: str, *, create: bool = True) -> None:
    engine = create_engine(postgres_url(schema))
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        if create:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()


def make_app(database_url: str, instance_path: Path, **overrides: Any) -> Flask:
    config = {"TESTING": True, "SECRET_KEY": TEST_SECRET, "SQLALCHEMY_ENGINES": {"default": database_url},
              "EXERCISES_DIR": str(CATALOGUE), "INSTANCE_PATH": str(instance_path),
              # Every test logs in from 127.0.0.1; the real limit is tested on its own.
              "CREDENTIAL_RATE_LIMIT": "100000 per minute", **overrides}
    return create_app(config)


@pytest.fixture(scope="session", params=backends())
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite3'}"
        return
    recreate_postgres_schema(PG_TEST_SCHEMA)
    yield postgres_url(PG_TEST_SCHEMA)
    recreate_postgres_schema(PG_TEST_SCHEMA, create=False)


@pytest.fixture(scope="session")
def migrated_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = make_app(database_url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(migrated_app: Flask) -> Iterator[Flask]:
    # No app context is held during the test: each request of the test client gets its own, as in production
    # (its own database session, its own locale), all on the one connection whose transaction is rolled back.
    with db.test_isolation():
        yield migrated_app


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """The test's own session, separate from the requests' sessions, inside the same rolled-back transaction."""
    with app.app_context():
        make_session = db.sessionmaker
    session = make_session()
    yield session
    session.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def backend(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@pytest.fixture(autouse=True)
def fast_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Production-strength Argon2id costs about 0.3 s a hash; tests use a cheap one unless marked
    ``strong_hashing`` (the tests that examine the hashing itself)."""
    if request.node.get_closest_marker("strong_hashing") is None:
        monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


# ----- factories -------------------------------------------------------------------------------------------------

@pytest.fixture
def make_user(db_session: Session):
    counter = iter(range(1, 10_000))

    def make(role: Role = Role.STUDENT, name: str | None = None, email: str | None = None) -> User:
        n = next(counter)
        return create_user(db_session, email=email or f"{role.value}{n}@example.com",
                           name=name or f"{role.value.title()} {n}", password=PASSWORD, role=role)

    return make


@pytest.fixture
def make_course(db_session: Session, make_user):
    def make(teacher: User | None = None, title: str = "Statistics 1") -> Course:
        return create_course(db_session, title=title, teacher=teacher or make_user(Role.TEACHER))

    return make


@pytest.fixture
def synced_catalogue(db_session: Session) -> dict[str, Exercise]:
    report = sync_exercises(db_session, CATALOGUE)
    assert report.ok, report.problems
    return {e.slug: e for e in db_session.query(Exercise).all()}


@pytest.fixture
def make_assignment(db_session: Session, synced_catalogue):
    def make(course: Course, slugs: tuple[str, ...] = ("weather-15",), **fields: Any) -> Assignment:
        now = utcnow()
        values = {"title": "Week 1", "opens_at": now - timedelta(days=1), "due_at": now + timedelta(days=7),
                  "closes_at": now + timedelta(days=14), "max_attempts": 3, "late_penalty": 0.25, **fields}
        assignment = Assignment(course_id=course.id, **values)
        db_session.add(assignment)
        db_session.flush()
        for position, slug in enumerate(slugs):
            db_session.add(AssignmentItem(assignment_id=assignment.id, exercise_id=synced_catalogue[slug].id,
                                          position=position))
        db_session.flush()
        return assignment

    return make


@pytest.fixture
def classroom(db_session: Session, make_user, make_course, make_assignment):
    """A course with its teacher, two students and an open assignment holding the weather survey."""
    teacher = make_user(Role.TEACHER, name="Tamara Teacher")
    course = make_course(teacher)
    alice = make_user(Role.STUDENT, name="Alice")
    bob = make_user(Role.STUDENT, name="Bob")
    for student in (alice, bob):
        enrol(db_session, course, student, CourseRole.STUDENT)
    assignment = make_assignment(course)
    db_session.flush()
    return {"teacher": teacher, "course": course, "alice": alice, "bob": bob, "assignment": assignment,
            "item": assignment.items[0]}


@pytest.fixture
def catalogue_root(tmp_path: Path) -> Path:
    """An empty catalogue of the test's own, ``tmp_path / "exercises"``; fill it with ``catalogue_copies``."""
    root = tmp_path / "exercises"
    root.mkdir()
    return root


# ----- driving forms like a browser ------------------------------------------------------------------------------

HIDDEN_INPUT = re.compile(r'<input[^>]*name="(?P<name>csrf_token|form_token)"[^>]*value="(?P<value>[^"]*)"')


def hidden_fields(html: str) -> dict[str, str]:
    return {m.group("name"): m.group("value") for m in HIDDEN_INPUT.finditer(html)}


def submit_form(client: FlaskClient, url: str, data: dict[str, str], **kwargs: Any):
    """GET the page, then POST its form with the CSRF (and one-time form) token it carried."""
    page = client.get(url, **kwargs)
    assert page.status_code == 200, page.status_code
    return client.post(url, data={**hidden_fields(page.text), **data}, **kwargs)


def log_in(client: FlaskClient, user: User, password: str = PASSWORD):
    response = submit_form(client, "/login", {"email": user.email, "password": password})
    assert response.status_code == 302, response.text
    return response
