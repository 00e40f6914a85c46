"""Building an assignment from the exercise library: finding exercises, checking the settings, saving.

Times arrive as the teacher typed them, in the teacher's time zone, and are stored in UTC (``local_to_utc``). The
rules (``check_assignment``) are returned as problems, each naming the field it belongs to, so that a form can show
every one next to its field at once; ``save_assignment`` refuses to save while any remains.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, selectinload

from ..models import Assignment, AssignmentItem, Course, Exercise, ExerciseVersion, Grade, RevealPolicy, ScorePolicy
from ..models import Submission

MAX_TITLE_LENGTH = 200
MAX_ATTEMPTS = 100
MAX_WEIGHT = 1000.0
MAX_ITEMS = 50


# ----- the library ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LibraryEntry:
    """An exercise as its current version describes it."""

    exercise_id: int
    slug: str
    title_ru: str
    title_en: str
    topic: str
    tags: tuple[str, ...]
    family: str | None
    parts: int
    archived: bool

    def title(self, locale: str) -> str:
        return self.title_ru if locale == "ru" else self.title_en

    @property
    def search_text(self) -> str:
        return _fold(" ".join((self.title_ru, self.title_en, self.slug, self.topic, *self.tags)))


def exercise_library(session: Session, ids: Iterable[int] | None = None) -> list[LibraryEntry]:
    """The exercises that can be put into an assignment (not archived), by English title; with ``ids``, those
    exercises whatever their state (an assignment may hold one archived since)."""
    latest = (
        select(ExerciseVersion.exercise_id, func.max(ExerciseVersion.number).label("number"))
        .group_by(ExerciseVersion.exercise_id)
        .subquery()
    )
    query = (
        select(Exercise, ExerciseVersion)
        .join(latest, latest.c.exercise_id == Exercise.id)
        .join(
            ExerciseVersion, and_(ExerciseVersion.exercise_id == Exercise.id, ExerciseVersion.number == latest.c.number)
        )
    )
    if ids is None:
        query = query.where(Exercise.archived_at.is_(None))
    else:
        query = query.where(Exercise.id.in_(list(ids)))
    entries = [
        LibraryEntry(
            exercise_id=exercise.id,
            slug=exercise.slug,
            title_ru=version.title_ru,
            title_en=version.title_en,
            topic=version.topic,
            tags=tuple(version.definition.get("tags", ())),
            family=version.family,
            parts=len(version.definition.get("parts", ())),
            archived=exercise.archived_at is not None,
        )
        for exercise, version in session.execute(query)
    ]
    return sorted(entries, key=lambda entry: (entry.title_en.casefold(), entry.exercise_id))


def search_library(
    entries: Iterable[LibraryEntry], query: str = "", topic: str = "", tag: str = ""
) -> list[LibraryEntry]:
    """The entries whose titles (Russian or English), slug, topic or tags contain every word of ``query``
    (case-insensitive, ё read as е), of ``topic`` and carrying ``tag`` when those are given."""
    words = _fold(query).split()
    return [
        entry
        for entry in entries
        if (not topic or entry.topic == topic)
        and (not tag or tag in entry.tags)
        and all(word in entry.search_text for word in words)
    ]


def library_facets(entries: Iterable[LibraryEntry]) -> tuple[list[str], list[str]]:
    """The topics and the tags found in the library, sorted."""
    entries = list(entries)
    return sorted({e.topic for e in entries}), sorted({t for e in entries for t in e.tags})


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")


# ----- times ------------------------------------------------------------------------------------------------------


class NonexistentTime(ValueError):
    """A wall-clock time the zone skips (clocks moved forward)."""


def local_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive wall-clock time in ``zone`` as an aware UTC time. A time the zone repeats (clocks moved back) is read
    as its first occurrence; a time it skips is refused."""
    aware = local.replace(tzinfo=zone, fold=0)
    moment = aware.astimezone(timezone.utc)
    if moment.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentTime(local.isoformat())
    return moment


def utc_to_local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """An aware time as the wall-clock time in ``zone``, to the minute (what a form shows)."""
    if moment is None:
        return None
    return moment.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)


def course_assignments(session: Session, course: Course) -> list[Assignment]:
    """The course's assignments with their exercises, in the order they open (those without an opening time last)."""
    return list(
        session.scalars(
            select(Assignment)
            .where(Assignment.course_id == course.id)
            .options(selectinload(Assignment.items))
            .order_by(Assignment.opens_at.is_(None), Assignment.opens_at, Assignment.id)
        )
    )


# ----- checking and saving ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemSpec:
    exercise_id: int
    weight: float = 1.0
    # None: the assignment's limit.
    max_attempts: int | None = None


@dataclass(frozen=True)
class AssignmentSpec:
    title: str
    opens_at: datetime | None  # aware UTC
    due_at: datetime | None
    closes_at: datetime | None
    max_attempts: int
    late_penalty: float  # a fraction in [0, 1]
    reveal_policy: str
    score_policy: str
    items: tuple[ItemSpec, ...]


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    # For a problem of one exercise of the assignment: its row in ``AssignmentSpec.items`` (or None), its exercise.
    index: int | None = None
    exercise_id: int | None = None


class AssignmentInvalid(ValueError):
    def __init__(self, problems: list[Problem]):
        super().__init__(", ".join(f"{p.field}: {p.code}" for p in problems))
        self.problems = problems


