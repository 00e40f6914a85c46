"""The database the migrations build is the database the models describe, and its constraints hold."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import Base, Grade, Grading, Submission, User
from webapp.services.variants import get_or_create_variant

from ..conftest import TEST_SECRET, make_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"


def test_migrated_schema_equals_the_models(migrated_app):
    with migrated_app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                       Base.metadata)
    assert differences == []


def test_constraints_carry_the_naming_convention(migrated_app):
    with migrated_app.app_context(), db.engine.connect() as connection:
        inspector = inspect(connection)
        unique = {c["name"] for c in inspector.get_unique_constraints("submissions")}
        checks = {c["name"] for c in inspector.get_check_constraints("gradings")}
    assert "uq_submissions_variant_id_attempt_no" in unique
    assert "ck_gradings_score_fraction" in checks


def test_migrations_are_dated_and_downgrade_cleanly(tmp_path):
    for path in MIGRATIONS.glob("*.py"):
        assert path.name[:8].isdigit() and path.name[8] == "_", path.name
    app = make_app(f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}", tmp_path)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        with db.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        upgrade()
        with db.engine.connect() as connection:
            assert "submissions" in inspect(connection).get_table_names()
        db.engine.dispose()


@pytest.fixture
def submission(client, classroom, db_session):
    from ..catalogue_copies import WEATHER_STEPS
    from ..conftest import log_in, submit_form

    log_in(client, classroom["alice"])
    submit_form(client, f"/items/{classroom['item'].id}", {**WEATHER_STEPS, "part_p_hat": "0.6"})
    return db_session.scalars(select(Submission)).one()


def test_one_attempt_number_per_variant(db_session, submission):
    duplicate = Submission(variant_id=submission.variant_id, assignment_item_id=submission.assignment_item_id,
                           user_id=submission.user_id, exercise_version_id=submission.exercise_version_id,
                           attempt_no=submission.attempt_no, raw_answers={}, parsed_answers={})
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(duplicate)
        db_session.flush()


@pytest.mark.parametrize("score", [-0.01, 1.01])
def test_scores_are_fractions(db_session, submission, score):
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(Grading(submission_id=submission.id, grader_version="x", score=score, verdicts={}))
        db_session.flush()
    grade = db_session.scalars(select(Grade)).one()
    with pytest.raises(IntegrityError), db_session.begin_nested():
        grade.score = score
        db_session.flush()


def test_an_override_needs_a_reason(db_session, submission):
    grade = db_session.scalars(select(Grade)).one()
    with pytest.raises(IntegrityError), db_session.begin_nested():
        grade.override_score = 0.5
        db_session.flush()


def test_emails_are_stored_lowercase(db_session):
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(User(email="Mixed@Example.com", name="x", password_hash="x", role="student",
                            session_token="t"))
        db_session.flush()


def test_one_variant_per_student_and_exercise(db_session, classroom):
    item = classroom["item"]
    first = get_or_create_variant(db_session, course=classroom["course"], user=classroom["alice"],
                                  exercise=item.exercise, secret=TEST_SECRET)
    again = get_or_create_variant(db_session, course=classroom["course"], user=classroom["alice"],
                                  exercise=item.exercise, secret=TEST_SECRET)
    other = get_or_create_variant(db_session, course=classroom["course"], user=classroom["bob"],
                                  exercise=item.exercise, secret=TEST_SECRET)
    assert first.id == again.id and first.seed == again.seed
    assert other.seed != first.seed and len(first.seed) == 32
