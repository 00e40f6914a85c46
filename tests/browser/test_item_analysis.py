"""After a few students' submissions a teacher opens the item analysis and sees the named misconceptions and the
score chart, then grades written answers from the queue with the keyboard alone; the student reads the review."""

from __future__ import annotations

import re

import pytest

import webapp.teach.analysis_views  # noqa: F401  (attaches the routes to the teach blueprint before any app exists)

from .analysis_fixtures import ASSIGNMENT_TITLE, COURSE_TITLE, analysis_course  # noqa: F401  (a fixture)
from .conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_teacher_reads_the_item_analysis(page, live_site, analysis_course):  # noqa: F811
    log_in(page, live_site, analysis_course.teacher_email)
    page.get_by_role("link", name="Teaching").click()
    card = page.locator("article.course-card", has_text=COURSE_TITLE)
    card.get_by_role("button", name="Item analysis").click()
    assert page.get_by_role("heading", name="Item analysis").is_visible()
    assert page.get_by_role("heading", name=ASSIGNMENT_TITLE).is_visible()
    survey_row = page.locator("table.analysis-table tr", has_text="Weather survey: 15 passers-by")
    # Five students, one attempt each; the survey is the harder item of the two.
    assert survey_row.locator("td").all_inner_texts()[:2] == ["5", "5"]

    survey_row.get_by_role("link").click()
    page.wait_for_selector(".math[data-rendered=katex] .katex")
    estimate = page.locator("#part-p_hat")
    misconceptions = estimate.locator("table.misconceptions tbody tr")
    assert misconceptions.count() == 1
    row = misconceptions.first
    assert "complement_probability" in row.inner_text()
    assert "You estimated the probability of the other outcome" in row.inner_text()
    assert row.locator("td.num").all_inner_texts() == ["3", "3"]
    wrong = estimate.locator("table.wrong-answers tbody tr")
    assert [re.sub(r"\s+", " ", text).strip() for text in wrong.all_inner_texts()] == [
        "0.4 also typed as 0,4 3",  # "0.4" twice and "0,4" once: one value, counted together
        "0.7 1",
    ]
    # The charts are real pictures the browser decoded: the exercise's and one per part.
    charts = page.locator(".score-chart img")
    assert charts.count() == 5
    page.wait_for_function("[...document.querySelectorAll('.score-chart img')].every(img => img.complete)")
    assert all(width > 0 for width in charts.evaluate_all("imgs => imgs.map(img => img.naturalWidth)"))
    # The survey's discrimination against theory 44 (which two students left alone) is a correlation.
    cell = page.locator(".analysis-figures div", has_text="Discrimination").locator("dd")
    assert re.fullmatch(r"-?[01]\.\d\d", cell.inner_text().strip())
    screenshot(page, "teacher-item-analysis")


def test_teacher_grades_written_answers_with_the_keyboard(page, browser, live_site, analysis_course):  # noqa: F811
    log_in(page, live_site, analysis_course.teacher_email)
    page.goto(f"{live_site.url}/teach/courses/{analysis_course.course_id}/review")
    assert page.get_by_text("3 answers waiting").is_visible()
    cards = page.locator("article.review-card")
    assert cards.count() == 3
    assert "Anna Analysis" in cards.first.inner_text()
    assert "1 point: any strictly increasing transformation" in cards.first.locator(".review-rubric").inner_text()
    # Clara's text is shown as typed, never as markup.
    assert cards.nth(2).locator(".student-text").inner_text() == "It <moves> the maximum."
    screenshot(page, "teacher-review-queue")

    # The first score field has the focus: type, Tab to the comment, Enter saves.
    first_field = focused_id(page)
    assert first_field.endswith("-score") and cards.first.locator(f"#{first_field}").count() == 1
    page.keyboard.type("50")
    page.keyboard.press("Tab")
    assert focused_id(page).endswith("-comment")
    page.keyboard.type("Say why the maximum stays.")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("Saved: 50% for the answer of Anna Analysis.").is_visible()
    assert page.get_by_text("2 answers waiting").is_visible()
    # The next answer is open, its score field focused: Boris's, saved with Enter alone.
    assert "Boris Bernoulli" in page.locator("article.review-card").first.inner_text()
    assert focused_id(page).endswith("-score") and focused_id(page) != first_field
    page.keyboard.type("100")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("Saved: 100% for the answer of Boris Bernoulli.").is_visible()
    assert page.get_by_text("1 answer waiting").is_visible()

    # Anna reads her reviewed answer.
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    student = context.new_page()
    try:
        log_in(student, live_site, analysis_course.student_emails[0])
        student.goto(f"{live_site.url}/")
        student.get_by_role("link", name=ASSIGNMENT_TITLE).click()
        student.get_by_role("link", name="Theory 44: why take the logarithm of the likelihood").click()
        feedback = student.locator("#feedback")
        assert feedback.get_by_text(
            "Graded by your teacher: 50% of the points for this part. Comment: Say why the maximum stays."
        ).is_visible()
    finally:
        context.close()
