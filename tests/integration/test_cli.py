"""The ``flask`` commands, run through the app's CLI runner inside the test's rolled-back transaction."""

from __future__ import annotations

import re
import shutil

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from webapp.models import Course, Exercise, Role, User
from webapp.services.demo import DEMO_COURSE_TITLE, DEMO_STUDENT_EMAIL, DEMO_TEACHER_EMAIL

from ..catalogue_copies import WEATHER_UUID, copy_weather, edit_file
from ..conftest import PASSWORD, log_in, submit_form

OTHER_UUID = "0f5c3a52-7d1e-4d7b-9a4e-2b8f1c6d9e01"
BROKEN_SIG_FIGS = ("sig_figs = 3", 'sig_figs = "abc"')
EN = {"Accept-Language": "en"}


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def logs_in(app: Flask, email: str, password: str) -> bool:
    """Whether a fresh browser can log in with these credentials through the login form."""
    response = submit_form(app.test_client(), "/login", {"email": email, "password": password}, headers=EN)
    if response.status_code == 302:
        return True
    assert response.status_code == 200 and "Wrong e-mail or password." in response.text
    return False


# ----- flask exercises check -------------------------------------------------------------------------------------

def test_check_on_the_real_catalogue_is_ok(runner):
    result = runner.invoke(args=["exercises", "check"])
    assert result.exit_code == 0, result.output
    assert "ok   exercises/weather-15: 20 variants verified; first: p_hat = 0.6" in result.stdout
    assert result.stderr == ""


