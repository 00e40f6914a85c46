"""The queue of written answers: what it lists, saving a review (a new grading, the score from the parts' weights,
the grade), what the student then reads, bad input, a form sent twice or at the same moment, and access."""

from __future__ import annotations

import html
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import webapp.teach.analysis_views  # noqa: F401  (attaches the routes to the teach blueprint before any app exists)
from webapp.extensions import db
from webapp.models import Assignment, AssignmentItem, CourseRole, Exercise, Grade, Grading, Role, Submission, utcnow
from webapp.services.accounts import create_user
from webapp.services.courses import create_course, enrol
from webapp.services.sync import sync_exercises

from ..conftest import CATALOGUE, PASSWORD, hidden_fields, log_in, make_app, submit_form

EN = {"Accept-Language": "en"}
THEORY_44 = "theory-44-why-take-the-log"  # three choices and the written answer "other_transform"
THEORY_41 = "theory-41-likelihood-function"  # two choices and the written answer "own_words"
RUBRIC_START = "1 point: any strictly increasing transformation keeps the point of the maximum"
FORM = re.compile(r'<form method="post" action="(?P<action>[^"]+)" class="review-form">(?P<body>.*?)</form>', re.S)
HIDDEN = re.compile(r'<input type="hidden" name="(?P<name>[^"]+)" value="(?P<value>[^"]*)">')


def answer_theory(app, student, item, text: str, slug: str = THEORY_44) -> None:
    client = app.test_client()
    log_in(client, student)
    fields = (
        {"part_reasons": "0", "part_underflow_value": "0", "part_log_value": "0", "part_other_transform": text}
        if slug == THEORY_44
        else {"part_definition": "0", "part_properties": "0", "part_own_words": text}
    )
    assert submit_form(client, f"/items/{item.id}", fields).status_code == 302


def review_forms(page: str) -> list[dict[str, str]]:
    """Each review form's action and hidden fields, in the page's order."""
    return [
        {
            "action": html.unescape(m["action"]),
            **{h["name"]: html.unescape(h["value"]) for h in HIDDEN.finditer(m["body"])},
        }
        for m in FORM.finditer(page)
    ]


def save(client, form: dict[str, str], **fields: str):
    data = {name: value for name, value in form.items() if name != "action"}
    return client.post(form["action"], data={**data, **fields}, headers=EN)


@pytest.fixture
def written(app, db_session, make_user, make_course, make_assignment):
    """Two students' written answers to theory 44, Alice's first."""
    teacher = make_user(Role.TEACHER, name="Tamara Teacher")
    course = make_course(teacher)
    alice, bob = make_user(name="Alice"), make_user(name="Bob <b>")
    for student in (alice, bob):
        enrol(db_session, course, student, CourseRole.STUDENT)
    item = make_assignment(course, slugs=(THEORY_44,)).items[0]
    db_session.flush()
    answer_theory(app, alice, item, "The maximum stays where it is,\nbut the product stays a product.")
    answer_theory(app, bob, item, "<script>alert(1)</script> it moves")
    client = app.test_client()
    log_in(client, teacher)
    return {
        "teacher": teacher,
        "course": course,
        "item": item,
        "alice": alice,
        "bob": bob,
        "client": client,
        "url": f"/teach/courses/{course.id}/review",
    }


def current(db_session, student) -> Submission:
    submission = db_session.scalar(select(Submission).where(Submission.user_id == student.id))
    db_session.refresh(submission)
    return submission


