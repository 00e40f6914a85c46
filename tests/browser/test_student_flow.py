"""A student logs in, opens the weather survey, answers in the browser and is told the answer is correct."""

from __future__ import annotations

import re

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.browser


def log_in(page, site, email):
    page.goto(f"{site.url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(site.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site.url}/")


def test_student_answers_the_survey_and_sees_correct(page, live_site):
    page.goto(f"{live_site.url}/register")
    screenshot(page, "register")
    log_in(page, live_site, live_site.student_email)
    assert page.get_by_role("heading", name="My courses").is_visible()
    screenshot(page, "student-home")

    page.get_by_role("link", name="Week 1: the likelihood").click()
    page.get_by_role("link", name="Weather survey: 15 passers-by").click()
    # KaTeX rendered the prompt's math in the browser, from the vendored copy.
    page.wait_for_selector(".math[data-rendered=katex] .katex")
    assert page.locator(".katex").count() >= 5
    rows = page.locator(".data-table tbody tr")
    assert rows.count() == 15
    assert page.locator(".data-table td", has_text=re.compile(r"^yes$")).count() == 9

    # The guided steps first (9 "yes" of 15: L(p) = p^9 (1-p)^6), then the estimate this test is about.
    for step, formula in (("Step 1", "p^9*(1-p)^6"), ("Step 2", "9*ln(p) + 6*ln(1-p)"), ("Step 3", "9/p - 6/(1-p)")):
        page.get_by_label(step).fill(formula)
    field = page.get_by_label("Maximum-likelihood estimate")
    field.fill("abc")
    page.get_by_role("button", name="Check my answer").click()
    assert page.get_by_text("is not a number").is_visible()
    assert page.get_by_label("Maximum-likelihood estimate").input_value() == "abc"
    assert page.get_by_text("Attempts left: 3 of 3").is_visible()
    screenshot(page, "exercise-malformed")

    page.get_by_label("Maximum-likelihood estimate").fill("0,6")
    page.get_by_role("button", name="Check my answer").click()
    feedback = page.locator("#feedback")
    feedback.wait_for()
    assert feedback.get_by_text("correct", exact=True).count() == 4  # every part
    assert feedback.get_by_text("score 100%").is_visible()
    assert page.get_by_text("Attempts left: 2 of 3").is_visible()
    # The likelihood plot under the feedback is a real picture (the browser decoded it), not a broken image.
    plot = page.locator(".likelihood-plot img")
    plot.wait_for()
    page.wait_for_function("document.querySelector('.likelihood-plot img').complete")
    assert plot.evaluate("img => img.naturalWidth") > 0
    screenshot(page, "exercise-correct")


def test_teacher_sees_the_gradebook(page, live_site):
    log_in(page, live_site, live_site.teacher_email)
    page.get_by_role("link", name="Teaching").click()
    page.get_by_role("button", name="Gradebook").first.click()
    assert page.get_by_role("heading", name="Gradebook").is_visible()
    assert page.get_by_role("link", name="Sasha Student").is_visible()
    screenshot(page, "teacher-gradebook")


def test_language_switch_on_a_phone(browser, live_site):
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    try:
        log_in(phone, live_site, live_site.student_email)
        phone.get_by_role("button", name="RU").click()
        phone.wait_for_load_state()
        assert phone.get_by_role("heading", name="Мои курсы").is_visible()
        phone.get_by_role("link", name="Week 1: the likelihood").click()
        phone.get_by_role("link", name="Опрос о погоде: 15 прохожих").click()
        phone.wait_for_selector(".math[data-rendered=katex] .katex")
        assert phone.get_by_role("heading", name="Ваши данные").is_visible()
        screenshot(phone, "exercise-ru-phone")
        phone.get_by_role("button", name="EN").click()
        assert phone.get_by_role("heading", name="Your data").is_visible()
    finally:
        context.close()
