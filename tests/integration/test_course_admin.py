"""A teacher opens a course, manages its join code, imports a roster and sees who joined.

Expected values are written by hand: the lines of each roster, what each line must produce, the passwords as the
page showed them (read back from the page, then used to log in).
"""

from __future__ import annotations

import base64
import csv
import html
import io
import re

import pytest
from sqlalchemy import func, select

from webapp.models import Course, CourseRole, Enrolment, Role, User
from webapp.services.accounts import authenticate, find_course_by_join_code
from webapp.services.course_admin import (
    MAX_NEW_ACCOUNTS,
    Outcome,
    RosterError,
    decode_roster,
    import_roster,
    read_roster,
)

from ..conftest import hidden_fields, log_in, submit_form

EN = {"Accept-Language": "en"}
RU = {"Accept-Language": "ru"}
JOIN_CODE = re.compile(r"[A-HJ-NP-Z2-9]{8}")  # the code's alphabet: no 0/O, no 1/I


def teacher_client(app, teacher):
    client = app.test_client()
    log_in(client, teacher)
    return client


def roster_url(course) -> str:
    return f"/teach/courses/{course.id}/roster"


def paste_roster(client, course, text: str, headers=EN):
    return submit_form(client, roster_url(course), {"text": text}, headers=headers)


def upload_roster(client, course, content: bytes, headers=EN):
    page = client.get(roster_url(course), headers=headers)
    data = {**hidden_fields(page.text), "file": (io.BytesIO(content), "students.csv")}
    return client.post(roster_url(course), data=data, content_type="multipart/form-data", headers=headers)


def passwords_on(page: str) -> dict[str, str]:
    """The passwords table of an import's result: e-mail -> password, as shown."""
    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]+)</td><td><code class=\"password\">([^<]+)</code></td></tr>", page)
    return {html.unescape(email): html.unescape(password) for email, password in rows}


