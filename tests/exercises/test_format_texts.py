"""The exercise format's problem texts: every raise names a code of the table with exactly the parameters its
English template uses, the English reads as ``flask exercises check`` has always printed it, and a grader error
passed on as the cause keeps its own code."""

from __future__ import annotations

import ast
import pickle
import string
from pathlib import Path

import pytest

import exercises
from exercises import DataGenerationError, KeyComputationError, build_dataset, compute_key
from exercises.format_texts import FORMAT_TEMPLATES, FormatError, FormatMessage
from exercises.schema import ExerciseDefinition, FieldError

PACKAGE = Path(exercises.__file__).parent
ERROR_CLASSES = {"FormatError", "FieldError", "KeyComputationError", "DataGenerationError"}


def _raise_sites() -> list[tuple[str, int, str, frozenset[str]]]:
    """(file, line, code, keyword names) of every construction of a format error in the package's modules."""
    sites = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ERROR_CLASSES:
                code = node.args[1]
                # _unique_names passes on its caller's code, one of the duplicate_* codes
                value = code.value if isinstance(code, ast.Constant) else f"<{ast.unparse(code)}>"
                sites.append((path.name, node.lineno, value, frozenset(k.arg for k in node.keywords)))
    return sites


DUPLICATE_CODES = [code for code in FORMAT_TEMPLATES if code.startswith("duplicate_")]


def _template_names(code: str) -> frozenset[str]:
    return frozenset(name for _text, name, _spec, _conv in string.Formatter().parse(FORMAT_TEMPLATES[code]) if name)


def test_every_raise_uses_a_known_code_with_the_parameters_of_its_template():
    sites = _raise_sites()
    assert len(sites) > 40  # the scan sees the package's raises, not an empty folder
    for where, line, code, keywords in sites:
        if code == "<code>":
            assert (where, keywords) == ("schema.py", {"names"})
            assert all(_template_names(duplicate) == {"names"} for duplicate in DUPLICATE_CODES)
            continue
        assert code in FORMAT_TEMPLATES, f"{where}:{line}: unknown code {code!r}"
        assert keywords == _template_names(code), f"{where}:{line}: {code} takes {sorted(_template_names(code))}"


def test_every_code_of_the_table_is_raised_somewhere():
    # _unique_names receives its code as an argument; every other code is a literal at its raise.
    source = "\n".join(path.read_text(encoding="utf-8") for path in PACKAGE.glob("*.py")
                       if path.name != "format_texts.py")
    raised = {code for _where, _line, code, _k in _raise_sites()}
    passed_on = {code for code in FORMAT_TEMPLATES if f'"{code}"' in source}
    unused = set(FORMAT_TEMPLATES) - raised - passed_on
    assert not unused


def test_an_unknown_code_is_refused():
    with pytest.raises(ValueError, match="unknown message code"):
        FormatMessage("no_such_code")


def _definition(**changes) -> dict:
    definition = {
        "uuid": "0b8c1c44-4f0a-4a43-9d1e-5f0c2a9c1d11", "slug": "counts", "title": {"ru": "Счёт", "en": "Counts"},
        "topic": "poisson", "model": {"family": "poisson", "inputs": {"x": "count"}},
        "data": {"source": "fixed", "columns": [
            {"name": "count", "label": {"ru": "Число", "en": "Count"}, "values": [2, 0, 3, 1]}]},
        "parts": [{"kind": "number", "name": "lam_hat", "label": {"ru": "Оценка", "en": "Estimate"},
                   "key": "mle.lam"}],
    }
    definition.update(changes)
    return definition


def _key_error(**changes) -> KeyComputationError:
    definition = ExerciseDefinition.model_validate(_definition(**changes))
    with pytest.raises(KeyComputationError) as caught:
        compute_key(definition, build_dataset(definition, "seed"))
    return caught.value


def test_a_schema_check_carries_its_code_and_its_english():
    with pytest.raises(Exception) as caught:
        ExerciseDefinition.model_validate(_definition(parts=[
            {"kind": "choice", "name": "sure", "label": {"ru": "Да?", "en": "Yes?"}, "correct": ["c"],
             "options": [{"id": "a", "ru": "да", "en": "yes"}, {"id": "b", "ru": "нет", "en": "no"}]}]))
    cause = caught.value.errors()[0]["ctx"]["error"]
    assert isinstance(cause, FieldError) and cause.field == "correct"
    assert (cause.code, dict(cause.params)) == ("correct_unknown", {"unknown": "c", "options": "a, b"})
    assert str(cause) == "names option(s) c, but the options are a, b"


def test_a_key_error_keeps_the_graders_cause_with_its_code():
    error = _key_error(parts=[{"kind": "number", "name": "q", "label": {"ru": "q", "en": "q"}, "key": "mle.q"}])
    assert error.field == "parts[0].key" and error.code == "unknown_quantity"
    cause = error.params["cause"]
    assert cause.code  # the grader's own code for the spec it cannot read
    assert str(error).startswith(f"{cause}; or one of mse, mae, likelihood_at")


def test_a_missing_setting_is_reported_at_its_place():
    error = _key_error(parts=[{"kind": "number", "name": "l", "label": {"ru": "L", "en": "L"},
                               "key": {"quantity": "likelihood_at"}}])
    assert (error.field, error.code, str(error)) == (
        "parts[0].key.at", "at_needed", "give the parameter values, e.g. at = { p = 0.5 }")


def test_a_generator_error_names_the_parameter():
    definition = ExerciseDefinition.model_validate(_definition(
        model={"family": "bernoulli", "inputs": {"y": "answer"}},
        data={"source": "generated", "generator": "bernoulli_survey", "parameters": {"q": 0.5},
              "columns": [{"name": "answer", "label": {"ru": "Ответ", "en": "Answer"}}]},
        parts=[{"kind": "number", "name": "p_hat", "label": {"ru": "p", "en": "p"}, "key": "mle.p"}]))
    with pytest.raises(DataGenerationError) as caught:
        build_dataset(definition, "seed")
    error = caught.value
    assert (error.field, error.code) == ("data.parameters.q", "unknown_generator_parameter")
    assert str(error) == "bernoulli_survey has no parameter 'q'; its parameters are n, p"


def test_format_errors_survive_pickling_with_their_code():
    error = KeyComputationError("parts[0].key", "component_needed", size=3)
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), copy.field, copy.code, dict(copy.params), str(copy)) == (
        KeyComputationError, "parts[0].key", "component_needed", {"size": 3}, str(error))
    assert isinstance(copy, FormatError) and isinstance(copy.message, FormatMessage)
