"""Synchronising the exercise catalogue (folders under ``exercises/``) into the database.

Upsert by UUID; a changed file makes a new version; an invalid file is reported and its row left as it was;
an exercise whose file vanished is archived, never deleted (submissions point at its versions).

Teachers also save versions through the authoring form (origin "web"). Sync never overwrites one with a folder that
has not changed since it was last synced: the web version stays current ("kept the web version"). A folder changed
since then wins, as files in git are the source, and the report says which web version it replaced. An exercise
whose current version is a web one is never archived for having no folder (one made in the browser has none).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from exercises import (
    ExerciseFileError, LoadedExercise, Problem, check_keys, describe_key, exercise_folders, load_exercise,
)
from exercises.loader import DEFINITION_FILE

from ..models import Exercise, ExercisePart, ExerciseVersion, User, VersionOrigin, utcnow

# Variant seeds whose keys must compute before a definition is accepted.
SYNC_SAMPLE_SEEDS = ["sync-check-1", "sync-check-2", "sync-check-3"]


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    # Exercises whose current version was saved in the browser and stays current: their folder has not changed since
    # it was last synced, or they have no folder at all.
    kept_web: list[str] = field(default_factory=list)
    # Exercises whose folder changed since it was last synced: its new version (also in new_versions) supersedes the
    # version a teacher saved in the browser.
    replaced_web: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def content_hash(loaded: LoadedExercise) -> str:
    canonical = json.dumps(
        {"definition": loaded.definition.model_dump(mode="json"), "prompts": loaded.prompts.model_dump()},
        sort_keys=True, ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def sync_exercises(session: Session, root: Path) -> SyncReport:
    report = SyncReport()
    seen: set[str] = set()
    untouchable: set[str] = set()  # UUIDs or slugs of invalid files: their rows stay exactly as they are
    for folder in exercise_folders(root):
        try:
            loaded = load_exercise(folder, relative_to=root.parent)
            check_keys(loaded, SYNC_SAMPLE_SEEDS)
        except ExerciseFileError as error:
            report.problems.extend(error.problems)
            untouchable.update(_identity_hints(folder))
            continue
        if loaded.uuid in seen:
            report.problems.append(Problem(f"{loaded.source}/{DEFINITION_FILE}", "uuid",
                                           f"{loaded.uuid} is already used by another exercise folder"))
            untouchable.update(_identity_hints(folder))
            continue
        seen.add(loaded.uuid)
        if not _upsert(session, loaded, report):
            untouchable.update(_identity_hints(folder))

    for exercise in session.scalars(select(Exercise).where(Exercise.archived_at.is_(None))):
        if exercise.uuid not in seen and exercise.uuid not in untouchable and exercise.slug not in untouchable:
            if exercise.current_version.origin == VersionOrigin.WEB.value:
                report.kept_web.append(exercise.slug)
                continue
            exercise.archived_at = utcnow()
            report.archived.append(exercise.slug)
    session.flush()
    return report


def _identity_hints(folder: Path) -> set[str]:
    hints = {folder.name}
    try:
        raw = tomllib.loads((folder / DEFINITION_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return hints
    if isinstance(raw.get("uuid"), str):
        hints.add(raw["uuid"].strip().lower())
    return hints


def _upsert(session: Session, loaded: LoadedExercise, report: SyncReport) -> bool:
    """Create or update the exercise; False when the file is reported instead (its slug belongs to another)."""
    definition = loaded.definition
    slug_owner = session.scalar(select(Exercise).where(Exercise.slug == definition.slug))
    if slug_owner is not None and slug_owner.uuid != definition.uuid:
        report.problems.append(Problem(f"{loaded.source}/{DEFINITION_FILE}", "slug",
                                       f"{definition.slug!r} already belongs to exercise {slug_owner.uuid}"))
        return False
    digest = content_hash(loaded)
    exercise = session.scalar(select(Exercise).where(Exercise.uuid == definition.uuid))
    if exercise is None:
        exercise = Exercise(uuid=definition.uuid, slug=definition.slug)
        session.add(exercise)
        add_version(session, exercise, loaded)
        report.created.append(definition.slug)
        return True
    if exercise.archived_at is not None:
        exercise.archived_at = None
        report.restored.append(definition.slug)
    latest = exercise.current_version
    if latest.content_hash == digest:
        report.unchanged.append(definition.slug)
        return True
    if latest.origin == VersionOrigin.WEB.value:
        synced = last_synced_version(exercise)
        if synced is not None and synced.content_hash == digest:
            report.kept_web.append(exercise.slug)  # the web version may have renamed it: its slug stays too
            return True
        report.replaced_web.append(definition.slug)
    exercise.slug = definition.slug
    add_version(session, exercise, loaded)
    report.new_versions.append(definition.slug)
    return True


def last_synced_version(exercise: Exercise) -> ExerciseVersion | None:
    """The exercise's latest version that came from its folder, or None if it never had one."""
    synced = [version for version in exercise.versions if version.origin == VersionOrigin.FILES.value]
    return synced[-1] if synced else None


def part_settings(part) -> dict:
    """Everything of a part's definition beyond its name, label, key, tolerance and weight (options, rubric...)."""
    common = {"kind", "name", "label", "key", "tolerance", "weight"}
    return part.model_dump(mode="json", exclude=common)


def _tolerance(part) -> dict:
    tolerance = getattr(part, "tolerance", None)
    return tolerance.model_dump() if tolerance is not None else {}


def add_version(session: Session, exercise: Exercise, loaded: LoadedExercise, *,
                origin: VersionOrigin = VersionOrigin.FILES, author: User | None = None) -> ExerciseVersion:
    """The exercise's next version, with its parts, from a validated definition whose keys compute: the one way a
    version is made, by sync from a folder and by the authoring form."""
    definition = loaded.definition
    version = ExerciseVersion(
        exercise=exercise, number=exercise.versions[-1].number + 1 if exercise.versions else 1,
        content_hash=content_hash(loaded),
        title_ru=definition.title.ru, title_en=definition.title.en, topic=definition.topic,
        family=next(iter(definition.all_models.values())).family if definition.all_models else None,
        prompt_ru=loaded.prompts.ru, prompt_en=loaded.prompts.en,
        definition=definition.model_dump(mode="json"),
        origin=origin.value, author_id=author.id if author is not None else None,
    )
    session.add(version)
    for position, part in enumerate(definition.parts):
        session.add(ExercisePart(
            version=version, position=position, name=part.name, kind=part.kind,
            label_ru=part.label.ru, label_en=part.label.en, key=describe_key(part),
            tolerance=_tolerance(part), weight=part.weight, settings=part_settings(part),
        ))
    session.flush()
    return version
