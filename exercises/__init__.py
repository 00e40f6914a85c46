"""The exercise format (schema, loader, data, keys) and, in its sub-folders, the catalogue itself."""

from .data import Dataset, build_dataset, display_table
from .keys import ComputedKey, KeyComputationError, check_keys, compute_key
from .loader import ExerciseFileError, Problem, exercise_folders, load_exercise
from .schema import ExerciseDefinition, LoadedExercise

__all__ = [
    "ComputedKey", "Dataset", "ExerciseDefinition", "ExerciseFileError", "KeyComputationError", "LoadedExercise",
    "Problem", "build_dataset", "check_keys", "compute_key", "display_table", "exercise_folders", "load_exercise",
]
