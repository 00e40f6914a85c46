"""A teacher overrides a grade with a reason: the service's rules, the form's messages, the audit trail, escaping."""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from webapp.models import Grade, GradeOverride, Role
from webapp.services.overrides import OverrideError, grade_for, override_grade

from ..conftest import hidden_fields
from .test_gradebook import (
    EN,
    add_grade,
    answer,
    gradebook_rows,
    gradebook_url,
    store_submission,
    student_url,
    teacher_client,
    visible_text,
)

RU = {"Accept-Language": "ru"}


def override_url(classroom, student, item=None) -> str:
    item = item or classroom["item"]
    return f"{student_url(classroom, student)}/items/{item.id}/override"


def post_override(client, classroom, student, headers=EN, item=None, **fields: str):
    """POST the override form of ``item`` as the student's page carries it (its CSRF token, its field prefix)."""
    item = item or classroom["item"]
    page = client.get(student_url(classroom, student), headers=headers)
    assert page.status_code == 200
    data = {"csrf_token": hidden_fields(page.text)["csrf_token"]}
    data.update({f"item{item.id}-{name}": value for name, value in fields.items()})
    return client.post(override_url(classroom, student, item), data=data, headers=headers)


def trail(db_session, grade_id: int) -> list[tuple]:
    return [
        tuple(row)
        for row in db_session.execute(
            select(GradeOverride.old_score, GradeOverride.new_score, GradeOverride.reason, GradeOverride.teacher_id)
            .where(GradeOverride.grade_id == grade_id)
            .order_by(GradeOverride.id)
        )
    ]


def grade_of(db_session, classroom, student) -> Grade | None:
    db_session.expire_all()
    return db_session.scalar(
        select(Grade).where(Grade.assignment_item_id == classroom["item"].id, Grade.user_id == student.id)
    )


# ----- the service ------------------------------------------------------------------------------------------------


def test_every_change_is_appended_with_what_it_replaced(db_session, classroom):
    teacher, alice = classroom["teacher"], classroom["alice"]
    grade = add_grade(db_session, classroom["item"], alice, 0.25, attempts=3)

    override_grade(db_session, grade, teacher, 0.9, "  Paper submission, marked by hand  ")
    assert (grade.score, grade.override_score, grade.effective_score) == (0.25, 0.9, 0.9)
    assert grade.override_reason == "Paper submission, marked by hand"
    override_grade(db_session, grade, teacher, 0.8, "Second look: part (b) incomplete")
    override_grade(db_session, grade, teacher, None, "Regraded automatically instead")
    assert (grade.override_score, grade.override_reason, grade.effective_score) == (None, None, 0.25)

    assert trail(db_session, grade.id) == [
        (None, 0.9, "Paper submission, marked by hand", teacher.id),
        (0.9, 0.8, "Second look: part (b) incomplete", teacher.id),
        (0.8, None, "Regraded automatically instead", teacher.id),
    ]


@pytest.mark.parametrize(
    ("score", "reason", "code"),
    [
        (0.5, "", "reason_required"),
        (0.5, " \n\t ", "reason_required"),
        (0.5, "x" * 501, "reason_too_long"),
        (1.01, "too much", "score_out_of_range"),
        (-0.01, "negative", "score_out_of_range"),
        (math.nan, "not a number", "score_out_of_range"),
        (math.inf, "infinite", "score_out_of_range"),
        (None, "nothing set yet", "nothing_to_clear"),
    ],
)
def test_the_service_refuses_what_the_rules_forbid_and_changes_nothing(db_session, classroom, score, reason, code):
    grade = add_grade(db_session, classroom["item"], classroom["alice"], 0.5)
    with pytest.raises(OverrideError) as refused:
        override_grade(db_session, grade, classroom["teacher"], score, reason)
    assert refused.value.code == code
    assert grade.override_score is None and trail(db_session, grade.id) == []


def test_a_reason_of_exactly_500_characters_is_kept_whole(db_session, classroom):
    grade = add_grade(db_session, classroom["item"], classroom["alice"], 0.5)
    override_grade(db_session, grade, classroom["teacher"], 1.0, "я" * 500)
    assert trail(db_session, grade.id)[0][2] == "я" * 500


