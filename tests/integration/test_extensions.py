"""Per-student extensions: a teacher gives one student their own due time (and hard close) on one assignment, and
everything the assignment's times decide follows it for that student only: whether an answer is accepted and late,
the status and the due time on the student's pages, the reveal of the key, the grade's late mark. The answer path
still runs the same number of statements with an extension (read in the statement that loads the item)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from webapp.models import CourseRole, Extension, Grade, RevealPolicy, Role, utcnow
from webapp.services.courses import enrol
from webapp.services.extensions import ExtensionInvalid, Problem, check_extension, grant_extension
from webapp.services.progress import Status, course_progress
from webapp.services.reveal import key_revealed
from webapp.services.submit import Outcome, Window, submission_window, submit_answer

from ..catalogue_copies import WEATHER_STEPS
from ..conftest import TEST_SECRET, hidden_fields, log_in, submit_form
from .test_answer_path_speed import PAGE_STATEMENTS, POST_STATEMENTS, counted_statements
from .test_reveal_answers import WRONG, all_kinds_survey, assert_hidden, assert_shown, page_of
from .test_part_kinds import post

EN = {"Accept-Language": "en"}
ANSWER = {**WEATHER_STEPS, "part_p_hat": "0.5"}
RIGHT_STEPS = {"likelihood": "p^9*(1-p)^6", "loglik": "9*ln(p) + 6*ln(1-p)", "score": "9/p - 6/(1-p)"}


def extend(db_session, classroom, student=None, *, due_at, closes_at=None, reason="Ill for a week") -> Extension:
    return grant_extension(db_session, assignment=classroom["assignment"], student=student or classroom["alice"],
                           teacher=classroom["teacher"], due_at=due_at, closes_at=closes_at, reason=reason)


def past_due(classroom, db_session, **closes) -> datetime:
    """The assignment's due time an hour ago (its hard close in a week unless given); returns now."""
    now = utcnow()
    assignment = classroom["assignment"]
    assignment.due_at = now - timedelta(hours=1)
    assignment.closes_at = closes.get("closes_at", now + timedelta(days=7))
    db_session.flush()
    return now


def answer(db_session, classroom, student, now):
    return submit_answer(db_session, student=student, item=classroom["item"], now=now, secret=TEST_SECRET,
                         raw_answers={**RIGHT_STEPS, "p_hat": "0.5"})


# ----- the rules of the student's window -----------------------------------------------------------------------


def test_an_extended_student_answers_on_time_while_the_others_are_late(db_session, classroom):
    now = past_due(classroom, db_session)
    extend(db_session, classroom, due_at=now + timedelta(days=2))
    alice, bob = classroom["alice"], classroom["bob"]

    on_time, late = answer(db_session, classroom, alice, now), answer(db_session, classroom, bob, now)
    assert on_time.outcome is late.outcome is Outcome.GRADED
    assert on_time.submission.is_late is False and late.submission.is_late is True
    grades = {g.user_id: g for g in db_session.scalars(select(Grade))}
    db_session.refresh(grades[alice.id]), db_session.refresh(grades[bob.id])
    assert grades[alice.id].is_late is False and grades[bob.id].is_late is True  # the gradebook's late mark
    assert grades[bob.id].score == pytest.approx(grades[alice.id].score * (1 - 0.25))  # the late penalty


def test_an_extension_replaces_the_hard_close_for_that_student_only(db_session, classroom):
    now = past_due(classroom, db_session, closes_at=utcnow() - timedelta(minutes=5))
    alice, bob = classroom["alice"], classroom["bob"]
    assert answer(db_session, classroom, bob, now).outcome is Outcome.CLOSED
    # Alice's own due time has passed too, but her own hard close has not: her answer is late, and accepted.
    extend(db_session, classroom, due_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=1))
    result = answer(db_session, classroom, alice, now)
    assert result.outcome is Outcome.GRADED and result.submission.is_late is True
    # After her own hard close nothing is accepted from her either.
    assert answer(db_session, classroom, alice, now + timedelta(days=2)).outcome is Outcome.CLOSED


def test_an_extension_without_a_hard_close_accepts_late_work_at_any_time(db_session, classroom):
    now = past_due(classroom, db_session)
    extension = extend(db_session, classroom, due_at=now + timedelta(days=1))
    assignment = classroom["assignment"]
    assert submission_window(assignment, now + timedelta(days=30), extension) is Window.LATE
    assert submission_window(assignment, now + timedelta(days=30)) is Window.CLOSED  # the class's window
    assert submission_window(assignment, now, extension) is Window.OPEN
    # The opening time stays the assignment's.
    assert submission_window(assignment, assignment.opens_at - timedelta(minutes=1), extension) is Window.NOT_OPEN


