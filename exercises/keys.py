"""Computing an exercise's keys with the grader, from one variant's data."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import grader

from .data import Dataset, build_dataset
from .loader import DEFINITION_FILE, ExerciseFileError, Problem
from .schema import ExerciseDefinition, LoadedExercise


@dataclass(frozen=True)
class ComputedKey:
    values: dict[str, float]
    # per part: the wrong answers that named misconceptions give on this variant's data
    mistakes: dict[str, list[grader.LikelyMistake]]
    verification: dict[str, Any]
    grader_version: str

    def to_json(self) -> dict[str, Any]:
        mistakes = {part: [[m.misconception, m.value] for m in found] for part, found in self.mistakes.items()}
        return {"values": self.values, "mistakes": mistakes}

    @staticmethod
    def mistakes_from_json(stored: dict[str, Any]) -> dict[str, list[grader.LikelyMistake]]:
        return {part: [grader.LikelyMistake(name, float(value)) for name, value in found]
                for part, found in stored.get("mistakes", {}).items()}


class KeyComputationError(ValueError):
    """The definition's model cannot produce a verified key for this data; ``field`` says where to look."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def compute_key(definition: ExerciseDefinition, dataset: Dataset) -> ComputedKey:
    family = definition.model.family
    if family not in grader.FAMILIES:
        raise KeyComputationError(
            "model.family", f"unknown family {family!r}: expected one of {', '.join(sorted(grader.FAMILIES))}"
        )
    inputs = {argument: dataset.columns[column] for argument, column in definition.model.inputs.items()}
    try:
        fit = grader.fit(family, **inputs)
    except grader.KeyVerificationError as error:
        raise KeyComputationError("data", f"the key cannot be verified: {error}") from error
    except grader.DataError as error:
        raise KeyComputationError("model.inputs", str(error)) from error

    values: dict[str, float] = {}
    mistakes: dict[str, list[grader.LikelyMistake]] = {}
    for index, part in enumerate(definition.parts):
        try:
            values[part.name] = float(grader.key_value(fit, part.key))
        except grader.KeySpecError as error:
            raise KeyComputationError(f"parts[{index}].key", str(error)) from error
        mistakes[part.name] = list(grader.likely_mistakes(fit, part.key, inputs))
    return ComputedKey(values=values, mistakes=mistakes, verification=verification_report(fit),
                       grader_version=grader.GRADER_VERSION)


def verification_report(fit: "grader.FitResult") -> dict[str, Any]:
    report = asdict(fit.verification)
    report["problems"] = list(report["problems"])
    report.update(method=fit.method, iterations=fit.iterations, converged=fit.converged, n=fit.n)
    return report


def check_keys(loaded: LoadedExercise, seeds: list[str]) -> list[ComputedKey]:
    """Compute the keys for the given variant seeds, or report where the definition goes wrong."""
    keys = []
    for seed in seeds:
        try:
            keys.append(compute_key(loaded.definition, build_dataset(loaded.definition, seed)))
        except KeyComputationError as error:
            raise ExerciseFileError([Problem(f"{loaded.source}/{DEFINITION_FILE}", error.field, str(error))]) from error
    return keys
