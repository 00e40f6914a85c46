"""MLE Lab's grader: likelihood families, verified numerical MLE, answer parsing and checking.

Pure numerics: numpy arrays in, frozen dataclasses out, tolerances passed explicitly; imports only numpy, scipy
and the standard library, and nothing of the rest of the project.
"""

from .checking import LikelyMistake, Tolerance, Verdict, check_number, check_vector, combine_scores
from .errors import (
    ANSWER_ERROR_CODES,
    AnswerError,
    DataError,
    KeySpecError,
    KeyVerificationError,
    ParameterError,
)
from .families import FAMILIES, Family
from .fitting import FitResult, fit
from .formulas import Formula, check_formula, parse_formula
from .keys import KeySpec, key_value, parse_key_spec
from .lms import gradient_descent, lms_cost
from .messages import Message
from .misconceptions import MISCONCEPTIONS, Misconception, likely_mistakes
from .number_parsing import parse_number, parse_vector
from .verification import Verification

# Stored with every cached key and every grading, so a change in the numbers can be traced to a release.
GRADER_VERSION = "0.3.0"

__all__ = [
    "ANSWER_ERROR_CODES",
    "FAMILIES",
    "GRADER_VERSION",
    "AnswerError",
    "DataError",
    "Family",
    "FitResult",
    "Formula",
    "KeySpec",
    "KeySpecError",
    "LikelyMistake",
    "Message",
    "MISCONCEPTIONS",
    "Misconception",
    "KeyVerificationError",
    "ParameterError",
    "Tolerance",
    "Verdict",
    "Verification",
    "check_formula",
    "check_number",
    "check_vector",
    "combine_scores",
    "fit",
    "gradient_descent",
    "key_value",
    "likely_mistakes",
    "lms_cost",
    "parse_formula",
    "parse_key_spec",
    "parse_number",
    "parse_vector",
]
