"""The exercise format (schema, loader, data, keys) and, in its sub-folders, the catalogue itself."""

from .answers import ANSWER_KINDS, KeyContext, check_answer, combined_score, option_order, read_answer, vector_length
from .data import DataGenerationError, Dataset, build_dataset, display_table, model_inputs
from .generators import GENERATORS
from .keys import ComputedKey, KeyComputationError, check_keys, compute_key, describe_key
from .loader import ExerciseFileError, Problem, exercise_folders, load_exercise
from .schema import ExerciseDefinition, LoadedExercise

__all__ = [
    "ANSWER_KINDS", "GENERATORS", "ComputedKey", "DataGenerationError", "Dataset", "ExerciseDefinition",
    "ExerciseFileError", "KeyComputationError", "KeyContext", "LoadedExercise", "Problem", "build_dataset",
    "check_answer", "combined_score", "check_keys", "compute_key", "describe_key", "display_table", "exercise_folders",
    "load_exercise", "model_inputs", "option_order", "read_answer", "vector_length",
]
