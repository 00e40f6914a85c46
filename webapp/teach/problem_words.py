"""The authoring service's problems in the teacher's language.

A problem has a code and parameters. The codes come from four places, one table each: the editor's own reading of
the form (below), the exercise format's checks (``exercises.format_texts``, worded below), the grader's errors
(``grader_error_words``) and the grader's fit reports (``fit_words``). A parameter that is a grader ``Message``
(the cause of a problem) is worded by its own code first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _

from exercises.format_texts import problem_from_json
from exercises.schema import NAME_PATTERN, SLUG_PATTERN
from grader import Message

from ..services.authoring_draft import FieldProblem
from .fit_words import FIT_WORDS
from .grader_error_words import GRADER_ERROR_WORDS

Words = Mapping[str, Callable[[Mapping[str, Any]], str]]


def _pattern(params) -> str:
    if params.get("pattern") == SLUG_PATTERN:
        return _("Use lowercase Latin letters, digits and hyphens, such as weather-15.")
    if params.get("pattern") == NAME_PATTERN:
        return _("Use lowercase Latin letters, digits and underscores, starting with a letter, such as p_hat.")
    return _("These characters are not allowed here.")


FORM_WORDS: Words = {
    # read from the form's text
    "inputs_syntax": lambda p: _("Write each input as argument = column, separated by “;”; a design matrix lists "
                                 "its columns in brackets, 1 for the intercept: X = [1, t]; y = protein."),
    "whole_number": lambda p: _("Type a whole number."),
    "number": lambda p: _("Type a number, such as 0.01."),
    "model_name_needed": lambda p: _("Name each model when there are several: the parts' keys choose by name."),
    "model_name_duplicate": lambda p: _("Another model is already called “%(name)s”.", name=p["name"]),
    "choose": lambda p: _("Choose where the data come from."),
    "column_not_in_table": lambda p: _("The table has no column “%(name)s”: rename it, or remove this row.",
                                       name=p["name"]),
    "toml": lambda p: _("This is not valid TOML: %(error)s.", error=p["error"]),
    "table_empty": lambda p: _("Paste a line of column names and at least one line of values."),
    "table_too_long": lambda p: _("The table is too long: at most %(max)d rows.", max=p["max"]),
    "table_heading": lambda p: _("Column %(column)d of the first line has no name.", column=p["column"]),
    "table_duplicate": lambda p: _("Two columns are called “%(name)s”.", name=p["name"]),
    "table_ragged": lambda p: _("Line %(line)d has %(cells)d cells, the first line %(expected)d.",
                                line=p["line"], cells=p["cells"], expected=p["expected"]),
    "table_number": lambda p: _("Line %(line)d, column %(column)s: “%(text)s” is not a number (code answers as "
                                "numbers, e.g. 1 and 0, and give their words under Coded values).",
                                line=p["line"], column=p["column"], text=p["text"]),
    "not_for_kind": lambda p: _("A part of kind “%(kind)s” has no such setting: clear this field.", kind=p["kind"]),
    "extras_reserved": lambda p: _("Set %(names)s in its own field, not here.", names=p["names"]),
    "slug_taken": lambda p: _("Another exercise already has the slug “%(slug)s”: choose another.", slug=p["slug"]),
    "saved_meanwhile": lambda p: _("Someone saved this exercise at the same moment. Reload the page to see their "
                                   "version; your text is still here."),
    # the exercise format's schema (pydantic's error types)
    "missing": lambda p: _("Fill this in."),
    "string_too_short": lambda p: _("Fill this in."),
    "string_too_long": lambda p: _("Too long: at most %(max)d characters.", max=p["max_length"]),
    "string_pattern_mismatch": _pattern,
    "too_short": lambda p: _("Give at least %(min)d.", min=p["min_length"]),
    "too_long": lambda p: _("At most %(max)d here.", max=p["max_length"]),
    "greater_than": lambda p: _("Must be greater than %(limit)s.", limit=p["gt"]),
    "greater_than_equal": lambda p: _("Must be at least %(limit)s.", limit=p["ge"]),
    "less_than": lambda p: _("Must be less than %(limit)s.", limit=p["lt"]),
    "less_than_equal": lambda p: _("Must be at most %(limit)s.", limit=p["le"]),
    "union_tag_invalid": lambda p: _("Choose one of: %(choices)s.", choices=p.get("expected_tags", "")),
    "union_tag_not_found": lambda p: _("Say which kind this is (the field “%(tag)s”).",
                                       tag=str(p["discriminator"]).strip("'")),
    "literal_error": lambda p: _("Choose one of: %(choices)s.", choices=p["expected"]),
    "extra_forbidden": lambda p: _("The exercise format has no such setting: check its spelling."),
    "int_type": lambda p: _("Type a whole number."),
    "int_from_float": lambda p: _("Type a whole number."),
    "int_parsing": lambda p: _("Type a whole number."),
    "float_type": lambda p: _("Type a number, such as 0.01."),
    "float_parsing": lambda p: _("Type a number, such as 0.01."),
    "finite_number": lambda p: _("Type a finite number."),
    "string_type": lambda p: _("Write text here, in quotes."),
    "bool_type": lambda p: _("Write true or false."),
    "bool_parsing": lambda p: _("Write true or false."),
    "list_type": lambda p: _("Give a list in brackets, such as [1, 2]."),
    "dict_type": lambda p: _("Give a table in braces, such as { p = 0.5 }."),
    "model_type": lambda p: _("Give a table in braces, such as { p = 0.5 }."),
    "model_attributes_type": lambda p: _("Give a table in braces, such as { p = 0.5 }."),
}

FORMAT_WORDS: Words = {
    # the schema's own checks
    "uuid_form": lambda p: _("“%(value)s” is not a UUID. A new one looks like %(example)s.", value=p["value"],
                             example=p["example"]),
    "uuid_case": lambda p: _("Write the UUID in lowercase: %(uuid)s.", uuid=p["uuid"]),
    "level_missing": lambda p: _("The values %(values)s have no word among the coded values.",
                                 values=", ".join(f"{v:g}" for v in p["values"])),
    "column_lengths": lambda p: _("The columns have different lengths: %(lengths)s.",
                                  lengths=", ".join(f"{name} {n}" for name, n in p["lengths"].items())),
    "duplicate_column_names": lambda p: _("Two columns have the same name: %(names)s.", names=p["names"]),
    "duplicate_variable_names": lambda p: _("Two variables have the same name: %(names)s.", names=p["names"]),
    "duplicate_option_ids": lambda p: _("Two options have the same id: %(names)s.", names=p["names"]),
    "duplicate_part_names": lambda p: _("Two parts have the same name: %(names)s.", names=p["names"]),
    "range_order": lambda p: _("A range is [low, high] with low ≤ high; here it is %(given)s.", given=p["given"]),
    "correct_unknown": lambda p: _("There is no option %(unknown)s; the options are %(options)s.",
                                   unknown=p["unknown"], options=p["options"]),
    "single_choice_one_correct": lambda p: _("A single-choice part has exactly one correct option; for several, "
                                             "allow several answers."),
    "model_and_models": lambda p: _("Give either one unnamed model or several named ones, not both."),
    "input_column_missing": lambda p: _("There is no column “%(column)s” in the data; the columns are %(available)s.",
                                        column=p["column"], available=p["available"]),
    "input_without_data": lambda p: _("The model reads the column “%(column)s”, but the exercise has no data.",
                                      column=p["column"]),
    "key_needs_model": lambda p: _("A part of kind “%(kind)s” computes its key from a model: add a model.",
                                   kind=p["kind"]),
    "unknown_model": lambda p: _("There is no model “%(model)s”; the models are %(models)s.", model=p["model"],
                                 models=p["models"]),
    "key_model_needed": lambda p: _("The exercise has several models: say which one computes this key, e.g. "
                                    "{ model = \"%(first)s\", quantity = \"mle.p\" }.", first=p["first"]),
    # the data
    "unknown_generator": lambda p: _("There is no generator “%(generator)s”; there are %(generators)s.",
                                     generator=p["generator"], generators=p["generators"]),
    "unknown_generator_parameter": lambda p: _("The generator %(generator)s has no parameter “%(name)s”; its "
                                               "parameters are %(parameters)s.", generator=p["generator"],
                                               name=p["name"], parameters=p["parameters"]),
    "generator_columns": lambda p: _("The generator %(generator)s makes the columns %(columns)s, not %(missing)s.",
                                     generator=p["generator"], columns=p["columns"], missing=p["missing"]),
    "no_fittable_draw": lambda p: _("None of %(draws)d draws of the generator %(generator)s gave data that every "
                                    "model can be fitted to (the last: %(cause)s). Widen the parameter ranges or "
                                    "raise n.", draws=p["draws"], generator=p["generator"], cause=p["cause"]),
    # the keys
    "unknown_family": lambda p: _("There is no model family “%(family)s”; there are %(families)s.",
                                  family=p["family"], families=p["families"]),
    "key_unverifiable": lambda p: _("The key cannot be verified on these data: %(cause)s", cause=p["cause"]),
    "grader_refused": lambda p: p["cause"],
    "unknown_quantity": lambda p: _("%(cause)s Other quantities: %(others)s.", cause=p["cause"],
                                    others=p["others"]),
    "residual_needs_regression": lambda p: _("%(quantity)s is computed from residuals: it needs a regression model "
                                             "with X and y.", quantity=p["quantity"]),
    "function_in_number_part": lambda p: _("%(quantity)s is a function of the parameters: use it in a formula "
                                           "part.", quantity=p["quantity"]),
    "component_needed": lambda p: _("The iterate has %(size)d components: say which one (component).",
                                    size=p["size"]),
    "component_too_large": lambda p: _("The component must be below %(size)d, the number of components.",
                                       size=p["size"]),
    "vector_key_kind": lambda p: _("A vector part's key is a whole vector parameter (such as mle.beta), a "
                                   "gradient_descent iterate, or a list of keys."),
    "no_vector_parameter": lambda p: _("The %(family)s model has no vector parameter “%(name)s”.",
                                       family=p["family"], name=p["name"]),
    "at_needed": lambda p: _("Give the parameter values, e.g. at = { p = 0.5 }."),
    "design_row_needed": lambda p: _("Give the row of the design matrix, intercept included, e.g. x = [1, 2.5]."),
    "design_row_length": lambda p: _("The model has %(coefficients)d coefficients per class, but x has %(given)d "
                                     "values.", coefficients=p["coefficients"], given=p["given"]),
    "category_range": lambda p: _("Name a class from 0 to %(last)d.", last=p["last"]),
    "mean_response_needs_regression": lambda p: _("mean_response needs a regression model; %(family)s is not one.",
                                                  family=p["family"]),
    "needs_design_matrix": lambda p: _("%(quantity)s needs a model with a design matrix X and y.",
                                       quantity=p["quantity"]),
    "lms_theta": lambda p: _("Give theta with %(columns)d values, e.g. at = { theta = %(example)s }.",
                             columns=p["columns"], example=p["example"]),
    "gradient_descent_settings": lambda p: _("Gradient descent needs alpha, steps and start."),
    "start_length": lambda p: _("start has %(given)d values, but X has %(columns)d columns.", given=p["given"],
                                columns=p["columns"]),
    "gradient_descent_diverges": lambda p: _("Gradient descent diverges on these data: choose a smaller alpha."),
    "formula_quantity": lambda p: _("A formula part's key is one of %(quantities)s.", quantities=p["quantities"]),
    "variable_not_parameter": lambda p: _("“%(parameter)s” is not a parameter of the model; its parameters are "
                                          "%(parameters)s.", parameter=p["parameter"], parameters=p["parameters"]),
    "variables_cover_parameters": lambda p: _("The variables must stand for every parameter of the model: "
                                              "%(parameters)s.", parameters=p["parameters"]),
    "score_one_parameter": lambda p: _("score_function is the derivative in the only parameter: it needs a "
                                       "one-parameter model."),
}

WORDS: Words = {**FORM_WORDS, **FORMAT_WORDS, **GRADER_ERROR_WORDS, **FIT_WORDS}


def describe_problem(problem: FieldProblem) -> str:
    """The problem in the teacher's language, after the place inside the field it concerns when there is one; a
    problem the app has no sentence for is given in the exercise format's own words (as ``flask exercises check``
    prints it)."""
    text = worded(problem.code, problem.params)
    if text is None:
        return _("In the exercise format's words: %(detail)s", detail=problem.detail or problem.code)
    return f"{problem.where}: {text}" if problem.where else text


def worded(code: str, params: Mapping[str, Any]) -> str | None:
    describe = WORDS.get(code)
    if describe is None:
        return None
    try:
        return str(describe({name: _worded_param(value) for name, value in params.items()}))
    except (KeyError, TypeError, ValueError):  # params that do not fit the sentence: the format's words instead
        return None


def _worded_param(value: Any) -> Any:
    if isinstance(value, Message):
        return worded(value.code, value.params) or str(value)
    if isinstance(value, tuple) and value and all(isinstance(item, str) for item in value):
        return "; ".join(_worded_param(item) for item in value)
    return value


def in_words(text: str) -> str:
    """A grader or format Message (a fit's method, a certificate) in the reader's language; other text as it is."""
    return _worded_param(text) if isinstance(text, Message) else text


def stored_in_words(problem: Mapping[str, Any] | None, where: str, english: str) -> str:
    """A problem stored as JSON (``grader.messages.message_to_json``) in the reader's language, after its place;
    ``english`` when it was stored without one (an error that has no code, a report from before codes)."""
    if problem is None:
        return english
    text = in_words(problem_from_json(problem))
    return f"{where}: {text}" if where else text
