"""A course of its own on the live site for the item analysis and the review queue: its teacher, five students and
their graded submissions (the weather survey, three of them answering 1 − p̂ = 0.4, and theory 44 with written
answers awaiting review), so that no other browser test's pages change."""

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

ANALYST = "analyst@example.com"
COURSE_TITLE = "Statistics 2: analysis"
ASSIGNMENT_TITLE = "Week 2: the survey and the logarithm"
RIGHT_STEPS = {"likelihood": "p^9*(1-p)^6", "loglik": "9*ln(p) + 6*ln(1-p)", "score": "9/p - 6/(1-p)"}
# Each student's estimate of p (9 "yes" of 15: p̂ = 0.6) and written answer to theory 44.
ANSWERS = [
    ("Anna Analysis", "0.4", "The maximum stays; √L is still a product and underflows."),
    ("Boris Bernoulli", "0,4", "Any increasing function keeps the argmax."),
    ("Clara Complement", "0.4", "It <moves> the maximum."),
    ("Denis Decimal", "0.7", None),
    ("Eva Estimate", "0.6", None),
]


@dataclass(frozen=True)
class AnalysisCourse:
    teacher_email: str
    course_id: int
    weather_item_id: int
    student_emails: tuple[str, ...]


def live_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The live site's SQLite file (``live_site`` makes it in a folder of the session's temporary directory)."""
    found = [
        path
        for path in sorted(tmp_path_factory.getbasetemp().glob("live*/live.sqlite3"))
        if re.fullmatch(r"live\d+", path.parent.name)
    ]  # not pytest's "livecurrent" link to the same folder
    assert len(found) == 1, f"expected the live site's one database, found {found}"
    return f"sqlite:///{found[0]}"


@pytest.fixture(scope="session")
def analysis_course(live_site: LiveSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnalysisCourse]:
    app = make_app(live_database_url(tmp_path_factory), tmp_path_factory.mktemp("analysis"), TESTING=False)
    with app.app_context():
        session = db.session
        teacher = create_user(session, email=ANALYST, name="Irina Analyst", password=PASSWORD, role=Role.TEACHER)
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
        items = []
        for position, slug in enumerate(("weather-15", "theory-44-why-take-the-log")):
            exercise = session.query(Exercise).filter_by(slug=slug).one()
            items.append(AssignmentItem(assignment_id=assignment.id, exercise_id=exercise.id, position=position))
        session.add_all(items)
        session.flush()
        weather, theory = items
        emails = []
        for number, (name, p_hat, written) in enumerate(ANSWERS):
            email = f"analysis{number}@example.com"
            student = create_user(session, email=email, name=name, password=PASSWORD)
            enrol(session, course, student, CourseRole.STUDENT)
            emails.append(email)
            answered = [(weather, {**RIGHT_STEPS, "p_hat": p_hat})]
            if written:
                # The choices by their positions on the form (which options they are depends on the shuffle).
                answered.append(
                    (
                        theory,
                        {
                            "reasons": "0,1",
                            "underflow_value": "0",
                            "log_value": str(number % 4),
                            "other_transform": written,
                        },
                    )
                )
            for item, raw in answered:
                result = submit_answer(
                    session, student=student, item=item, raw_answers=raw, now=utcnow(), secret=TEST_SECRET
                )
                assert result.outcome is Outcome.GRADED, result
        session.commit()
        made = AnalysisCourse(ANALYST, course.id, weather.id, tuple(emails))
    yield made
    with app.app_context():
        db.engine.dispose()
