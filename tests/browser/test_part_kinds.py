"""A student answers a formula part and choice parts in the browser: the live preview shows how the formula reads,
a refused formula comes back with its message while the chosen options stay chosen, then the answers are graded."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from webapp.extensions import db
from webapp.models import Assignment, AssignmentItem, CourseRole, Exercise, Role, utcnow
from webapp.services.accounts import create_user
from webapp.services.courses import create_course, enrol
from webapp.services.sync import sync_exercises

from ..conftest import PASSWORD, make_app
from ..integration.test_part_kinds import KINDS_UUID, write_all_kinds_exercise
from .conftest import screenshot

pytestmark = pytest.mark.browser

STUDENT = "kinds-student@example.com"


@pytest.fixture(scope="module")
def kinds_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live MLE Lab whose catalogue is the all-kinds exercise; yields the exercise page's URL."""
    folder = tmp_path_factory.mktemp("kinds-live")
    catalogue = folder / "exercises"
    catalogue.mkdir()
    write_all_kinds_exercise(catalogue)
    app = make_app(f"sqlite:///{folder / 'live.sqlite3'}", folder, TESTING=False, EXERCISES_DIR=str(catalogue))
    with app.app_context():
        upgrade()
        session = db.session
        assert sync_exercises(session, catalogue).ok
        teacher = create_user(session, email="kinds-teacher@example.com", name="Tamara Teacher", password=PASSWORD,
                              role=Role.TEACHER)
        student = create_user(session, email=STUDENT, name="Sasha Student", password=PASSWORD)
        course = create_course(session, title="Statistics 1", teacher=teacher)
        enrol(session, course, student, CourseRole.STUDENT)
        now = utcnow()
        assignment = Assignment(course_id=course.id, title="Week 1: the likelihood", opens_at=now - timedelta(days=1),
                                due_at=now + timedelta(days=7), closes_at=now + timedelta(days=14))
        session.add(assignment)
        session.flush()
        exercise = session.query(Exercise).filter_by(uuid=KINDS_UUID).one()
        item = AssignmentItem(assignment_id=assignment.id, exercise_id=exercise.id)
        session.add(item)
        session.commit()
        item_id = item.id
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", f"/items/{item_id}"
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


def test_student_answers_a_formula_and_choices(page, kinds_site):
    site, path = kinds_site
    page.goto(f"{site}/login")
    page.get_by_label("E-mail").fill(STUDENT)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}/")
    page.goto(f"{site}{path}")
    page.wait_for_selector(".math[data-rendered=katex] .katex")

    # The preview typesets how the formula reads as it is typed; text it cannot read gets a note instead.
    formula = page.get_by_label("The log-likelihood")
    preview = page.locator("#part_loglik-preview")
    assert preview.is_hidden()
    formula.fill("9 ln p + 6 ln(1-p)")
    assert preview.is_visible() and "once the formula can be read" in preview.inner_text()
    formula.fill("9 ln(p) + 6*ln(1-p)/2")
    preview.locator(".katex .mfrac").wait_for()  # the division typeset as a fraction of the second term only
    assert preview.locator(".katex").count() == 1

    page.get_by_label("Maximum-likelihood estimate").fill("9/15")
    page.locator("#part_estimate_se").fill("0,6; 0,1265")
    page.get_by_label("The probability of the observed answers").check()
    page.get_by_label("The estimate is the share of yes answers").check()
    page.get_by_label("peak at the same").check()
    page.get_by_label("Why does the logarithm").fill("The logarithm is strictly increasing, so it keeps the order.")
    formula.fill("ln(p^9) + 6 ln(1-p)")
    preview.locator(".katex .msupsub").wait_for()
    screenshot(page, "exercise-part-kinds-form")
    formula.fill("9 ln p + 6 ln(1-p)")
    page.get_by_role("button", name="Check my answer").click()

    # Refused: the message is under the formula, the text and the chosen options are kept, no attempt is used.
    error = page.locator("#part_loglik-error")
    assert error.is_visible() and "needs its argument in parentheses" in error.inner_text()
    assert page.get_by_label("The log-likelihood").input_value() == "9 ln p + 6 ln(1-p)"
    assert page.get_by_label("The probability of the observed answers").is_checked()
    assert page.get_by_label("The estimate is the share of yes answers").is_checked()
    assert page.get_by_label("peak at the same").is_checked()
    assert not page.get_by_label("The estimate is always one half").is_checked()
    assert page.get_by_text("Attempts left: 3 of 3").is_visible()
    screenshot(page, "exercise-part-kinds-malformed")

    page.get_by_label("The log-likelihood").fill("9 ln(p) + 6 ln(1-p)")
    assert preview.locator(".katex").count() == 1
    page.get_by_role("button", name="Check my answer").click()
    feedback = page.locator("#feedback")
    feedback.wait_for()
    assert feedback.locator(".badge-ok").count() == 5
    assert feedback.get_by_text("awaiting the teacher").is_visible()
    assert page.get_by_text("Attempts left: 2 of 3").is_visible()
    feedback.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('.likelihood-plot img').complete")
    assert feedback.locator(".likelihood-plot img").evaluate("img => img.naturalWidth") > 0
    screenshot(page, "exercise-part-kinds-feedback")
