"""A variant's data set: built from the definition (and, for generated data, the variant's seed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

import grader
from grader.families import get_family

from .format_texts import FormatError, listed
from .generators import GENERATORS
from .schema import INTERCEPT, ColumnHeading, ExerciseDefinition, GeneratedData, Model

# A draw whose data have no interior MLE for some model (every respondent said yes) is replaced by the next draw
# of the same seed: still reproducible, and rare enough that this many tries never run out in practice.
MAX_DRAWS = 50


class DataGenerationError(FormatError):
    """The generator cannot produce data every model can be fitted to; ``field`` says where to look."""


@dataclass(frozen=True)
class Dataset:
    columns: dict[str, np.ndarray]

    def to_json(self) -> dict[str, Any]:
        return {"columns": {name: values.tolist() for name, values in self.columns.items()}}

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> "Dataset":
        return cls({name: np.asarray(values, dtype=float) for name, values in stored["columns"].items()})

    @property
    def n_rows(self) -> int:
        return len(next(iter(self.columns.values())))


def build_dataset(definition: ExerciseDefinition, seed: str) -> Dataset:
    """The data one student sees. Fixed data is the same for everyone; ``seed`` (any text, e.g. the variant's HMAC
    seed) drives generated data, so the same seed always gives the same data."""
    spec = definition.data
    if spec is None:
        return Dataset({})
    if not isinstance(spec, GeneratedData):
        return Dataset({column.name: np.asarray(column.values, dtype=float) for column in spec.columns})
    generator = GENERATORS.get(spec.generator)
    if generator is None:
        raise DataGenerationError("data.generator", "unknown_generator", generator=spec.generator,
                                  generators=listed(sorted(GENERATORS)))
    unknown = sorted(set(spec.parameters) - set(generator.defaults))
    if unknown:
        raise DataGenerationError(f"data.parameters.{unknown[0]}", "unknown_generator_parameter",
                                  generator=spec.generator, name=unknown[0], parameters=listed(generator.defaults))
    missing = sorted({c.name for c in spec.columns} - set(generator.columns))
    if missing:
        raise DataGenerationError("data.columns", "generator_columns", generator=spec.generator,
                                  columns=listed(generator.columns), missing=listed(missing))
    settings = {**generator.defaults, **spec.parameters}
    problem = ""
    for draw in range(MAX_DRAWS):
        rng = np.random.default_rng([int.from_bytes(seed.encode(), "big") % (1 << 127), draw])
        parameters = {name: _draw(rng, value) for name, value in settings.items()}
        columns = generator.draw(rng, parameters)
        dataset = Dataset({c.name: np.asarray(columns[c.name], dtype=float) for c in spec.columns})
        problem = _fitting_problem(definition, dataset)
        if not problem:
            return dataset
    raise DataGenerationError("data.parameters", "no_fittable_draw", draws=MAX_DRAWS, generator=spec.generator,
                              cause=problem)


def _draw(rng: np.random.Generator, value: float | list[float]) -> float:
    if not isinstance(value, list):
        return float(value)
    low, high = value
    if float(low).is_integer() and float(high).is_integer():
        return float(rng.integers(int(low), int(high), endpoint=True))
    return float(rng.uniform(low, high))


def _fitting_problem(definition: ExerciseDefinition, dataset: Dataset) -> str:
    """Why some model has no interior MLE on these data (e.g. all answers equal, a separation), as the grader's
    Message, or ""."""
    for model in definition.all_models.values():
        family = get_family(model.family) if model.family in grader.FAMILIES else None
        if family is None:
            return ""  # an unknown family is reported where the key is computed
        try:
            problem = family.mle_problem(model_inputs(model, dataset))
        except grader.DataError as error:
            return error.message
        if problem:
            return problem
    return ""


def model_inputs(model: Model, dataset: Dataset) -> dict[str, np.ndarray]:
    """The arrays a model's family takes: a column, or a design matrix of columns ("1" the intercept), cut to the
    model's first ``rows`` rows."""
    rows = slice(None) if model.rows is None else slice(0, model.rows)
    n = dataset.n_rows if dataset.columns else 0
    arrays = {}
    for argument, source in model.inputs.items():
        if isinstance(source, str):
            arrays[argument] = dataset.columns[source][rows]
        else:
            arrays[argument] = np.column_stack(
                [np.ones(n) if column == INTERCEPT else dataset.columns[column] for column in source]
            )[rows]
    return arrays


@dataclass(frozen=True)
class TableColumn:
    name: str
    label: str
    cells: list[str]


def display_table(definition: ExerciseDefinition, dataset: Dataset, locale: str) -> list[TableColumn]:
    """The data as students read it: coded values shown with their words ("yes" for 1)."""
    if definition.data is None:
        return []
    return [
        TableColumn(column.name, column.label.get(locale),
                    [format_cell(column, value, locale) for value in dataset.columns[column.name]])
        for column in definition.data.columns
    ]


def format_cell(column: ColumnHeading, value: float, locale: str) -> str:
    for level in column.levels:
        if level.value == value:
            return level.ru if locale == "ru" else level.en
    return format_number(value)


def format_number(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}"