def test_the_queue_lists_answers_with_the_rubric_escaped_and_the_first_focused(written):
    page = written["client"].get(written["url"], headers=EN)
    assert page.status_code == 200
    text = page.text
    cards = re.findall(r'<article class="review-card"[^>]*>(.*?)</article>', text, re.S)
    assert len(cards) == 2
    assert "<strong>Alice</strong>" in cards[0] and "<strong>Bob &lt;b&gt;</strong>" in cards[1]
    for card in cards:
        assert "Could another transformation of the likelihood" in card
        assert RUBRIC_START in html.unescape(card)
    assert '<blockquote class="student-text">The maximum stays where it is,\nbut the product' in cards[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; it moves" in cards[1] and "<script>alert" not in text
    assert text.count("autofocus") == 1 and re.search(r"autofocus", cards[0])
    forms = review_forms(text)
    assert len(forms) == 2 and all(form["csrf_token"] for form in forms)
    assert "2 answers waiting" in text
    russian = written["client"].get(written["url"], headers={"Accept-Language": "ru"}).text
    assert "Письменные ответы на проверку" in russian and "2 ответа ждут" in russian
    assert "Критерии оценки" in russian and "Сохранить 50%" in russian


def test_a_review_appends_a_grading_recomputes_the_score_and_the_grade(written, db_session):
    client, alice = written["client"], written["alice"]
    before = current(db_session, alice).current_grading
    form = review_forms(client.get(written["url"], headers=EN).text)[0]
    assert form["based_on"] == str(before.id) and form["part"] == "other_transform"

    response = save(client, form, score="50", comment="Good start <b>but</b> say why.")
    assert response.status_code == 302 and response.headers["Location"].endswith(written["url"])

    submission = current(db_session, alice)
    assert [g.reason for g in submission.gradings] == ["submit", "review"]
    review = submission.current_grading
    assert review.reviewer_id == written["teacher"].id
    assert review.verdicts["other_transform"] == {
        "score": 0.5,
        "correct": False,
        "code": "reviewed",
        "message": "Good start <b>but</b> say why.",
        "params": {"percent": 50.0},
        "misconception": None,
    }
    for name in ("reasons", "underflow_value", "log_value"):
        assert review.verdicts[name] == before.verdicts[name]
    # Four parts of weight 1: the three choices as graded, and half of the written answer.
    choices = sum(before.verdicts[name]["score"] for name in ("reasons", "underflow_value", "log_value"))
    assert review.score == pytest.approx((choices + 0.5) / 4)
    grade = db_session.scalar(select(Grade).where(Grade.user_id == alice.id))
    db_session.refresh(grade)
    assert grade.score == pytest.approx((choices + 0.5) / 4)

    # Alice's answer has left the queue; Bob's is now the first, and its score field has the focus.
    page = client.get(written["url"], headers=EN).text
    assert "Saved: 50% for the answer of Alice." in page
    cards = re.findall(r'<article class="review-card"[^>]*>(.*?)</article>', page, re.S)
    assert len(cards) == 1 and "Bob &lt;b&gt;" in cards[0] and "autofocus" in cards[0]


@pytest.mark.parametrize(
    "language, graded, comment",
    [
        ("en", "Graded by your teacher: 50% of the points for this part.", "Comment: Good start &lt;b&gt;"),
        ("ru", "Оценено преподавателем: 50% баллов за эту часть.", "Комментарий: Good start &lt;b&gt;"),
    ],
)
def test_the_student_reads_the_reviewed_verdict(app, written, language, graded, comment):
    form = review_forms(written["client"].get(written["url"], headers=EN).text)[0]
    assert save(written["client"], form, score="50", comment="Good start <b>").status_code == 302
    student = app.test_client()
    log_in(student, written["alice"])
    page = student.get(f"/items/{written['item'].id}", headers={"Accept-Language": language}).text
    feedback = re.search(r'<section id="feedback".*?</section>', page, re.S).group(0)
    item = re.search(r'<li class="verdict-(\w+)">\s*<strong>(?:Could another|Можно ли).*?</li>', feedback, re.S)
    assert item.group(1) == "partly"
    assert f"{graded} {comment}" in item.group(0)


def test_a_quick_button_saves_full_marks_without_a_typed_score(written, db_session):
    form = review_forms(written["client"].get(written["url"], headers=EN).text)[1]
    assert save(written["client"], form, score="", quick="100").status_code == 302
    verdict = current(db_session, written["bob"]).current_grading.verdicts["other_transform"]
    assert (verdict["score"], verdict["correct"], verdict["code"], verdict["message"]) == (1.0, True, "reviewed", "")


def test_the_same_form_sent_twice_saves_once(written, db_session):
    client = written["client"]
    form = review_forms(client.get(written["url"], headers=EN).text)[0]
    assert save(client, form, score="100").status_code == 302
    again = save(client, form, score="0")
    assert again.status_code == 302
    page = client.get(again.headers["Location"], headers=EN).text
    assert "Nothing was saved: this answer has been graded again since the page was opened" in page
    submission = current(db_session, written["alice"])
    assert [g.reason for g in submission.gradings] == ["submit", "review"]
    assert submission.current_grading.verdicts["other_transform"]["score"] == 1.0


@pytest.mark.parametrize("typed", ["abc", "101", "-5", "", "1e2", "nan", "50 50"])
def test_a_score_that_is_no_percentage_is_refused(written, db_session, typed):
    form = review_forms(written["client"].get(written["url"], headers=EN).text)[0]
    response = save(written["client"], form, score=typed, comment="kept")
    assert response.status_code == 422
    assert "Type the score as a percentage of the part: a number from 0 to 100." in response.text
    assert 'value="kept"' in response.text and 'aria-invalid="true"' in response.text
    assert [g.reason for g in current(db_session, written["alice"]).gradings] == ["submit"]


def test_percent_spellings_and_a_long_comment(written, db_session):
    client = written["client"]
    form = review_forms(client.get(written["url"], headers=EN).text)[0]
    too_long = save(client, form, score="50", comment="x" * 1001)
    assert too_long.status_code == 422 and "The comment is too long: at most 1000 characters." in too_long.text
    assert save(client, form, score=" 62,5 % ").status_code == 302
    assert current(db_session, written["alice"]).current_grading.verdicts["other_transform"]["score"] == 0.625


def test_the_queue_narrows_to_one_part(app, written, db_session, make_assignment):
    other = make_assignment(written["course"], title="Week 2", slugs=(THEORY_41,)).items[0]
    db_session.flush()
    answer_theory(
        app, written["alice"], other, "The probability of the data as a function of the parameter.", slug=THEORY_41
    )
    client = written["client"]
    everything = client.get(written["url"], headers=EN).text
    assert len(review_forms(everything)) == 3
    links = re.findall(
        r'<a href="([^"]+)"\s*>[^<]*Theory 41[^<]*:.*?</a>\s*<span class="badge badge-info">(\d+)', everything, re.S
    )
    assert len(links) == 1 and links[0][1] == "1"
    narrowed = client.get(html.unescape(links[0][0]), headers=EN).text
    forms = review_forms(narrowed)
    assert [(f["part"], f["filter_part"]) for f in forms] == [("own_words", "own_words")]
    # Saving it keeps the narrowed queue, which is then empty, and says so.
    response = save(client, forms[0], score="100")
    assert "part=own_words" in response.headers["Location"]
    assert (
        "No written answers of this part are waiting for review."
        in client.get(response.headers["Location"], headers=EN).text
    )


def test_only_the_course_teacher_may_grade(app, written, db_session, make_user, make_course, make_assignment):
    form = review_forms(written["client"].get(written["url"], headers=EN).text)[0]
    student = app.test_client()
    log_in(student, written["alice"])
    stranger_teacher = make_user(Role.TEACHER)
    stranger_course = make_course(stranger_teacher, title="Other")
    stranger = app.test_client()
    log_in(stranger, stranger_teacher)
    for client in (student, stranger):
        assert client.get(written["url"]).status_code == 403
        token = hidden_fields(client.get("/").text)["csrf_token"]
        assert save(client, {**form, "csrf_token": token}, score="100").status_code == 403
    # The stranger's own course is not where another course's answers are graded.
    token = hidden_fields(stranger.get("/").text)["csrf_token"]
    response = stranger.post(
        f"/teach/courses/{stranger_course.id}/review/save",
        data={**{k: v for k, v in form.items() if k != "action"}, "csrf_token": token, "score": "100"},
    )
    assert response.status_code == 404
    # Without the CSRF token nothing is saved, even by the course's teacher.
    no_token = {k: v for k, v in form.items() if k not in ("action", "csrf_token")}
    assert written["client"].post(form["action"], data={**no_token, "score": "100"}).status_code == 400
    # An incomplete form says so and saves nothing.
    incomplete = save(written["client"], {"action": form["action"], "csrf_token": form["csrf_token"]}, score="1")
    assert incomplete.status_code == 302
    assert "The form was incomplete" in written["client"].get(incomplete.headers["Location"], headers=EN).text
    assert [g.reason for g in current(db_session, written["alice"]).gradings] == ["submit"]


# ----- the same review sent at the same moment -------------------------------------------------------------------


def test_two_reviews_sent_at_once_save_one(tmp_path):
    """Two tabs (two sessions of the teacher) send the same answer's review together: one grading is appended, the
    other request is told, and nothing fails. Requests here commit for real, on a SQLite file of the test's own."""
    app = make_app(f"sqlite:///{tmp_path / 'race.sqlite3'}", tmp_path)
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        session = db.session
        assert sync_exercises(session, CATALOGUE).ok
        teacher = create_user(session, email="t@example.com", name="T", password=PASSWORD, role=Role.TEACHER)
        student = create_user(session, email="s@example.com", name="S", password=PASSWORD)
        course = create_course(session, title="Race", teacher=teacher)
        enrol(session, course, student, CourseRole.STUDENT)
        now = utcnow()
        assignment = Assignment(course_id=course.id, title="W", opens_at=now - timedelta(days=1))
        session.add(assignment)
        session.flush()
        exercise = session.scalar(select(Exercise).where(Exercise.slug == THEORY_44))
        item = AssignmentItem(assignment_id=assignment.id, exercise_id=exercise.id)
        session.add(item)
        session.commit()
        for loaded in (teacher, student, item):  # used after the context: loaded now, whatever expire_on_commit
            session.refresh(loaded)
        ids = {"course": course.id, "item": item.id}
    try:
        answer_theory(app, student, item, "Any increasing transformation keeps the maximiser.")
        url = f"/teach/courses/{ids['course']}/review"
        clients, forms = [], []
        for _ in range(2):
            client = app.test_client()
            log_in(client, teacher)
            clients.append(client)
            forms.append(review_forms(client.get(url, headers=EN).text)[0])
        barrier = threading.Barrier(2)
        results: list[object] = [None, None]

        def send(index: int) -> None:
            barrier.wait(timeout=60)
            try:
                results[index] = save(clients[index], forms[index], score=str(50 * index)).status_code
            except Exception as error:  # noqa: BLE001  (reported below, not lost in the thread)
                results[index] = error

        threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert results == [302, 302]
        with app.app_context():
            reviews = db.session.scalar(select(func.count()).select_from(Grading).where(Grading.reason == "review"))
            assert reviews == 1
    finally:
        with app.app_context():
            db.engine.dispose()
