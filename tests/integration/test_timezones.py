"""Times are shown in the student's time zone, which the browser tells in the ``tz`` cookie; deadlines stay UTC.

Novosibirsk is UTC+7 all year (no summer time since 2014), Moscow UTC+3 (since 2014): the expected local times
below are the UTC times plus those hours, written here by hand, not by the code under test.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from webapp.models import Submission, utcnow
from webapp.rendering import zone_label

from ..catalogue_copies import WEATHER_STEPS
from ..conftest import log_in, submit_form

EN = {"Accept-Language": "en"}
NOVOSIBIRSK = timedelta(hours=7)


def written(moment: datetime) -> str:
    """How an English page writes a moment (its zone's name aside): "5 Dec 2026, 16:30"."""
    return f"{moment.day} {moment.strftime('%b')} {moment.year}, {moment:%H:%M}"


@pytest.fixture
def due(classroom, db_session) -> datetime:
    """The assignment's due time, on the half hour two days ahead (UTC)."""
    moment = (utcnow() + timedelta(days=2)).replace(minute=30, second=0, microsecond=0)
    classroom["assignment"].due_at = moment
    db_session.flush()
    return moment


def pages(classroom) -> list[str]:
    return ["/", f"/assignments/{classroom['assignment'].id}", f"/items/{classroom['item'].id}"]


def test_a_student_in_novosibirsk_sees_the_due_time_seven_hours_later(client, classroom, db_session, due):
    classroom["alice"].timezone = "Asia/Novosibirsk"
    db_session.flush()
    log_in(client, classroom["alice"])
    for url in pages(classroom):
        page = client.get(url, headers=EN).text
        assert f"{written(due + NOVOSIBIRSK)} UTC+7" in page, url
        assert written(due) not in page, url


def test_the_browsers_zone_is_adopted_and_remembered(app, client, classroom, db_session, due):
    alice = classroom["alice"]
    assert alice.timezone is None
    client.set_cookie("tz", "Asia/Novosibirsk")
    log_in(client, alice)
    page = client.get("/", headers=EN).text
    assert f"{written(due + NOVOSIBIRSK)} UTC+7" in page
    db_session.refresh(alice)
    assert alice.timezone == "Asia/Novosibirsk"

    # Another browser, which sends no zone: the account's zone is used.
    elsewhere = app.test_client()
    log_in(elsewhere, alice)
    assert f"{written(due + NOVOSIBIRSK)} UTC+7" in elsewhere.get("/", headers=EN).text


def test_a_zone_once_taken_is_not_replaced_by_another_browsers(client, classroom, db_session, due):
    classroom["alice"].timezone = "Europe/Moscow"
    db_session.flush()
    client.set_cookie("tz", "Asia/Novosibirsk")
    log_in(client, classroom["alice"])
    page = client.get("/", headers=EN).text
    assert f"{written(due + timedelta(hours=3))} MSK" in page
    db_session.refresh(classroom["alice"])
    assert classroom["alice"].timezone == "Europe/Moscow"


@pytest.mark.parametrize(
    "junk",
    ["Mars/Olympus_Mons", "../../etc/passwd", "asia/novosibirsk", "UTC+7", "Asia/Novosibirsk" + "x" * 60, "<script>"],
)
def test_a_junk_zone_is_ignored(client, classroom, db_session, due, junk):
    client.set_cookie("tz", junk)
    log_in(client, classroom["alice"])
    for url in pages(classroom):
        response = client.get(url, headers=EN)
        assert response.status_code == 200, url
        assert f"{written(due)} UTC" in response.text, url
    db_session.refresh(classroom["alice"])
    assert classroom["alice"].timezone is None


def test_without_a_zone_times_are_utc(client, classroom, db_session, due):
    log_in(client, classroom["alice"])
    for url in pages(classroom):
        page = client.get(url, headers=EN).text
        assert f"{written(due)} UTC" in page, url
    db_session.refresh(classroom["alice"])
    assert classroom["alice"].timezone is None


def test_deadlines_are_judged_by_the_servers_clock(client, classroom, db_session):
    """Due an hour ago: in Novosibirsk the page writes a time six hours ahead of UTC now, and yet the work is
    late, because the server compares UTC moments."""
    due = utcnow() - timedelta(hours=1)
    classroom["assignment"].due_at = due
    classroom["alice"].timezone = "Asia/Novosibirsk"
    db_session.flush()
    log_in(client, classroom["alice"])
    url = f"/items/{classroom['item'].id}"
    assert submit_form(client, url, {**WEATHER_STEPS, "part_p_hat": "0.6"}).status_code == 302
    submission = db_session.scalars(select(Submission)).one()
    assert submission.is_late
    page = client.get(url, headers=EN).text
    assert written(due + NOVOSIBIRSK) in page
    assert (
        f'<time datetime="{submission.created_at.isoformat()}">{written(submission.created_at + NOVOSIBIRSK)}'
        f" UTC+7</time>" in page
    )


@pytest.mark.parametrize(
    "zone, label",
    [
        ("Europe/Moscow", "MSK"),
        ("America/New_York", "EST"),
        ("Asia/Novosibirsk", "UTC+7"),
        ("Asia/Kolkata", "IST"),
        ("Asia/Kathmandu", "UTC+5:45"),
        ("America/Sao_Paulo", "UTC\u22123"),
        ("UTC", "UTC"),
    ],
)
def test_zones_are_named_by_abbreviation_or_offset(zone, label):
    from zoneinfo import ZoneInfo

    winter = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)
    assert zone_label(winter.astimezone(ZoneInfo(zone))) == label