def line_results(page: str) -> dict[int, str]:
    """Each line's result as visible text, by line number."""
    body = re.search(r'<table class="striped roster-lines">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    results = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [
            " ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split())
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        results[int(cells[0])] = cells[3]
    return results


def users_named(db_session, email: str) -> int:
    return db_session.scalar(select(func.count()).select_from(User).where(User.email == email))


# ----- the course and its join code -------------------------------------------------------------------------------


def test_a_teacher_opens_a_course_with_a_join_code(app, db_session, make_user):
    teacher = make_user(Role.TEACHER)
    client = teacher_client(app, teacher)
    response = submit_form(client, "/teach/courses/new", {"title": "  Statistics 2, group 101  "}, headers=EN)
    assert response.status_code == 302
    course = db_session.scalar(select(Course).where(Course.title == "Statistics 2, group 101"))
    assert course is not None and response.headers["Location"] == f"/teach/courses/{course.id}"
    assert JOIN_CODE.fullmatch(course.join_code)
    role = db_session.scalar(
        select(Enrolment.role).where(Enrolment.course_id == course.id, Enrolment.user_id == teacher.id)
    )
    assert role == CourseRole.TEACHER.value
    page = client.get(f"/teach/courses/{course.id}", headers=EN)
    assert page.status_code == 200
    assert f'<code class="join-code">{course.join_code}</code>' in page.text
    assert f"/register?code={course.join_code}" in page.text
    listing = client.get("/teach/", headers=EN).text
    assert "Statistics 2, group 101" in listing and f"/teach/courses/{course.id}/assignments/new" in listing


@pytest.mark.parametrize(("headers", "message"), [(EN, "Give the course a title."), (RU, "Дайте курсу название.")])
def test_a_course_needs_a_title(app, db_session, make_user, headers, message):
    client = teacher_client(app, make_user(Role.TEACHER))
    before = db_session.scalar(select(func.count()).select_from(Course))
    response = submit_form(client, "/teach/courses/new", {"title": "   "}, headers=headers)
    assert response.status_code == 422
    assert re.search(r'id="title-error" class="field-error">' + re.escape(message), response.text)
    assert db_session.scalar(select(func.count()).select_from(Course)) == before


def test_a_student_cannot_open_a_course(app, db_session, classroom):
    client = teacher_client(app, classroom["alice"])
    before = db_session.scalar(select(func.count()).select_from(Course))
    token = hidden_fields(client.get("/").text)["csrf_token"]
    response = client.post("/teach/courses/new", data={"csrf_token": token, "title": "Mine"})
    assert response.status_code == 403
    assert db_session.scalar(select(func.count()).select_from(Course)) == before


def test_a_new_join_code_replaces_the_old_one(app, db_session, classroom):
    course = classroom["course"]
    old = course.join_code
    client = teacher_client(app, classroom["teacher"])
    page = client.get(f"/teach/courses/{course.id}", headers=EN)
    response = client.post(f"/teach/courses/{course.id}/join-code", data=hidden_fields(page.text), headers=EN)
    assert response.status_code == 302
    db_session.refresh(course)
    assert course.join_code != old and JOIN_CODE.fullmatch(course.join_code)
    assert find_course_by_join_code(db_session, old) is None
    assert find_course_by_join_code(db_session, course.join_code).id == course.id
    after = client.get(f"/teach/courses/{course.id}", headers=EN).text
    assert f"The new join code is {course.join_code}." in after and old not in after
    assert set(students_table(after)) == {"Alice", "Bob"}  # the students who had joined stay


# ----- importing a roster -----------------------------------------------------------------------------------------

ROSTER = """Name;E-mail
Anna Ivanova;Anna.Ivanova@Example.com
;noname@example.com
Boris Petrov;boris(at)example.com
Anna Again;anna.ivanova@example.com
{existing_name};{existing_email}
Clara Schmidt;

Dmitri Orlov;dmitri@example.com
"""


def test_a_roster_imports_good_lines_and_reports_each_bad_one(app, db_session, classroom, make_user):
    course = classroom["course"]
    existing = make_user(Role.STUDENT, name="Eva Existing", email="eva@example.com")
    client = teacher_client(app, classroom["teacher"])
    text = ROSTER.format(existing_name="Eva E.", existing_email="EVA@example.com")
    response = paste_roster(client, course, text)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert line_results(response.text) == {
        2: "new account, enrolled",
        3: "skipped no name",
        4: "skipped “boris(at)example.com” is not an e-mail address",
        5: "skipped the same e-mail address as line 2",
        6: "existing account, enrolled",
        7: "skipped no e-mail address",
        9: "new account, enrolled",
    }
    assert "Line 1 was read as column headings." in response.text
    shown = passwords_on(response.text)
    assert set(shown) == {"anna.ivanova@example.com", "dmitri@example.com"}

    # Each new account is a student of the course; the existing one is enrolled, not duplicated, and keeps its name.
    students = set(
        db_session.scalars(
            select(User.email)
            .join(Enrolment)
            .where(Enrolment.course_id == course.id, Enrolment.role == CourseRole.STUDENT.value)
        )
    )
    assert {"anna.ivanova@example.com", "dmitri@example.com", "eva@example.com"} <= students
    assert "noname@example.com" not in students
    assert users_named(db_session, "eva@example.com") == 1
    db_session.refresh(existing)
    assert existing.name == "Eva Existing"
    anna = db_session.scalar(select(User).where(User.email == "anna.ivanova@example.com"))
    assert anna.name == "Anna Ivanova" and anna.role == Role.STUDENT.value


def test_a_first_login_password_works_once_shown_and_is_stored_only_hashed(app, db_session, classroom):
    course = classroom["course"]
    client = teacher_client(app, classroom["teacher"])
    response = paste_roster(client, course, "Nina Novak, nina@example.com\n")
    password = passwords_on(response.text)["nina@example.com"]
    assert len(password) >= 12

    nina = db_session.scalar(select(User).where(User.email == "nina@example.com"))
    assert nina.password_hash.startswith("$argon2id$") and password not in nina.password_hash
    row = db_session.execute(select(User.__table__).where(User.id == nina.id)).one()
    assert all(password not in str(value) for value in row)
    assert authenticate(db_session, "nina@example.com", password).id == nina.id

    student = app.test_client()
    response = submit_form(student, "/login", {"email": "nina@example.com", "password": password})
    assert response.status_code == 302 and response.headers["Location"].startswith("/password")
    # The teacher has seen this password: Nina chooses her own before anything else (test_password_change).
    own = {"password": "ninas-own-password", "confirm": "ninas-own-password"}
    assert submit_form(student, "/password", own).status_code == 302
    assert course.title in student.get("/", headers=EN).text

    # Never again: not on the course's pages, and importing the list again makes no new password.
    for url in (f"/teach/courses/{course.id}", roster_url(course)):
        assert password not in client.get(url, headers=EN).text
    again = paste_roster(client, course, "Nina Novak, nina@example.com\n")
    assert line_results(again.text) == {1: "already in the course"}
    assert passwords_on(again.text) == {} and password not in again.text
    assert users_named(db_session, "nina@example.com") == 1


def csv_of(page: str) -> tuple[bytes, str]:
    """The password file the result page offers (a data: URL) and its file name."""
    match = re.search(r'<a href="data:text/csv;base64,([^"]+)" download="([^"]+)"', page)
    assert match, "no download link"
    return base64.b64decode(match.group(1)), match.group(2)


def test_the_password_file_is_safe_to_open_in_a_spreadsheet(app, db_session, classroom):
    course = classroom["course"]
    client = teacher_client(app, classroom["teacher"])
    text = '"=HYPERLINK(""http://evil.example"",""x"")";eve@example.com\n@SUM(A1);sam@example.com\n'
    response = paste_roster(client, course, text)
    shown = passwords_on(response.text)
    content, name = csv_of(response.text)
    assert name.startswith(f"first-login-passwords-course-{course.id}-") and name.endswith(".csv")
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows == [
        ["Name", "E-mail", "First-login password"],
        ['\'=HYPERLINK("http://evil.example","x")', "eve@example.com", shown["eve@example.com"]],
        ["'@SUM(A1)", "sam@example.com", shown["sam@example.com"]],
    ]
    # The names are stored as typed, and escaped on the page.
    assert db_session.scalar(select(User.name).where(User.email == "sam@example.com")) == "@SUM(A1)"
    assert '=HYPERLINK("http' not in response.text


def test_a_csv_file_with_a_bom_and_semicolons_or_commas(app, db_session, classroom):
    course = classroom["course"]
    client = teacher_client(app, classroom["teacher"])
    with_bom = "\ufeffЮлия Петрова;julia@example.com\r\nÉmile Zola;emile@example.com\r\n".encode()
    response = upload_roster(client, course, with_bom)
    assert response.status_code == 200
    assert line_results(response.text) == {1: "new account, enrolled", 2: "new account, enrolled"}
    assert db_session.scalar(select(User.name).where(User.email == "julia@example.com")) == "Юлия Петрова"

    commas = 'name,email\n"Petrov, Ivan",ivan@example.com\n'.encode()
    response = upload_roster(client, course, commas)
    assert line_results(response.text) == {2: "new account, enrolled"}
    assert db_session.scalar(select(User.name).where(User.email == "ivan@example.com")) == "Petrov, Ivan"


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (EN, "The file is not in UTF-8. In your spreadsheet, save it as “CSV UTF-8” and try again."),
        (RU, "Файл не в кодировке UTF-8. Сохраните его в таблице как «CSV UTF-8» и попробуйте снова."),
    ],
)
def test_a_file_in_another_encoding_is_refused_with_a_message(app, db_session, classroom, headers, message):
    client = teacher_client(app, classroom["teacher"])
    response = upload_roster(client, classroom["course"], "Юлия;julia@example.com\n".encode("cp1251"), headers)
    assert response.status_code == 422
    assert message in html.unescape(response.text)
    assert users_named(db_session, "julia@example.com") == 0


