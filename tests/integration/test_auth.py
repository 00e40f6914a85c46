"""Accounts through the real forms: registering with a join code, logging in and out, CSRF, cookies, language."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from webapp.config import ConfigError, build_config
from webapp.models import CourseRole, Enrolment, Role, User
from webapp.services.accounts import hash_password

from ..conftest import PASSWORD, hidden_fields, log_in, submit_form

NEW_PASSWORD = "a long enough passphrase"
EN = {"Accept-Language": "en"}
RU = {"Accept-Language": "ru-RU,ru;q=0.9"}


def user_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(User))


def enrolment_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Enrolment))


def registration(code: str, **fields: str) -> dict[str, str]:
    return {"name": "Ada Lovelace", "email": "ada@example.com", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
            "join_code": code, **fields}


def csrf_token(client, url: str = "/login") -> str:
    return hidden_fields(client.get(url).text)["csrf_token"]


def input_value(page: str, name: str) -> str | None:
    """The value attribute of the input called ``name`` as the browser would read it (None when absent)."""
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    assert tag, f"no input named {name}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else None


def is_logged_in(client) -> bool:
    response = client.get("/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


# ----- registration ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("spelling", [str, str.lower, lambda code: f"  {code.lower()} "],
                         ids=["as-given", "lowercase", "lowercase-with-spaces"])
def test_register_with_a_join_code_enrols_and_logs_in(client, db_session, make_course, spelling):
    course = make_course(title="Likelihood for Beginners")
    response = submit_form(client, "/register", registration(spelling(course.join_code), email="Ada.L@Example.COM"))
    assert response.status_code == 302 and response.headers["Location"] == "/"

    user = db_session.scalars(select(User).where(User.name == "Ada Lovelace")).one()
    assert user.email == "ada.l@example.com"
    assert user.role == Role.STUDENT.value and not user.is_teacher
    enrolments = db_session.scalars(select(Enrolment).where(Enrolment.user_id == user.id)).all()
    assert [(e.course_id, e.role) for e in enrolments] == [(course.id, CourseRole.STUDENT.value)]

    home = client.get("/", headers=EN)
    assert home.status_code == 200
    assert "Likelihood for Beginners" in home.text and "Hello, Ada Lovelace." in home.text


REGISTER_ERRORS = [
    # (what differs from a valid registration, the field that carries the message, English, Russian)
    ("unknown_join_code", "join_code", "No course has this join code. Check it with your teacher.",
     "Курса с таким кодом нет. Уточните код у преподавателя."),
    ("email_taken", "email", "An account with this e-mail address exists already. Log in instead.",
     "Учётная запись с этим адресом уже есть. Войдите в неё."),
    ("password_too_short", "password", "The password must be at least 8 characters long.",
     "Пароль должен быть не короче 8 символов."),
    ("passwords_differ", "confirm", "The two passwords differ.", "Пароли не совпадают."),
    ("invalid_email", "email", "This does not look like an e-mail address.",
     "Это не похоже на адрес электронной почты."),
]


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("case, field, english, russian", REGISTER_ERRORS, ids=[e[0] for e in REGISTER_ERRORS])
def test_register_error_keeps_what_was_typed_and_creates_nothing(client, db_session, make_course, make_user,
                                                                 case, field, english, russian, language):
    course = make_course()
    make_user(email="taken@example.com")
    overrides = {
        "unknown_join_code": {"join_code": "NOSUCHCODE"},
        "email_taken": {"email": "Taken@Example.com"},
        "password_too_short": {"password": "short", "confirm": "short"},
        "passwords_differ": {"confirm": NEW_PASSWORD + "!"},
        "invalid_email": {"email": "ada-at-example.com"},
    }[case]
    data = registration(course.join_code, **overrides)
    users, enrolments = user_count(db_session), enrolment_count(db_session)

    headers = EN if language == "en" else RU
    response = submit_form(client, "/register", data, headers=headers)

    assert response.status_code in (200, 422), "an invalid registration stays on the form"
    message = english if language == "en" else russian
    error = re.search(rf'<small id="{field}-error" class="field-error">([^<]*)</small>', response.text)
    assert error and html.unescape(error.group(1)) == message
    assert 'aria-invalid="true"' in re.search(rf'<input[^>]*\bname="{field}"[^>]*>', response.text).group(0)
    # What was typed is kept (except the passwords, which are never sent back).
    assert input_value(response.text, "name") == "Ada Lovelace"
    assert input_value(response.text, "email") == data["email"]
    assert not input_value(response.text, "password") and not input_value(response.text, "confirm")
    assert NEW_PASSWORD not in response.text
    # Nothing was created, and nobody is logged in.
    assert (user_count(db_session), enrolment_count(db_session)) == (users, enrolments)
    assert not is_logged_in(client)


@pytest.mark.strong_hashing
def test_password_hash_is_argon2id_with_strong_parameters(client, db_session, make_course):
    course = make_course()
    submit_form(client, "/register", registration(course.join_code))
    stored = db_session.scalars(select(User).where(User.email == "ada@example.com")).one().password_hash

    match = re.fullmatch(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)", stored)
    assert match, stored
    memory_kib, iterations, lanes = (int(match.group(i)) for i in (1, 2, 3))
    assert memory_kib >= 65536 and iterations >= 2 and lanes >= 1
    assert len(match.group(4)) >= 22  # a salt of at least 16 bytes, base64 without padding
    assert NEW_PASSWORD not in stored and NEW_PASSWORD.encode().hex() not in stored
    assert PasswordHasher().verify(stored, NEW_PASSWORD)

    assert hash_password(NEW_PASSWORD) != stored  # a random salt: equal passwords do not give equal hashes


# ----- logging in ------------------------------------------------------------------------------------------------

def test_wrong_password_and_unknown_email_look_the_same(client, make_user):
    user = make_user()
    pages = [
        submit_form(client, "/login", {"email": user.email, "password": "not the password"}, headers=EN),
        submit_form(client, "/login", {"email": "nobody@example.com", "password": PASSWORD}, headers=EN),
    ]
    for page in pages:
        assert page.status_code == 200
        errors = re.findall(r'<small id="(\w+)-error" class="field-error">([^<]*)</small>', page.text)
        assert errors == [("password", "Wrong e-mail or password.")]
    assert not is_logged_in(client)


def test_login_in_russian_says_the_same_in_russian(client, make_user):
    user = make_user()
    page = submit_form(client, "/login", {"email": user.email, "password": "not the password"}, headers=RU)
    assert "Неверный адрес или пароль." in page.text


def test_correct_login_goes_home_and_email_case_does_not_matter(client, make_user):
    make_user(email="mixed@example.com")
    response = submit_form(client, "/login", {"email": " MIXED@Example.com ", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert is_logged_in(client)


def test_login_follows_a_local_next(client, make_user):
    user = make_user()
    response = submit_form(client, "/login?next=/items/1", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/items/1"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "//evil.example/items/1",
                                    "/\\evil.example", "javascript:alert(1)", "http:/evil.example"])
def test_login_does_not_follow_a_next_to_another_site(client, make_user, target):
    user = make_user()
    page = client.get("/login", query_string={"next": target})
    response = client.post("/login", query_string={"next": target},
                           data={**hidden_fields(page.text), "email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc, location.path) in (("", "", "/"), ("http", "localhost", "/"))
    assert "evil" not in response.headers["Location"]


# ----- logging out -----------------------------------------------------------------------------------------------

def test_logout_ends_the_session_even_for_a_copied_cookie(app, client, db_session, make_user):
    user = make_user()
    log_in(client, user)
    stolen = client.get_cookie("session").value
    token_before = user.session_token

    # The copied cookie works while the session lives...
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/").status_code == 200

    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")}, headers=EN)
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"
    assert not is_logged_in(client)
    db_session.refresh(user)
    assert user.session_token != token_before

    # ...and not after logout: the token inside it was rotated.
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    refused = thief.get("/")
    assert refused.status_code == 302 and urlsplit(refused.headers["Location"]).path == "/login"


def test_logout_by_get_is_not_allowed(client, make_user):
    log_in(client, make_user())
    assert client.get("/logout").status_code == 405
    assert is_logged_in(client)


# ----- CSRF ------------------------------------------------------------------------------------------------------

def test_login_without_csrf_is_refused(client, make_user):
    user = make_user()
    client.get("/login")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert not is_logged_in(client)


def test_register_without_csrf_is_refused(client, db_session, make_course):
    course = make_course()
    users = user_count(db_session)
    client.get("/register")
    response = client.post("/register", data=registration(course.join_code))
    assert response.status_code == 400
    assert user_count(db_session) == users
    assert not is_logged_in(client)


def test_logout_without_csrf_is_refused(client, db_session, make_user):
    user = make_user()
    log_in(client, user)
    token_before = user.session_token
    response = client.post("/logout")
    assert response.status_code == 400
    assert is_logged_in(client)
    db_session.refresh(user)
    assert user.session_token == token_before


def test_language_without_csrf_is_refused(client, db_session, make_user):
    user = make_user()
    log_in(client, user)
    response = client.post("/language", data={"language": "en"})
    assert response.status_code == 400
    assert "lang=" not in response.headers.get("Set-Cookie", "")
    assert client.get_cookie("lang") is None
    db_session.refresh(user)
    assert user.locale is None


# ----- cookies and configuration ---------------------------------------------------------------------------------

def session_set_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    cookie = session_set_cookie(log_in(client, make_user()))
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")}
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "samesite=lax"
    assert "secure" not in attributes  # the test server is plain http, as on 127.0.0.1 in development


def test_session_cookie_is_secure_when_configured(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    user = make_user()
    client = app.test_client()
    # Over https flask-wtf also checks that the form came from this site (the Referer header).
    https = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/login"}}
    page = client.get("/login", **https)
    response = client.post("/login", data={**hidden_fields(page.text), "email": user.email, "password": PASSWORD},
                           **https)
    assert response.status_code == 302
    cookie = session_set_cookie(response).lower()
    assert "; secure" in cookie and "; httponly" in cookie and "samesite=lax" in cookie


def test_production_configuration_is_secure_and_needs_a_secret(tmp_path):
    config = build_config(tmp_path, environ={"MLELAB_ENV": "production", "SECRET_KEY": "x" * 40})
    assert config["PRODUCTION"] is True
    assert config["SESSION_COOKIE_SECURE"] is True and config["REMEMBER_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True and config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["SECRET_KEY"] == "x" * 40
    with pytest.raises(ConfigError):
        build_config(tmp_path, environ={"MLELAB_ENV": "production"})


# ----- language --------------------------------------------------------------------------------------------------

def html_lang(page: str) -> str:
    return re.search(r'<html lang="(\w+)"', page).group(1)


def test_language_switch_sets_a_cookie_for_anonymous_visitors(client):
    page = client.get("/login", headers=RU)
    assert html_lang(page.text) == "ru" and "Войти" in page.text
    response = client.post("/language", data={"csrf_token": hidden_fields(page.text)["csrf_token"],
                                              "language": "en", "next": "/login"}, headers=RU)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get_cookie("lang").value == "en"
    after = client.get("/login", headers=RU)
    assert html_lang(after.text) == "en" and "Log in" in after.text and "Войти" not in after.text


def test_unknown_language_is_ignored(client):
    page = client.get("/login", headers=RU)
    client.post("/language", data={"csrf_token": hidden_fields(page.text)["csrf_token"], "language": "xx"})
    assert client.get_cookie("lang") is None
    assert html_lang(client.get("/login", headers=RU).text) == "ru"


def test_language_of_a_logged_in_user_is_stored_and_wins_over_the_browser(app, client, db_session, make_user):
    user = make_user()
    log_in(client, user)
    response = client.post("/language", data={"csrf_token": csrf_token(client, "/"), "language": "en"}, headers=RU)
    assert response.status_code == 302
    db_session.refresh(user)
    assert user.locale == "en"

    # Without the cookie (another browser), the account's choice still beats a Russian Accept-Language.
    elsewhere = app.test_client()
    log_in(elsewhere, user)
    assert elsewhere.get_cookie("lang") is None
    home = elsewhere.get("/", headers=RU)
    assert html_lang(home.text) == "en" and "My courses" in home.text and "Мои курсы" not in home.text


@pytest.fixture
def rate_limits(app, monkeypatch):
    """The production limit for one test (the suite's is huge: every test logs in from 127.0.0.1)."""
    from webapp.config import CREDENTIAL_RATE_LIMIT
    from webapp.extensions import limiter

    monkeypatch.setitem(app.config, "CREDENTIAL_RATE_LIMIT", CREDENTIAL_RATE_LIMIT)
    limiter.reset()
    yield
    limiter.reset()


def test_password_guessing_is_rate_limited(client, rate_limits):
    guess = {"email": "someone@example.com", "password": "wrong guess"}
    statuses = []
    for _ in range(11):
        token = hidden_fields(client.get("/login").text)["csrf_token"]
        statuses.append(client.post("/login", data={"csrf_token": token, **guess},
                                    headers={"Accept-Language": "en"}).status_code)
    refused = client.post("/login", data={"csrf_token": token, **guess}, headers={"Accept-Language": "en"})
    assert statuses == [200] * 10 + [429]
    assert "Too many attempts" in refused.text
    assert client.get("/login").status_code == 200  # reading the page is not limited
