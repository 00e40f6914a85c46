"""Item analysis of a course's assignment items: how hard each exercise and each part is, how well it separates
the students, which wrong answers are common and which named misconceptions the grader recognised.

Every figure reads the current grading of each submission (its latest: a regrade or a review appends one). A
student's score on an item is that of the submission that counts under the assignment's policy (the best, the
earliest on a tie, or the last attempt), before any late penalty: the analysis is about the answers, not the
deadlines. Discrimination is the corrected item-total correlation: Pearson's r between the students' score on the
item (or part) and their total on the rest of the assignment, over the students who attempted the item.

Common wrong answers are grouped by what they mean, not by how they were typed: number and vector answers by their
parsed values ("0.4", "0,4", " 0.40" and "2/5" are one answer, shown as its most frequent spelling), formulas by
their text with spaces normalised and case folded, choices by the set of options chosen.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, selectinload

import grader
from exercises import ExerciseDefinition
from exercises.answers import PENDING_REVIEW
from exercises.schema import ChoicePart, NumberPart, Part, TextPart, VectorPart

from ..models import Assignment, AssignmentItem, Course, Exercise, Grading, ScorePolicy, Submission

# Fewer students than this make a correlation meaningless (two points always lie on a line).
MIN_STUDENTS = 3
# Why a discrimination is undefined (the page words each one).
TOO_FEW_STUDENTS = "too_few_students"
SAME_SCORE = "same_score"
SAME_REST = "same_rest"
# Score bins of the distributions: 0-10 %, ..., 90-100 % (a score of exactly 100 % falls in the last one).
BIN_EDGES = np.linspace(0.0, 1.0, 11)
TOP_WRONG_ANSWERS = 5
_FLAT = 1e-12


@dataclass(frozen=True)
class Discrimination:
    value: float | None
    undefined_because: str | None = None  # TOO_FEW_STUDENTS, SAME_SCORE or SAME_REST when value is None


@dataclass(frozen=True)
class WrongAnswer:
    # The answer's most frequent spelling: a number or vector trimmed, as typed; a formula with its spaces
    # collapsed, casefolded; a choice's option ids joined with ","
    text: str
    options: tuple[str, ...] | None  # a choice's chosen options, as their texts
    count: int  # every spelling of the answer counted
    spellings: tuple[str, ...] = ()  # every spelling grouped here, the most frequent first (not for a choice)


@dataclass(frozen=True)
class MisconceptionCount:
    id: str
    explanation: str | None  # the grader's sentence in the reader's language; None for an id it does not know
    submissions: int
    students: int


@dataclass(frozen=True)
class PartAnalysis:
    name: str
    kind: str
    label: str
    students: int  # students whose counted submission has a graded verdict for this part
    facility: float | None
    discrimination: Discrimination
    distribution: tuple[int, ...]
    wrong_answers: list[WrongAnswer]
    misconceptions: list[MisconceptionCount]
    pending: int  # submissions whose answer to this part awaits a teacher's review


@dataclass(frozen=True)
class ItemAnalysis:
    item: AssignmentItem
    title: str
    students: int
    attempts: int
    facility: float | None
    discrimination: Discrimination
    distribution: tuple[int, ...]
    parts: list[PartAnalysis]

    @property
    def misconception_count(self) -> int:
        return sum(m.submissions for part in self.parts for m in part.misconceptions)

    @property
    def pending(self) -> int:
        return sum(part.pending for part in self.parts)


@dataclass(frozen=True)
class AssignmentAnalysis:
    assignment: Assignment
    items: list[ItemAnalysis]


@dataclass(frozen=True)
class CourseAnalysis:
    course: Course
    assignments: list[AssignmentAnalysis]

    def item(self, item_id: int) -> ItemAnalysis | None:
        return next((i for a in self.assignments for i in a.items if i.item.id == item_id), None)


@dataclass(frozen=True)
class _Graded:
    """One submission with its current grading."""

    id: int
    user_id: int
    item_id: int
    attempt_no: int
    version_id: int
    raw_answers: dict[str, Any]
    parsed_answers: dict[str, Any]
    score: float
    verdicts: dict[str, Any]


def analyse_course(
    session: Session, course: Course, locale: str, *, assignment_id: int | None = None
) -> CourseAnalysis:
    """Every assignment item of ``course`` (of one assignment when ``assignment_id`` is given), in a constant number
    of queries whatever the number of students and submissions."""
    query = (
        select(AssignmentItem)
        .join(Assignment)
        .where(Assignment.course_id == course.id)
        .order_by(Assignment.opens_at, Assignment.id, AssignmentItem.position, AssignmentItem.id)
        .options(
            selectinload(AssignmentItem.assignment),
            selectinload(AssignmentItem.exercise).selectinload(Exercise.versions),
        )
    )
    if assignment_id is not None:
        query = query.where(Assignment.id == assignment_id)
    items = list(session.scalars(query))
    graded = _current_gradings(session, [item.id for item in items])
    definitions: dict[int, ExerciseDefinition] = {}
    for item in items:
        for version in item.exercise.versions:
            definitions[version.id] = ExerciseDefinition.model_validate(version.definition)

    by_assignment: dict[int, list[AssignmentItem]] = defaultdict(list)
    for item in items:
        by_assignment[item.assignment_id].append(item)
    by_item: dict[int, list[_Graded]] = defaultdict(list)
    for row in graded:
        by_item[row.item_id].append(row)

    analyses = []
    for assignment_items in by_assignment.values():
        assignment = assignment_items[0].assignment
        counted = {item.id: _counted(by_item[item.id], assignment.score_policy) for item in assignment_items}
        totals: dict[int, float] = defaultdict(float)
        for per_student in counted.values():
            for user_id, row in per_student.items():
                totals[user_id] += row.score
        analyses.append(
            AssignmentAnalysis(
                assignment,
                [
                    _analyse_item(item, by_item[item.id], counted[item.id], totals, definitions, locale)
                    for item in assignment_items
                ],
            )
        )
    return CourseAnalysis(course, analyses)


def _current_gradings(session: Session, item_ids: Sequence[int]) -> list[_Graded]:
    if not item_ids:
        return []
    newer = aliased(Grading)
    superseded = select(newer.id).where(newer.submission_id == Grading.submission_id, newer.id > Grading.id).exists()
    rows = session.execute(
        select(
            Submission.id,
            Submission.user_id,
            Submission.assignment_item_id,
            Submission.attempt_no,
            Submission.exercise_version_id,
            Submission.raw_answers,
            Submission.parsed_answers,
            Grading.score,
            Grading.verdicts,
        )
        .join(Grading, Grading.submission_id == Submission.id)
        .where(Submission.assignment_item_id.in_(item_ids), ~superseded)
        .order_by(Submission.id)
    )
    return [_Graded(*row) for row in rows]


def _counted(rows: Iterable[_Graded], policy: str) -> dict[int, _Graded]:
    """Each student's submission that counts: the best (the earliest attempt on a tie) or the last."""
    counted: dict[int, _Graded] = {}
    for row in rows:
        held = counted.get(row.user_id)
        if held is None:
            counted[row.user_id] = row
        elif policy == ScorePolicy.LAST.value:
            if row.attempt_no > held.attempt_no:
                counted[row.user_id] = row
        elif row.score > held.score or (row.score == held.score and row.attempt_no < held.attempt_no):
            counted[row.user_id] = row
    return counted


