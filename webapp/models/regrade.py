"""Regrade runs started from the web: their scope, their progress while they run, and their report."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .assignment import AssignmentItem
from .base import Base, utcnow
from .course import Course
from .user import User


class RegradeRun(Base):
    """One regrade of a course (or of one of its items), a dry run or applied. A large one runs in a background
    thread that writes its progress here (``done`` of ``total`` submissions, ``updated_at`` as its heartbeat); the
    report, a plain JSON of what changed, is stored when it ends."""

    __tablename__ = "regrade_runs"
    __table_args__ = (
        CheckConstraint("against IN ('answered', 'current')", name="against_known"),
        CheckConstraint("status IN ('running', 'done', 'failed')", name="status_known"),
        CheckConstraint("total >= 0 AND done >= 0", name="progress_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # None: every item of the course.
    item_id: Mapped[Optional[int]] = mapped_column(ForeignKey("assignment_items.id", ondelete="CASCADE"))
    # Which version's parts, tolerances and data judge an answer: the one it answered, or the exercise's current one.
    against: Mapped[str] = mapped_column(String(10))
    # False: a dry run, which writes nothing but this row.
    applied: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default="running")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    report: Mapped[Optional[dict[str, Any]]]
    error: Mapped[Optional[str]] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[Optional[datetime]]

    course: Mapped[Course] = relationship()
    teacher: Mapped[User] = relationship()
    item: Mapped[Optional[AssignmentItem]] = relationship()
