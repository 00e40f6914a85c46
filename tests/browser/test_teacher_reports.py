"""A teacher opens the gradebook after a few students answered, sorts it, opens a student, overrides a grade with a
reason, and downloads the gradebook and the submissions as CSV."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from .conftest import log_in, screenshot
from .teacher_fixtures import COURSE_TITLE, report_course  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser

REASON = "Oral exam: she derived p̂ = 9/15 and explained it"


def row_names(page) -> list[str]:
    return page.locator("table.gradebook tbody th[scope=row] a").all_inner_texts()


def test_teacher_sorts_the_gradebook_overrides_a_grade_and_exports(page, live_site, report_course):  # noqa: F811
    log_in(page, live_site, report_course.teacher_email)
    page.get_by_role("link", name="Teaching").click()
    course_card = page.locator("article.course-card", has=page.get_by_role("heading", name=COURSE_TITLE))
    course_card.get_by_role("button", name="Gradebook").click()
    assert page.get_by_role("heading", name="Gradebook").is_visible()
    assert row_names(page) == ["Ada Lovelace", "Boris Brown", "Chen Wei"]
    student_heading = page.locator("table.gradebook thead th").first
    assert student_heading.get_attribute("aria-sort") == "ascending"

    # Sort by the total: lowest first, then a second click turns it around (a full page load each time).
    total = page.locator("table.gradebook thead th", has_text="Total")
    total.get_by_role("link").click()
    page.wait_for_url(re.compile(r"sort=total&dir=asc"))
    assert row_names(page) == ["Chen Wei", "Ada Lovelace", "Boris Brown"]
    assert total.get_attribute("aria-sort") == "ascending"
    assert student_heading.get_attribute("aria-sort") is None
    total.get_by_role("link").click()
    page.wait_for_url(re.compile(r"sort=total&dir=desc"))
    assert row_names(page) == ["Boris Brown", "Ada Lovelace", "Chen Wei"]
    assert total.get_attribute("aria-sort") == "descending"
    boris = page.locator("table.gradebook tbody tr").first
    assert boris.locator("td").first.inner_text().split() == ["100%", "2", "attempts"]
    assert page.locator("table.gradebook tfoot").is_visible()
    screenshot(page, "teacher-gradebook")

    # Ada's report: her answer exactly as typed, then the teacher's score with a reason.
    page.get_by_role("link", name="Ada Lovelace").click()
    assert page.get_by_role("heading", name="Ada Lovelace", level=1).is_visible()
    assert page.locator("code.raw-answer", has_text=re.compile(r"^0\.7$")).count() == 1
    card = page.locator(f"#grade-{report_course.survey_item_id}")
    assert card.locator(".grade-score").inner_text() == "75%"
    card.get_by_text("Change the score").click()
    card.get_by_label("New score, %").fill("ninety")
    card.get_by_label("Reason").fill(REASON)
    card.get_by_role("button", name="Set the score").click()
    page.wait_for_load_state()
    # Refused with the reason why, next to the field, the form still open and holding what was typed.
    card = page.locator(f"#grade-{report_course.survey_item_id}")
    assert card.get_by_text("“ninety” is not a score from 0 to 100").is_visible()
    assert card.get_by_label("New score, %").get_attribute("aria-invalid") == "true"
    assert card.get_by_label("Reason").input_value() == REASON
    card.get_by_label("New score, %").fill("90")
    card.get_by_role("button", name="Set the score").click()
    page.wait_for_load_state()
    assert page.get_by_text("The score is set to 90%.").is_visible()
    card = page.locator(f"#grade-{report_course.survey_item_id}")
    assert card.locator(".grade-score").inner_text().startswith("90%")
    assert card.get_by_text("computed: 75%").is_visible()
    trail = page.locator("table.audit-trail tbody tr")
    assert trail.count() == 1
    assert trail.first.locator("td").all_inner_texts()[1:] == [
        "Weather survey: 15 passers-by",
        "Greta Grader",
        "computed",
        "90%",
        REASON,
    ]
    # The other grade's form, opened to show it (empty: that grade has no override yet).
    page.locator(".grade-card").nth(1).get_by_text("Change the score").click()
    screenshot(page, "teacher-student-report")

    # Back in the gradebook the teacher's score counts, marked as hers; then the CSV downloads.
    page.get_by_role("link", name=COURSE_TITLE).click()
    ada = page.locator("table.gradebook tbody tr", has=page.get_by_role("link", name="Ada Lovelace"))
    assert ada.locator("td").first.inner_text().startswith("90% ✎")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the gradebook (CSV)").click()
    download = download_info.value
    assert re.fullmatch(
        rf"gradebook-course-{report_course.course_id}-\d{{4}}-\d\d-\d\d\.csv", download.suggested_filename
    )
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][:3] == ["Student", "E-mail", "Week 3: two surveys: Weather survey: 15 passers-by (%)"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Ada Lovelace"][2] == "90.0" and by_name["Boris Brown"][2] == "100.0"
    assert by_name["Chen Wei"][2:4] == ["", ""]

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download every submission (CSV)").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    submissions = list(csv.reader(io.StringIO(text, newline="")))
    typed = [(row[1], row[10], row[11]) for row in submissions[1:] if row[10] == "p_hat"]
    assert sorted(typed) == [
        ("Ada Lovelace", "p_hat", "0.5"),
        ("Ada Lovelace", "p_hat", "0.7"),
        ("Boris Brown", "p_hat", "0,6"),
        ("Boris Brown", "p_hat", "0.5"),
        ("Boris Brown", "p_hat", "0.7"),
    ]