def test_the_students_progress_follows_the_extension(db_session, classroom):
    now = past_due(classroom, db_session)
    extension = extend(db_session, classroom, due_at=now + timedelta(days=2))
    [alice] = course_progress(db_session, classroom["course"], classroom["alice"], now)
    [bob] = course_progress(db_session, classroom["course"], classroom["bob"], now)
    assert (alice.status, alice.window, alice.deadlines.due_at, alice.deadlines.extended) == (
        Status.NOT_STARTED, Window.OPEN, extension.due_at, True)
    assert (bob.status, bob.window, bob.deadlines.due_at, bob.deadlines.extended) == (
        Status.LATE, Window.LATE, classroom["assignment"].due_at, False)


# ----- the rules of granting one --------------------------------------------------------------------------------


def test_impossible_extensions_are_refused_at_their_fields(db_session, classroom, make_user, make_course):
    assignment, alice = classroom["assignment"], classroom["alice"]
    opens = assignment.opens_at
    stranger = make_user(name="Stranger")
    enrol(db_session, make_course(title="Another course"), stranger, CourseRole.STUDENT)
    cases = [
        (alice, opens - timedelta(hours=1), None, "why", [Problem("due_at", "due_before_opening")]),
        (alice, opens + timedelta(days=3), opens + timedelta(days=2), "why",
         [Problem("closes_at", "close_before_due")]),
        (alice, None, None, "", [Problem("due_at", "due_required"), Problem("reason", "reason_required")]),
        (alice, opens + timedelta(days=3), None, "x" * 301, [Problem("reason", "reason_too_long")]),
        (stranger, opens + timedelta(days=3), None, "why", [Problem("student", "not_in_course")]),
        (classroom["teacher"], opens + timedelta(days=3), None, "why", [Problem("student", "not_in_course")]),
    ]
    for student, due_at, closes_at, reason, problems in cases:
        assert check_extension(db_session, assignment, student, due_at, closes_at, reason) == problems
        with pytest.raises(ExtensionInvalid):
            extend(db_session, classroom, student, due_at=due_at, closes_at=closes_at, reason=reason)
    assert db_session.scalar(select(func.count()).select_from(Extension)) == 0
    # At the opening time, and a hard close at the due time, are allowed.
    extend(db_session, classroom, due_at=opens, closes_at=opens)


def test_granting_again_changes_the_one_extension(db_session, classroom):
    first = extend(db_session, classroom, due_at=utcnow() + timedelta(days=9), closes_at=utcnow() + timedelta(days=10))
    again = extend(db_session, classroom, due_at=utcnow() + timedelta(days=12), reason="Still ill")
    assert again.id == first.id and again.closes_at is None and again.reason == "Still ill"
    assert db_session.scalar(select(func.count()).select_from(Extension)) == 1


# ----- the student's pages --------------------------------------------------------------------------------------


def test_the_student_sees_their_own_due_time_and_is_not_late(app, client, db_session, classroom):
    past_due(classroom, db_session)
    extend(db_session, classroom, due_at=datetime(2099, 3, 4, 15, 30, tzinfo=timezone.utc))
    assignment, item = classroom["assignment"], classroom["item"]
    log_in(client, classroom["alice"])
    home = client.get("/", headers=EN).text
    assert "4 Mar 2099, 15:30 UTC" in home and "extended for you" in home and "status-late" not in home
    page = client.get(f"/assignments/{assignment.id}", headers=EN).text
    assert "Your due time is extended to 4 Mar 2099, 15:30 UTC" in page and "status-not_started" in page
    assert "Answers accepted until" not in page  # no hard close of her own
    exercise = client.get(f"/items/{item.id}", headers=EN).text
    assert "Your due time is extended to 4 Mar 2099, 15:30 UTC" in exercise and 'badge-warn">late' not in exercise
    assert submit_form(client, f"/items/{item.id}", ANSWER).status_code == 302
    after = client.get(f"/items/{item.id}", headers=EN).text
    assert after.count('<li class="attempt"') == 1 and 'badge-warn">late<' not in after

    bob = app.test_client()
    log_in(bob, classroom["bob"])
    theirs = bob.get(f"/assignments/{assignment.id}", headers=EN).text
    assert "2099" not in theirs and "extended" not in theirs and "status-late" in theirs
    assert submit_form(bob, f"/items/{item.id}", ANSWER).status_code == 302
    assert 'badge-warn">late<' in bob.get(f"/items/{item.id}", headers=EN).text


