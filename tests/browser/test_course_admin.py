"""A teacher opens a course, imports a roster (and hands out the first-login passwords), builds an assignment from
the library; a new student logs in with the password the page showed and finds the assignment."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from .conftest import screenshot
from .course_fixtures import course_admin_accounts  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser

COURSE_TITLE = "Statistics 4: built in the browser"
ASSIGNMENT_TITLE = "Week 4: a survey and a biomarker"


def log_in(page, url: str, email: str, password: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{url}/")


def test_teacher_opens_a_course_imports_a_roster_and_builds_an_assignment(
    browser,
    live_site,
    course_admin_accounts,  # noqa: F811
):
    # The teacher works from Moscow (UTC+3 all year): the times typed below are Moscow times.
    context = browser.new_context(
        locale="en-US", timezone_id="Europe/Moscow", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    try:
        log_in(page, live_site.url, course_admin_accounts.teacher_email, live_site.password)
        page.get_by_role("link", name="Teaching").click()
        page.get_by_role("button", name="New course").click()
        page.get_by_label("Course title").fill(COURSE_TITLE)
        screenshot(page, "teacher-new-course")
        page.get_by_role("button", name="Open the course").click()
        assert page.get_by_role("heading", name=COURSE_TITLE, level=1).is_visible()
        join_code = page.locator("code.join-code").inner_text()
        assert re.fullmatch(r"[A-HJ-NP-Z2-9]{8}", join_code)

        # The roster: two new students, one with an account, a malformed address and a repeated one.
        page.get_by_role("button", name="Import a list of students").click()
        page.get_by_label("…or paste the list").fill(
            "Name;E-mail\n"
            "Pavel Pavlov;pavel@course-admin.example\n"
            f"{course_admin_accounts.existing_student_name};{course_admin_accounts.existing_student_email}\n"
            "Rita Ruiz;rita(at)course-admin.example\n"
            "Pavel P.;PAVEL@course-admin.example\n"
            "Sofia Sokolova;sofia@course-admin.example\n"
        )
        page.get_by_role("button", name="Import the list").click()
        assert page.get_by_role("heading", name="Students imported").is_visible()
        passwords = dict(
            zip(
                page.locator("table.passwords tbody td:nth-child(2)").all_inner_texts(),
                page.locator("table.passwords code.password").all_inner_texts(),
                strict=True,
            )
        )
        assert set(passwords) == {"pavel@course-admin.example", "sofia@course-admin.example"}
        results = page.locator("table.roster-lines tbody tr td:nth-child(4)").all_inner_texts()
        assert [" ".join(r.split()) for r in results] == [
            "new account, enrolled",
            "existing account, enrolled",
            "skipped “rita(at)course-admin.example” is not an e-mail address",
            "skipped the same e-mail address as line 2",
            "new account, enrolled",
        ]
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download the passwords (CSV)").click()
        download = download_info.value
        assert download.suggested_filename.startswith("first-login-passwords-course-")
        rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
        assert rows[0] == ["Name", "E-mail", "First-login password"]
        assert {row[1]: row[2] for row in rows[1:]} == passwords
        screenshot(page, "teacher-roster-result")

        # The assignment, from the library: search in Russian, then by tag; order and weights; Moscow times.
        page.get_by_role("button", name="Back to the course").click()
        page.get_by_role("button", name="New assignment").click()
        page.get_by_label("Title").fill(ASSIGNMENT_TITLE)
        page.get_by_label("Opens").fill("2026-01-10T09:00")
        page.get_by_label("Due").fill("2030-12-20T23:59")
        page.get_by_label("Closes (hard deadline)").fill("2030-12-27T18:00")
        page.get_by_label("Late penalty, %").fill("20")
        page.get_by_label("Search the library").fill("опрос 15")
        page.get_by_role("button", name="Search", exact=True).click()
        assert page.locator(".library-list li").count() == 1
        page.get_by_role("button", name="Add “Weather survey: 15 passers-by”").click()
        page.get_by_label("Search the library").fill("")
        page.get_by_label("Tag").select_option("logistic-regression")
        page.get_by_role("button", name="Search", exact=True).click()
        page.get_by_role("button", name="Add “A biomarker and a disease: logistic regression and BCE”").click()
        page.get_by_role("button", name="Move “A biomarker and a disease: logistic regression and BCE” up").click()
        page.get_by_label("Weight of “A biomarker and a disease: logistic regression and BCE”").fill("2")
        page.get_by_label("Attempts at “Weather survey: 15 passers-by”").fill("5")
        assert page.get_by_label("Title").input_value() == ASSIGNMENT_TITLE  # kept through every button
        assert page.locator("table.builder-items tbody th").all_inner_texts()[0].startswith("A biomarker")
        screenshot(page, "teacher-assignment-builder")
        page.get_by_role("button", name="Save the assignment").click()
        row = page.locator("tr", has_text=ASSIGNMENT_TITLE)
        assert row.locator("td").all_inner_texts()[:5] == [
            "10 Jan 2026, 09:00 MSK",
            "20 Dec 2030, 23:59 MSK",
            "27 Dec 2030, 18:00 MSK",
            "2",
            "3",
        ]
        students = page.locator("table.roster tbody th").all_inner_texts()
        assert students == sorted([course_admin_accounts.existing_student_name, "Pavel Pavlov", "Sofia Sokolova"])
        screenshot(page, "teacher-course")
    finally:
        context.close()

    # A new student logs in with the password the page showed, chooses one of her own (the teacher has seen the
    # first one), and finds the course and its assignment.
    student_context = browser.new_context(locale="en-US")
    student = student_context.new_page()
    try:
        student.goto(f"{live_site.url}/login")
        student.get_by_label("E-mail").fill("sofia@course-admin.example")
        student.get_by_label("Password").fill(passwords["sofia@course-admin.example"])
        student.get_by_role("button", name="Log in").click()
        assert student.get_by_role("heading", name="Choose your password").is_visible()
        student.get_by_label("New password", exact=True).fill(passwords["sofia@course-admin.example"])
        student.get_by_label("Repeat the new password").fill(passwords["sofia@course-admin.example"])
        student.get_by_role("button", name="Save my password").click()
        assert student.get_by_text("This is the password you were given.").is_visible()
        student.get_by_label("New password", exact=True).fill("sofias own password")
        student.get_by_label("Repeat the new password").fill("sofias own password")
        screenshot(student, "student-first-login-password")
        student.get_by_role("button", name="Save my password").click()
        student.wait_for_url(f"{live_site.url}/")
        assert student.get_by_text("Your password is saved. Use it from now on.").is_visible()
        assert student.get_by_role("heading", name=COURSE_TITLE).is_visible()
        student.get_by_role("link", name=ASSIGNMENT_TITLE).click()
        assert student.get_by_role("link", name="A biomarker and a disease: logistic regression and BCE").is_visible()
    finally:
        student_context.close()