def _analyse_item(
    item: AssignmentItem,
    rows: list[_Graded],
    counted: dict[int, _Graded],
    totals: dict[int, float],
    definitions: dict[int, ExerciseDefinition],
    locale: str,
) -> ItemAnalysis:
    version = item.exercise.current_version
    definition = definitions[version.id]
    students = sorted(counted)
    scores = np.array([counted[s].score for s in students], dtype=float)
    rest = np.array([totals[s] - counted[s].score for s in students], dtype=float)
    parts = [_analyse_part(part, rows, counted, totals, definitions, locale) for part in definition.parts]
    return ItemAnalysis(
        item=item,
        title=version.title(locale),
        students=len(students),
        attempts=len(rows),
        facility=float(scores.mean()) if students else None,
        discrimination=discrimination(scores, rest),
        distribution=distribution(scores),
        parts=parts,
    )


def _analyse_part(
    part: Part,
    rows: list[_Graded],
    counted: dict[int, _Graded],
    totals: dict[int, float],
    definitions: dict[int, ExerciseDefinition],
    locale: str,
) -> PartAnalysis:
    scores, rest = [], []
    for user_id in sorted(counted):
        row = counted[user_id]
        verdict = row.verdicts.get(part.name)
        if not verdict or verdict.get("code") == PENDING_REVIEW:
            continue
        score = float(verdict.get("score") or 0.0)
        scores.append(score)
        # The rest: the student's total on the assignment without this part's share of the item's score.
        rest.append(totals[user_id] - _share(definitions[row.version_id], part.name, score))
    score_array = np.array(scores, dtype=float)
    pending = sum(1 for row in rows if (row.verdicts.get(part.name) or {}).get("code") == PENDING_REVIEW)
    return PartAnalysis(
        name=part.name,
        kind=part.kind,
        label=part.label.get(locale),
        students=len(scores),
        facility=float(score_array.mean()) if scores else None,
        discrimination=discrimination(score_array, np.array(rest, dtype=float)),
        distribution=distribution(score_array),
        wrong_answers=[] if isinstance(part, TextPart) else _wrong_answers(part, rows, definitions, locale),
        misconceptions=_misconceptions(part.name, rows, locale),
        pending=pending,
    )


