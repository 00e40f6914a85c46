"""Running a course: opening it, its join code, importing a roster, and who has joined.

A roster is a list of students, one a line: name and e-mail address, separated by a comma, a semicolon or a tab
(whatever the first line uses), in UTF-8 with or without a byte-order mark, with an optional heading line. Each line
is read on its own and reported on its own: a line with a problem (no name, a malformed address, an address seen
on an earlier line) is skipped, the others are imported. An address that has an account enrols that account; a new
one gets an account with a generated first-login password, which only the import's result carries (the database
keeps its Argon2id hash, as for any password); since the teacher has seen it, the student must choose their own at
the first login (``User.must_change_password``). Importing the same list again enrols nobody twice and makes no new
password for anyone already enrolled.
"""

from __future__ import annotations

import base64
import enum
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Assignment, AssignmentItem, Course, CourseRole, Enrolment, Role, Submission, User
from .accounts import create_user, normalise_email
from .courses import create_course, enrol, new_join_code
from .delimited import NotCSV, read_records
from .exports import csv_chunks

MAX_TITLE_LENGTH = 200
MAX_NAME_LENGTH = 120
MAX_EMAIL_LENGTH = 254
MAX_ROSTER_LINES = 2000
# Each new account costs one Argon2id hash (about 0.25 s on this project's machine): a request makes at most this
# many, well inside a worker's time limit. The rest of a longer list is reported as "not yet": sending the same
# list again creates the next ones (those already enrolled are skipped).
MAX_NEW_ACCOUNTS = 50
# Generated passwords: lowercase letters and digits without look-alikes (l/1, o/0), in groups of four, 12 random
# characters (about 59 bits). They never begin with a character a spreadsheet reads as a formula.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
PASSWORD_GROUPS = 3

NAME_HEADINGS = {"name", "full name", "student", "имя", "фио", "ф.и.о.", "студент", "имя и фамилия", "фамилия и имя"}
EMAIL_HEADINGS = {
    "email",
    "e-mail",
    "mail",
    "email address",
    "e-mail address",
    "почта",
    "эл. почта",
    "электронная почта",
    "адрес",
}


class RosterError(ValueError):
    """A roster that cannot be read at all; ``code`` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# ----- the course and its join code -------------------------------------------------------------------------------


def unused_join_code(session: Session) -> str:
    """A join code no course has (a clash among 32⁸ codes is unlikely, but a code must never join two courses)."""
    while True:
        code = new_join_code()
        if session.scalar(select(Course.id).where(func.upper(Course.join_code) == code)) is None:
            return code


def open_course(session: Session, *, title: str, teacher: User) -> Course:
    """A new course taught by ``teacher``, with a fresh join code."""
    title = title.strip()
    if not title or len(title) > MAX_TITLE_LENGTH:
        raise ValueError("a course title has 1 to 200 characters")
    return create_course(session, title=title, teacher=teacher, join_code=unused_join_code(session))


def regenerate_join_code(session: Session, course: Course) -> str:
    """Replace the course's join code: the old one stops working at once; students already in the course stay."""
    course.join_code = unused_join_code(session)
    session.flush()
    return course.join_code


# ----- who has joined ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    user: User
    joined_at: datetime
    last_login_at: datetime | None  # None: never logged in
    submissions: int


def course_students(session: Session, course: Course) -> list[Member]:
    """The course's students by name, each with the day they joined, their last login and their answers in it."""
    submissions = (
        select(func.count(Submission.id))
        .join(AssignmentItem, AssignmentItem.id == Submission.assignment_item_id)
        .join(Assignment, Assignment.id == AssignmentItem.assignment_id)
        .where(Assignment.course_id == course.id, Submission.user_id == User.id)
        .correlate(User)
        .scalar_subquery()
    )
    rows = session.execute(
        select(User, Enrolment.created_at, submissions)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.course_id == course.id, Enrolment.role == CourseRole.STUDENT.value)
        .order_by(User.name, User.id)
    ).all()
    return [
        Member(user=user, joined_at=joined_at, last_login_at=user.last_login_at, submissions=count or 0)
        for user, joined_at, count in rows
    ]


# ----- reading a roster -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterLine:
    """One line of the list as read: ``number`` counts lines from 1, the heading included."""

    number: int
    name: str
    email: str
    problems: tuple[str, ...] = ()
    # For a "duplicate": the line where the address came first.
    first_seen: int | None = None


@dataclass(frozen=True)
class Roster:
    lines: list[RosterLine]
    heading: int | None = None  # the number of the line read as column headings


