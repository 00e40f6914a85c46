"""Submissions (append-only, answers exactly as typed) and their gradings (a regrade appends one)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .assignment import AssignmentItem
from .base import Base, utcnow
from .exercise import ExerciseVersion
from .user import User
from .variant import Variant


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("variant_id", "attempt_no"),
        # The form's one-time token: a double click or a resent form never makes a second attempt.
        UniqueConstraint("variant_id", "form_token"),
        CheckConstraint("attempt_no >= 1", name="attempt_no_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id", ondelete="RESTRICT"), index=True)
    assignment_item_id: Mapped[int] = mapped_column(
        ForeignKey("assignment_items.id", ondelete="RESTRICT"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    exercise_version_id: Mapped[int] = mapped_column(ForeignKey("exercise_versions.id", ondelete="RESTRICT"))
    attempt_no: Mapped[int]
    raw_answers: Mapped[dict[str, Any]]
    parsed_answers: Mapped[dict[str, Any]]
    is_late: Mapped[bool] = mapped_column(default=False)
    form_token: Mapped[Optional[str]] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    variant: Mapped[Variant] = relationship()
    assignment_item: Mapped[AssignmentItem] = relationship()
    user: Mapped[User] = relationship()
    exercise_version: Mapped[ExerciseVersion] = relationship()
    gradings: Mapped[list["Grading"]] = relationship(back_populates="submission", order_by="Grading.id")

    @property
    def current_grading(self) -> "Grading":
        return self.gradings[-1]


class Grading(Base):
    __tablename__ = "gradings"
    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 1", name="score_fraction"),
        # review: a teacher graded a text answer (the grading copies the others' verdicts and adds that part's).
        CheckConstraint("reason IN ('submit', 'regrade', 'review')", name="reason_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="RESTRICT"), index=True)
    grader_version: Mapped[str] = mapped_column(String(20))
    # Raw score of the answers, before any late penalty (the grade applies that).
    score: Mapped[float]
    verdicts: Mapped[dict[str, Any]]
    reason: Mapped[str] = mapped_column(String(16), default="submit")
    # The teacher whose review made this grading (reason 'review'); None for the grader's own.
    reviewer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="gradings")
