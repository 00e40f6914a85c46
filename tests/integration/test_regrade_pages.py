"""The regrade pages: the form, the dry run's table, applying it, bad input, progress of a run in the background."""

from __future__ import annotations

import html
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import grader
from exercises import KeyComputationError
from grader.messages import message_to_json
from webapp.extensions import db
from webapp.models import Grade, Grading, RegradeRun, Role, Submission, utcnow
from webapp.services.regrade_report import KeyFailure, RegradeReport
from webapp.teach import regrade_views

from ..conftest import hidden_fields, log_in, make_app
from .test_regrade import WIDER, answer, edit_exercise, grade, gradings

EN = {"Accept-Language": "en"}


def widen(app, db_session, classroom, catalogue_root, bobs=("0.6",)):
    """Alice's 0.7 (75 %), Bob's answers (0.6: 100 %), then the estimate's tolerance widened to ±0.15 in a new
    version; the teacher logged in."""
    classroom["alice"].name = "Alice <i>A</i>"
    answer(db_session, classroom["alice"], classroom["item"], "0.7")
    for p_hat in bobs:
        answer(db_session, classroom["bob"], classroom["item"], p_hat)
    edit_exercise(db_session, catalogue_root, "weather-15", WIDER)
    db_session.commit()
    client = app.test_client()
    log_in(client, classroom["teacher"])
    return {**classroom, "client": client, "url": f"/teach/courses/{classroom['course'].id}/regrade"}


@pytest.fixture
def widened(app, db_session, classroom, catalogue_root):
    return widen(app, db_session, classroom, catalogue_root)


def post_form(client, url: str, token_page: str | None = None, **fields: str):
    """POST to ``url`` with the CSRF token of ``token_page`` (by default the page at ``url`` itself)."""
    page = client.get(token_page or url, headers=EN)
    assert page.status_code == 200
    return client.post(url, data={"csrf_token": hidden_fields(page.text)["csrf_token"], **fields}, headers=EN)


def table_rows(page: str) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S) if body else []
    return [
        [
            " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


def test_the_teacher_sees_a_dry_run_then_applies_it(widened, db_session):
    client, url, item, alice = widened["client"], widened["url"], widened["item"], widened["alice"]
    form = client.get(url, headers=EN).text
    assert "Every item of the course" in form and f'value="{item.id}"' in form

    response = post_form(client, url, item=str(item.id), against="current")
    assert response.status_code == 302
    page = client.get(response.headers["Location"], headers=EN).text
    assert "Dry run: what would change" in page
    assert "1 submission would get a new grading." in page
    assert "Alice &lt;i&gt;A&lt;/i&gt;" in page and "<i>A</i>" not in page
    [row] = table_rows(page)
    assert row[0].startswith("Alice <i>A</i>") and row[2:5] == ["75%", "100%", "+25 pp"]
    assert "p_hat 0% → 100%" in row[5]
    assert len(gradings(db_session)) == 2 and grade(db_session, item, alice).score == 0.75  # nothing written

    apply = re.search(r'<form method="post" action="([^"]+)" class="apply-form">(.*?)</form>', page, re.S)
    fields = dict(re.findall(r'name="(csrf_token|run)"[^>]*value="([^"]*)"', apply.group(2)))
    applied = client.post(apply.group(1), data=fields, headers=EN)
    assert applied.status_code == 302
    result = client.get(applied.headers["Location"], headers=EN).text
    assert "Regrade applied" in result and "1 submission got a new grading." in result
    assert grade(db_session, item, alice).score == 1.0
    assert [g.reason for g in gradings(db_session, alice)] == ["submit", "regrade"]
    # The runs are listed on the form's page; the page in Russian too.
    listed = client.get(url, headers={"Accept-Language": "ru"}).text
    assert "Пересчёт" in listed and "пробный прогон" in listed and "применён" in listed


def test_the_table_sorts_by_change_student_and_item(app, db_session, classroom, catalogue_root):
    # Bob's 0.5 becomes right by ±0.15: a verdict changes, his best grade does not.
    widened = widen(app, db_session, classroom, catalogue_root, bobs=("0.6", "0.5"))
    client, url = widened["client"], widened["url"]
    location = post_form(client, url, item="all", against="current").headers["Location"]
    by_change = table_rows(client.get(location, headers=EN).text)
    assert [(row[0].split()[0], row[4]) for row in by_change] == [("Alice", "+25 pp"), ("Bob", "0 pp")]
    smallest_first = table_rows(client.get(location + "&sort=change&dir=asc", headers=EN).text)
    assert [row[0].split()[0] for row in smallest_first] == ["Bob", "Alice"]
    by_student = table_rows(client.get(location + "&sort=student&dir=desc", headers=EN).text)
    assert [row[0].split()[0] for row in by_student] == ["Bob", "Alice"]
    assert "attempt 2: 75% → 100%" in by_change[1][5]


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"item": "999999", "against": "current"}, "Choose one of the course's items, or all of them."),
        ({"item": "all", "against": "sideways"}, "Choose which version of the exercise judges the answers."),
    ],
)
def test_bad_input_is_refused_with_a_message(widened, db_session, fields, message):
    response = post_form(widened["client"], widened["url"], **fields)
    assert response.status_code == 422 and message in html.unescape(response.text)
    assert db_session.scalar(select(func.count()).select_from(RegradeRun)) == 0


