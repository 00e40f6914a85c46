"""A teacher widens a tolerance (a new version of the exercise), runs a dry run against the current version, reads
whose score would change, sorts the table, applies it, and finds the new scores in the gradebook."""

from __future__ import annotations

import re

import pytest

from .conftest import log_in, screenshot
from .regrade_fixtures import regrade_course  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser


def rows(page) -> list[list[str]]:
    return [
        [" ".join(cell.split()) for cell in row.locator("th, td").all_inner_texts()]
        for row in page.locator("table.regrade-table tbody tr").all()
    ]


def test_teacher_runs_a_dry_run_then_applies_it(page, live_site, regrade_course):  # noqa: F811
    log_in(page, live_site, regrade_course.teacher_email)
    page.goto(f"{live_site.url}/teach/courses/{regrade_course.course_id}/regrade")
    assert page.get_by_role("heading", name="Regrade", level=1).is_visible()
    assert page.get_by_label("What to regrade").input_value() == "all"
    page.get_by_label("the exercise's current version").check()
    screenshot(page, "teacher-regrade-form")
    page.get_by_role("button", name="Dry run: show what would change").click()
    page.wait_for_url(re.compile(r"/regrade/run\?run=\d+"))

    assert page.get_by_role("heading", name="Dry run: what would change").is_visible()
    assert page.get_by_text("3 of 3 submissions checked.").is_visible()
    assert page.get_by_text("2 submissions would get a new grading.").is_visible()
    found = rows(page)
    # Largest change first; Pavel's score set by hand stays at 50 %, his computed one shown beside it.
    assert [row[0].split(" regrade")[0] for row in found] == ["Ivan Ivanov", "Pavel <b>Petrov</b>"]
    assert found[0][2:5] == ["75%", "100%", "+25 pp"]
    assert found[1][2:5] == ["50%", "50% ✎ computed: 75% → 100%", "0 pp"]
    assert "attempt 1: 75% → 100% p_hat 0% → 100%" in found[0][5]

    # Sorted by student, descending, then back by the change.
    student = page.locator("table.regrade-table thead th", has_text="Student")
    student.get_by_role("link").click()
    page.wait_for_url(re.compile(r"sort=student&dir=asc"))
    assert student.get_attribute("aria-sort") == "ascending"
    student.get_by_role("link").click()
    page.wait_for_url(re.compile(r"sort=student&dir=desc"))
    assert rows(page)[0][0].startswith("Pavel <b>Petrov</b>")
    change = page.locator("table.regrade-table thead th", has_text="Change")
    change.get_by_role("link").click()
    page.wait_for_url(re.compile(r"sort=change&dir=desc"))
    assert rows(page)[0][0].startswith("Ivan Ivanov")
    screenshot(page, "teacher-regrade-dry-run")

    page.get_by_role("button", name="Apply: save the new grades").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Regrade applied").is_visible()
    assert page.get_by_text("2 submissions got a new grading.").is_visible()
    assert not page.get_by_role("button", name="Apply: save the new grades").is_visible()

    page.goto(f"{live_site.url}/teach/courses/{regrade_course.course_id}/gradebook")
    scores = {
        row.locator("th").inner_text().split("\n")[0]: row.locator("td").first.inner_text().split("\n")[0]
        for row in page.locator("table.gradebook tbody tr").all()
    }
    assert scores == {"Ivan Ivanov": "100%", "Olga Orlova": "100%", "Pavel <b>Petrov</b>": "50% ✎"}

    # A second dry run finds nothing left to change.
    page.goto(f"{live_site.url}/teach/courses/{regrade_course.course_id}/regrade")
    page.get_by_label("the exercise's current version").check()
    page.get_by_role("button", name="Dry run: show what would change").click()
    page.wait_for_url(re.compile(r"/regrade/run\?run=\d+"))
    assert page.get_by_text("Nothing would change.").is_visible()
