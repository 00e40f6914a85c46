"""Accounts: registration, authentication, password hashing (Argon2id, RFC 9106 parameters), the time of each
login, and replacing a password someone else chose (``must_change_password``, set by a roster import)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Course, CourseRole, Role, User
from .courses import enrol

# argon2-cffi's defaults are RFC 9106's "low memory" profile: Argon2id, t=3, 64 MiB, p=4.
_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 8


class AccountError(ValueError):
    """A registration or login that cannot proceed; ``code`` selects the message shown to the user."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def new_session_token() -> str:
    return secrets.token_hex(16)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(
    session: Session, *, email: str, name: str, password: str, role: Role = Role.STUDENT,
    must_change_password: bool = False,
) -> User:
    """A new account. ``must_change_password``: the password was chosen by someone else (a teacher's roster import),
    so the first login must replace it."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password_too_short")
    email = normalise_email(email)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError("email_taken")
    user = User(email=email, name=name.strip(), password_hash=hash_password(password), role=role.value,
                session_token=new_session_token(), must_change_password=must_change_password)
    session.add(user)
    session.flush()
    return user


def find_course_by_join_code(session: Session, join_code: str) -> Course | None:
    code = join_code.strip().upper()
    return session.scalar(select(Course).where(func.upper(Course.join_code) == code))


@dataclass(frozen=True)
class Registration:
    user: User
    course: Course


def register_student(session: Session, *, email: str, name: str, password: str, join_code: str) -> Registration:
    course = find_course_by_join_code(session, join_code)
    if course is None:
        raise AccountError("unknown_join_code")
    user = create_user(session, email=email, name=name, password=password, role=Role.STUDENT)
    enrol(session, course, user, CourseRole.STUDENT)
    return Registration(user=user, course=course)


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user with these credentials, or None. Unknown e-mails cost a hash too, so timing tells nothing."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        _hasher.hash(password)
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def record_login(user: User, now: datetime) -> None:
    """A successful login (or a registration, which logs in) at ``now``: teachers see it in the course's roster."""
    user.last_login_at = now


def end_sessions(user: User) -> None:
    """Invalidate every session cookie issued for this user (logout, password change)."""
    user.session_token = new_session_token()


def set_password(user: User, password: str, *, must_change: bool = False) -> None:
    """Give ``user`` a new password and end every session opened with the old one; ``must_change``: someone else
    chose it, so the next login must replace it."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password_too_short")
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    end_sessions(user)


def choose_password(user: User, password: str) -> None:
    """The user replaces their password with one of their own: it must follow the registration's rules and differ
    from the current one. Clears ``must_change_password`` and rotates the session token (the caller logs the user
    in again with it)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password_too_short")
    try:
        same = _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        same = False
    if same:
        raise AccountError("password_unchanged")
    set_password(user, password, must_change=False)
