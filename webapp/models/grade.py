"""Grades: the score that counts for a student on an assignment item."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .assignment import AssignmentItem
from .base import Base, utcnow
from .user import User


class Grade(Base):
    __tablename__ = "grades"
    __table_args__ = (
        UniqueConstraint("assignment_item_id", "user_id"),
        CheckConstraint("score >= 0 AND score <= 1", name="score_fraction"),
        CheckConstraint("override_score IS NULL OR (override_score >= 0 AND override_score <= 1)",
                        name="override_fraction"),
        CheckConstraint("override_score IS NULL OR override_reason IS NOT NULL", name="override_has_reason"),
        CheckConstraint("attempts >= 0", name="attempts_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_item_id: Mapped[int] = mapped_column(ForeignKey("assignment_items.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Best or last graded score per the assignment's policy, late penalty applied.
    score: Mapped[float] = mapped_column(default=0.0)
    attempts: Mapped[int] = mapped_column(default=0)
    is_late: Mapped[bool] = mapped_column(default=False)
    override_score: Mapped[Optional[float]]
    override_reason: Mapped[Optional[str]] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    assignment_item: Mapped[AssignmentItem] = relationship()
    user: Mapped[User] = relationship()

    @property
    def effective_score(self) -> float:
        return self.override_score if self.override_score is not None else self.score


class GradeOverride(Base):
    """One change of a grade's override by a teacher (set, changed or cleared): the audit trail, append-only."""

    __tablename__ = "grade_overrides"
    __table_args__ = (
        CheckConstraint("new_score IS NULL OR (new_score >= 0 AND new_score <= 1)", name="new_score_fraction"),
        CheckConstraint("old_score IS NULL OR (old_score >= 0 AND old_score <= 1)", name="old_score_fraction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("grades.id", ondelete="CASCADE"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # The override before and after the change; None: no override (the computed score counts).
    old_score: Mapped[Optional[float]]
    new_score: Mapped[Optional[float]]
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grade: Mapped[Grade] = relationship()
    teacher: Mapped[User] = relationship()
