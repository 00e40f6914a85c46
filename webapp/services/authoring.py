"""Authoring exercises in the browser: check a draft with the exercise format's own schema and key computation,
show the keys of a sample variant, and save it as a new version (origin "web") the way sync saves a folder.

A draft is checked exactly as a folder is: the definition dict goes through ``ExerciseDefinition`` (its problems
described by the loader's ``describe_errors``), the prompts through ``Prompts``, and the keys are computed with
``build_dataset`` + ``compute_key`` (what ``check_keys`` and a student's variant use) for the sample seed and for
sync's seeds. Each problem comes back on the form field it concerns.
"""

from __future__ import annotations

import uuid as uuid_lib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import grader
from exercises import (
    ComputedKey,
    DataGenerationError,
    Dataset,
    KeyComputationError,
    LoadedExercise,
    build_dataset,
    compute_key,
)
from exercises.format_texts import FormatError
from exercises.loader import describe_errors
from exercises.schema import ExerciseDefinition, Prompts

from ..models import Exercise, ExerciseVersion, User, VersionOrigin
from .authoring_draft import BuiltDraft, ExerciseDraft, FieldProblem, build_definition, draft_from_definition
from .sync import SYNC_SAMPLE_SEEDS, add_version, content_hash

# The variant whose keys the editor shows: fixed, so that the same draft always shows the same sample.
SAMPLE_SEED = "authoring-sample"
WEB_SOURCE = "web form"


@dataclass(frozen=True)
class Sample:
    """The sample variant of a valid draft: its data and computed, verified keys."""

    seed: str
    dataset: Dataset
    key: ComputedKey


@dataclass
class Authored:
    """A checked draft: the exercise when it is valid, else the problems by field; the sample when keys computed."""

    definition: ExerciseDefinition | None
    loaded: LoadedExercise | None  # the definition with its prompts, when both are valid
    problems: list[FieldProblem] = field(default_factory=list)
    sample: Sample | None = None

    @property
    def ok(self) -> bool:
        return self.loaded is not None and self.sample is not None and not self.problems


class AuthoringInvalid(ValueError):
    def __init__(self, authored: Authored):
        self.authored = authored
        super().__init__("; ".join(f"{p.field}: {p.code} {p.detail}" for p in authored.problems))


def check_draft(session: Session, draft: ExerciseDraft, exercise: Exercise | None = None) -> Authored:
    """Every problem of ``draft`` at once (text that cannot be read, the schema's rules, a slug taken, keys that
    cannot be computed or verified), or the exercise with its sample variant."""
    identity = exercise.uuid if exercise is not None else str(uuid_lib.uuid4())
    built = build_definition(draft, identity)
    problems = list(built.problems)
    definition = None
    try:
        definition = ExerciseDefinition.model_validate(built.raw)
    except ValidationError as error:
        problems.extend(_schema_problems(error, built))
    prompts = None
    try:
        prompts = Prompts.model_validate(built.prompts)
    except ValidationError as error:
        problems.extend(
            _problem(f"prompt_{path}", item, message)
            for item, (path, message) in zip(error.errors(include_url=False), describe_errors(error), strict=True)
        )
    slug = draft.slug.strip()
    if slug and _slug_owner(session, slug, exercise) is not None:
        problems.append(FieldProblem("slug", "slug_taken", {"slug": slug}))
    if definition is None:
        return Authored(None, None, _first_per_field(problems))
    sample = None
    try:
        dataset = build_dataset(definition, SAMPLE_SEED)
        sample = Sample(SAMPLE_SEED, dataset, compute_key(definition, dataset))
        for seed in SYNC_SAMPLE_SEEDS:  # the variants sync checks must compute too, as check_keys does for a folder
            compute_key(definition, build_dataset(definition, seed))
    except (KeyComputationError, DataGenerationError) as error:
        problems.append(_located(error.field, error.code, dict(error.params), str(error), built))
    loaded = None if prompts is None else LoadedExercise(definition=definition, prompts=prompts, source=WEB_SOURCE)
    return Authored(definition, loaded, _first_per_field(problems), sample)


def _slug_owner(session: Session, slug: str, exercise: Exercise | None) -> Exercise | None:
    query = select(Exercise).where(Exercise.slug == slug)
    if exercise is not None:
        query = query.where(Exercise.id != exercise.id)
    return session.scalar(query)


def _first_per_field(problems: list[FieldProblem]) -> list[FieldProblem]:
    """One problem per field: a field whose text could not be read is not also reported for what that caused."""
    seen, kept = set(), []
    for problem in problems:
        if problem.field not in seen or not problem.field:
            seen.add(problem.field)
            kept.append(problem)
    return kept


