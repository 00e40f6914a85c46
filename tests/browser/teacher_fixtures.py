"""A course of its own on the live site for the teacher's reports: its teacher, three students and their graded
submissions on two surveys, so that no other browser test's pages change (nor these by theirs)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from webapp.extensions import db
from webapp.models import Assignment, AssignmentItem, CourseRole, Exercise, Role, utcnow
from webapp.services.accounts import create_user
from webapp.services.courses import create_course, enrol
from webapp.services.submit import Outcome, submit_answer

from ..conftest import PASSWORD, TEST_SECRET, make_app
from .conftest import LiveSite

GRADER_EMAIL = "greta@example.com"
COURSE_TITLE = "Statistics 3: grades"
ASSIGNMENT_TITLE = "Week 3: two surveys"
# The survey of 15 (9 "yes": p̂ = 0.6) with its three guided steps right; the survey of 10 with every step wrong.
RIGHT_15 = {"likelihood": "p^9*(1-p)^6", "loglik": "9*ln(p) + 6*ln(1-p)", "score": "9/p - 6/(1-p)"}
WRONG = {"likelihood": "p", "loglik": "p", "score": "p"}
# name, then the estimates sent for each survey, in order (an empty list: never tried).
STUDENTS = [
    ("Ada Lovelace", ["0.7"], ["0.5"]),  # 75 %, then 0 %
    ("Boris Brown", ["0.7", "0,6"], ["0.5"]),  # 75 % then 100 %: best counts
    ("Chen Wei", [], []),
]


@dataclass(frozen=True)
class ReportCourse:
    teacher_email: str
    course_id: int
    survey_item_id: int


def live_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The live site's SQLite file, which ``live_site`` makes in a ``live<N>`` folder of the session's temp dir."""
    found = [
        path
        for path in sorted(tmp_path_factory.getbasetemp().glob("live*/live.sqlite3"))
        if re.fullmatch(r"live\d+", path.parent.name)
    ]
    assert len(found) == 1, f"expected the live site's one database, found {found}"
    return f"sqlite:///{found[0]}"


@pytest.fixture(scope="session")
def report_course(live_site: LiveSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReportCourse]:
    app = make_app(live_sqlite_url(tmp_path_factory), tmp_path_factory.mktemp("reports"), TESTING=False)
    with app.app_context():
        session = db.session
        teacher = create_user(session, email=GRADER_EMAIL, name="Greta Grader", password=PASSWORD, role=Role.TEACHER)
        course = create_course(session, title=COURSE_TITLE, teacher=teacher)
        now = utcnow()
        assignment = Assignment(
            course_id=course.id,
            title=ASSIGNMENT_TITLE,
            opens_at=now - timedelta(days=1),
            due_at=now + timedelta(days=7),
        )
        session.add(assignment)
        session.flush()
        items = [
            AssignmentItem(
                assignment_id=assignment.id,
                exercise_id=session.query(Exercise).filter_by(slug=slug).one().id,
                position=position,
            )
            for position, slug in enumerate(("weather-15", "weather-10"))
        ]
        session.add_all(items)
        session.flush()
        for number, (name, first, second) in enumerate(STUDENTS):
            student = create_user(session, email=f"reports{number}@example.com", name=name, password=PASSWORD)
            enrol(session, course, student, CourseRole.STUDENT)
            for item, steps, estimates in ((items[0], RIGHT_15, first), (items[1], WRONG, second)):
                for estimate in estimates:
                    result = submit_answer(
                        session,
                        student=student,
                        item=item,
                        raw_answers={**steps, "p_hat": estimate},
                        now=utcnow(),
                        secret=TEST_SECRET,
                    )
                    assert result.outcome is Outcome.GRADED, result
        session.commit()
        made = ReportCourse(GRADER_EMAIL, course.id, items[0].id)
    yield made
    with app.app_context():
        db.engine.dispose()
