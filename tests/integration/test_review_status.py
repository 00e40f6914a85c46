"""A written answer awaiting the teacher's review reads as such in the teacher's view of a student, not as wrong."""

from __future__ import annotations

import html
import re

from webapp.models import CourseRole, Role
from webapp.services.courses import enrol

from ..conftest import log_in, submit_form

SLUG = "theory-44-why-take-the-log"  # three choices and a written answer
TEXT_LABEL = {"en": "Could another transformation of the likelihood", "ru": "Можно ли вместо логарифма взять другое"}


def verdict_cells(page: str) -> dict[str, str]:
    """Each answered part's verdict cell (its HTML) by the part's visible label."""
    card = re.search(r'<article class="submission-card">(.*?)</article>', page, re.S)
    assert card, "no submission shown"
    cells = {}
    for row in re.findall(r"<tr>(.*?)</tr>", card.group(1), re.S):
        columns = re.findall(r"<td>(.*?)</td>", row, re.S)
        if columns:
            cells[" ".join(html.unescape(re.sub(r"<[^>]+>", "", columns[0])).split())] = columns[-1].strip()
    return cells


def test_a_pending_written_answer_shows_as_awaiting_review(app, db_session, make_user, make_course, make_assignment):
    teacher = make_user(Role.TEACHER)
    course = make_course(teacher)
    student = make_user(Role.STUDENT, name="Vera")
    enrol(db_session, course, student, CourseRole.STUDENT)
    item = make_assignment(course, slugs=(SLUG,)).items[0]
    db_session.flush()

    student_client = app.test_client()
    log_in(student_client, student)
    # Only the written answer and one option of each choice: whichever they are, the text is not graded yet.
    response = submit_form(
        student_client,
        f"/items/{item.id}",
        {
            "part_reasons": "0",
            "part_underflow_value": "0",
            "part_log_value": "0",
            "part_other_transform": "Any increasing transformation keeps the maximiser.",
        },
    )
    assert response.status_code == 302

    teacher_client = app.test_client()
    log_in(teacher_client, teacher)
    for language, awaiting, wrong in (("en", "awaiting review", "incorrect"), ("ru", "ждёт проверки", "неверно")):
        page = teacher_client.get(
            f"/teach/courses/{course.id}/students/{student.id}", headers={"Accept-Language": language}
        )
        assert page.status_code == 200
        cells = verdict_cells(page.text)
        assert len(cells) == 4
        [text_cell] = [cell for label, cell in cells.items() if label.startswith(TEXT_LABEL[language])]
        assert text_cell == f'<span class="badge badge-info">{awaiting}</span>'
        assert wrong not in text_cell
        # The choices keep their verdicts, each in a badge of another colour than the review's.
        others = [cell for label, cell in cells.items() if not label.startswith(TEXT_LABEL[language])]
        assert all("badge-info" not in cell and awaiting not in cell for cell in others)
        assert all(re.fullmatch(r'<span class="badge badge-(ok|warn|bad)">[^<]+</span>', cell) for cell in others)
