"""A password someone else has seen is replaced at the first login: accounts made by a roster import carry
``must_change_password``; after logging in such a user reaches nothing but the "choose your password" page (logging
out, switching the language and static files excepted) until they choose one by the registration's rules and
different from the old; then the flag is cleared and every session opened with the old password ends."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from webapp.models import User
from webapp.services.accounts import AccountError, choose_password, create_user

from ..conftest import PASSWORD, hidden_fields, log_in, submit_form
from .test_course_admin import passwords_on, paste_roster, teacher_client

EN = {"Accept-Language": "en"}
OWN = "my-own-secret-42"


@pytest.fixture
def imported(app, db_session, classroom):
    """Nina, imported from a list into the classroom's course (a new account), and Alice, who had an account."""
    teacher = teacher_client(app, classroom["teacher"])
    roster = f"Nina Novak, nina@example.com\nAlice, {classroom['alice'].email}"
    page = paste_roster(teacher, classroom["course"], roster)
    nina = db_session.scalars(select(User).where(User.email == "nina@example.com")).one()
    return {**classroom, "nina": nina, "first_password": passwords_on(page.text)["nina@example.com"]}


def log_in_as_nina(app, imported, next_url: str | None = None):
    client = app.test_client()
    url = "/login" + (f"?next={next_url}" if next_url else "")
    response = submit_form(client, url, {"email": "nina@example.com", "password": imported["first_password"]})
    assert response.status_code == 302
    return client, response


def choose(client, password: str, confirm: str | None = None, url: str = "/password"):
    return submit_form(client, url, {"password": password, "confirm": password if confirm is None else confirm},
                       headers=EN)


def test_only_accounts_the_import_created_must_change_their_password(db_session, imported):
    assert imported["nina"].must_change_password is True
    db_session.refresh(imported["alice"])
    assert imported["alice"].must_change_password is False  # her password is her own: enrolled, not touched
    registered = create_user(db_session, email="reg@example.com", name="Reg", password=PASSWORD)
    assert registered.must_change_password is False


def test_after_logging_in_every_page_leads_to_choosing_a_password(app, imported):
    item = imported["item"]
    client, response = log_in_as_nina(app, imported, next_url=f"/items/{item.id}")
    assert urlsplit(response.headers["Location"]).path == "/password"
    assert parse_qs(urlsplit(response.headers["Location"]).query)["next"] == [f"/items/{item.id}"]
    page = client.get("/password", headers=EN)
    assert page.status_code == 200 and "Choose your password" in page.text
    for url in ("/", f"/items/{item.id}", f"/assignments/{imported['assignment'].id}", "/teach/"):
        refused = client.get(url, headers=EN)
        assert refused.status_code == 302, url
        assert urlsplit(refused.headers["Location"]).path == "/password", url
        assert parse_qs(urlsplit(refused.headers["Location"]).query)["next"] == [url]
    # An answer cannot be sent either: nothing is read or stored before the password is chosen.
    token = hidden_fields(page.text)["csrf_token"]
    posted = client.post(f"/items/{item.id}", data={"csrf_token": token, "part_p_hat": "0.6"})
    assert urlsplit(posted.headers["Location"]).path == "/password"
    with client.get("/static/app.css") as static:
        assert static.status_code == 200
    switched = client.post("/language", data={"csrf_token": token, "language": "ru", "next": "/password"})
    assert switched.status_code == 302 and "Выберите пароль" in client.get("/password").text
    out = client.post("/logout", data={"csrf_token": token})
    assert urlsplit(out.headers["Location"]).path == "/login"
    assert urlsplit(client.get("/").headers["Location"]).path == "/login"


@pytest.mark.parametrize("password, confirm, message", [
    ("short", "short", "The password must be at least 8 characters long."),
    (OWN, OWN + "x", "The two passwords differ."),
    ("", "", "Choose a password."),
])
def test_the_new_password_follows_the_registration_rules(app, db_session, imported, password, confirm, message):
    client, _response = log_in_as_nina(app, imported)
    response = choose(client, password, confirm)
    assert response.status_code == 422 and message in response.text
    db_session.refresh(imported["nina"])
    assert imported["nina"].must_change_password is True


def test_the_password_handed_out_cannot_be_chosen_again(app, db_session, imported):
    client, _response = log_in_as_nina(app, imported)
    response = choose(client, imported["first_password"])
    assert response.status_code == 422
    assert "This is the password you were given. Choose a different one, of your own." in response.text
    with pytest.raises(AccountError) as refused:
        choose_password(imported["nina"], imported["first_password"])
    assert refused.value.code == "password_unchanged"


def test_choosing_a_password_clears_the_flag_and_ends_the_other_sessions(app, db_session, imported):
    elsewhere, _response = log_in_as_nina(app, imported)  # a second browser, logged in with the old password
    client, _response = log_in_as_nina(app, imported, next_url=f"/items/{imported['item'].id}")
    old_token = imported["nina"].session_token
    response = choose(client, OWN, url=f"/password?next=/items/{imported['item'].id}")
    assert response.status_code == 302 and response.headers["Location"] == f"/items/{imported['item'].id}"

    db_session.refresh(imported["nina"])
    assert imported["nina"].must_change_password is False and imported["nina"].session_token != old_token
    home = client.get("/", headers=EN)
    assert home.status_code == 200 and imported["course"].title in home.text  # this browser goes on
    assert urlsplit(elsewhere.get("/").headers["Location"]).path == "/login"  # the other one is logged out
    assert client.get("/password").status_code == 302  # nothing left to change

    again = app.test_client()
    old = submit_form(again, "/login", {"email": "nina@example.com", "password": imported["first_password"]},
                      headers=EN)
    assert old.status_code == 200 and "Wrong e-mail or password." in old.text
    assert log_in(again, imported["nina"], OWN).headers["Location"] == "/"


def test_someone_who_need_not_change_it_is_sent_home(client, classroom):
    log_in(client, classroom["alice"])
    assert client.get("/password").headers["Location"] == "/"


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_set_password_asks_for_a_change_only_when_told(runner, db_session, make_user):
    user = make_user()
    result = runner.invoke(args=["users", "set-password", user.email, "--must-change"], input=f"{OWN}\n{OWN}\n")
    assert result.exit_code == 0, result.output
    assert "to be replaced at the next login" in result.stdout
    db_session.refresh(user)
    assert user.must_change_password is True
    result = runner.invoke(args=["users", "set-password", user.email], input=f"{OWN}2\n{OWN}2\n")
    assert result.exit_code == 0, result.output
    db_session.refresh(user)
    assert user.must_change_password is False