def test_an_empty_roster_form_says_what_to_do(app, classroom):
    client = teacher_client(app, classroom["teacher"])
    response = paste_roster(client, classroom["course"], "  ")
    assert response.status_code == 422
    assert "Choose a file or paste the list" in response.text


def test_a_teacher_of_another_course_imports_nothing(app, db_session, classroom, make_user, make_course):
    stranger = make_user(Role.TEACHER)
    make_course(stranger)
    client = teacher_client(app, stranger)
    token = hidden_fields(client.get("/teach/", headers=EN).text)["csrf_token"]
    response = client.post(
        roster_url(classroom["course"]), data={"csrf_token": token, "text": "Mallory, mallory@example.com"}
    )
    assert response.status_code == 403
    assert users_named(db_session, "mallory@example.com") == 0


def test_the_service_reads_rosters_line_by_line(db_session, make_course):
    assert decode_roster("\ufeffa;b".encode()) == "a;b"
    with pytest.raises(RosterError) as error:
        decode_roster(b"\xff\xfe\x00a")
    assert error.value.code == "not_utf8"
    roster = read_roster("Ann\tann@example.com\nBen\tben@example.com\tignored\n")
    assert [(line.name, line.email, line.problems) for line in roster.lines] == [
        ("Ann", "ann@example.com", ()),
        ("Ben", "ben@example.com", ()),
    ]
    # A name in the e-mail column's place: headings name the columns.
    roster = read_roster("E-mail,ФИО\nzoe@example.com,Зоя Иванова\n")
    assert [(line.name, line.email) for line in roster.lines] == [("Зоя Иванова", "zoe@example.com")]


