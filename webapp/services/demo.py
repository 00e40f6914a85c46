"""A demo course so that a new installation can be tried at once: one teacher, one student, one assignment."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Assignment, AssignmentItem, Course, CourseRole, Exercise, RevealPolicy, Role, User
from .accounts import create_user
from .courses import create_course, enrol

DEMO_TEACHER_EMAIL = "teacher@example.com"
DEMO_STUDENT_EMAIL = "student@example.com"
DEMO_COURSE_TITLE = "MLE Lab demo course"
DEMO_JOIN_CODE = "DEMO2026"


@dataclass(frozen=True)
class DemoAccounts:
    course: Course
    teacher_password: str
    student_password: str


def create_demo(session: Session, *, now: datetime) -> DemoAccounts | None:
    """Create the demo course with fresh random passwords, or return None if it exists already."""
    if session.scalar(select(User.id).where(User.email == DEMO_TEACHER_EMAIL)) is not None:
        return None
    teacher_password = secrets.token_urlsafe(9)
    student_password = secrets.token_urlsafe(9)
    teacher = create_user(session, email=DEMO_TEACHER_EMAIL, name="Demo Teacher", password=teacher_password,
                          role=Role.TEACHER)
    student = create_user(session, email=DEMO_STUDENT_EMAIL, name="Demo Student", password=student_password)
    course = create_course(session, title=DEMO_COURSE_TITLE, teacher=teacher, join_code=DEMO_JOIN_CODE)
    enrol(session, course, student, CourseRole.STUDENT)
    assignment = Assignment(
        course_id=course.id, title="Week 1: the likelihood", opens_at=now - timedelta(days=1),
        due_at=now + timedelta(days=14), closes_at=now + timedelta(days=21), max_attempts=3, late_penalty=0.2,
        reveal_policy=RevealPolicy.AFTER_DUE.value,
    )
    session.add(assignment)
    session.flush()
    exercises = session.scalars(select(Exercise).where(Exercise.archived_at.is_(None)).order_by(Exercise.slug))
    for position, exercise in enumerate(exercises):
        session.add(AssignmentItem(assignment_id=assignment.id, exercise_id=exercise.id, position=position))
    session.flush()
    return DemoAccounts(course=course, teacher_password=teacher_password, student_password=student_password)
