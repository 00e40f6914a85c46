"""A course of its own on the live site for the regrade: its teacher, three students who answered the coin exercise
(used by no other browser test), then a new version of that exercise with the estimate's tolerance widened, synced
from a copy of the catalogue as a teacher's edit would be."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from exercises import option_order
from webapp.extensions import db
from webapp.models import Assignment, AssignmentItem, CourseRole, Exercise, Role, utcnow
from webapp.services.accounts import create_user
from webapp.services.courses import create_course, enrol
from webapp.services.overrides import grade_for, override_grade
from webapp.services.submit import Outcome, submit_answer
from webapp.services.sync import sync_exercises
from webapp.services.variants import variant_seed

from ..conftest import CATALOGUE, PASSWORD, TEST_SECRET, make_app
from .conftest import LiveSite
from .teacher_fixtures import live_sqlite_url

REGRADER = "rita@example.com"
COURSE_TITLE = "Statistics 4: regrade"
SLUG = "coin-six-heads"  # 6 heads in 10 tosses: p̂ = 0.6; P(6 heads | p = 0.5) = 210/1024 ≈ 0.205
RIGHT = {"probability_fair": "0.205", "likelihood": "210*p^6*(1-p)^4"}
# name, estimate: with 3 significant figures only 0.6 is right (3 of 4 parts: 75 %); within ±0.06 all three are.
STUDENTS = [("Ivan Ivanov", "0.65"), ("Olga Orlova", "0.6"), ("Pavel <b>Petrov</b>", "0.55")]
OVERRIDDEN = "Pavel <b>Petrov</b>"  # his grade was set by hand to 50 %: it stays
ESTIMATE_TOLERANCE = ('key = "mle.p"\ntolerance = { sig_figs = 3 }', 'key = "mle.p"\ntolerance = { abs = 0.06 }')


@dataclass(frozen=True)
class RegradeCourse:
    teacher_email: str
    course_id: int
    item_id: int


@pytest.fixture(scope="session")
def regrade_course(live_site: LiveSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegradeCourse]:
    app = make_app(live_sqlite_url(tmp_path_factory), tmp_path_factory.mktemp("regrade"), TESTING=False)
    with app.app_context():
        session = db.session
        teacher = create_user(session, email=REGRADER, name="Rita Regrader", password=PASSWORD, role=Role.TEACHER)
        course = create_course(session, title=COURSE_TITLE, teacher=teacher)
        assignment = Assignment(
            course_id=course.id,
            title="Week 4: a coin",
            opens_at=utcnow() - timedelta(days=1),
            due_at=utcnow() + timedelta(days=7),
        )
        session.add(assignment)
        session.flush()
        exercise = session.query(Exercise).filter_by(slug=SLUG).one()
        item = AssignmentItem(assignment_id=assignment.id, exercise_id=exercise.id)
        session.add(item)
        session.flush()
        choice = next(
            p for p in exercise.current_version.parsed_definition().parts if p.name == "probability_or_likelihood"
        )
        for number, (name, estimate) in enumerate(STUDENTS):
            student = create_user(session, email=f"regrade{number}@example.com", name=name, password=PASSWORD)
            enrol(session, course, student, CourseRole.STUDENT)
            # The choice is posted as the position of the right option in the order this student's variant shows.
            seed = variant_seed(TEST_SECRET, course.id, student.id, exercise.uuid)
            shown = [option.id for option in option_order(choice, seed)]
            raw = {**RIGHT, "p_hat": estimate, "probability_or_likelihood": str(shown.index("roles_swap"))}
            result = submit_answer(
                session, student=student, item=item, raw_answers=raw, now=utcnow(), secret=TEST_SECRET
            )
            assert result.outcome is Outcome.GRADED, result
            if name == OVERRIDDEN:
                override_grade(session, grade_for(session, item, student), teacher, 0.5, "Oral exam")
        session.commit()
        # The teacher's edit: a copy of the whole catalogue (so that no other exercise is archived), one file changed.
        catalogue = tmp_path_factory.mktemp("regrade-catalogue") / "exercises"
        shutil.copytree(CATALOGUE, catalogue, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
        toml = catalogue / SLUG / "exercise.toml"
        text = toml.read_text(encoding="utf-8")
        assert ESTIMATE_TOLERANCE[0] in text
        toml.write_text(text.replace(*ESTIMATE_TOLERANCE), encoding="utf-8")
        report = sync_exercises(session, catalogue)
        assert report.ok and report.new_versions == [SLUG] and not report.archived, report
        session.commit()
        made = RegradeCourse(REGRADER, course.id, item.id)
    yield made
    with app.app_context():
        db.engine.dispose()
