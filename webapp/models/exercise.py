"""Exercises: a stable identity (UUID) with immutable, numbered versions and their answer parts."""

from __future__ import annotations

import copy
import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

if TYPE_CHECKING:
    from exercises import ExerciseDefinition

# Parsed definitions by version id, each with the stored definition it was parsed from: a version never changes,
# but ids repeat across databases (tests), so a hit also needs the stored definition to be equal (a few µs, against
# 50-130 µs for parsing and validating it again).
_PARSED_DEFINITIONS: dict[int, tuple[dict[str, Any], "ExerciseDefinition"]] = {}
_PARSED_DEFINITIONS_LIMIT = 1024


class Exercise(Base):
    __tablename__ = "exercises"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    # Archived, never deleted: submissions keep pointing at their versions.
    archived_at: Mapped[Optional[datetime]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list["ExerciseVersion"]] = relationship(
        back_populates="exercise", order_by="ExerciseVersion.number", passive_deletes=True
    )

    @property
    def current_version(self) -> "ExerciseVersion":
        return self.versions[-1]

    def __repr__(self) -> str:
        return f"<Exercise {self.slug} {self.uuid}>"


class VersionOrigin(str, enum.Enum):
    FILES = "files"  # synced from exercises/
    WEB = "web"  # saved by a teacher through the authoring form


class ExerciseVersion(Base):
    __tablename__ = "exercise_versions"
    __table_args__ = (
        UniqueConstraint("exercise_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("origin IN ('files', 'web')", name="origin_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    title_ru: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(100))
    family: Mapped[Optional[str]] = mapped_column(String(50))
    prompt_ru: Mapped[str] = mapped_column(Text)
    prompt_en: Mapped[str] = mapped_column(Text)
    # The validated definition as the exercise format describes it (model, data, parts); the source of truth for
    # regenerating a variant's data and key, so a regrade of an old submission uses the version it answered.
    definition: Mapped[dict[str, Any]]
    origin: Mapped[str] = mapped_column(String(10), default=VersionOrigin.FILES.value, server_default="files")
    # The teacher who saved a web version; None for versions synced from files.
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    exercise: Mapped[Exercise] = relationship(back_populates="versions")
    parts: Mapped[list["ExercisePart"]] = relationship(
        back_populates="version", order_by="ExercisePart.position", passive_deletes=True
    )

    def title(self, locale: str) -> str:
        return self.title_ru if locale == "ru" else self.title_en

    def parsed_definition(self) -> "ExerciseDefinition":
        """The definition as the exercise format reads it (a frozen model: shared, never changed), parsed once per
        process and version rather than on every request."""
        from exercises import ExerciseDefinition

        cached = _PARSED_DEFINITIONS.get(self.id) if self.id is not None else None
        if cached is not None and cached[0] == self.definition:
            return cached[1]
        parsed = ExerciseDefinition.model_validate(self.definition)
        if self.id is not None:
            if len(_PARSED_DEFINITIONS) >= _PARSED_DEFINITIONS_LIMIT:
                _PARSED_DEFINITIONS.clear()
            _PARSED_DEFINITIONS[self.id] = (copy.deepcopy(self.definition), parsed)
        return parsed

    def prompt(self, locale: str) -> str:
        return self.prompt_ru if locale == "ru" else self.prompt_en


class ExercisePart(Base):
    __tablename__ = "exercise_parts"
    __table_args__ = (
        UniqueConstraint("version_id", "name"),
        UniqueConstraint("version_id", "position"),
        CheckConstraint("kind IN ('number', 'vector', 'formula', 'choice', 'text')", name="kind_known"),
        CheckConstraint("weight > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("exercise_versions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(16))
    label_ru: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str] = mapped_column(String(300))
    # A quantity of the fit ("mle.p", "loglik", ...): keys are computed, never typed, for estimation parts.
    key: Mapped[Optional[str]] = mapped_column(String(100))
    tolerance: Mapped[dict[str, Any]]
    # What the answer kind needs to read an answer (e.g. allow_percent for a number that is a probability).
    settings: Mapped[dict[str, Any]]
    weight: Mapped[float] = mapped_column(default=1.0)

    version: Mapped[ExerciseVersion] = relationship(back_populates="parts")

    def label(self, locale: str) -> str:
        return self.label_ru if locale == "ru" else self.label_en
