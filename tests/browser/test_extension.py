"""A student is late on an assignment; their teacher (in Moscow) gives them an extension on the student's report;
the student (in Novosibirsk) sees their own due time, in their own zone, and is no longer late."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from webapp.extensions import db
from webapp.models import Assignment, AssignmentItem, CourseRole, Exercise, Role, utcnow
from webapp.services.accounts import create_user
from webapp.services.courses import create_course, enrol

from ..conftest import PASSWORD, make_app
from .conftest import LiveSite, log_in, screenshot
from .teacher_fixtures import live_sqlite_url

pytestmark = pytest.mark.browser

ASSIGNMENT_TITLE = "Week 5: the survey, again"


@dataclass(frozen=True)
class ExtensionCourse:
    teacher_email: str
    student_email: str
    student_name: str
    course_id: int


@pytest.fixture(scope="session")
def extension_course(live_site: LiveSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExtensionCourse]:
    """A course of its own on the live site: its teacher, one student, and an assignment due two days ago (late
    work accepted for five more days), so that no other browser test's pages change."""
    course_data = ExtensionCourse("erik@example.com", "ivy@example.com", "Ivy Ill", 0)
    app = make_app(live_sqlite_url(tmp_path_factory), tmp_path_factory.mktemp("extension"), TESTING=False)
    with app.app_context():
        session = db.session
        teacher = create_user(session, email=course_data.teacher_email, name="Erik Extender", password=PASSWORD,
                              role=Role.TEACHER)
        student = create_user(session, email=course_data.student_email, name=course_data.student_name,
                              password=PASSWORD)
        course = create_course(session, title="Statistics 5: deadlines", teacher=teacher)
        enrol(session, course, student, CourseRole.STUDENT)
        now = utcnow()
        assignment = Assignment(course_id=course.id, title=ASSIGNMENT_TITLE, opens_at=now - timedelta(days=10),
                                due_at=now - timedelta(days=2), closes_at=now + timedelta(days=5), late_penalty=0.2)
        session.add(assignment)
        session.flush()
        exercise = session.query(Exercise).filter_by(slug="weather-15").one()
        session.add(AssignmentItem(assignment_id=assignment.id, exercise_id=exercise.id, position=0))
        session.commit()
        course_data = ExtensionCourse(course_data.teacher_email, course_data.student_email, course_data.student_name,
                                      course.id)
    yield course_data
    with app.app_context():
        db.engine.dispose()


def assignment_row(page):
    return page.locator("table.assignment-list tbody tr", has_text=ASSIGNMENT_TITLE)


def test_a_teacher_gives_a_late_student_an_extension_and_the_student_sees_it(browser, live_site, extension_course):
    student_context = browser.new_context(locale="en-US", timezone_id="Asia/Novosibirsk",
                                          viewport={"width": 1280, "height": 900})
    teacher_context = browser.new_context(locale="en-US", timezone_id="Europe/Moscow",
                                          viewport={"width": 1280, "height": 900})
    try:
        student = student_context.new_page()
        log_in(student, live_site, extension_course.student_email)
        student.reload()  # the first page told the server the browser's time zone; times now show in it
        assert assignment_row(student).locator(".status-late").is_visible()

        teacher = teacher_context.new_page()
        log_in(teacher, live_site, extension_course.teacher_email)
        teacher.goto(f"{live_site.url}/teach/courses/{extension_course.course_id}")
        teacher.get_by_role("link", name=extension_course.student_name).click()
        card = teacher.locator(".extension-card", has_text=ASSIGNMENT_TITLE)
        assert "no extension" in card.inner_text()
        card.get_by_text("Give an extension").click()
        # A hard close before the due time is refused at its field, with what was typed kept.
        card.get_by_label("New due time").fill("2031-05-20T18:00")
        card.get_by_label("Hard close (optional)").fill("2031-05-19T18:00")
        card.get_by_label("Reason").fill("In hospital for a week; certificate seen.")
        card.get_by_role("button", name="Save the extension").click()
        card = teacher.locator(".extension-card", has_text=ASSIGNMENT_TITLE)
        error = card.locator(".field-error")
        assert error.inner_text() == "The hard close is before the due time: set it at or after the due time."
        assert card.get_by_label("Reason").input_value() == "In hospital for a week; certificate seen."
        assert card.get_by_label("New due time").input_value() == "2031-05-20T18:00"
        screenshot(teacher, "teacher-extension-refused")

        card.get_by_label("Hard close (optional)").fill("2031-05-27T18:00")
        card.get_by_role("button", name="Save the extension").click()
        assert teacher.get_by_text(
            f"{extension_course.student_name}'s due time for “{ASSIGNMENT_TITLE}” is now 20 May 2031, 18:00 MSK."
        ).is_visible()
        card = teacher.locator(".extension-card", has_text=ASSIGNMENT_TITLE)
        shown = " ".join(card.inner_text().split())
        assert "For Ivy Ill: due 20 May 2031, 18:00 MSK · hard close 27 May 2031, 18:00 MSK" in shown
        assert "In hospital for a week; certificate seen." in shown and "granted by Erik Extender" in shown
        card.get_by_text("Change the extension").click()  # the form, filled with it in the teacher's zone
        assert card.get_by_label("Hard close (optional)").input_value() == "2031-05-27T18:00"
        screenshot(teacher, "teacher-extension")

        # The student's pages: their own due time, in their own zone (Novosibirsk is Moscow + 4 h), not late.
        student.reload()
        row = assignment_row(student)
        assert " ".join(row.locator("td.when").inner_text().split()) == "20 May 2031, 22:00 UTC+7 extended for you"
        assert row.locator(".status-not_started").is_visible() and row.locator(".status-late").count() == 0
        row.get_by_role("link", name=ASSIGNMENT_TITLE).click()
        assert student.get_by_text("Your due time is extended to 20 May 2031, 22:00 UTC+7").is_visible()
        assert student.get_by_text("Answers accepted until 27 May 2031, 22:00 UTC+7").is_visible()
        screenshot(student, "student-extension")
    finally:
        teacher_context.close()
        student_context.close()
