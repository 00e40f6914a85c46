"""Accounts of their own on the live site for the course-administration flow: a teacher with no course yet and a
student who has an account but no course, so that no other browser test's pages change (nor these by theirs)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from webapp.extensions import db
from webapp.models import Role
from webapp.services.accounts import create_user

from ..conftest import PASSWORD, make_app
from .conftest import LiveSite
from .teacher_fixtures import live_sqlite_url


@dataclass(frozen=True)
class CourseAdminAccounts:
    teacher_email: str
    existing_student_email: str
    existing_student_name: str


@pytest.fixture(scope="session")
def course_admin_accounts(
    live_site: LiveSite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CourseAdminAccounts]:
    accounts = CourseAdminAccounts("cora@example.com", "olga.existing@example.com", "Olga Existing")
    app = make_app(live_sqlite_url(tmp_path_factory), tmp_path_factory.mktemp("course-admin"), TESTING=False)
    with app.app_context():
        session = db.session
        create_user(session, email=accounts.teacher_email, name="Cora Course", password=PASSWORD, role=Role.TEACHER)
        create_user(
            session, email=accounts.existing_student_email, name=accounts.existing_student_name, password=PASSWORD
        )
        session.commit()
    yield accounts
    with app.app_context():
        db.engine.dispose()
