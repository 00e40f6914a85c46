"""``users.last_login_at``: set by every successful login (and by a registration, which logs in), by nothing else;
the course page shows it for each student, in the teacher's time zone."""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone

from webapp.models import User, utcnow

from ..conftest import PASSWORD, log_in, submit_form

EN = {"Accept-Language": "en"}


def test_each_login_records_its_time_and_a_failed_one_does_not(app, client, db_session, classroom):
    alice = classroom["alice"]
    assert alice.last_login_at is None
    before = utcnow()
    log_in(client, alice)
    after = utcnow()
    db_session.refresh(alice)
    first = alice.last_login_at
    assert first is not None and before <= first <= after

    wrong = app.test_client()
    response = submit_form(wrong, "/login", {"email": alice.email, "password": "not her password"})
    assert response.status_code == 200
    db_session.refresh(alice)
    assert alice.last_login_at == first

    # Pages visited while logged in are not logins.
    assert client.get("/").status_code == 200
    db_session.refresh(alice)
    assert alice.last_login_at == first

    again = app.test_client()
    log_in(again, alice)
    db_session.refresh(alice)
    assert alice.last_login_at >= first and alice.last_login_at >= after


def test_registering_counts_as_a_login(client, db_session, classroom):
    response = submit_form(client, "/register", {
        "name": "Rita", "email": "rita@example.com", "password": PASSWORD, "confirm": PASSWORD,
        "join_code": classroom["course"].join_code,
    })
    assert response.status_code == 302
    rita = db_session.query(User).filter_by(email="rita@example.com").one()
    assert rita.last_login_at is not None


def last_login_cells(page: str) -> dict[str, str]:
    """The roster's "Last login" column, by student name, as visible text."""
    body = re.search(r'<table class="striped roster">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    cells = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        texts = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split())
                 for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        cells[texts[0]] = texts[3]
    return cells


def test_the_course_page_shows_the_last_login_in_the_teachers_time_zone(app, db_session, classroom):
    teacher, alice = classroom["teacher"], classroom["alice"]
    teacher.timezone = "Asia/Novosibirsk"  # UTC+7 all year
    # A student who opened pages and chose a language but whose login was never recorded is not taken for one.
    classroom["bob"].locale, classroom["bob"].timezone = "en", "Europe/Moscow"
    alice.last_login_at = datetime(2026, 11, 20, 22, 15, tzinfo=timezone.utc)
    db_session.flush()
    client = app.test_client()
    log_in(client, teacher)
    page = client.get(f"/teach/courses/{classroom['course'].id}", headers=EN).text
    assert "Last login" in page and "Has logged in" not in page
    assert last_login_cells(page) == {"Alice": "21 Nov 2026, 05:15 UTC+7", "Bob": "not yet"}
