"""What the exercise format says about a definition it refuses, each text with a stable code and its parameters.

``flask exercises check`` prints the English; the web editor words the same code in the teacher's language.
A parameter may be a grader ``Message`` (the cause the grader gave).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from grader.messages import CodedError, Message, message_from_json

FORMAT_TEMPLATES: Mapping[str, str] = MappingProxyType({
    # the schema's own checks
    "uuid_form": "expected a UUID such as '{example}', got {value!r}",
    "uuid_case": "write the UUID in its canonical lowercase form: {uuid}",
    "level_missing": "values {values} have no entry in levels",
    "column_lengths": "columns have different lengths: {lengths}",
    "duplicate_column_names": "duplicate column names: {names}",
    "duplicate_variable_names": "duplicate variable names: {names}",
    "duplicate_option_ids": "duplicate option ids: {names}",
    "duplicate_part_names": "duplicate part names: {names}",
    "range_order": "a range is [low, high] with low <= high; got {given}",
    "correct_unknown": "names option(s) {unknown}, but the options are {options}",
    "single_choice_one_correct": "a single-choice part has exactly one correct option (or set multiple = true)",
    "model_and_models": "give either one [model] or named [models.<name>] tables, not both",
    "input_column_missing": "names column {column!r}, but the data has only: {available}",
    "input_without_data": "names column {column!r}, but the data has only: no data",
    "key_needs_model": "{kind} parts compute their key from a model: add a [model] table",
    "unknown_model": "no model named {model!r}; the models are {models}",
    "key_model_needed": (
        "this exercise has several models: name one, e.g. key = {{ model = \"{first}\", quantity = \"...\" }}"
    ),
    # the data
    "unknown_generator": "unknown generator {generator!r}: expected one of {generators}",
    "unknown_generator_parameter": "{generator} has no parameter {name!r}; its parameters are {parameters}",
    "generator_columns": "{generator} makes the columns {columns}, not {missing}",
    "no_fittable_draw": (
        "{draws} draws of {generator} gave no data every model can be fitted to; the last: {cause}. "
        "Widen the parameter ranges or raise n"
    ),
    # the keys
    "unknown_family": "unknown family {family!r}: expected one of {families}",
    "key_unverifiable": "the key cannot be verified: {cause}",
    "grader_refused": "{cause}",
    "unknown_quantity": "{cause}; or one of {others}",
    "residual_needs_regression": "{quantity} needs a regression model with X and y",
    "function_in_number_part": "{quantity} is a function of the parameters: use it in a formula part",
    "component_needed": "the iterate has {size} components: say which one",
    "component_too_large": "must be below {size}, the number of components",
    "vector_key_kind": (
        "a vector part's key is a whole vector parameter, e.g. mle.beta, a gradient_descent iterate, or a list of keys"
    ),
    "no_vector_parameter": "the {family} fit has no vector parameter {name!r}",
    "at_needed": "give the parameter values, e.g. at = {{ p = 0.5 }}",
    "design_row_needed": "give the design row, intercept included, e.g. x = [1, 2.5]",
    "design_row_length": "the model has {coefficients} coefficient(s) per class; x has {given} value(s)",
    "category_range": "name a class from 0 to {last}",
    "mean_response_needs_regression": "mean_response needs a regression model; {family} is not one",
    "needs_design_matrix": "{quantity} needs a model with a design matrix X and y",
    "lms_theta": "give theta with {columns} values, e.g. at = {{ theta = {example} }}",
    "gradient_descent_settings": "gradient_descent needs alpha, steps and start",
    "start_length": "start has {given} values; X has {columns} columns",
    "gradient_descent_diverges": "gradient descent diverges on these data: choose a smaller alpha",
    "formula_quantity": "a formula part's key is one of {quantities}",
    "variable_not_parameter": "{parameter!r} is not a parameter of the model: {parameters}",
    "variables_cover_parameters": "the variables must stand for every parameter: {parameters}",
    "score_one_parameter": "score_function is the derivative in the only parameter of a one-parameter model",
})


class FormatMessage(Message):
    templates = FORMAT_TEMPLATES


class FormatError(CodedError):
    """A definition the format refuses: ``message`` is a FormatMessage (the English is the error's text);
    ``field`` is the path of the definition it concerns ("parts[2].key.at"), relative to the table checked
    when a schema check raises it."""

    message_class = FormatMessage

    def __init__(self, field: str, code: str, /, **params: Any):
        self.field = field
        super().__init__(code, **params)

    def _positional(self) -> tuple[Any, ...]:
        return (self.field, self.code)


def listed(names: Any) -> str:
    """Names as the texts list them: "a, b, c"."""
    return ", ".join(str(name) for name in names)


def problem_from_json(stored: Mapping[str, Any]) -> Message:
    """A format or grader Message that ``grader.messages.message_to_json`` stored."""
    return message_from_json(stored, (FormatMessage, Message))
