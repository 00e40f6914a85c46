"""MLE Lab's grader: likelihood families, verified numerical MLE, answer parsing and checking.

Pure numerics: numpy arrays in, frozen dataclasses out, tolerances passed explicitly; imports only numpy, scipy
and the standard library, and nothing of the rest of the project.
"""

from .checking import Tolerance, Verdict, check_number
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
from .keys import key_value
from .number_parsing import parse_number
from .verification import Verification

# Stored with every cached key and every grading, so a change in the numbers can be traced to a release.
GRADER_VERSION = "0.1.0"

__all__ = [
    "ANSWER_ERROR_CODES",
    "FAMILIES",
    "GRADER_VERSION",
    "AnswerError",
    "DataError",
    "Family",
    "FitResult",
    "KeySpecError",
    "KeyVerificationError",
    "ParameterError",
    "Tolerance",
    "Verdict",
    "Verification",
    "check_number",
    "fit",
    "key_value",
    "parse_number",
]