def _share(definition: ExerciseDefinition, part_name: str, score: float) -> float:
    weights = {part.name: part.weight for part in definition.parts}
    return weights.get(part_name, 0.0) * score / sum(weights.values())


def discrimination(scores: np.ndarray, rest: np.ndarray) -> Discrimination:
    """Pearson's r between the scores and the rest totals, or why it is undefined."""
    if scores.size < MIN_STUDENTS:
        return Discrimination(None, TOO_FEW_STUDENTS)
    if np.ptp(scores) <= _FLAT:
        return Discrimination(None, SAME_SCORE)
    if np.ptp(rest) <= _FLAT:
        return Discrimination(None, SAME_REST)
    r = float(np.corrcoef(scores, rest)[0, 1])
    return Discrimination(min(1.0, max(-1.0, r)))


def distribution(scores: np.ndarray) -> tuple[int, ...]:
    counts, _ = np.histogram(np.clip(scores, 0.0, 1.0), bins=BIN_EDGES)
    return tuple(int(c) for c in counts)


def _wrong_answers(
    part: Part, rows: list[_Graded], definitions: dict[int, ExerciseDefinition], locale: str
) -> list[WrongAnswer]:
    spellings: dict[str, Counter[str]] = defaultdict(Counter)  # each answer's spellings, in the order first seen
    shown: dict[str, tuple[str, ...] | None] = {}
    for row in rows:
        verdict = row.verdicts.get(part.name)
        if not verdict or verdict.get("correct") or verdict.get("code") == PENDING_REVIEW:
            continue
        raw = str(row.raw_answers.get(part.name, ""))
        if isinstance(part, ChoicePart):
            ids = sorted({piece.strip() for piece in raw.split(",") if piece.strip()})
            key = spelling = ",".join(ids)
            if key not in shown:
                shown[key] = tuple(_option_text(definitions[row.version_id], part, option, locale) for option in ids)
        else:
            key, spelling = _answer_key(part, raw, row.parsed_answers.get(part.name))
            shown.setdefault(key, None)
        spellings[key][spelling] += 1
    answers = []
    for key, typed in spellings.items():
        ordered = tuple(spelling for spelling, _count in typed.most_common())  # a tie: the one typed first
        answers.append(WrongAnswer(text=ordered[0], options=shown[key], count=sum(typed.values()),
                                   spellings=() if isinstance(part, ChoicePart) else ordered))
    answers.sort(key=lambda answer: (-answer.count, answer.text))
    return answers[:TOP_WRONG_ANSWERS]


# Keys of answers grouped by their parsed value begin with this, which no typed text (trimmed) is read as.
_PARSED = "="


def _answer_key(part: Part, raw: str, parsed: Any) -> tuple[str, str]:
    """The key a wrong answer is grouped under, and the spelling it adds. A number or vector is grouped by the
    value it was read as (to 12 significant figures, so that "1/3" and "0.333333333333333" meet; -0 is 0), its
    spelling trimmed; a formula, or an answer stored without its parsed value, by its text without spaces and case
    folded, its spelling with its spaces collapsed, case folded."""
    text = raw.strip()
    if isinstance(part, (NumberPart, VectorPart)):
        values = parsed if isinstance(parsed, list) else [parsed]
        if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            return _PARSED + ";".join(f"{float(v) + 0.0:.12g}" for v in values), text
    words = text.casefold().split()
    return "".join(words), " ".join(words)


def _option_text(definition: ExerciseDefinition, current: ChoicePart, option_id: str, locale: str) -> str:
    """An option's text in the version the submission answered (else the current one), or its id."""
    for part in (next((p for p in definition.parts if p.name == current.name), None), current):
        if isinstance(part, ChoicePart):
            for option in part.options:
                if option.id == option_id:
                    return option.get(locale)
    return option_id


def _misconceptions(part_name: str, rows: list[_Graded], locale: str) -> list[MisconceptionCount]:
    submissions: Counter[str] = Counter()
    students: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        found = (row.verdicts.get(part_name) or {}).get("misconception")
        if found:
            submissions[found] += 1
            students[found].add(row.user_id)
    return [
        MisconceptionCount(
            id=found,
            explanation=misconception_explanation(found, locale),
            submissions=count,
            students=len(students[found]),
        )
        for found, count in sorted(submissions.items(), key=lambda pair: (-pair[1], pair[0]))
    ]


def misconception_explanation(misconception_id: str, locale: str) -> str | None:
    """The grader's one-sentence explanation of a named misconception, as the student's feedback words it."""
    known = grader.MISCONCEPTIONS.get(misconception_id)
    if known is None:
        return None
    return known.ru if locale == "ru" else known.en
