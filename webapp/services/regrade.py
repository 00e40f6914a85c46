"""Regrading: judging stored answers again after a key, tolerance or grader change, as a dry run or applied.

Every submission in scope is read again from its raw answers (exactly as typed; a choice's as its option ids) with
``exercises.read_answer`` and checked with ``exercises.check_answer`` against its variant's key, computed by the
current grader (a key cached by an older grader is computed again):

- ``Against.ANSWERED`` (the default) judges an answer by the exercise version it answered: that version's parts,
  tolerances and data. This is the regrade after a grader change.
- ``Against.CURRENT`` judges it by the exercise's current version. A teacher who fixes a tolerance or a key edits
  the exercise, which makes a new version, and wants the old answers judged by the fix. Parts are matched by name:
  a part that no longer exists is dropped, a part added since scores 0 (verdict ``not_answered``), an answer the
  new version cannot read scores 0 with the reading problem's code. Answers whose data the current version
  generates differently are judged all the same and counted in the report (``data_changed``).

A written part a teacher has graded keeps its verdict; one awaiting review stays awaiting. History is never
rewritten: applying appends a grading (reason "regrade") to each submission whose verdicts or score change, then
recomputes each affected grade with ``submit.update_grade`` (best or last, late penalty); a teacher's override stays
as it is. A second apply finds nothing to change. A dry run does the same inside a savepoint that is rolled back:
the grades after it come from ``update_grade`` itself, and nothing is written.

The work goes in batches of whole (item, student) pairs; ``after_batch`` lets the caller commit (applied) or roll
back (dry run) and show progress between batches, so that a long run holds no lock for long.
"""

from __future__ import annotations

import enum
import math
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session, selectinload

import grader
from exercises import Dataset, KeyContext, build_dataset, check_answer, compute_key, read_answer
from exercises.schema import TextPart

from ..models import (
    Assignment,
    AssignmentItem,
    Course,
    Exercise,
    ExerciseVersion,
    Grade,
    Grading,
    Submission,
    User,
    Variant,
)
from .regrade_report import GradeChange, KeyFailure, NoKey, PartChange, RegradeReport, SubmissionChange
from .review import REVIEWED, submission_score
from .submit import update_grade, verdict_to_json
from .variants import VariantKey, ensure_key

BATCH_SIZE = 200  # submissions per batch (whole pairs: a batch may hold a few more)
# The verdict code of a part added to the exercise after the answer was sent.
NOT_ANSWERED = "not_answered"
# What makes two verdicts of a part the same judgement (messages and numbers shown in them may be worded anew).
_JUDGEMENT = ("correct", "code", "misconception")


class Against(str, enum.Enum):
    ANSWERED = "answered"
    CURRENT = "current"


@dataclass(frozen=True)
class Pair:
    item_id: int
    user_id: int
    submissions: int


@dataclass(frozen=True)
class RegradeScope:
    course_id: int
    item_id: int | None
    against: Against
    pairs: tuple[Pair, ...]

    @property
    def total(self) -> int:
        return sum(pair.submissions for pair in self.pairs)


# ----- scope and run -----------------------------------------------------------------------------------------------


def regrade_scope(
    session: Session, course: Course, *, item: AssignmentItem | None = None, against: Against = Against.ANSWERED
) -> RegradeScope:
    """The (item, student) pairs of ``course`` (of ``item`` only, when given) with submissions, and how many."""
    if item is not None and item.assignment.course_id != course.id:
        raise ValueError(f"item {item.id} is not an item of course {course.id}")
    query = (
        select(Submission.assignment_item_id, Submission.user_id, func.count())
        .join(AssignmentItem, AssignmentItem.id == Submission.assignment_item_id)
        .join(Assignment, Assignment.id == AssignmentItem.assignment_id)
        .where(Assignment.course_id == course.id)
        .group_by(Submission.assignment_item_id, Submission.user_id)
        .order_by(Submission.assignment_item_id, Submission.user_id)
    )
    if item is not None:
        query = query.where(Submission.assignment_item_id == item.id)
    pairs = tuple(Pair(item_id, user_id, count) for item_id, user_id, count in session.execute(query))
    return RegradeScope(course.id, item.id if item is not None else None, against, pairs)


