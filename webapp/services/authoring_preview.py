"""What the editor shows of a sample variant before saving: its data as students see them, each part's computed key
(and the wrong answers the grader would recognise), and the verification report of every fit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from exercises import ExerciseDefinition, describe_key, display_table
from exercises.data import TableColumn, format_number

from .authoring import Sample

SHOWN_ROWS = 50


@dataclass(frozen=True)
class PartKey:
    name: str
    kind: str
    label: str
    quantity: str | None  # the key as the definition names it ("mle.p", "lad: mle.beta[1]")
    values: tuple[str, ...]  # the computed numbers, as shown (one for a number part, each component of a vector)
    correct: tuple[str, ...]  # a choice part's correct options
    mistakes: tuple[tuple[str, str], ...]  # (misconception id, the wrong answer it gives on these data)


@dataclass(frozen=True)
class FitCheck:
    model: str
    family: str
    passed: bool
    method: str  # the grader's Message, which the page words in the reader's language
    iterations: int | None
    n: int | None
    # numbers, written by the page in the reader's notation
    grad_norm: float | None
    newton_decrement: float | None
    hessian_definite: bool | None
    closed_form: float | None  # the largest relative difference from the closed form
    second_method: float | None
    certificate: str | None
    problems: tuple[str, ...]


@dataclass(frozen=True)
class SamplePreview:
    seed: str
    table: list[TableColumn]
    n_rows: int
    shown_rows: int
    keys: list[PartKey]
    checks: list[FitCheck]


def sample_preview(definition: ExerciseDefinition, sample: Sample, locale: str) -> SamplePreview:
    table = display_table(definition, sample.dataset, locale)
    n_rows = sample.dataset.n_rows if sample.dataset.columns else 0
    return SamplePreview(
        seed=sample.seed,
        table=table,
        n_rows=n_rows,
        shown_rows=min(n_rows, SHOWN_ROWS),
        keys=[_part_key(part, sample, locale) for part in definition.parts],
        checks=_checks(definition, sample.key.verification),
    )


def _part_key(part, sample: Sample, locale: str) -> PartKey:
    value = sample.key.values.get(part.name)
    values = tuple(format_number(v) for v in value) if isinstance(value, list) else (
        (format_number(value),) if value is not None else ())
    found = sample.key.mistakes.get(part.name, [])
    flat = [m for item in found for m in (item if isinstance(item, list) else [item])]
    correct = tuple(option.get(locale) for option in part.options if option.id in part.correct) \
        if part.kind == "choice" else ()
    return PartKey(
        name=part.name,
        kind=part.kind,
        label=part.label.get(locale),
        quantity=describe_key(part),
        values=values,
        correct=correct,
        mistakes=tuple((m.misconception, format_number(m.value)) for m in flat),
    )


def _checks(definition: ExerciseDefinition, verification: dict[str, Any]) -> list[FitCheck]:
    models = definition.all_models
    if "models" in verification:
        reports = verification["models"]
    elif "method" in verification:
        # One fit: the model's name is known only when there is one model (the keys may use one of several).
        reports = {next(iter(models)) if len(models) == 1 else "": verification}
    else:
        reports = {}  # no model: nothing was fitted
    return [_check(name, models[name].family if name in models else "", report) for name, report in reports.items()]


def _check(name: str, family: str, report: dict[str, Any]) -> FitCheck:
    return FitCheck(
        model=name,
        family=family,
        passed=bool(report.get("passed")) and bool(report.get("converged")),
        method=report.get("method", ""),  # a grader Message, worded by the page
        iterations=report.get("iterations"),
        n=report.get("n"),
        grad_norm=report.get("grad_norm"),
        newton_decrement=report.get("newton_decrement"),
        hessian_definite=report.get("hessian_definite"),
        closed_form=report.get("closed_form_max_rel_diff"),
        second_method=report.get("second_method_max_rel_diff"),
        certificate=report.get("certificate"),
        problems=tuple(report.get("problems", ())),
    )
