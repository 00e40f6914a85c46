"""Courses and enrolments."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Course, CourseRole, Enrolment, User

# No 0/O or 1/I: join codes are read aloud and copied from slides.
JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def create_course(session: Session, *, title: str, teacher: User, join_code: str | None = None) -> Course:
    course = Course(title=title.strip(), join_code=join_code or new_join_code())
    session.add(course)
    session.flush()
    enrol(session, course, teacher, CourseRole.TEACHER)
    return course


def enrol(session: Session, course: Course, user: User, role: CourseRole) -> Enrolment:
    enrolment = session.scalar(
        select(Enrolment).where(Enrolment.course_id == course.id, Enrolment.user_id == user.id)
    )
    if enrolment is None:
        enrolment = Enrolment(course_id=course.id, user_id=user.id, role=role.value)
        session.add(enrolment)
        session.flush()
    return enrolment


def course_role(session: Session, course_id: int, user: User) -> CourseRole | None:
    role = session.scalar(
        select(Enrolment.role).where(Enrolment.course_id == course_id, Enrolment.user_id == user.id)
    )
    return CourseRole(role) if role else None


def can_teach(session: Session, course_id: int, user: User) -> bool:
    """Teachers of this course, and admins, may see its grades."""
    return user.is_admin or (user.is_teacher and course_role(session, course_id, user) == CourseRole.TEACHER)


def courses_of(session: Session, user: User) -> list[tuple[Course, CourseRole]]:
    rows = session.execute(
        select(Course, Enrolment.role).join(Enrolment).where(Enrolment.user_id == user.id).order_by(Course.title)
    ).all()
    return [(course, CourseRole(role)) for course, role in rows]
