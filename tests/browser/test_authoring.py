"""A teacher writes an exercise in the browser: texts with their live KaTeX preview, a Poisson model, a pasted table
and one part; the form refuses what is missing field by field and keeps what was typed; the preview shows the key
of the sample variant, which this test recomputes itself (the mean of the counts shown); the teacher saves it, puts
it into an assignment, and a student answers it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pytest

from webapp.extensions import db
from webapp.models import Assignment, CourseRole, Role, utcnow
from webapp.services.accounts import create_user
from webapp.services.courses import create_course, enrol

from ..conftest import PASSWORD, make_app
from .conftest import LiveSite, log_in, screenshot
from .teacher_fixtures import live_sqlite_url

pytestmark = pytest.mark.browser

TITLE_EN = "Mutations by day: a Poisson rate"
# Mutations counted on twelve days; the MLE of a Poisson rate is their mean, 34/12.
COUNTS = [3, 1, 4, 2, 5, 2, 3, 4, 1, 3, 2, 4]
TABLE = "day,mutations\n" + "".join(f"{day},{count}\n" for day, count in enumerate(COUNTS, start=1))


@dataclass(frozen=True)
class AuthoringCourse:
    teacher_email: str
    student_email: str
    course_id: int
    assignment_id: int


@pytest.fixture(scope="session")
def authoring_course(live_site: LiveSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthoringCourse]:
    """A teacher, a student and a course of their own with an empty assignment, so that no other test's pages change."""
    app = make_app(live_sqlite_url(tmp_path_factory), tmp_path_factory.mktemp("authoring"), TESTING=False)
    with app.app_context():
        session = db.session
        teacher = create_user(session, email="arina@example.com", name="Arina Author", password=PASSWORD,
                              role=Role.TEACHER)
        student = create_user(session, email="stepan@example.com", name="Stepan Student", password=PASSWORD)
        course = create_course(session, title="Statistics 5: written in the browser", teacher=teacher)
        enrol(session, course, student, CourseRole.STUDENT)
        now = utcnow()
        assignment = Assignment(course_id=course.id, title="Week 5: counts", opens_at=now - timedelta(days=1),
                                due_at=now + timedelta(days=7))
        session.add(assignment)
        session.commit()
        made = AuthoringCourse(teacher.email, student.email, course.id, assignment.id)
    yield made
    with app.app_context():
        db.engine.dispose()


def test_teacher_authors_an_exercise_and_sees_its_computed_key(browser, live_site, authoring_course):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_site, authoring_course.teacher_email)
        page.get_by_role("link", name="Teaching").click()
        page.get_by_role("button", name="Exercises").click()
        assert page.get_by_role("heading", name="Exercises", level=1).is_visible()
        page.get_by_role("button", name="New exercise").click()

        page.get_by_label("Slug (the folder's name)").fill("mutations-by-day")
        page.get_by_label("Topic").fill("poisson")
        page.get_by_label("Tags").fill("poisson, counts")
        page.get_by_label("Title (Russian)").fill("Мутации по дням: интенсивность Пуассона")
        page.get_by_label("Title (English)").fill(TITLE_EN)
        page.get_by_label("Task text (Russian)").fill(
            "Число мутаций за день $x_i$ распределено по Пуассону: "
            "$P(X = k) = \\dfrac{\\lambda^k e^{-\\lambda}}{k!}$.\n\n"
            "Найдите оценку максимального правдоподобия $\\hat\\lambda$ по таблице."
        )
        page.get_by_label("Task text (English)").fill(
            "The number of mutations a day, $x_i$, is Poisson: $P(X = k) = \\dfrac{\\lambda^k e^{-\\lambda}}{k!}$.\n\n"
            "Find the **maximum-likelihood estimate** $\\hat\\lambda$ from the table."
        )
        # The live preview typesets the formulas as they are typed, with the vendored KaTeX.
        live = page.locator('[data-preview-of="prompt_en"]')
        live.locator(".katex").first.wait_for()
        assert live.locator(".katex").count() == 3
        assert live.locator("strong", has_text="maximum-likelihood estimate").is_visible()

        page.get_by_label("Family of model 1").select_option("poisson")
        page.get_by_label("Inputs of model 1").fill("x = mutations")
        page.get_by_label("paste a table").check()
        page.get_by_label("The table (CSV").fill(TABLE)
        page.get_by_label("Kind", exact=True).select_option("number")
        page.get_by_label("Name", exact=True).last.fill("lam_hat")
        page.get_by_label("Question (Russian)").fill("Оценка $\\hat\\lambda$")
        page.get_by_label("Question (English)").fill("The estimate $\\hat\\lambda$")
        page.get_by_label("Key: the quantity computed").fill("mle.lam")

        # First preview: the table's columns have no headings yet; each missing one is marked, nothing is lost.
        page.get_by_role("button", name="Preview the keys").click()
        assert page.get_by_text("problems: see the messages next to the fields").is_visible()
        heading = page.get_by_label("English heading of column 2")
        assert heading.get_attribute("aria-invalid") == "true"
        assert page.locator(f"#{heading.get_attribute('aria-describedby')}").inner_text() == "Fill this in."
        assert page.get_by_label("Name of column 2").input_value() == "mutations"
        assert page.get_by_label("Title (English)").input_value() == TITLE_EN
        assert page.get_by_label("The table (CSV").input_value().strip() == TABLE.strip()
        screenshot(page, "teacher-exercise-editor-refused")

        for number, (russian, english) in enumerate((("День", "Day"), ("Мутаций", "Mutations")), start=1):
            page.get_by_label(f"Russian heading of column {number}").fill(russian)
            page.get_by_label(f"English heading of column {number}").fill(english)
        page.get_by_role("button", name="Preview the keys").click()
        preview = page.locator("#preview")
        preview.get_by_role("heading", name="Keys of a sample variant").wait_for()
        assert preview.get_by_text("verified", exact=True).is_visible()

        # The key shown, checked against the closed-form MLE computed here from the data the page shows.
        headings = page.locator("#sample-data thead th").all_inner_texts()
        counts_column = headings.index("Mutations") + 1
        cells = page.locator(f"#sample-data tbody td:nth-child({counts_column})").all_inner_texts()
        shown = [float(cell) for cell in cells]
        assert shown == COUNTS
        key = float(preview.locator('tr[data-part="lam_hat"] [data-key-value]').inner_text())
        assert key == pytest.approx(np.mean(shown), rel=1e-9)
        assert key == pytest.approx(34 / 12, rel=1e-9)
        page.locator("#texts").scroll_into_view_if_needed()
        screenshot(page, "teacher-exercise-editor")

        page.get_by_role("button", name="Save the exercise").click()
        assert page.get_by_text("Saved as version 1 of “Mutations by day: a Poisson rate”").is_visible()
        assert page.get_by_role("heading", name="Edit the exercise").is_visible()
        assert page.get_by_label("Slug (the folder's name)").input_value() == "mutations-by-day"
        page.get_by_role("link", name="Exercises").click()
        row = page.locator("tr", has_text=TITLE_EN)
        assert "saved in the browser" in row.inner_text() and "Arina Author" in row.inner_text()
        screenshot(page, "teacher-exercise-library")

        # Into the course's assignment, from the library of the assignment builder.
        page.goto(f"{live_site.url}/teach/courses/{authoring_course.course_id}/assignments/"
                  f"{authoring_course.assignment_id}/edit")
        page.get_by_label("Search the library").fill("mutations by day")
        page.get_by_role("button", name="Search", exact=True).click()
        page.get_by_role("button", name=f"Add “{TITLE_EN}”").click()
        page.get_by_role("button", name="Save the assignment").click()
        assert page.get_by_text("is saved").is_visible()
    finally:
        context.close()

    student_context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    student = student_context.new_page()
    try:
        log_in(student, live_site, authoring_course.student_email)
        student.get_by_role("link", name="Week 5: counts").click()
        student.get_by_role("link", name=TITLE_EN).click()
        student.wait_for_selector(".math[data-rendered=katex] .katex")
        assert student.locator(".data-table tbody tr").count() == len(COUNTS)
        student.get_by_label(re.compile("The estimate")).fill("2.83")
        student.get_by_role("button", name="Check my answer").click()
        feedback = student.locator("#feedback")
        feedback.wait_for()
        assert feedback.get_by_text("score 100%").is_visible()
    finally:
        student_context.close()