def test_a_student_who_never_answered_gets_a_grade_to_override(db_session, classroom):
    grade = grade_for(db_session, classroom["item"], classroom["bob"])
    assert (grade.score, grade.attempts, grade.is_late, grade.override_score) == (0.0, 0, False, None)
    assert grade_for(db_session, classroom["item"], classroom["bob"]).id == grade.id  # the same one, not another


# ----- through the page ---------------------------------------------------------------------------------------------


def test_the_teacher_overrides_a_grade_and_sees_it_everywhere(app, classroom, db_session):
    bob = classroom["bob"]
    answer(app, bob, classroom["item"], "0.7")  # 75 %
    client = teacher_client(app, classroom)

    response = post_override(client, classroom, bob, score="92,5", reason="Oral exam <b>passed</b>", save="1")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{student_url(classroom, bob)}#grade-{classroom['item'].id}")
    grade = grade_of(db_session, classroom, bob)
    assert (grade.score, grade.override_score) == (0.75, 0.925)
    assert trail(db_session, grade.id) == [(None, 0.925, "Oral exam <b>passed</b>", classroom["teacher"].id)]

    page = client.get(student_url(classroom, bob), headers=EN).text
    assert "The score is set to 92.5%." in visible_text(page)
    card = visible_text(re.search(r'<li class="grade-card" id="grade-\d+">(.*?)</li>', page, re.S).group(1))
    assert "92.5% ✎ set by the teacher computed: 75%" in card
    audit = re.search(r'<table class="striped audit-trail">(.*?)</table>', page, re.S).group(1)
    assert "Oral exam &lt;b&gt;passed&lt;/b&gt;" in audit and "<b>passed" not in page
    assert re.search(
        r"Weather survey[^<]*</td>\s*<td>Tamara Teacher</td>\s*<td class=\"num\"><span class=\"muted\">"
        r"computed</span></td>\s*<td class=\"num\">92\.5%</td>",
        audit,
    )

    rows = gradebook_rows(client.get(gradebook_url(classroom), headers=EN).text)
    assert rows["Bob"].split(bob.email)[1].strip().startswith("92.5% ✎ set by the teacher 1 attempt")
    assert rows["Bob"].endswith("0.93")  # 0.925 shown to two decimals

    # A new attempt changes the computed score, never the teacher's.
    answer(app, bob, classroom["item"], "0.6")
    grade = grade_of(db_session, classroom, bob)
    assert (grade.score, grade.override_score, grade.attempts) == (1.0, 0.925, 2)

    removed = post_override(client, classroom, bob, reason="Back to the computed score", clear="1")
    assert removed.status_code == 302
    grade = grade_of(db_session, classroom, bob)
    assert (grade.override_score, grade.override_reason, grade.effective_score) == (None, None, 1.0)
    assert trail(db_session, grade.id)[-1][:3] == (0.925, None, "Back to the computed score")
    follow = client.get(student_url(classroom, bob), headers=EN).text
    assert "The override is removed" in follow


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"score": "80", "reason": "", "save": "1"}, "Give a reason: it is kept with the grade's history."),
        ({"score": "80", "reason": "   ", "save": "1"}, "Give a reason: it is kept with the grade's history."),
        ({"score": "80", "reason": "x" * 501, "save": "1"}, "The reason is too long: at most 500 characters."),
        ({"score": "", "reason": "why", "save": "1"}, "Type a score from 0 to 100, or remove the override."),
        ({"score": "101", "reason": "why", "save": "1"}, "“101” is not a score from 0 to 100"),
        ({"score": "-5", "reason": "why", "save": "1"}, "“-5” is not a score from 0 to 100"),
        ({"score": "nan", "reason": "why", "save": "1"}, "“nan” is not a score from 0 to 100"),
        ({"score": "1e2", "reason": "why", "save": "1"}, "“1e2” is not a score from 0 to 100"),
        ({"score": "9" * 5000, "reason": "why", "save": "1"}, "This is not a score from 0 to 100"),
        ({"reason": "nothing to remove", "clear": "1"}, "This grade has no override to remove."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_stores_nothing(app, classroom, db_session, fields, message):
    alice = classroom["alice"]
    add_grade(db_session, classroom["item"], alice, 0.5)
    response = post_override(teacher_client(app, classroom), classroom, alice, **fields)
    assert response.status_code == 422
    assert message in visible_text(response.text)
    assert re.search(r'<details class="override" open>', response.text)  # the form with the message is open
    assert db_session.scalar(select(func.count()).select_from(GradeOverride)) == 0
    assert grade_of(db_session, classroom, alice).override_score is None


def test_messages_are_in_russian_for_a_russian_teacher(app, classroom, db_session):
    add_grade(db_session, classroom["item"], classroom["alice"], 0.5)
    response = post_override(
        teacher_client(app, classroom), classroom, classroom["alice"], headers=RU, score="abc", reason="", save="1"
    )
    assert response.status_code == 422
    text = visible_text(response.text)
    assert "Укажите причину" in text and "«abc» — не балл от 0 до 100" in text
    assert "Give a reason" not in text
    # The page around the form speaks Russian too.
    for heading in ("Оценки", "Изменения оценок", "Ответы", "Изменить балл", "Новый балл, %", "Причина"):
        assert heading in text, heading
    for english in ("Grades", "Changes to the grades", "Submissions", "Change the score", "New score", "Reason"):
        assert english not in text, english


def test_a_typed_reason_may_not_exceed_500_characters_counting_a_line_break_once(app, classroom, db_session):
    alice = classroom["alice"]
    reason = "a" * 249 + "\r\n" + "b" * 250  # 501 characters as sent, 500 as the browser's maxlength counts
    response = post_override(teacher_client(app, classroom), classroom, alice, score="100", reason=reason, save="1")
    assert response.status_code == 302
    grade = grade_of(db_session, classroom, alice)
    assert grade.override_reason == "a" * 249 + "\n" + "b" * 250


def test_a_student_who_never_answered_can_be_given_a_score(app, classroom, db_session):
    bob = classroom["bob"]
    response = post_override(teacher_client(app, classroom), classroom, bob, score="100", reason="Excused", save="1")
    assert response.status_code == 302
    grade = grade_of(db_session, classroom, bob)
    assert (grade.score, grade.attempts, grade.override_score) == (0.0, 0, 1.0)


def test_without_the_csrf_token_nothing_is_stored(app, classroom, db_session):
    client = teacher_client(app, classroom)
    item = classroom["item"]
    response = client.post(
        override_url(classroom, classroom["alice"]),
        data={f"item{item.id}-score": "100", f"item{item.id}-reason": "r", f"item{item.id}-save": "1"},
    )
    assert response.status_code == 400
    assert db_session.scalar(select(func.count()).select_from(GradeOverride)) == 0


def test_an_item_or_student_of_another_course_is_not_found(
    app, classroom, db_session, make_user, make_course, make_assignment
):
    elsewhere = make_assignment(make_course(make_user(Role.TEACHER), title="Elsewhere"))
    client = teacher_client(app, classroom)
    alice = classroom["alice"]
    response = post_override(client, classroom, alice, item=elsewhere.items[0], score="100", reason="r", save="1")
    assert response.status_code == 404
    outsider = make_user(name="Olga Outsider")
    page = client.get(student_url(classroom, alice))
    response = client.post(
        override_url(classroom, outsider), data={"csrf_token": hidden_fields(page.text)["csrf_token"]}
    )
    assert response.status_code == 404
    assert db_session.scalar(select(func.count()).select_from(GradeOverride)) == 0


def test_times_are_in_the_teachers_time_zone(app, classroom, db_session):
    # Novosibirsk is UTC+7 all year: 09:30 UTC is 16:30 there (written by hand, not by the code under test).
    classroom["teacher"].timezone = "Asia/Novosibirsk"
    db_session.flush()
    store_submission(
        db_session, classroom, classroom["bob"], "0.5", created_at=datetime(2026, 1, 15, 9, 30, tzinfo=timezone.utc)
    )
    page = teacher_client(app, classroom).get(student_url(classroom, classroom["bob"]), headers=EN).text
    card = visible_text(re.search(r'<article class="submission-card">(.*?)</article>', page, re.S).group(1))
    assert "15 Jan 2026, 16:30 UTC+7" in card