def run_regrade(
    session: Session,
    scope: RegradeScope,
    *,
    apply: bool,
    now: datetime,
    after_batch: Callable[[int, int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> RegradeReport:
    """Judge every submission of ``scope`` again; append gradings and recompute grades only if ``apply``.
    ``after_batch(done, total)`` is called after each batch, with the submissions judged so far."""
    report = RegradeReport(against=scope.against.value, applied=apply, total=scope.total)
    done = 0
    for batch in _batches(scope.pairs, batch_size):
        _regrade_batch(session, scope.against, batch, apply=apply, now=now, report=report)
        done += sum(pair.submissions for pair in batch)
        if after_batch is not None:
            after_batch(done, scope.total)
    return report


def _batches(pairs: Sequence[Pair], size: int) -> Iterator[list[Pair]]:
    batch: list[Pair] = []
    count = 0
    for pair in pairs:
        batch.append(pair)
        count += pair.submissions
        if count >= size:
            yield batch
            batch, count = [], 0
    if batch:
        yield batch


def _regrade_batch(
    session: Session, against: Against, batch: list[Pair], *, apply: bool, now: datetime, report: RegradeReport
) -> None:
    ids = [(pair.item_id, pair.user_id) for pair in batch]
    submissions = session.scalars(
        select(Submission)
        .where(tuple_(Submission.assignment_item_id, Submission.user_id).in_(ids))
        .order_by(Submission.id)
        .options(
            selectinload(Submission.gradings),
            selectinload(Submission.user),
            selectinload(Submission.exercise_version),
            selectinload(Submission.assignment_item).selectinload(AssignmentItem.assignment),
            selectinload(Submission.variant).selectinload(Variant.exercise).selectinload(Exercise.versions),
        )
    ).all()
    before = _grades(session, ids)
    keys = _Keys(session, apply=apply)
    changes: dict[tuple[int, int], list[SubmissionChange]] = defaultdict(list)
    touched: dict[tuple[int, int], tuple[AssignmentItem, User]] = {}
    savepoint = None if apply else session.begin_nested()
    try:
        for submission in submissions:
            judged = _judge(submission, against, keys, report)
            if judged is None:
                continue
            verdicts, score = judged
            grading = submission.current_grading
            parts = _part_changes(grading.verdicts, verdicts)
            if not parts and math.isclose(grading.score, score, abs_tol=1e-12):
                continue
            report.changed += 1
            session.add(
                Grading(
                    submission_id=submission.id,
                    grader_version=grader.GRADER_VERSION,
                    score=score,
                    verdicts=verdicts,
                    reason="regrade",
                    created_at=now,
                )
            )
            pair = (submission.assignment_item_id, submission.user_id)
            changes[pair].append(SubmissionChange(submission.id, submission.attempt_no, grading.score, score, parts))
            touched[pair] = (submission.assignment_item, submission.user)
        session.flush()
        for item, student in touched.values():
            update_grade(session, item, student)
        after = _grades(session, ids)
    finally:
        if savepoint is not None:
            savepoint.rollback()
    for submission in submissions:
        session.expire(submission, ["gradings"])  # a grading may have been appended (or rolled back)
    users = {submission.user_id: submission.user for submission in submissions}
    for pair in ids:
        old, new = before.get(pair, (0.0, None)), after.get(pair, (0.0, None))
        if not changes.get(pair) and old == new:
            continue
        user = users[pair[1]]
        report.grades.append(
            GradeChange(
                item_id=pair[0],
                user_id=pair[1],
                student=user.name,
                email=user.email,
                before=_effective(*old),
                after=_effective(*new),
                computed_before=old[0],
                computed_after=new[0],
                overridden=new[1] is not None,
                submissions=tuple(changes.get(pair, ())),
            )
        )


def _grades(session: Session, ids: list[tuple[int, int]]) -> dict[tuple[int, int], tuple[float, float | None]]:
    """Each pair's grade as (computed score, override) — read as values, not as (possibly stale) Grade objects."""
    rows = session.execute(
        select(Grade.assignment_item_id, Grade.user_id, Grade.score, Grade.override_score).where(
            tuple_(Grade.assignment_item_id, Grade.user_id).in_(ids)
        )
    )
    return {(item_id, user_id): (score, override) for item_id, user_id, score, override in rows}


def _effective(score: float, override: float | None) -> float:
    return override if override is not None else score


# ----- judging one submission --------------------------------------------------------------------------------------


def _judge(
    submission: Submission, against: Against, keys: "_Keys", report: RegradeReport
) -> tuple[dict[str, dict[str, Any]], float] | None:
    """The submission's verdicts and score by the judging version, or None when its key cannot be computed."""
    variant = submission.variant
    answered = submission.exercise_version
    version = variant.exercise.current_version if against is Against.CURRENT else answered
    key = keys.get(variant, version)
    if isinstance(key, NoKey):
        _record_failure(report, submission, version, key)
        return None
    report.checked += 1
    context = KeyContext(key.definition, key.dataset, key.values, key.mistakes, variant.seed)
    previous = submission.current_grading.verdicts
    verdicts: dict[str, dict[str, Any]] = {}
    unreadable = False
    for part in key.definition.parts:
        kept = previous.get(part.name)
        if isinstance(part, TextPart) and kept is not None and kept.get("code") == REVIEWED:
            verdicts[part.name] = kept  # the teacher's review stands
            continue
        if part.name not in submission.raw_answers:
            verdicts[part.name] = _verdict(NOT_ANSWERED, "This part was added after the answer was sent.")
            continue
        try:
            parsed = read_answer(part, str(submission.raw_answers[part.name]), key.definition)
        except grader.AnswerError as error:
            verdicts[part.name] = _verdict(error.code, str(error), dict(error.params))
            unreadable = True
            continue
        verdicts[part.name] = verdict_to_json(check_answer(part, parsed, context))
    report.unreadable += unreadable
    if version.id != answered.id and keys.data_differs(variant, answered, key.dataset):
        report.data_changed += 1
    return verdicts, submission_score(key.definition.parts, verdicts)


def _verdict(code: str, message: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "score": 0.0,
        "correct": False,
        "code": code,
        "message": message,
        "params": params or {},
        "misconception": None,
    }


def _record_failure(report: RegradeReport, submission: Submission, version: ExerciseVersion, why: NoKey) -> None:
    for failure in report.failures:
        if (failure.item_id, failure.user_id, failure.version) == (
            submission.assignment_item_id,
            submission.user_id,
            version.number,
        ):
            return
    report.failures.append(
        KeyFailure(submission.assignment_item_id, submission.user_id, submission.user.name, version.number,
                   why.message, why.where, why.problem)
    )


def _part_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[PartChange, ...]:
    """The parts whose judgement differs between two gradings' verdicts (added and dropped parts included)."""
    changed = []
    for name in [*new, *(name for name in old if name not in new)]:
        a, b = old.get(name), new.get(name)
        if a is not None and b is not None and _same_judgement(a, b):
            continue
        changed.append(
            PartChange(
                name,
                a.get("code") if a is not None else None,
                _score(a) if a is not None else None,
                b.get("code") if b is not None else None,
                _score(b) if b is not None else None,
            )
        )
    return tuple(changed)


def _same_judgement(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return math.isclose(_score(a), _score(b), abs_tol=1e-12) and all(a.get(k) == b.get(k) for k in _JUDGEMENT)


def _score(verdict: Mapping[str, Any]) -> float:
    return float(verdict.get("score") or 0.0)


class _Keys:
    """The keys (and data) of one batch's variants, each computed once, by the current grader.

    A key the variant caches for the same exercise and grader version is used as it is. Otherwise, when applying
    against the exercise's current version, ``ensure_key`` computes it and refreshes the variant's cache (the
    student's page then shows the same key); in any other case it is computed here and not stored: a dry run writes
    nothing, and an older version's key must not replace the current one in the cache."""

    def __init__(self, session: Session, *, apply: bool):
        self.session = session
        self.apply = apply
        self.keys: dict[tuple[int, int], VariantKey | NoKey] = {}
        self.datasets: dict[tuple[int, int], Dataset | None] = {}

    def get(self, variant: Variant, version: ExerciseVersion) -> VariantKey | NoKey:
        """The key, or why it cannot be computed."""
        found = self.keys.get((variant.id, version.id))
        if found is None:
            found = self.keys[(variant.id, version.id)] = self._compute(variant, version)
        return found

    def _compute(self, variant: Variant, version: ExerciseVersion) -> VariantKey | NoKey:
        cached = (
            variant.key_version_id == version.id
            and variant.grader_version == grader.GRADER_VERSION
            and variant.data is not None
            and variant.key is not None
        )
        try:
            if cached or (self.apply and version.id == variant.exercise.current_version.id):
                return ensure_key(self.session, variant, version)
            definition = version.parsed_definition()
            dataset = build_dataset(definition, variant.seed)
            computed = compute_key(definition, dataset)
        except (ValueError, ArithmeticError) as error:
            return NoKey.of(error)
        return VariantKey(definition, dataset, computed.values, computed.mistakes)

    def data_differs(self, variant: Variant, answered: ExerciseVersion, judged: Dataset) -> bool:
        """Whether the data of the version the answer was given for differ from the data it is judged with."""
        if (variant.id, answered.id) not in self.datasets:
            try:
                seen = (
                    Dataset.from_json(variant.data)
                    if variant.key_version_id == answered.id and variant.data
                    else build_dataset(answered.parsed_definition(), variant.seed)
                )
            except (ValueError, ArithmeticError):
                seen = None
            self.datasets[(variant.id, answered.id)] = seen
        seen = self.datasets[(variant.id, answered.id)]
        if seen is None:
            return True
        return seen.columns.keys() != judged.columns.keys() or any(
            not np.array_equal(values, judged.columns[name]) for name, values in seen.columns.items()
        )