def test_check_computes_the_requested_number_of_variants(runner, catalogue_root):
    copy_weather(catalogue_root)
    result = runner.invoke(args=["exercises", "check", "--path", str(catalogue_root), "--variants", "3"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "ok   exercises/weather-15: 3 variants verified; first: p_hat = 0.6"


def test_check_on_a_broken_catalogue_fails_with_file_and_field(runner, catalogue_root, db_session):
    copy_weather(catalogue_root, BROKEN_SIG_FIGS)
    copy_weather(catalogue_root, slug="weather-16", uuid=OTHER_UUID)
    result = runner.invoke(args=["exercises", "check", "--path", str(catalogue_root)])
    assert result.exit_code == 1
    assert ("FAIL exercises/weather-15/exercise.toml: parts[0].tolerance.sig_figs: expected a whole number, "
            "got 'abc'") in result.stderr
    assert "ok   exercises/weather-16:" in result.stdout  # the valid one is still checked
    assert "weather-15" not in result.stdout
    # check never writes to the database
    assert db_session.scalar(select(func.count()).select_from(Exercise)) == 0


def test_check_reports_a_key_that_cannot_be_computed(runner, catalogue_root):
    copy_weather(catalogue_root, ('family = "bernoulli"', 'family = "bernouli"'))
    result = runner.invoke(args=["exercises", "check", "--path", str(catalogue_root)])
    assert result.exit_code == 1
    assert "FAIL exercises/weather-15/exercise.toml: model.family: unknown family 'bernouli'" in result.stderr


def test_check_refuses_a_path_that_does_not_exist(runner, tmp_path):
    result = runner.invoke(args=["exercises", "check", "--path", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


# ----- flask exercises sync --------------------------------------------------------------------------------------

def test_sync_creates_the_exercise_then_reports_it_unchanged(runner, catalogue_root, db_session):
    copy_weather(catalogue_root)
    result = runner.invoke(args=["exercises", "sync", "--path", str(catalogue_root)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "created: weather-15"

    exercise = db_session.scalar(select(Exercise).where(Exercise.uuid == WEATHER_UUID))
    assert exercise is not None and exercise.slug == "weather-15" and exercise.archived_at is None
    assert [v.number for v in exercise.versions] == [1]
    assert [p.name for p in exercise.current_version.parts] == ["p_hat"]

    again = runner.invoke(args=["exercises", "sync", "--path", str(catalogue_root)])
    assert again.exit_code == 0 and again.stdout.strip() == "unchanged: weather-15"


def test_sync_with_an_invalid_file_fails_and_leaves_it_alone(runner, catalogue_root, db_session):
    broken = copy_weather(catalogue_root)
    assert runner.invoke(args=["exercises", "sync", "--path", str(catalogue_root)]).exit_code == 0
    edit_file(broken / "exercise.toml", *BROKEN_SIG_FIGS)
    copy_weather(catalogue_root, slug="weather-16", uuid=OTHER_UUID)

    result = runner.invoke(args=["exercises", "sync", "--path", str(catalogue_root)])
    assert result.exit_code == 1
    assert ("invalid, left as it was: exercises/weather-15/exercise.toml: parts[0].tolerance.sig_figs: "
            "expected a whole number, got 'abc'") in result.stderr
    assert result.stdout.strip() == "created: weather-16"  # valid files still sync, and are committed

    db_session.expire_all()
    slugs = {e.slug: e for e in db_session.scalars(select(Exercise))}
    assert set(slugs) == {"weather-15", "weather-16"}
    assert slugs["weather-15"].archived_at is None and len(slugs["weather-15"].versions) == 1


def test_sync_reports_an_archived_exercise(runner, catalogue_root, db_session):
    copy_weather(catalogue_root)
    leaving = copy_weather(catalogue_root, slug="weather-16", uuid=OTHER_UUID)
    runner.invoke(args=["exercises", "sync", "--path", str(catalogue_root)])
    shutil.rmtree(leaving)
    result = runner.invoke(args=["exercises", "sync", "--path", str(catalogue_root)])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["unchanged: weather-15", "archived: weather-16"]
    archived = db_session.scalar(select(Exercise).where(Exercise.uuid == OTHER_UUID))
    assert archived.archived_at is not None


# ----- flask demo ------------------------------------------------------------------------------------------------

DEMO_LINE = re.compile(r"^\s+(?P<role>teacher|student)\s+(?P<email>\S+)\s+password: (?P<password>\S+)$", re.M)
JOIN_CODE = re.compile(r"join code (?P<code>\S+)$", re.M)


def test_demo_prints_working_passwords_once(app, runner, db_session, synced_catalogue):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    accounts = {m["role"]: (m["email"], m["password"]) for m in DEMO_LINE.finditer(result.stdout)}
    assert accounts.keys() == {"teacher", "student"}
    assert accounts["teacher"][0] == DEMO_TEACHER_EMAIL and accounts["student"][0] == DEMO_STUDENT_EMAIL
    teacher_password, student_password = accounts["teacher"][1], accounts["student"][1]
    assert teacher_password != student_password and len(teacher_password) >= 8

    users = {u.email: u for u in db_session.scalars(select(User))}
    assert users[DEMO_TEACHER_EMAIL].role == Role.TEACHER.value
    assert users[DEMO_STUDENT_EMAIL].role == Role.STUDENT.value

    assert logs_in(app, DEMO_TEACHER_EMAIL, teacher_password)
    assert logs_in(app, DEMO_STUDENT_EMAIL, student_password)
    assert not logs_in(app, DEMO_STUDENT_EMAIL, teacher_password)

    # The printed join code is the course's, and it works for a new student.
    [code] = [m["code"] for m in JOIN_CODE.finditer(result.stdout)]
    course = db_session.scalars(select(Course).where(Course.title == DEMO_COURSE_TITLE)).one()
    assert course.join_code == code
    newcomer = app.test_client()
    registered = submit_form(newcomer, "/register", {
        "name": "New Student", "email": "new@example.com", "password": PASSWORD, "confirm": PASSWORD,
        "join_code": code,
    }, headers=EN)
    assert registered.status_code == 302, registered.text
    home = newcomer.get("/", headers=EN)
    assert DEMO_COURSE_TITLE in home.text and "Week 1: the likelihood" in home.text

    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0
    assert "exists already" in again.stdout
    assert "password:" not in again.stdout
    assert teacher_password not in again.stdout and student_password not in again.stdout
    assert db_session.scalar(select(func.count()).select_from(User).where(User.email == DEMO_TEACHER_EMAIL)) == 1
    assert logs_in(app, DEMO_TEACHER_EMAIL, teacher_password)  # the second run changed nothing


# ----- flask users -----------------------------------------------------------------------------------------------

NEW_PASSWORD = "a brand new passphrase"


def test_users_create_makes_a_teacher_who_can_log_in(app, runner, db_session):
    result = runner.invoke(args=["users", "create", " Tina@Example.COM ", "Tina Teacher"],
                           input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "created teacher tina@example.com" in result.stdout
    assert NEW_PASSWORD not in result.output  # the prompt does not echo it

    user = db_session.scalars(select(User).where(User.email == "tina@example.com")).one()
    assert (user.name, user.role) == ("Tina Teacher", Role.TEACHER.value)
    assert NEW_PASSWORD not in user.password_hash
    assert logs_in(app, "tina@example.com", NEW_PASSWORD)
    assert not logs_in(app, "tina@example.com", NEW_PASSWORD + "x")


def test_users_create_with_a_role(runner, db_session):
    result = runner.invoke(args=["users", "create", "sam@example.com", "Sam", "--role", "student"],
                           input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert db_session.scalars(select(User.role).where(User.email == "sam@example.com")).one() == "student"


@pytest.mark.parametrize("password, existing, message", [
    ("short", False, "password too short"),
    (NEW_PASSWORD, True, "email taken"),
])
def test_users_create_refuses(runner, db_session, make_user, password, existing, message):
    if existing:
        make_user(Role.STUDENT, email="tina@example.com")
    result = runner.invoke(args=["users", "create", "tina@example.com", "Tina"], input=f"{password}\n{password}\n")
    assert result.exit_code == 1
    assert message in result.stderr
    assert db_session.scalar(select(func.count()).select_from(User)) == (1 if existing else 0)


def test_users_create_refuses_passwords_that_differ(runner, db_session):
    result = runner.invoke(args=["users", "create", "tina@example.com", "Tina"],
                           input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}!\n")
    assert result.exit_code != 0
    assert "do not match" in result.output
    assert db_session.scalar(select(func.count()).select_from(User)) == 0


def test_set_password_changes_it_and_ends_open_sessions(app, client, runner, db_session, make_user):
    user = make_user(Role.STUDENT)
    old_token, old_hash = user.session_token, user.password_hash
    log_in(client, user)
    assert client.get("/").status_code == 200

    result = runner.invoke(args=["users", "set-password", user.email.upper()],
                           input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert f"new password set for {user.email}" in result.stdout

    db_session.refresh(user)
    assert user.session_token != old_token and user.password_hash != old_hash
    # The browser that was logged in is logged out: its cookie carries the old token.
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].startswith("/login")
    assert not logs_in(app, user.email, PASSWORD)
    assert logs_in(app, user.email, NEW_PASSWORD)


@pytest.mark.parametrize("password, message", [
    ("short", "the password must be at least 8 characters long"),
    ("", "Aborted"),  # click asks again for an empty password, and the input ends
])
def test_set_password_refuses_a_too_short_password(app, runner, db_session, make_user, password, message):
    user = make_user(Role.STUDENT)
    old_token, old_hash = user.session_token, user.password_hash
    result = runner.invoke(args=["users", "set-password", user.email], input=f"{password}\n{password}\n")
    assert result.exit_code == 1
    assert message in result.stderr
    db_session.refresh(user)
    assert (user.session_token, user.password_hash) == (old_token, old_hash)
    assert logs_in(app, user.email, PASSWORD)


def test_set_password_for_an_unknown_account(runner):
    result = runner.invoke(args=["users", "set-password", "nobody@example.com"],
                           input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 1
    assert "no account with e-mail nobody@example.com" in result.stderr