def test_in_russian_the_graders_refusal_and_the_fits_report_read_in_russian(browser, live_site, authoring_course):
    """Every respondent said yes: the Bernoulli MLE lies on the edge and no key exists; the editor says so in Russian
    at the data, down to the grader's reason. With a no among the answers the key exists and the verification of
    the fit reads in Russian too."""
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_site.url}/login")
        page.locator("input[name=email]").fill(authoring_course.teacher_email)
        page.locator("input[name=password]").fill(live_site.password)
        page.get_by_role("button", name="Войти").click()
        page.wait_for_url(f"{live_site.url}/")
        page.goto(f"{live_site.url}/teach/exercises/new")
        page.locator("input[name=data_source][value=table]").check()
        for field, value in {"#slug": "all-said-yes", "#topic": "bernoulli", "#title_ru": "Все ответили «да»",
                             "#title_en": "Everyone said yes", "#prompt_ru": "Найдите $\\hat p$.",
                             "#prompt_en": "Find $\\hat p$.", "#models-0-inputs": "y = answer",
                             "#table": "respondent,answer\n1,1\n2,1\n3,1\n4,1\n", "#parts-0-name": "p_hat",
                             "#parts-0-label_ru": "Оценка $\\hat p$", "#parts-0-label_en": "The estimate $\\hat p$",
                             "#parts-0-key": "mle.p"}.items():
            page.locator(field).fill(value)
        page.locator("#models-0-family").select_option("bernoulli")
        page.get_by_role("button", name="Показать ключи").click()  # the columns get rows to fill in
        for row, (russian, english) in enumerate((("Респондент", "Respondent"), ("Ответ", "Answer"))):
            page.locator(f"#columns-{row}-label_ru").fill(russian)
            page.locator(f"#columns-{row}-label_en").fill(english)
        page.get_by_role("button", name="Показать ключи").click()

        refusal = page.locator("#data_source-error").inner_text()
        assert refusal.startswith("На этих данных ключ не удаётся проверить: Все наблюдения (их 4) равны 1"), refusal
        assert not re.search(r"[a-z]{4,} [a-z]{4,}", refusal.replace("p̂", ""))  # no English sentence inside
        page.locator("#data_source-error").scroll_into_view_if_needed()
        screenshot(page, "teacher-exercise-editor-ru-refused")

        page.locator("#table").fill("respondent,answer\n1,1\n2,0\n3,1\n4,1\n")
        page.get_by_role("button", name="Показать ключи").click()
        preview = page.locator("#preview")
        key = float(preview.locator('tr[data-part="p_hat"] [data-key-value]').inner_text())
        assert key == pytest.approx(3 / 4, rel=1e-9)  # the share of yes
        assert "(число)" in preview.locator('tr[data-part="p_hat"] th').inner_text()
        method = preview.locator("tr", has=page.locator("th", has_text="Метод")).locator("td").inner_text()
        assert method.startswith("Метод Ньютона") and "logit p" in method, method
        preview.scroll_into_view_if_needed()
        screenshot(page, "teacher-exercise-editor-ru")
    finally:
        context.close()
