"""Accounts: registration, authentication, password hashing (Argon2id, RFC 9106 parameters)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

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


def create_user(session: Session, *, email: str, name: str, password: str, role: Role = Role.STUDENT) -> User:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password_too_short")
    email = normalise_email(email)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError("email_taken")
    user = User(email=email, name=name.strip(), password_hash=hash_password(password), role=role.value,
                session_token=new_session_token())
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


def end_sessions(user: User) -> None:
    """Invalidate every session cookie issued for this user (logout, password change)."""
    user.session_token = new_session_token()