def test_apply_needs_a_finished_dry_run_of_the_course(widened, db_session):
    client, course = widened["client"], widened["course"]
    applied = RegradeRun(
        course_id=course.id,
        teacher_id=widened["teacher"].id,
        against="current",
        applied=True,
        status="done",
        report=None,
    )
    db_session.add(applied)
    db_session.commit()
    for run in ("", "abc", "999999", str(applied.id)):
        response = post_form(client, f"/teach/courses/{course.id}/regrade/apply", widened["url"], run=run)
        assert response.status_code == 302 and response.headers["Location"].endswith("/regrade")
        assert "Run a dry run first" in client.get(response.headers["Location"], headers=EN).text
    assert db_session.scalar(select(func.count()).select_from(Grading).where(Grading.reason == "regrade")) == 0


def test_a_running_run_shows_its_progress_and_updates_itself(widened, db_session):
    client, course, teacher = widened["client"], widened["course"], widened["teacher"]
    now = utcnow()
    running = RegradeRun(
        course_id=course.id,
        teacher_id=teacher.id,
        against="answered",
        status="running",
        total=10,
        done=3,
        created_at=now,
        updated_at=now,
    )
    stale = RegradeRun(
        course_id=course.id,
        teacher_id=teacher.id,
        against="answered",
        status="running",
        total=10,
        done=3,
        created_at=now - timedelta(hours=1),
        updated_at=now - timedelta(hours=1),
    )
    failed = RegradeRun(
        course_id=course.id, teacher_id=teacher.id, against="answered", status="failed", error="<b>disk</b> full"
    )
    db_session.add_all([running, stale, failed])
    db_session.commit()
    url = f"/teach/courses/{course.id}/regrade/run?run="
    page = client.get(url + str(running.id), headers=EN)
    assert page.headers.get("Refresh") == "2"
    assert '<progress value="3" max="10">' in page.text and "Checking the answers: 3 of 10." in page.text
    page = client.get(url + str(stale.id), headers=EN)
    assert "Refresh" not in page.headers and "stopped before it finished" in page.text
    page = client.get(url + str(failed.id), headers=EN)
    assert "The regrade failed: &lt;b&gt;disk&lt;/b&gt; full" in page.text
    assert client.get(url + "999999", headers=EN).status_code == 404


def test_a_large_scope_runs_in_the_background(app, widened, db_session, monkeypatch):
    """Above the limit the request only records the run; here the "thread" runs at once, in its own app context."""
    monkeypatch.setitem(app.config, "REGRADE_SYNC_LIMIT", 1)
    started = []
    monkeypatch.setattr(
        regrade_views,
        "start_background",
        lambda flask_app, run_id: started.append(run_id) or regrade_views.run_in_thread(flask_app, run_id),
    )
    response = post_form(widened["client"], widened["url"], item="all", against="current")
    assert response.status_code == 302 and len(started) == 1
    run = db_session.get(RegradeRun, started[0])
    db_session.refresh(run)
    assert (run.status, run.done, run.total, run.report["changed"]) == ("done", 2, 2, 1)


