"""Variants: one student's instance of an exercise, with the key computed for it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .exercise import Exercise, ExerciseVersion
from .user import User


class Variant(Base):
    __tablename__ = "variants"
    __table_args__ = (UniqueConstraint("course_id", "user_id", "exercise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="RESTRICT"), index=True)
    # HMAC(server secret, course, student, exercise): stable, reproducible for a regrade, unguessable.
    seed: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # The cache below belongs to one exercise version and one grader version; either changing invalidates it.
    key_version_id: Mapped[Optional[int]] = mapped_column(ForeignKey("exercise_versions.id", ondelete="RESTRICT"))
    grader_version: Mapped[Optional[str]] = mapped_column(String(20))
    data: Mapped[Optional[dict[str, Any]]]
    key: Mapped[Optional[dict[str, Any]]]
    verification: Mapped[Optional[dict[str, Any]]]
    key_computed_at: Mapped[Optional[datetime]]

    exercise: Mapped[Exercise] = relationship()
    user: Mapped[User] = relationship()
    key_version: Mapped[Optional[ExerciseVersion]] = relationship()