def _schema_problems(error: ValidationError, built: BuiltDraft) -> list[FieldProblem]:
    return [
        _located(path or "", *_coded(item), message, built)
        for item, (path, message) in zip(error.errors(include_url=False), describe_errors(error), strict=True)
    ]


def _coded(item: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The code and params of a schema error: the format's own check's, else pydantic's error type's."""
    cause = (item.get("ctx") or {}).get("error")
    if isinstance(cause, FormatError):
        return cause.code, dict(cause.params)
    return item["type"], _error_params(item)


def _problem(field_name: str, item: dict[str, Any], message: str) -> FieldProblem:
    return FieldProblem(field_name, *_coded(item), message)


def _error_params(item: dict[str, Any]) -> dict[str, Any]:
    context = item.get("ctx") or {}
    params = {name: context[name] for name in ("min_length", "max_length", "gt", "ge", "lt", "le", "pattern",
                                               "expected", "expected_tags", "tag", "discriminator") if name in context}
    return {name: _shown(value) for name, value in params.items()}


def _shown(value: Any) -> int | float | str:
    """A limit as people write it: 1, not 1.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, (int, float, str)) else str(value)


def _located(path: str, code: str, params: dict[str, Any], message: str, built: BuiltDraft) -> FieldProblem:
    """A problem at a path of the definition ("parts[2].tolerance.rel") on the form field it concerns; a path deeper
    than the field (a part's options, a key's model) keeps the rest, to say which item of the field is wrong."""
    field_name, rest = form_field(path, built)
    return FieldProblem(field_name, code, params, f"{rest}: {message}" if rest else message, rest)


def _split(path: str) -> list[str | int]:
    pieces: list[str | int] = []
    for chunk in path.replace("[", ".[").split("."):
        if not chunk:
            continue
        if chunk.startswith("[") and chunk.endswith("]") and chunk[1:-1].isdigit():
            pieces.append(int(chunk[1:-1]))
        else:
            pieces.append(chunk)
    return pieces


def _join(pieces: list[str | int]) -> str:
    text = ""
    for piece in pieces:
        text += f"[{piece}]" if isinstance(piece, int) else (f".{piece}" if text else piece)
    return text


_PART_FIELDS = {"kind", "name", "weight", "key"}
_TOLERANCE = {"sig_figs", "rel", "abs"}


def form_field(path: str, built: BuiltDraft) -> tuple[str, str]:
    """The form field a definition path belongs to, and what of the path lies within that field."""
    pieces = _split(path)
    if not pieces:
        return "", ""
    head, rest = pieces[0], pieces[1:]
    if head in ("slug", "topic"):
        return str(head), _join(rest)
    if head == "tags":
        return "tags", ""
    if head == "title":
        return (f"title_{rest[0]}", "") if rest and rest[0] in ("ru", "en") else ("title_ru", "")
    if head == "model":
        return _model_field(0, rest)
    if head == "models":
        if rest and isinstance(rest[0], str) and rest[0] in built.model_names:
            return _model_field(built.model_names.index(rest[0]), rest[1:])
        return "models", _join(rest)
    if head == "data":
        return _data_field(rest, built)
    if head == "parts":
        if rest and isinstance(rest[0], int):
            return _part_field(rest[0], rest[1:])
        return "parts", _join(rest)
    return "", path


def _model_field(index: int, rest: list[str | int]) -> tuple[str, str]:
    if rest and rest[0] in ("family", "inputs", "rows"):
        return f"models-{index}-{rest[0]}", _join(rest[1:])
    return f"models-{index}-family", _join(rest)


def _data_field(rest: list[str | int], built: BuiltDraft) -> tuple[str, str]:
    if not rest:
        return "data_source", ""
    head, tail = rest[0], rest[1:]
    if head == "columns" and tail and isinstance(tail[0], int) and tail[0] < len(built.column_rows):
        row, inner = built.column_rows[tail[0]], tail[1:]
        if not inner or inner[0] == "name":
            return f"columns-{row}-name", ""
        if inner[0] == "label":
            return (f"columns-{row}-label_{inner[1]}", "") if len(inner) > 1 else (f"columns-{row}-label_ru", "")
        if inner[0] == "values":
            return "table", ""
        return f"columns-{row}-{inner[0]}", _join(inner) if len(inner) > 1 else ""
    if head == "columns":
        return "columns", _join(tail)
    if head in ("generator", "parameters"):
        return str(head), _join(tail)
    return "data_source", _join(rest)


