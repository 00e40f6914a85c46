"""Assignments: exercises of a course with times, attempt limits and policies."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .course import Course
from .exercise import Exercise


class RevealPolicy(str, enum.Enum):
    NEVER = "never"
    AFTER_DUE = "after_due"
    AFTER_LAST_ATTEMPT_OR_CORRECT = "after_last_attempt_or_correct"


class ScorePolicy(str, enum.Enum):
    BEST = "best"
    LAST = "last"


class Assignment(Base):
    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint("max_attempts >= 1", name="max_attempts_positive"),
        CheckConstraint("late_penalty >= 0 AND late_penalty <= 1", name="late_penalty_fraction"),
        CheckConstraint(
            "reveal_policy IN ('never', 'after_due', 'after_last_attempt_or_correct')", name="reveal_policy_known"
        ),
        CheckConstraint("score_policy IN ('best', 'last')", name="score_policy_known"),
        CheckConstraint("due_at IS NULL OR opens_at IS NULL OR due_at >= opens_at", name="due_after_opening"),
        CheckConstraint("closes_at IS NULL OR due_at IS NULL OR closes_at >= due_at", name="close_after_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    opens_at: Mapped[Optional[datetime]]
    due_at: Mapped[Optional[datetime]]
    # Hard close: after it nothing is accepted; between due_at and closes_at work is late.
    closes_at: Mapped[Optional[datetime]]
    max_attempts: Mapped[int] = mapped_column(default=3)
    late_penalty: Mapped[float] = mapped_column(default=0.0)
    reveal_policy: Mapped[str] = mapped_column(String(40), default=RevealPolicy.AFTER_DUE.value)
    score_policy: Mapped[str] = mapped_column(String(10), default=ScorePolicy.BEST.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship()
    items: Mapped[list["AssignmentItem"]] = relationship(
        back_populates="assignment", order_by="AssignmentItem.position", passive_deletes=True
    )


class AssignmentItem(Base):
    __tablename__ = "assignment_items"
    __table_args__ = (
        UniqueConstraint("assignment_id", "exercise_id"),
        CheckConstraint("max_attempts IS NULL OR max_attempts >= 1", name="max_attempts_positive"),
        CheckConstraint("weight > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    # None: the assignment's limit applies.
    max_attempts: Mapped[Optional[int]]
    weight: Mapped[float] = mapped_column(default=1.0)

    assignment: Mapped[Assignment] = relationship(back_populates="items")
    exercise: Mapped[Exercise] = relationship()

    @property
    def attempt_limit(self) -> int:
        return self.max_attempts if self.max_attempts is not None else self.assignment.max_attempts


class Extension(Base):
    """One student's own due time (and hard close) for one assignment, granted by a teacher; it replaces the
    assignment's times for that student only."""

    __tablename__ = "extensions"
    __table_args__ = (
        UniqueConstraint("assignment_id", "user_id"),
        CheckConstraint("closes_at IS NULL OR closes_at >= due_at", name="close_after_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime]
    # None: no hard close for this student (late work accepted with the assignment's penalty).
    closes_at: Mapped[Optional[datetime]]
    reason: Mapped[str] = mapped_column(String(300), default="")
    granted_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    assignment: Mapped[Assignment] = relationship()