def test_a_background_run_in_a_real_thread(tmp_path, monkeypatch):
    """On a SQLite file of the test's own (requests commit for real): the thread runs, commits, and the page shows
    its report."""
    from flask_migrate import upgrade

    from webapp.models import Assignment, AssignmentItem, CourseRole, Exercise
    from webapp.services.accounts import create_user
    from webapp.services.courses import create_course, enrol
    from webapp.services.sync import sync_exercises

    from ..conftest import CATALOGUE, PASSWORD

    app = make_app(f"sqlite:///{tmp_path / 'thread.sqlite3'}", tmp_path, REGRADE_SYNC_LIMIT=0)
    with app.app_context():
        upgrade()
        session = db.session
        assert sync_exercises(session, CATALOGUE).ok
        teacher = create_user(session, email="t@example.com", name="T", password=PASSWORD, role=Role.TEACHER)
        course = create_course(session, title="C", teacher=teacher)
        assignment = Assignment(course_id=course.id, title="W", opens_at=utcnow() - timedelta(days=1))
        session.add(assignment)
        session.flush()
        exercise = session.scalars(select(Exercise).where(Exercise.slug == "weather-15")).one()
        item = AssignmentItem(assignment_id=assignment.id, exercise_id=exercise.id)
        session.add(item)
        for n in range(3):
            student = create_user(session, email=f"s{n}@example.com", name=f"S{n}", password=PASSWORD)
            enrol(session, course, student, CourseRole.STUDENT)
            answer(session, student, item, "0.6")
        session.commit()
        course_id = course.id
        teacher_user = teacher
    threads: list[threading.Thread] = []
    real_start = regrade_views.start_background
    monkeypatch.setattr(regrade_views, "start_background", lambda a, r: threads.append(real_start(a, r)))
    client = app.test_client()
    log_in(client, teacher_user)
    url = f"/teach/courses/{course_id}/regrade"
    response = post_form(client, url, item="all", against="answered")
    assert response.status_code == 302 and len(threads) == 1
    threads[0].join(timeout=120)
    assert not threads[0].is_alive()
    page = client.get(response.headers["Location"], headers=EN)
    assert "Refresh" not in page.headers and "3 of 3 submissions checked." in page.text
    assert "Nothing would change." in page.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Grading)) == 3
        assert db.session.scalar(select(func.count()).select_from(Grade).where(Grade.score == 1.0)) == 3
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 3
        db.engine.dispose()


def test_a_second_apply_waits_for_the_one_running(widened, db_session):
    client, course, teacher = widened["client"], widened["course"], widened["teacher"]
    location = post_form(client, widened["url"], item="all", against="current").headers["Location"]
    dry_run_id = int(location.rsplit("=", 1)[1])
    now = utcnow()
    running = RegradeRun(
        course_id=course.id,
        teacher_id=teacher.id,
        against="current",
        applied=True,
        status="running",
        total=2,
        done=1,
        created_at=now,
        updated_at=now,
    )
    db_session.add(running)
    db_session.commit()
    response = post_form(client, f"/teach/courses/{course.id}/regrade/apply", widened["url"], run=str(dry_run_id))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"run={running.id}")
    assert "being applied already" in client.get(response.headers["Location"], headers=EN).text
    assert db_session.scalar(select(func.count()).select_from(Grading).where(Grading.reason == "regrade")) == 0


def test_a_key_that_failed_is_reported_in_the_teachers_language(widened, db_session):
    """The run's report stores the failure's Message as JSON: the page words it in Russian down to the grader's
    cause; a failure stored before codes existed is shown as it was stored."""
    client, course, teacher, alice = widened["client"], widened["course"], widened["teacher"], widened["alice"]
    with pytest.raises(grader.KeyVerificationError) as caught:
        grader.fit("bernoulli", y=[1.0, 1.0, 1.0])  # every answer yes: no interior MLE, no key
    error = KeyComputationError("data", "key_unverifiable", cause=caught.value.message)
    item_id = widened["item"].id
    report = RegradeReport(against="answered", applied=False, total=2, failures=[
        KeyFailure(item_id, alice.id, "Alice", 2, f"data: {error}", "data", message_to_json(error.message)),
        KeyFailure(item_id, alice.id, "Alice", 1, "data: the fit did not converge")])
    run = RegradeRun(course_id=course.id, teacher_id=teacher.id, against="answered", status="done", total=2, done=2,
                     report=report.to_json())
    db_session.add(run)
    db_session.commit()
    url = f"/teach/courses/{course.id}/regrade/run?run={run.id}"
    russian = html.unescape(client.get(url, headers={"Accept-Language": "ru"}).text)
    assert "data: На этих данных ключ не удаётся проверить: Все наблюдения (их 3) равны 1" in russian
    assert "the key cannot be verified" not in russian and "data: the fit did not converge" in russian
    english = html.unescape(client.get(url, headers=EN).text)
    assert "data: The key cannot be verified on these data: All 3 observations are 1" in english