def _part_field(index: int, rest: list[str | int]) -> tuple[str, str]:
    prefix = f"parts-{index}"
    if not rest:
        return f"{prefix}-name", ""
    head, tail = rest[0], rest[1:]
    if head == "label":
        return (f"{prefix}-label_{tail[0]}", "") if tail and tail[0] in ("ru", "en") else (f"{prefix}-label_ru", "")
    if head == "tolerance":
        if tail and tail[0] in _TOLERANCE:
            return f"{prefix}-{tail[0]}", ""
        return f"{prefix}-sig_figs", _join(tail)
    if head in _PART_FIELDS:
        return f"{prefix}-{head}", _join(tail)
    return f"{prefix}-extras", _join(rest)


# ----- saving -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    exercise: Exercise
    version: ExerciseVersion
    created: bool  # a new exercise
    changed: bool  # False: the draft equals the current version, which stays (no new version)


def save_draft(session: Session, draft: ExerciseDraft, exercise: Exercise | None, author: User) -> Saved:
    """A new exercise, or a new version of ``exercise`` (origin "web", by ``author``), made as sync makes one.

    Raises ``AuthoringInvalid`` with every problem when the draft is not a valid exercise whose keys compute."""
    authored = check_draft(session, draft, exercise)
    if not authored.ok:
        raise AuthoringInvalid(authored)
    loaded = authored.loaded
    assert loaded is not None
    if exercise is not None and exercise.current_version.content_hash == content_hash(loaded):
        return Saved(exercise, exercise.current_version, created=False, changed=False)
    try:
        with session.begin_nested():
            created = exercise is None
            if exercise is None:
                exercise = Exercise(uuid=loaded.uuid, slug=loaded.definition.slug)
                session.add(exercise)
            exercise.slug = loaded.definition.slug
            exercise.archived_at = None  # saved by a teacher: in the library again
            version = add_version(session, exercise, loaded, origin=VersionOrigin.WEB, author=author)
    except IntegrityError:
        # Another teacher saved this exercise, or took its slug, at the same moment.
        authored.problems.append(FieldProblem("", "saved_meanwhile"))
        raise AuthoringInvalid(authored) from None
    return Saved(exercise, version, created=created, changed=True)


def draft_of(version: ExerciseVersion) -> ExerciseDraft:
    """The form's fields for a version: saving them unchanged makes no new version."""
    return draft_from_definition(version.parsed_definition(), Prompts(ru=version.prompt_ru, en=version.prompt_en))


# ----- the library ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionInfo:
    number: int
    origin: str
    author: str | None
    created_at: datetime


@dataclass
class LibraryExercise:
    exercise_id: int
    slug: str
    title_ru: str
    title_en: str
    topic: str
    family: str | None
    archived: bool
    versions: list[VersionInfo] = field(default_factory=list)  # the newest first

    def title(self, locale: str) -> str:
        return self.title_ru if locale == "ru" else self.title_en

    @property
    def current(self) -> VersionInfo:
        return self.versions[0]


def exercise_catalogue(session: Session) -> list[LibraryExercise]:
    """Every exercise, archived ones too, with its versions (who saved each, from files or the browser), by title;
    in one statement."""
    rows = session.execute(
        select(
            Exercise.id, Exercise.slug, Exercise.archived_at, ExerciseVersion.number, ExerciseVersion.origin,
            ExerciseVersion.created_at, ExerciseVersion.title_ru, ExerciseVersion.title_en, ExerciseVersion.topic,
            ExerciseVersion.family, User.name,
        )
        .join(ExerciseVersion, ExerciseVersion.exercise_id == Exercise.id)
        .outerjoin(User, User.id == ExerciseVersion.author_id)
        .order_by(Exercise.id, ExerciseVersion.number.desc())
    )
    found: dict[int, LibraryExercise] = {}
    for row in rows:
        entry = found.get(row.id)
        if entry is None:  # the newest version comes first: its titles are the exercise's
            entry = found[row.id] = LibraryExercise(row.id, row.slug, row.title_ru, row.title_en, row.topic,
                                                     row.family, row.archived_at is not None)
        entry.versions.append(VersionInfo(row.number, row.origin, row.name, row.created_at))
    return sorted(found.values(), key=lambda e: (e.archived, e.title_en.casefold(), e.exercise_id))


def grader_families() -> list[tuple[str, tuple[str, ...]]]:
    """Each family of the grader with the inputs it takes, by id."""
    return [(family_id, family.data_names) for family_id, family in sorted(grader.FAMILIES.items())]


__all__ = [
    "Authored", "AuthoringInvalid", "FieldProblem", "LibraryExercise", "SAMPLE_SEED", "Saved", "check_draft",
    "draft_of", "exercise_catalogue", "grader_families", "save_draft",
]
