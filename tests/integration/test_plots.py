"""The likelihood plot of a submission: who may see it, what it reveals and when, its cache, and the reveal rules."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from fractions import Fraction
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

import webapp.learn.plot_views  # noqa: F401  (attaches the route to the learn blueprint before any app exists)
from webapp.models import Assignment, AssignmentItem, CourseRole, Exercise, Grading, RevealPolicy, Role, utcnow
from webapp.services import plots
from webapp.services.courses import enrol
from webapp.services.reveal import key_revealed
from webapp.services.submit import Outcome, submit_answer
from webapp.services.sync import sync_exercises

from ..catalogue_copies import copy_weather
from ..conftest import TEST_SECRET, log_in

# The survey with one "yes" turned into "no": 8 of 15, so the MLE 8/15 = 0.5333... is no tick label.
EIGHT_OF_FIFTEEN = (
    "values = [1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1]",
    "values = [1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 0]",
)
MLE = float(Fraction(8, 15))
# Short spellings could occur inside a drawing's coordinates: they are looked for in the text the SVG shows.
SHORT_SPELLINGS = [f"{MLE:.3f}", f"{MLE:.4f}", "0,533", "0,5333", "8/15", "53.3%", "53.33"]
# Long ones cannot occur by chance anywhere in the file.
LONG_SPELLINGS = [f"{MLE:.6f}", f"{MLE:.7f}", repr(MLE), f"{MLE:.6e}"]
SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def own_cache(app, tmp_path, monkeypatch):
    """Each test its own picture cache: ids repeat across rolled-back tests, a cached picture must not."""
    monkeypatch.setitem(app.config, "PLOT_CACHE_DIR", str(tmp_path / "plots"))
    return tmp_path / "plots"


@pytest.fixture
def survey(db_session, catalogue_root, make_user, make_course):
    """A course whose one assignment holds the 8-of-15 survey (its estimate part only); ``item(**fields)`` makes
    the assignment with those fields."""
    copy_weather(catalogue_root, EIGHT_OF_FIFTEEN)
    report = sync_exercises(db_session, catalogue_root)
    assert report.ok, report.problems
    exercise = db_session.scalars(select(Exercise)).one()
    teacher = make_user(Role.TEACHER, name="Tamara Teacher")
    course = make_course(teacher)
    alice, bob = make_user(name="Alice"), make_user(name="Bob")
    for student in (alice, bob):
        enrol(db_session, course, student, CourseRole.STUDENT)

    def item(exercise: Exercise = exercise, **fields) -> AssignmentItem:
        now = utcnow()
        values = {
            "title": "Week 1",
            "opens_at": now - timedelta(days=1),
            "due_at": now + timedelta(days=7),
            "closes_at": now + timedelta(days=14),
            "max_attempts": 3,
            "reveal_policy": RevealPolicy.NEVER.value,
            **fields,
        }
        assignment = Assignment(course_id=course.id, **values)
        db_session.add(assignment)
        db_session.flush()
        made = AssignmentItem(assignment_id=assignment.id, exercise_id=exercise.id)
        db_session.add(made)
        db_session.flush()
        return made

    return {"teacher": teacher, "course": course, "alice": alice, "bob": bob, "item": item}


def submit(db_session, item, student, typed: str, now=None):
    result = submit_answer(
        db_session, student=student, item=item, raw_answers={"p_hat": typed}, now=now or utcnow(), secret=TEST_SECRET
    )
    assert result.outcome is Outcome.GRADED, result
    return result.submission


def plot_path(item, submission) -> str:
    return f"/items/{item.id}/submissions/{submission.id}/plot.svg"


def shown_text(svg: bytes) -> str:
    """Every piece of text the SVG shows or carries (text nodes, titles, descriptions, metadata)."""
    root = ET.fromstring(svg)
    return "\n".join(piece for element in root.iter() for piece in (element.text, element.tail) if piece)


# ----- who may see it ---------------------------------------------------------------------------------------------


def test_the_owner_gets_an_svg_with_their_answer(app, survey, db_session):
    item = survey["item"]()
    submission = submit(db_session, item, survey["alice"], "0.7")
    client = app.test_client()
    log_in(client, survey["alice"])
    response = client.get(plot_path(item, submission), headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "private" in response.headers["Cache-Control"]
    root = ET.fromstring(response.data)
    assert root.tag == f"{SVG_NS}svg"
    text = shown_text(response.data)
    assert "Your answer: 0.7" in text and "Log-likelihood" in text
    assert root.find(f".//{SVG_NS}metadata") is None  # no date, no creator


def test_another_student_finds_nothing_and_the_item_must_match(app, survey, db_session):
    item = survey["item"]()
    alices = submit(db_session, item, survey["alice"], "0.7")
    bob = app.test_client()
    log_in(bob, survey["bob"])
    assert bob.get(plot_path(item, alices)).status_code == 404
    other_item = survey["item"](title="Week 2")
    alice = app.test_client()
    log_in(alice, survey["alice"])
    assert alice.get(f"/items/{other_item.id}/submissions/{alices.id}/plot.svg").status_code == 404
    assert alice.get(f"/items/{item.id}/submissions/999999/plot.svg").status_code == 404
    assert alice.get(plot_path(item, alices)).status_code == 200


def test_an_anonymous_visitor_is_sent_to_log_in(app, survey, db_session):
    item = survey["item"]()
    submission = submit(db_session, item, survey["alice"], "0.7")
    response = app.test_client().get(plot_path(item, submission))
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


def test_the_course_teacher_may_look_but_not_another_teacher(app, survey, db_session, make_user, make_course):
    item = survey["item"]()
    submission = submit(db_session, item, survey["alice"], "0.7")
    teacher = app.test_client()
    log_in(teacher, survey["teacher"])
    assert teacher.get(plot_path(item, submission)).status_code == 200
    outsider = make_user(Role.TEACHER, name="Oleg Other")
    make_course(outsider, title="Another course")
    other = app.test_client()
    log_in(other, outsider)
    assert other.get(plot_path(item, submission)).status_code == 404


def test_no_plot_for_a_key_that_is_not_a_parameter(app, db_session, catalogue_root, survey):
    # The same survey asking for the maximised log-likelihood instead of p̂: nothing to mark on a p axis.
    loglik_survey = copy_weather(
        catalogue_root,
        ('key = "mle.p"', 'key = "loglik"'),
        slug="loglik-survey",
        uuid="0f5c3a52-7d1e-4d7b-9a4e-2b8f1c6d9e01",
    )
    assert sync_exercises(db_session, catalogue_root).ok
    exercise = db_session.scalar(select(Exercise).where(Exercise.slug == loglik_survey.name))
    item = survey["item"](exercise)
    submission = submit(db_session, item, survey["alice"], "-10.4")
    client = app.test_client()
    log_in(client, survey["alice"])
    assert client.get(plot_path(item, submission)).status_code == 404


# ----- what it reveals --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ru"])
def test_before_the_reveal_the_svg_holds_no_trace_of_the_mle(app, survey, db_session, language):
    item = survey["item"](reveal_policy=RevealPolicy.NEVER.value, due_at=utcnow() - timedelta(hours=1))
    # A correct answer would reveal under the other policies; under "never" it must not.
    submission = submit(db_session, item, survey["alice"], "8/15")
    client = app.test_client()
    log_in(client, survey["alice"])
    svg = client.get(plot_path(item, submission), headers={"Accept-Language": language}).data
    whole, text = svg.decode(), shown_text(svg)
    assert "0.5333" in text  # the student's own answer is marked, with its value
    assert text.count("0.5333") == 1
    for spelling in LONG_SPELLINGS:
        assert spelling not in whole, spelling
    for label in ("MLE", "ОМП", "mle-marker"):
        assert label not in whole, label


def test_a_wrong_answer_before_the_reveal_shows_no_spelling_of_the_mle(app, survey, db_session):
    item = survey["item"]()
    submission = submit(db_session, item, survey["alice"], "0.7")
    client = app.test_client()
    log_in(client, survey["alice"])
    svg = client.get(plot_path(item, submission), headers={"Accept-Language": "en"}).data
    text, whole = shown_text(svg), svg.decode()
    assert "Your answer: 0.7" in text
    for spelling in SHORT_SPELLINGS:
        assert spelling not in text, spelling
    for spelling in LONG_SPELLINGS + ["MLE", "mle-marker", "display:none", "visibility"]:
        assert spelling not in whole, spelling


def test_after_the_due_time_the_mle_is_marked(app, survey, db_session):
    item = survey["item"](reveal_policy=RevealPolicy.AFTER_DUE.value)
    submission = submit(db_session, item, survey["alice"], "0.7")
    client = app.test_client()
    log_in(client, survey["alice"])
    before = client.get(plot_path(item, submission), headers={"Accept-Language": "en"}).data
    assert "MLE" not in before.decode()
    item.assignment.due_at = utcnow() - timedelta(minutes=2)
    item.assignment.closes_at = utcnow() - timedelta(minutes=1)
    db_session.flush()
    after = client.get(plot_path(item, submission), headers={"Accept-Language": "en"}).data
    text = shown_text(after)
    assert f"MLE: {MLE:.4g}" in text
    assert 'id="mle-marker"' in after.decode()


def test_an_answer_outside_the_domain_is_named_under_the_plot(app, survey, db_session):
    item = survey["item"]()
    submission = submit(db_session, item, survey["alice"], "1.5")
    client = app.test_client()
    log_in(client, survey["alice"])
    text = shown_text(client.get(plot_path(item, submission), headers={"Accept-Language": "en"}).data)
    assert "Your answer lies outside the plotted range: 1.5" in text and "Your answer:" not in text


# ----- the cache --------------------------------------------------------------------------------------------------


def test_a_second_request_is_served_from_the_cache(app, survey, db_session, monkeypatch, own_cache):
    renders = []
    real_render = plots.render_svg

    def counting_render(*args, **kwargs):
        renders.append(1)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(plots, "render_svg", counting_render)
    item = survey["item"]()
    submission = submit(db_session, item, survey["alice"], "0.7")
    client = app.test_client()
    log_in(client, survey["alice"])
    first = client.get(plot_path(item, submission), headers={"Accept-Language": "en"})
    second = client.get(plot_path(item, submission), headers={"Accept-Language": "en"})
    assert first.status_code == second.status_code == 200
    assert second.data == first.data and len(renders) == 1
    cached = list(own_cache.rglob("*.svg"))
    assert len(cached) == 1 and cached[0].read_bytes() == first.data
    assert not [path for path in own_cache.rglob("*") if path.is_file() and path.suffix != ".svg"]  # no leftovers
    # The browser revalidates with the ETag and is told nothing changed.
    unchanged = client.get(
        plot_path(item, submission), headers={"Accept-Language": "en", "If-None-Match": first.headers["ETag"]}
    )
    assert unchanged.status_code == 304 and len(renders) == 1
    # Another language is another picture.
    client.get(plot_path(item, submission), headers={"Accept-Language": "ru"})
    assert len(renders) == 2 and len(list(own_cache.rglob("*.svg"))) == 2


def test_the_cache_key_follows_the_answer_and_the_reveal(app, survey, db_session):
    item = survey["item"]()
    first = submit(db_session, item, survey["alice"], "0.7")
    second = submit(db_session, item, survey["alice"], "0.4")
    text = plots.PlotText()
    choice = plots.plot_choice(first)
    key = plots.plot_cache_key(first, choice, reveal=False, locale="en", text=text)
    assert key == plots.plot_cache_key(first, plots.plot_choice(first), reveal=False, locale="en", text=text)
    assert key != plots.plot_cache_key(first, choice, reveal=True, locale="en", text=text)
    assert key != plots.plot_cache_key(first, choice, reveal=False, locale="ru", text=text)
    assert key != plots.plot_cache_key(second, plots.plot_choice(second), reveal=False, locale="en", text=text)



def test_russian_words_reach_the_picture(app, survey, db_session):
    item = survey["item"]()
    submission = submit(db_session, item, survey["alice"], "0.7")
    grid = plots.submission_grid(submission, plots.plot_choice(submission))
    russian = plots.PlotText(loglik="Логарифм правдоподобия", your_answer="Ваш ответ", mle="ОМП")
    shown = shown_text(plots.render_svg(grid, russian, reveal=True))
    assert "Ваш ответ: 0.7" in shown and f"ОМП: {MLE:.4g}" in shown and "Логарифм правдоподобия" in shown
    assert re.search("Log-likelihood|Your answer|MLE", shown.replace("Log-likelihood near", "")) is None


# ----- the reveal rules -------------------------------------------------------------------------------------------


def test_never_reveals(survey, db_session):
    item = survey["item"](
        reveal_policy=RevealPolicy.NEVER.value,
        due_at=utcnow() - timedelta(days=1),
        opens_at=utcnow() - timedelta(days=2),
    )
    alice = survey["alice"]
    submit(db_session, item, alice, "8/15")
    for _ in range(2):
        submit(db_session, item, alice, "0.1")
    assert not key_revealed(db_session, item, alice, utcnow() + timedelta(days=365))


def test_after_due_reveals_once_answers_are_no_longer_accepted(survey, db_session):
    now = utcnow()
    item = survey["item"](reveal_policy=RevealPolicy.AFTER_DUE.value, due_at=now + timedelta(hours=1))
    alice, due = survey["alice"], item.assignment.due_at
    submit(db_session, item, alice, "8/15")  # a correct answer does not reveal under this policy
    closes = item.assignment.closes_at
    assert closes is not None and closes > due
    # Late work is accepted between the due time and the hard close: the key stays hidden until the close.
    assert not key_revealed(db_session, item, alice, due - timedelta(seconds=1))
    assert not key_revealed(db_session, item, alice, due + timedelta(seconds=1))
    assert not key_revealed(db_session, item, alice, closes)
    assert key_revealed(db_session, item, alice, closes + timedelta(seconds=1))
    # Without a hard close, late work is accepted for ever: the due time itself decides.
    item.assignment.closes_at = None
    db_session.flush()
    assert not key_revealed(db_session, item, alice, due)
    assert key_revealed(db_session, item, alice, due + timedelta(seconds=1))
    item.assignment.due_at = None
    item.assignment.closes_at = None
    db_session.flush()
    assert not key_revealed(db_session, item, alice, now + timedelta(days=365))


def test_after_last_attempt_or_correct(survey, db_session):
    item = survey["item"](reveal_policy=RevealPolicy.AFTER_LAST_ATTEMPT_OR_CORRECT.value, max_attempts=3)
    alice, bob, now = survey["alice"], survey["bob"], utcnow()
    assert not key_revealed(db_session, item, alice, now)  # nothing sent yet
    submit(db_session, item, alice, "0.7")
    submit(db_session, item, alice, "0.6")
    assert not key_revealed(db_session, item, alice, now)  # two wrong of three
    submit(db_session, item, alice, "0.1")
    assert key_revealed(db_session, item, alice, now)  # every attempt used
    assert not key_revealed(db_session, item, bob, now)  # her attempts are not his
    right = submit(db_session, item, bob, "0.5333")
    assert right.current_grading.score == 1.0
    assert key_revealed(db_session, item, bob, now)  # correct on the first attempt


def test_the_current_grading_decides_whether_an_answer_is_correct(survey, db_session):
    item = survey["item"](reveal_policy=RevealPolicy.AFTER_LAST_ATTEMPT_OR_CORRECT.value, max_attempts=5)
    alice, now = survey["alice"], utcnow()
    submission = submit(db_session, item, alice, "8/15")
    assert key_revealed(db_session, item, alice, now)
    db_session.add(
        Grading(
            submission_id=submission.id, grader_version="test", score=0.5, verdicts={}, reason="regrade", created_at=now
        )
    )
    db_session.flush()
    assert not key_revealed(db_session, item, alice, now)  # regraded below full marks
    db_session.add(
        Grading(
            submission_id=submission.id, grader_version="test", score=1.0, verdicts={}, reason="regrade", created_at=now
        )
    )
    db_session.flush()
    assert key_revealed(db_session, item, alice, now)


def test_an_item_attempt_limit_overrides_the_assignment(survey, db_session):
    item = survey["item"](reveal_policy=RevealPolicy.AFTER_LAST_ATTEMPT_OR_CORRECT.value, max_attempts=3)
    item.max_attempts = 1
    db_session.flush()
    submit(db_session, item, survey["alice"], "0.7")
    assert key_revealed(db_session, item, survey["alice"], utcnow())