def test_a_long_list_is_imported_in_batches(db_session, make_course, monkeypatch):
    from webapp.services import course_admin

    monkeypatch.setattr(course_admin, "MAX_NEW_ACCOUNTS", 2)
    course = make_course()
    roster = read_roster("".join(f"Student {n}, s{n}@example.com\n" for n in range(1, 6)))
    first = import_roster(db_session, course, roster)
    assert [line.outcome for line in first.lines] == [Outcome.CREATED] * 2 + [Outcome.NOT_YET] * 3
    second = import_roster(db_session, course, roster)
    assert [line.outcome for line in second.lines] == (
        [Outcome.ALREADY_ENROLLED] * 2 + [Outcome.CREATED] * 2 + [Outcome.NOT_YET]
    )
    assert MAX_NEW_ACCOUNTS >= 20


def test_a_teacher_of_the_course_in_the_list_is_not_made_a_student(db_session, classroom):
    teacher = classroom["teacher"]
    result = import_roster(db_session, classroom["course"], read_roster(f"T, {teacher.email}\n"))
    assert [line.outcome for line in result.lines] == [Outcome.TEACHER]


# ----- who joined -------------------------------------------------------------------------------------------------


def students_table(page: str) -> dict[str, list[str]]:
    body = re.search(r'<table class="striped roster">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [
            " ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split())
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        rows[cells[0]] = cells[1:]
    return rows


def test_the_course_page_shows_who_joined_logged_in_and_answered(app, db_session, classroom):
    from webapp.models import Submission

    course, bob, item = classroom["course"], classroom["bob"], classroom["item"]
    client = teacher_client(app, classroom["teacher"])
    shown = passwords_on(paste_roster(client, course, "Nina Novak, nina@example.com\n").text)

    rows = students_table(client.get(f"/teach/courses/{course.id}", headers=EN).text)
    assert set(rows) == {"Alice", "Bob", "Nina Novak"}
    assert rows["Nina Novak"][0] == "nina@example.com"
    assert re.fullmatch(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d UTC", rows["Nina Novak"][1])
    assert rows["Nina Novak"][2:] == ["not yet", "—"]

    nina = app.test_client()
    nina.set_cookie("tz", "Europe/Moscow")  # as app.js sets it in a browser
    submit_form(nina, "/login", {"email": "nina@example.com", "password": shown["nina@example.com"]})
    own = {"password": "ninas-own-password", "confirm": "ninas-own-password"}
    assert submit_form(nina, "/password", own).status_code == 302
    assert nina.get("/", headers=EN).status_code == 200
    bob_client = app.test_client()
    log_in(bob_client, bob)
    from ..catalogue_copies import WEATHER_STEPS

    assert submit_form(bob_client, f"/items/{item.id}", {**WEATHER_STEPS, "part_p_hat": "0.5"}).status_code == 302
    assert db_session.scalar(select(func.count()).select_from(Submission).where(Submission.user_id == bob.id)) == 1

    rows = students_table(client.get(f"/teach/courses/{course.id}", headers=EN).text)
    # The last login, in the teacher's time zone (UTC here: none is known for the teacher).
    assert re.fullmatch(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d UTC", rows["Nina Novak"][2]) and rows["Nina Novak"][3] == "—"
    assert re.fullmatch(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d UTC", rows["Bob"][2]) and rows["Bob"][3] == "1"
    assert rows["Alice"][2:] == ["not yet", "—"]
    assert classroom["teacher"].name not in rows  # teachers are not among the students