def decode_roster(data: bytes) -> str:
    """An uploaded file as text: UTF-8, its byte-order mark (Excel's "CSV UTF-8" writes one) dropped."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError("not_utf8") from None


def read_roster(text: str) -> Roster:
    """Each non-empty line of ``text`` with what is wrong with it, if anything."""
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        raise RosterError("not_text")
    records = _records(text)
    if not records:
        raise RosterError("empty")
    if len(records) > MAX_ROSTER_LINES:
        raise RosterError("too_long")
    name_at, email_at, heading = 0, 1, None
    first_number, first = records[0]
    if not any("@" in cell for cell in first):
        heading = first_number
        labels = [cell.strip().lower() for cell in first]
        name_at = next((i for i, label in enumerate(labels) if label in NAME_HEADINGS), name_at)
        email_at = next((i for i, label in enumerate(labels) if label in EMAIL_HEADINGS), email_at)
        records = records[1:]
    lines, seen = [], {}
    for number, cells in records:
        name = " ".join(_cell(cells, name_at).split())
        email = normalise_email(_cell(cells, email_at))
        problems = _problems(name, email)
        first_seen = seen.get(email) if email else None
        if first_seen is not None:
            problems += ("duplicate",)
        elif not problems:
            seen[email] = number
        lines.append(RosterLine(number, name, email, problems, first_seen))
    return Roster(lines, heading)


def _records(text: str) -> list[tuple[int, list[str]]]:
    try:
        return read_records(text, limit=MAX_ROSTER_LINES)[1]
    except NotCSV:
        raise RosterError("not_text") from None


def _cell(cells: Sequence[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""


def _problems(name: str, email: str) -> tuple[str, ...]:
    problems = []
    if not name:
        problems.append("missing_name")
    elif len(name) > MAX_NAME_LENGTH:
        problems.append("name_too_long")
    if not email:
        problems.append("missing_email")
    elif len(email) > MAX_EMAIL_LENGTH or not _valid_email(email):
        problems.append("bad_email")
    return tuple(problems)


def _valid_email(email: str) -> bool:
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


# ----- importing it -----------------------------------------------------------------------------------------------


class Outcome(str, enum.Enum):
    CREATED = "created"  # a new account, enrolled, with a first-login password
    ENROLLED = "enrolled"  # an existing account, enrolled
    ALREADY_ENROLLED = "already_enrolled"  # a student of the course already: nothing changed
    TEACHER = "teacher"  # a teacher of this course: not made a student
    REJECTED = "rejected"  # the line has problems: skipped
    NOT_YET = "not_yet"  # over this import's limit of new accounts: send the list again


@dataclass(frozen=True)
class ImportedLine:
    line: RosterLine
    outcome: Outcome
    user: User | None = None
    # Only for a new account, only in this result: never stored.
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class RosterImport:
    lines: list[ImportedLine]
    heading: int | None

    def count(self, outcome: Outcome) -> int:
        return sum(1 for line in self.lines if line.outcome is outcome)

    @property
    def new_accounts(self) -> list[ImportedLine]:
        return [line for line in self.lines if line.outcome is Outcome.CREATED]


def generate_password() -> str:
    return "-".join("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(PASSWORD_GROUPS))


def import_roster(session: Session, course: Course, roster: Roster) -> RosterImport:
    """Enrol every good line of ``roster`` in ``course`` as a student, creating the accounts that do not exist."""
    emails = [line.email for line in roster.lines if not line.problems]
    users = {user.email: user for user in session.scalars(select(User).where(User.email.in_(emails)))} if emails else {}
    roles = dict(
        session.execute(
            select(Enrolment.user_id, Enrolment.role).where(
                Enrolment.course_id == course.id, Enrolment.user_id.in_([u.id for u in users.values()])
            )
        ).all()
    )
    results, created = [], 0
    for line in roster.lines:
        if line.problems:
            results.append(ImportedLine(line, Outcome.REJECTED))
            continue
        user = users.get(line.email)
        if user is not None:
            role = roles.get(user.id)
            if role == CourseRole.TEACHER.value:
                results.append(ImportedLine(line, Outcome.TEACHER, user))
            elif role == CourseRole.STUDENT.value:
                results.append(ImportedLine(line, Outcome.ALREADY_ENROLLED, user))
            else:
                enrol(session, course, user, CourseRole.STUDENT)
                results.append(ImportedLine(line, Outcome.ENROLLED, user))
            continue
        if created >= MAX_NEW_ACCOUNTS:
            results.append(ImportedLine(line, Outcome.NOT_YET))
            continue
        password = generate_password()
        user = create_user(session, email=line.email, name=line.name, password=password, role=Role.STUDENT,
                           must_change_password=True)
        enrol(session, course, user, CourseRole.STUDENT)
        created += 1
        results.append(ImportedLine(line, Outcome.CREATED, user, password))
    return RosterImport(results, roster.heading)


def first_login_csv(result: RosterImport, headings: Mapping[str, str]) -> bytes:
    """The new accounts' names, addresses and passwords as a CSV file (UTF-8 with a byte-order mark, every text
    cell neutralised against formula injection), for the teacher to hand out."""
    rows = [[headings["name"], headings["email"], headings["password"]]]
    rows += [[line.user.name, line.user.email, line.password] for line in result.new_accounts if line.user]
    return b"".join(csv_chunks(rows))


def data_url(content: bytes, mime: str = "text/csv") -> str:
    """``content`` as a data: URL, so that a page can offer it for download without the server keeping it."""
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"