def check_assignment(session: Session, spec: AssignmentSpec, assignment: Assignment | None = None) -> list[Problem]:
    """Everything wrong with ``spec`` as the settings of ``assignment`` (None: a new one), field by field."""
    problems = []
    title = spec.title.strip()
    if not title:
        problems.append(Problem("title", "title_missing"))
    elif len(title) > MAX_TITLE_LENGTH:
        problems.append(Problem("title", "title_too_long"))
    if spec.opens_at and spec.due_at and spec.due_at < spec.opens_at:
        problems.append(Problem("due_at", "due_before_opening"))
    if spec.closes_at and spec.due_at and spec.closes_at < spec.due_at:
        problems.append(Problem("closes_at", "close_before_due"))
    elif spec.closes_at and spec.opens_at and spec.closes_at < spec.opens_at:
        problems.append(Problem("closes_at", "close_before_opening"))
    if not 1 <= spec.max_attempts <= MAX_ATTEMPTS:
        problems.append(Problem("max_attempts", "attempts_out_of_range"))
    if not 0.0 <= spec.late_penalty <= 1.0:
        problems.append(Problem("late_penalty", "penalty_out_of_range"))
    elif spec.late_penalty > 0 and spec.due_at is None:
        problems.append(Problem("late_penalty", "penalty_needs_due"))
    if spec.reveal_policy not in {p.value for p in RevealPolicy}:
        problems.append(Problem("reveal_policy", "unknown_policy"))
    elif spec.reveal_policy == RevealPolicy.AFTER_DUE.value and spec.due_at is None:
        problems.append(Problem("reveal_policy", "reveal_needs_due"))
    if spec.score_policy not in {p.value for p in ScorePolicy}:
        problems.append(Problem("score_policy", "unknown_policy"))
    problems += _item_problems(session, spec, assignment)
    return problems


def _item_problems(session: Session, spec: AssignmentSpec, assignment: Assignment | None) -> list[Problem]:
    problems = []
    if not spec.items:
        problems.append(Problem("items", "no_items"))
    elif len(spec.items) > MAX_ITEMS:
        problems.append(Problem("items", "too_many_items"))
    kept = {item.exercise_id: item for item in assignment.items} if assignment is not None and assignment.id else {}
    ids = [item.exercise_id for item in spec.items]
    archived = dict(session.execute(select(Exercise.id, Exercise.archived_at).where(Exercise.id.in_(ids))).all())
    seen = set()
    for index, item in enumerate(spec.items):

        def problem(field: str, code: str) -> Problem:
            return Problem(field, code, index, item.exercise_id)  # noqa: B023  (used at once, in this iteration)

        if item.exercise_id not in archived:
            problems.append(problem("exercise_id", "unknown_exercise"))
        elif archived[item.exercise_id] is not None and item.exercise_id not in kept:
            problems.append(problem("exercise_id", "archived_exercise"))
        elif item.exercise_id in seen:
            problems.append(problem("exercise_id", "duplicate_exercise"))
        seen.add(item.exercise_id)
        if not 0.0 < item.weight <= MAX_WEIGHT:
            problems.append(problem("weight", "weight_out_of_range"))
        if item.max_attempts is not None and not 1 <= item.max_attempts <= MAX_ATTEMPTS:
            problems.append(problem("max_attempts", "attempts_out_of_range"))
    removed = [item for exercise_id, item in kept.items() if exercise_id not in seen]
    for item in removed:
        if _has_work(session, item):
            problems.append(Problem("items", "removed_item_has_work", None, item.exercise_id))
    return problems


def _has_work(session: Session, item: AssignmentItem) -> bool:
    """Whether students have answered ``item`` (or a teacher graded it): such an item stays in its assignment."""
    submitted = select(Submission.id).where(Submission.assignment_item_id == item.id).exists()
    graded = select(Grade.id).where(Grade.assignment_item_id == item.id).exists()
    return bool(session.scalar(select(submitted | graded)))


def save_assignment(
    session: Session, course: Course, spec: AssignmentSpec, assignment: Assignment | None = None
) -> Assignment:
    """Create an assignment of ``course`` from ``spec``, or make ``assignment`` (of that course) match it: its
    settings, and its exercises in the given order (kept items keep their id, hence their submissions and grades).
    Raises AssignmentInvalid with every problem when the spec breaks a rule."""
    if assignment is not None and assignment.course_id != course.id:
        raise ValueError("the assignment belongs to another course")
    problems = check_assignment(session, spec, assignment)
    if problems:
        raise AssignmentInvalid(problems)
    if assignment is None:
        assignment = Assignment(course_id=course.id)
        session.add(assignment)
    assignment.title = spec.title.strip()
    assignment.opens_at, assignment.due_at, assignment.closes_at = spec.opens_at, spec.due_at, spec.closes_at
    assignment.max_attempts = spec.max_attempts
    assignment.late_penalty = spec.late_penalty
    assignment.reveal_policy = spec.reveal_policy
    assignment.score_policy = spec.score_policy
    existing = {item.exercise_id: item for item in assignment.items}
    ordered = []
    for position, item_spec in enumerate(spec.items):
        item = existing.pop(item_spec.exercise_id, None) or AssignmentItem(exercise_id=item_spec.exercise_id)
        item.position, item.weight, item.max_attempts = position, item_spec.weight, item_spec.max_attempts
        ordered.append(item)
    for removed in existing.values():
        session.delete(removed)
    assignment.items = ordered
    session.flush()
    return assignment
