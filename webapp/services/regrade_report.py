"""What a regrade found: per student and item, the grade before and after and the submissions whose verdicts
change, and the variants whose key could not be computed. Plain values, stored as JSON with a web run."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import grader
from grader.messages import message_to_json


@dataclass(frozen=True)
class PartChange:
    part: str
    code_before: str | None  # None: the part had no verdict (it is new)
    score_before: float | None
    code_after: str | None  # None: the part is dropped
    score_after: float | None


@dataclass(frozen=True)
class SubmissionChange:
    submission_id: int
    attempt_no: int
    score_before: float
    score_after: float
    parts: tuple[PartChange, ...]


@dataclass(frozen=True)
class GradeChange:
    """One student's grade on one item: the score that counts (override, else computed) before and after."""

    item_id: int
    user_id: int
    student: str
    email: str
    before: float
    after: float
    computed_before: float
    computed_after: float
    overridden: bool
    submissions: tuple[SubmissionChange, ...]

    @property
    def change(self) -> float:
        return self.after - self.before


@dataclass(frozen=True)
class NoKey:
    """Why a variant's key cannot be computed: ``message`` in English ("field: text", as the CLI prints it); the
    error's Message as JSON in ``problem`` when it has one, for the page to word, with its place ``where``."""

    message: str
    where: str = ""
    problem: dict[str, Any] | None = None

    @classmethod
    def of(cls, error: Exception) -> NoKey:
        where = getattr(error, "field", "") or ""
        text = str(error) or type(error).__name__
        message = getattr(error, "message", None)
        problem = message_to_json(message) if isinstance(message, grader.Message) else None
        try:  # the report is stored as JSON: a parameter JSON cannot hold leaves the English alone
            json.dumps(problem, allow_nan=False)
        except (TypeError, ValueError):
            problem = None
        return cls(f"{where}: {text}" if where else text, where, problem)


@dataclass(frozen=True)
class KeyFailure:
    """A variant whose key cannot be computed: its submissions are left as they are."""

    item_id: int
    user_id: int
    student: str
    version: int
    message: str  # English, as the CLI prints it
    where: str = ""  # the place in the definition ("parts[0].key")
    problem: dict[str, Any] | None = None  # the error's Message as JSON (grader.messages), worded by the page


@dataclass
class RegradeReport:
    against: str
    applied: bool
    total: int = 0  # submissions in scope
    checked: int = 0  # judged again (the rest belong to variants whose key failed)
    changed: int = 0  # with other verdicts or another score: each gets a grading when applied
    unreadable: int = 0  # with an answer the judging version cannot read (it scores 0)
    data_changed: int = 0  # judged by a version that generates the student's data differently
    grades: list[GradeChange] = field(default_factory=list)
    failures: list[KeyFailure] = field(default_factory=list)

    @property
    def grades_changed(self) -> int:
        return sum(1 for grade in self.grades if not math.isclose(grade.before, grade.after, abs_tol=1e-9))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, stored: Mapping[str, Any]) -> "RegradeReport":
        grades = [
            GradeChange(
                **{
                    **g,
                    "submissions": tuple(
                        SubmissionChange(**{**s, "parts": tuple(PartChange(**p) for p in s["parts"])})
                        for s in g["submissions"]
                    ),
                }
            )
            for g in stored.get("grades", ())
        ]
        failures = [KeyFailure(**f) for f in stored.get("failures", ())]
        counts = {name: stored[name] for name in ("total", "checked", "changed", "unreadable", "data_changed")}
        return cls(against=stored["against"], applied=stored["applied"], grades=grades, failures=failures, **counts)


# ----- reading a report ---------------------------------------------------------------------------------------------

SORTS = ("change", "student", "item")


def sort_grade_changes(
    grades: Sequence[GradeChange],
    by: str = "change",
    descending: bool = True,
    item_order: Mapping[int, int] | None = None,
) -> list[GradeChange]:
    """The report's rows for display: by the size of the change (largest first by default), by student or by item
    (``item_order``: each item's place in the course)."""
    order = item_order or {}
    keys: dict[str, Callable[[GradeChange], Any]] = {
        "change": lambda g: (abs(g.change), g.student.casefold()),
        "student": lambda g: (g.student.casefold(), order.get(g.item_id, g.item_id)),
        "item": lambda g: (order.get(g.item_id, g.item_id), g.student.casefold()),
    }
    return sorted(grades, key=keys.get(by, keys["change"]), reverse=descending)
