"""The student's answer path runs a fixed, small number of SQL statements, whatever the student did before.

Counted with SQLAlchemy's ``before_cursor_execute`` event: every statement the app sends for one request, except
transaction control (BEGIN, SAVEPOINT, RELEASE, ROLLBACK TO: SQLite's explicit BEGIN and the tests' rolled-back
savepoints, which production runs without). Counts, not timings: a lazy load or an N+1 query that creeps back in
shows here as a different number, on every machine.

A graded POST: the user (Flask-Login), the item with its assignment, course, exercise and versions (one statement),
the enrolment, the variant, the variant's row lock, the attempt count with the form-token check, the submission,
its grading, the submission that counts, the grade's upsert. The exercise page: the user, the item, the enrolment,
the variant, then the attempt history (submissions, their gradings, their versions) and the progress (the
assignment's items, the grades, the attempts, the late items), which also gives the attempts left.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event, func, select

from exercises import load_exercise, option_order
from exercises.schema import ChoicePart
from webapp.extensions import db
from webapp.learn.forms import answer_form_class
from webapp.models import Submission

from ..catalogue_copies import WEATHER_STEPS
from ..conftest import CATALOGUE, hidden_fields, log_in

POST_STATEMENTS = 10
PAGE_STATEMENTS = 11
_TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)


@contextmanager
def counted_statements(app: Flask) -> Iterator[list[str]]:
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(connection, cursor, statement, parameters, context, executemany) -> None:
        if not _TRANSACTION_CONTROL.match(statement):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def survey_answers(p_hat: str) -> dict[str, str]:
    return {**WEATHER_STEPS, "part_p_hat": p_hat}


def test_a_graded_answer_and_the_exercise_page_cost_a_fixed_number_of_statements(app, client, classroom, db_session):
    alice, item = classroom["alice"], classroom["item"]
    url = f"/items/{item.id}"
    log_in(client, alice)
    page = client.get(url)  # the first visit draws the variant and computes its key: not counted
    assert page.status_code == 200

    posts, pages = [], []
    for attempt, p_hat in enumerate(["0.7", "0,6", "3/5"], start=1):
        with counted_statements(app) as statements:
            response = client.post(url, data={**hidden_fields(page.text), **survey_answers(p_hat)})
        assert response.status_code == 302 and response.headers["Location"].endswith("#feedback")
        posts.append(len(statements))
        with counted_statements(app) as statements:
            page = client.get(url, headers={"Accept-Language": "en"})
        assert page.status_code == 200
        pages.append(len(statements))
        # The page shows every attempt so far and the attempts left, from those statements alone.
        assert page.text.count('<li class="attempt"') == attempt
        assert f"Attempts left: {3 - attempt} of 3" in page.text

    stored = db_session.scalar(select(func.count()).select_from(Submission).where(Submission.user_id == alice.id))
    assert stored == 3
    assert posts == [POST_STATEMENTS] * 3
    assert pages == [PAGE_STATEMENTS] * 3


def test_a_refused_answer_writes_nothing_and_reads_what_the_page_reads(app, client, classroom):
    """A malformed answer re-renders the page (with the attempt made before) and writes nothing."""
    url = f"/items/{classroom['item'].id}"
    log_in(client, classroom["alice"])
    page = client.get(url)
    assert client.post(url, data={**hidden_fields(page.text), **survey_answers("0.7")}).status_code == 302
    page = client.get(url)
    with counted_statements(app) as statements:
        response = client.post(url, data={**hidden_fields(page.text), **survey_answers("abc")})
    assert response.status_code == 422 and response.text.count('<li class="attempt"') == 1
    assert not [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert len(statements) == PAGE_STATEMENTS


def test_a_refused_answer_stays_in_its_own_form(client, app, classroom):
    """Form classes are shared between requests; what one student typed is in no other student's form."""
    url = f"/items/{classroom['item'].id}"
    log_in(client, classroom["alice"])
    page = client.get(url)
    refused = client.post(url, data={**hidden_fields(page.text), **survey_answers("alices-typo-4711")})
    assert refused.status_code == 422 and 'value="alices-typo-4711"' in refused.text
    other = app.test_client()
    log_in(other, classroom["bob"])
    bob_page = other.get(url)
    assert bob_page.status_code == 200 and "alices-typo-4711" not in bob_page.text
    again = client.get(url)
    assert "alices-typo-4711" not in again.text  # nor in Alice's own next, fresh form
    assert hidden_fields(again.text)["form_token"] != hidden_fields(page.text)["form_token"]


def seeds_with_two_orders(parts) -> tuple[str, str, str]:
    """Two seeds that show every choice part's options in the same order, and one that shows another order."""

    def orders(seed: str) -> list:
        return [option_order(part, seed) for part in parts if isinstance(part, ChoicePart)]

    first = "seed-0"
    same = next(f"seed-{i}" for i in range(1, 2000) if orders(f"seed-{i}") == orders(first))
    other = next(f"seed-{i}" for i in range(1, 2000) if orders(f"seed-{i}") != orders(first))
    return first, same, other


def test_form_classes_are_shared_only_by_variants_that_show_the_same_options_in_the_same_order(app):
    definition = load_exercise(CATALOGUE / "theory-44-why-take-the-log").definition
    # One shuffled choice of four options (24 orders) and a written part: two seeds of one order are easy to find.
    choice = next(p for p in definition.parts if isinstance(p, ChoicePart) and p.shuffle and len(p.options) == 4)
    parts = [choice, next(p for p in definition.parts if p.kind == "text")]
    first, same, other = seeds_with_two_orders(parts)
    with app.test_request_context():
        shared = answer_form_class(parts, "en", first, 1)
        assert answer_form_class(parts, "en", same, 1) is shared
        for seed in (first, other):
            form = answer_form_class(parts, "en", seed, 1)()
            shown = [option.label for option in form.part_field(choice).choices]
            assert shown == [option.get("en") for option in option_order(choice, seed)]
        assert answer_form_class(parts, "en", other, 1) is not shared
        russian = answer_form_class(parts, "ru", first, 1)
        assert russian is not shared
        assert russian().part_field(choice).label.text == choice.label.get("ru") != choice.label.get("en")
        # The same version id with other parts (another database's version 1) is another class.
        assert answer_form_class(list(parts), "en", first, 1) is not shared


def test_an_address_beyond_any_row_id_is_not_found(client, classroom):
    """The item is read by one prebuilt statement; a number too large for the id column never reaches it."""
    log_in(client, classroom["alice"])
    for url in (
        "/items/2147483648",
        "/items/99999999999999999999999",
        "/items/99999999999999999999999/data.csv",
        "/assignments/99999999999999999999999",
    ):
        assert client.get(url).status_code == 404, url
