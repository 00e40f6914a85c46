"""A variant's data set: built from the definition (and, for generated data, the variant's seed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .schema import Column, ExerciseDefinition


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
    """The data one student sees. Fixed data is the same for everyone; ``seed`` drives generated data."""
    del seed  # fixed data does not depend on it; generators (a later data source) will
    return Dataset({column.name: np.asarray(column.values, dtype=float) for column in definition.data.columns})


@dataclass(frozen=True)
class TableColumn:
    name: str
    label: str
    cells: list[str]


def display_table(definition: ExerciseDefinition, dataset: Dataset, locale: str) -> list[TableColumn]:
    """The data as students read it: coded values shown with their words ("yes" for 1)."""
    return [
        TableColumn(column.name, column.label.get(locale),
                    [format_cell(column, value, locale) for value in dataset.columns[column.name]])
        for column in definition.data.columns
    ]


def format_cell(column: Column, value: float, locale: str) -> str:
    for level in column.levels:
        if level.value == value:
            return level.ru if locale == "ru" else level.en
    return format_number(value)


def format_number(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}"