def test_the_answer_path_reads_the_extension_without_another_statement(app, client, db_session, classroom):
    now = past_due(classroom, db_session)
    extend(db_session, classroom, due_at=now + timedelta(days=1))
    url = f"/items/{classroom['item'].id}"
    log_in(client, classroom["alice"])
    page = client.get(url)
    with counted_statements(app) as posting:
        response = client.post(url, data={**hidden_fields(page.text), **ANSWER})
    assert response.status_code == 302
    with counted_statements(app) as showing:
        shown = client.get(url, headers=EN)
    assert "Your due time is extended to" in shown.text
    assert (len(posting), len(showing)) == (POST_STATEMENTS, PAGE_STATEMENTS)
    stored = db_session.scalars(select(Grade).where(Grade.user_id == classroom["alice"].id)).one()
    assert stored.is_late is False


def test_after_due_reveals_the_key_to_an_extended_student_after_their_own_times(
        client, db_session, catalogue_root, make_user, make_course):
    survey = all_kinds_survey(db_session, catalogue_root, make_user, make_course)
    kinds = survey["make"](RevealPolicy.AFTER_DUE)
    alice, assignment = survey["alice"], kinds["assignment"]
    log_in(client, alice)
    assert post(client, kinds, WRONG).status_code == 302
    now = utcnow()
    assignment.due_at, assignment.closes_at = now - timedelta(hours=2), now - timedelta(hours=1)
    teacher = make_user(Role.TEACHER)
    enrol(db_session, assignment.course, teacher, CourseRole.TEACHER)
    extension = grant_extension(db_session, assignment=assignment, student=alice, teacher=teacher,
                                due_at=now + timedelta(hours=1), closes_at=now + timedelta(days=1), reason="r")
    assert_hidden(page_of(client, kinds))  # the class's hard close has passed, hers has not
    assert key_revealed(db_session, kinds["item"], alice, now) is False
    assert key_revealed(db_session, kinds["item"], alice, now + timedelta(days=2)) is True
    extension.closes_at = None  # no hard close of her own: shown after her own due time
    db_session.flush()
    assert key_revealed(db_session, kinds["item"], alice, now + timedelta(hours=2)) is True
    extension.due_at = now - timedelta(minutes=1)
    db_session.flush()
    assert_shown(page_of(client, kinds), "en")


# ----- the teacher's side: the student's report ------------------------------------------------------------------


def extension_url(classroom, assignment=None, student=None) -> str:
    assignment, student = assignment or classroom["assignment"], student or classroom["alice"]
    return f"/teach/courses/{classroom['course'].id}/students/{student.id}/assignments/{assignment.id}/extension"


def report_url(classroom) -> str:
    return f"/teach/courses/{classroom['course'].id}/students/{classroom['alice'].id}"


def send(client, classroom, button="save", **typed):
    """POST the extension form of the classroom's assignment with the CSRF token of the report page."""
    prefix = f"ext{classroom['assignment'].id}-"
    token = hidden_fields(client.get(report_url(classroom)).text)["csrf_token"]
    data = {"csrf_token": token, prefix + button: "x", **{prefix + name: value for name, value in typed.items()}}
    return client.post(extension_url(classroom), data=data, headers=EN)


def card(page: str, classroom) -> str:
    found = re.search(rf'<li class="grade-card extension-card" id="extension-{classroom["assignment"].id}">'
                      r"(.*?)</details>", page, re.S)
    return " ".join(re.sub(r"<(?!input)[^>]+>", " ", found.group(1)).split())


@pytest.fixture
def teacher(app, db_session, classroom):
    classroom["teacher"].timezone = "Europe/Moscow"  # UTC+3 all year: times are typed and shown in it
    db_session.flush()
    client = app.test_client()
    log_in(client, classroom["teacher"])
    return client


def test_a_teacher_gives_changes_and_removes_an_extension_on_the_student_report(teacher, db_session, classroom):
    assert "no extension" in card(teacher.get(report_url(classroom), headers=EN).text, classroom)
    response = send(teacher, classroom, due_at="2099-03-04T18:30", closes_at="", reason="Ill for a week")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{report_url(classroom)}#extension-{classroom['assignment'].id}")
    stored = db_session.scalars(select(Extension)).one()
    assert (stored.user_id, stored.due_at, stored.closes_at) == (
        classroom["alice"].id, datetime(2099, 3, 4, 15, 30, tzinfo=timezone.utc), None)
    assert (stored.reason, stored.granted_by_id) == ("Ill for a week", classroom["teacher"].id)

    shown = card(teacher.get(report_url(classroom), headers=EN).text, classroom)
    assert "extended" in shown and "For Alice: due 4 Mar 2099, 18:30 MSK · no hard close" in shown
    assert "Ill for a week" in shown and "granted by Tamara Teacher" in shown
    assert 'value="2099-03-04T18:30"' in shown  # the form shows it, in the teacher's zone, to change it

    assert send(teacher, classroom, due_at="2099-03-05 09:00", closes_at="06.03.2099 09:00",
                reason="Still ill").status_code == 302
    db_session.expire_all()
    stored = db_session.scalars(select(Extension)).one()
    assert (stored.due_at, stored.closes_at, stored.reason) == (
        datetime(2099, 3, 5, 6, 0, tzinfo=timezone.utc), datetime(2099, 3, 6, 6, 0, tzinfo=timezone.utc), "Still ill")

    assert send(teacher, classroom, button="remove").status_code == 302
    assert db_session.scalar(select(func.count()).select_from(Extension)) == 0
    page = teacher.get(report_url(classroom), headers=EN).text
    assert "The extension is removed: the assignment&#39;s times apply to Alice again." in page
    assert "no extension" in card(page, classroom)
    # Removing it again (a second tab) changes nothing and says so.
    assert send(teacher, classroom, button="remove").status_code == 302
    assert "Alice has no extension on this assignment." in teacher.get(report_url(classroom), headers=EN).text


def field_error(page: str, name: str, classroom) -> str:
    found = re.search(rf'id="ext{classroom["assignment"].id}-{name}-error" class="field-error">([^<]*)<', page)
    return found.group(1) if found else ""


def test_bad_extensions_come_back_with_messages_at_their_fields_and_what_was_typed(teacher, db_session, classroom):
    opens = classroom["assignment"].opens_at
    response = send(teacher, classroom, due_at="2020-01-01T10:00", closes_at="2019-12-31T10:00", reason="")
    assert response.status_code == 422
    page = response.text
    assert field_error(page, "due_at", classroom).startswith("The assignment opens ")
    assert f"{opens.year}" in field_error(page, "due_at", classroom)
    assert field_error(page, "closes_at", classroom) == "The hard close is before the due time: set it at or after " \
        "the due time."
    assert field_error(page, "reason", classroom) == "Give a reason: it is kept with the extension."
    assert 'value="2020-01-01T10:00"' in page and 'value="2019-12-31T10:00"' in page
    assert re.search(rf'id="extension-{classroom["assignment"].id}">.*?<details class="override" open>', page, re.S)

    # Unreadable and missing times, a reason too long: every message at once, the typed text kept.
    response = send(teacher, classroom, due_at="tomorrow", reason="x" * 301)
    assert response.status_code == 422
    assert field_error(response.text, "due_at", classroom) == "Type a date and time, such as 2026-11-21 09:30."
    assert field_error(response.text, "reason", classroom) == "The reason is too long: at most 300 characters."
    assert 'value="tomorrow"' in response.text
    response = send(teacher, classroom, reason="Ill")
    assert field_error(response.text, "due_at", classroom) == "Type the new due time."
    assert db_session.scalar(select(func.count()).select_from(Extension)) == 0


def test_a_time_the_teachers_clocks_skip_is_refused(teacher, db_session, classroom):
    classroom["teacher"].timezone = "Europe/Berlin"  # clocks go from 02:00 to 03:00 on 31 March 2030
    db_session.flush()
    response = send(teacher, classroom, due_at="2030-03-31T02:30", reason="Ill")
    assert response.status_code == 422
    assert field_error(response.text, "due_at", classroom).startswith("This time does not exist in your time zone")


def test_extensions_are_only_for_the_courses_students_and_assignments(teacher, db_session, classroom, make_course,
                                                                       make_assignment, make_user):
    elsewhere = make_assignment(make_course(classroom["teacher"], title="Another course"))
    token = hidden_fields(teacher.get(report_url(classroom)).text)["csrf_token"]
    data = {"csrf_token": token, f"ext{elsewhere.id}-due_at": "2099-01-01T10:00", f"ext{elsewhere.id}-reason": "r"}
    assert teacher.post(extension_url(classroom, assignment=elsewhere), data=data).status_code == 404
    data = {"csrf_token": token, **{k.replace(str(elsewhere.id), str(classroom["assignment"].id)): v
                                    for k, v in data.items()}}
    assert teacher.post(extension_url(classroom, student=classroom["teacher"]), data=data).status_code == 404
    outsider = make_user(name="Outsider")
    assert teacher.post(extension_url(classroom, student=outsider), data=data).status_code == 404
    other = make_user(Role.TEACHER, name="Oleg Other")
    other_client = teacher.application.test_client()
    log_in(other_client, other)
    own_token = hidden_fields(other_client.get("/teach/").text)["csrf_token"]
    assert other_client.post(extension_url(classroom), data={**data, "csrf_token": own_token}).status_code == 403
    assert db_session.scalar(select(func.count()).select_from(Extension)) == 0
