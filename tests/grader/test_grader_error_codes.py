"""The grader's errors carry a stable code and params (grader.error_texts) and keep their English text.

The source scan holds every raise site to a known code, so no error can slip back to free text that the web app
could not translate; the samples check real errors' codes, params and texts, written out here by hand.
"""

from __future__ import annotations

import ast
import pickle
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import grader
from grader.error_texts import ERROR_TEMPLATES
from grader.errors import GraderError
from grader.messages import TEMPLATES, Message

from .test_grader_verification import UncheckedBernoulli, WrongClosedForm

GRADER = Path(grader.__file__).parent
ERROR_CLASSES = {"DataError", "ParameterError", "KeySpecError", "KeyVerificationError"}


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _functions(tree: ast.AST) -> Iterator[ast.AST]:
    """Every function and the module itself: the scopes a code variable is looked up in."""
    yield tree
    yield from (node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)))


def _codes_bound_to(name: str, scope: ast.AST) -> list[object] | None:
    """The values ``name`` takes in ``scope`` when every binding is a literal: ``name = "code"`` or
    ``for ..., name in ((..., "code"), ...)``; None when some binding is anything else (or there is none)."""
    values: list[object] = []
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            if not isinstance(node.value, ast.Constant):
                return None
            values.append(node.value.value)
        elif isinstance(node, ast.For):
            target = node.target
            slots = [i for i, t in enumerate(target.elts) if isinstance(t, ast.Name) and t.id == name] \
                if isinstance(target, ast.Tuple) else [None] if isinstance(target, ast.Name) and target.id == name \
                else []
            if not slots:
                continue
            if not isinstance(node.iter, (ast.Tuple, ast.List)):
                return None
            for item in node.iter.elts:
                chosen = item if slots[0] is None else item.elts[slots[0]] if isinstance(item, ast.Tuple) else None
                if not isinstance(chosen, ast.Constant):
                    return None
                values.append(chosen.value)
    return values or None


def _scan() -> tuple[list[str], set[str]]:
    """(raise sites that name no known code, every code the grader's source names)."""
    bad: list[str] = []
    used: set[str] = set()
    for path in sorted(GRADER.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        enclosing = {}  # node -> innermost scope: ast.walk meets outer functions before the ones inside them
        for scope in _functions(tree):
            for node in ast.walk(scope):
                enclosing[id(node)] = scope
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _called_name(node)
            if name == "Message" and node.args and isinstance(node.args[0], ast.Constant):
                used.add(node.args[0].value)
            if name not in ERROR_CLASSES:
                continue
            where = f"{path.relative_to(GRADER.parent)}:{node.lineno}"
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant):
                codes = [first.value]
            elif isinstance(first, ast.Name):
                codes = _codes_bound_to(first.id, enclosing[id(node)]) or [f"<{first.id}: not proven a code>"]
            else:
                codes = [f"<{ast.unparse(first) if first else 'no argument'}>"]
            for code in codes:
                if code in ERROR_TEMPLATES:
                    used.add(code)
                else:
                    bad.append(f"{where}: {name}({code!r})")
    return bad, used


def test_every_raise_site_names_a_known_error_code():
    bad, used = _scan()
    assert bad == []
    assert len(used & set(ERROR_TEMPLATES)) > 40  # the scan really found the raise sites


def test_every_error_code_is_used_somewhere():
    _, used = _scan()
    assert sorted(set(ERROR_TEMPLATES) - used) == []


def test_the_scan_catches_free_text_and_unproven_variables(tmp_path, monkeypatch):
    fake = tmp_path / "grader"
    fake.mkdir()
    (fake / "bad.py").write_text(
        "def f(x, problem):\n"
        "    raise DataError(f'{x} is wrong')\n"
        "def g(problem):\n"
        "    raise KeySpecError(problem)\n"
        "def h(flag):\n"
        "    for bad, code in ((flag, 'counts_not_whole'), (flag, 'no_such_code')):\n"
        "        raise ParameterError(code)\n"
        "def k():\n"
        "    raise KeyVerificationError('lad_scale_zero')\n",
        encoding="utf-8",
    )
    monkeypatch.setitem(globals(), "GRADER", fake)
    bad, used = _scan()
    assert len(bad) == 3
    assert bad[0].startswith("grader/bad.py:2: DataError(") and "is wrong" in bad[0]
    assert bad[1] == "grader/bad.py:4: KeySpecError('<problem: not proven a code>')"
    assert bad[2] == "grader/bad.py:7: ParameterError('no_such_code')"
    assert used == {"counts_not_whole", "lad_scale_zero"}


def test_codes_are_distinct_from_the_fit_texts_and_from_the_answer_errors():
    from grader.fit_texts import FIT_TEMPLATES

    assert not set(ERROR_TEMPLATES) & set(FIT_TEMPLATES)
    assert not set(ERROR_TEMPLATES) & set(grader.ANSWER_ERROR_CODES)
    assert all(code.isidentifier() and code == code.lower() for code in ERROR_TEMPLATES)


# --------------------------------------------------------------------------------------------- real errors
def caught(error_type, action) -> GraderError:
    with pytest.raises(error_type) as raised:
        action()
    error = raised.value
    assert str(error) == error.message and error.args == (error.message,)
    assert error.code == error.message.code and dict(error.params) == dict(error.message.params)
    return error


def test_a_key_spec_that_names_no_parameter():
    fit = grader.fit("bernoulli", y=[1, 0, 1])
    error = caught(grader.KeySpecError, lambda: grader.key_value(fit, "mle.q"))
    assert error.code == "key_spec_unknown_parameter"
    assert dict(error.params) == {
        "spec": "mle.q", "family": "bernoulli", "name": "q", "valid": "loglik, mean_nll, likelihood, mle.p, se.p"
    }
    assert str(error) == (
        "invalid key spec 'mle.q': the bernoulli fit has no parameter 'q'; "
        "valid specs for this fit: loglik, mean_nll, likelihood, mle.p, se.p"
    )


def test_a_key_spec_outside_the_grammar():
    error = caught(grader.KeySpecError, lambda: grader.parse_key_spec("mle.q["))
    assert (error.code, dict(error.params)) == ("key_spec_grammar", {"spec": "mle.q["})
    assert str(error).startswith("invalid key spec 'mle.q[': it does not follow the key grammar (loglik, mean_nll")


def test_a_rank_deficient_design_names_the_combination():
    x = np.arange(6.0)
    X = np.column_stack([np.ones(6), x, 2 * x - 1])  # column 2 = -1·column 0 + 2·column 1
    error = caught(grader.DataError, lambda: grader.fit("linear", X=X, y=x**2))
    assert error.code == "design_collinear"
    assert (error.params["rank"], error.params["columns"], error.params["column"]) == (2, 3, 2)
    (k0, c0), (k1, c1) = error.params["terms"]
    assert (k0, k1) == (0, 1) and c0 == pytest.approx(-1.0) and c1 == pytest.approx(2.0)
    assert str(error) == (
        "X is rank-deficient (rank 2 < 3 columns): column 2 is a linear combination of the others "
        "(column 2 ≈ −1·column 0 + 2·column 1), so the coefficients are not identifiable; drop a column or change "
        "the design"
    )


def test_a_column_of_zeros():
    X = np.column_stack([np.ones(4), np.zeros(4)])
    error = caught(grader.DataError, lambda: grader.fit("linear", X=X, y=[1.0, 2.0, 4.0, 3.0]))
    assert (error.code, dict(error.params)) == ("design_zero_column", {"column": 1})
    assert str(error) == "X is rank-deficient: column 1 is all zeros"


def test_bernoulli_data_that_are_not_0_or_1():
    error = caught(grader.DataError, lambda: grader.fit("bernoulli", y=[0, 1, 2, 0.5]))
    assert error.code == "data_not_binary"
    assert dict(error.params) == {"name": "y", "count": 2, "value": 2.0, "index": 2}
    assert str(error) == "y must contain only 0 and 1; found 2 other value(s), the first 2 at index 2"


def test_a_non_finite_value_in_a_table_is_placed_by_row_and_column():
    X = [[1.0, 2.0], [1.0, np.nan], [1.0, 3.0]]
    error = caught(grader.DataError, lambda: grader.fit("linear", X=X, y=[1.0, 2.0, 3.0]))
    assert (error.code, error.params["index"], error.params["count"]) == ("data_not_finite", (1, 1), 1)
    assert str(error) == "X contains 1 non-finite value(s) (NaN or infinity), the first at index (1, 1)"


def test_y_and_x_of_different_lengths():
    error = caught(grader.DataError, lambda: grader.fit("linear", X=np.ones((3, 1)), y=[1.0, 2.0]))
    assert (error.code, dict(error.params)) == ("y_length_mismatch", {"y_values": 2, "x_rows": 3})
    assert str(error) == "y has 2 values but X has 3 rows: y needs one value per row of X"


def test_an_unknown_family():
    error = caught(grader.DataError, lambda: grader.fit("bernouli", y=[1]))
    assert error.code == "unknown_family_id" and error.params["family"] == "bernouli"
    assert error.params["known"].split(", ") == sorted(grader.FAMILIES)
    assert str(error) == f"unknown family 'bernouli'; known families: {', '.join(sorted(grader.FAMILIES))}"


def test_wrong_data_names_list_both_problems_as_messages():
    error = caught(grader.DataError, lambda: grader.fit("linear", X=np.ones((2, 1)), w=[1.0]))
    assert error.code == "data_names_wrong"
    assert [(d.code, dict(d.params)) for d in error.params["details"]] == [
        ("data_names_missing", {"names": "y"}), ("data_names_unexpected", {"names": "w"})
    ]
    assert str(error) == "linear takes the data X, y; missing: y; unexpected: w"


def test_all_ones_for_a_bernoulli_is_a_key_verification_error():
    error = caught(grader.KeyVerificationError, lambda: grader.fit("bernoulli", y=[1, 1, 1]))
    assert error.code == "bernoulli_no_mle" and error.verification is None
    assert (error.params["n"], error.params["value"]) == (3, 1)
    assert str(error) == (
        "all 3 observations are 1: the MLE p\u0302 = 1 lies on the boundary of 0 < p < 1, so no interior maximum exists"
    )
    # The public diagnosis is the same Message.
    problem = grader.FAMILIES["bernoulli"]().mle_problem({"y": [1, 1, 1]})
    assert isinstance(problem, Message) and problem == error.message and problem.code == error.code


def test_a_separation_found_after_the_fit_failed_is_the_error_code():
    x = np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0])
    data = {"X": np.column_stack([np.ones(6), x]), "y": (x > 0).astype(float)}
    error = caught(grader.KeyVerificationError, lambda: grader.fit("logistic", **data))
    assert error.code == "logistic_complete_separation"
    assert str(error).startswith(f"the classes are perfectly separated by the linear predictor: with b = "
                                 f"{error.params['direction']}, X·b > 0 for every y = 1")




def test_a_runaway_fit_names_the_domain_as_a_message(monkeypatch):
    monkeypatch.setitem(grader.FAMILIES, UncheckedBernoulli.id, UncheckedBernoulli)
    error = caught(grader.KeyVerificationError, lambda: grader.fit(UncheckedBernoulli.id, y=[1] * 15))
    assert error.code == "likelihood_increases_to_edge" and error.params["label"] == "p"
    condition = error.params["condition"]
    assert (condition.code, dict(condition.params), str(condition)) == ("domain_unit_interval", {"name": "p"},
                                                                        "0 < p < 1")
    assert 0.99 < error.params["value"] < 1.0
    assert str(error) == (
        "the likelihood keeps increasing as p approaches the edge of its domain (0 < p < 1): the optimiser reached "
        f"p = {error.params['value']!r} without converging, so no interior maximum exists"
    )


def test_a_failed_verification_passes_its_problems_on(monkeypatch):
    monkeypatch.setitem(grader.FAMILIES, WrongClosedForm.id, WrongClosedForm)
    y = [1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1]
    error = caught(grader.KeyVerificationError, lambda: grader.fit(WrongClosedForm.id, y=y))
    assert error.code == "fit_failed_verification" and error.params["family"] == WrongClosedForm.id
    problems = error.params["problems"]
    assert problems == tuple(error.verification.problems) and problems
    assert str(error) == f"the {WrongClosedForm.id} fit failed verification: {'; '.join(problems)}"


def test_a_parameter_error_from_pack():
    normal = grader.FAMILIES["normal"]()
    error = caught(grader.ParameterError, lambda: normal.pack({"mu": 1.0}, {}))
    assert (error.code, dict(error.params)) == (
        "params_wrong_names", {"family": "normal", "expected": "mu, sigma", "given": "mu"}
    )
    assert str(error) == "normal parameters are mu, sigma; got mu"
    empty = caught(grader.ParameterError, lambda: normal.pack({}, {}))
    assert (empty.code, str(empty)) == ("params_none_given", "normal parameters are mu, sigma; got none")


def test_a_parameter_outside_its_domain_keeps_its_number():
    error = caught(grader.ParameterError, lambda: grader.FAMILIES["normal"]().nll([1.0, -0.5], {"x": [1.0, 2.0]}))
    assert error.code == "param_outside_domain" and error.params["value"] == -0.5
    assert error.params["condition"].code == "domain_positive"
    assert str(error).startswith("sigma must satisfy sigma > 0; got ")


# ------------------------------------------------------------------------------------------- construction
def test_an_unknown_code_is_refused():
    with pytest.raises(ValueError, match="unknown message code"):
        grader.DataError("no_such_code")


def test_from_message_takes_a_message_only():
    message = Message("lad_scale_zero")
    assert grader.KeyVerificationError.from_message(message).code == "lad_scale_zero"
    with pytest.raises(TypeError):
        grader.KeyVerificationError.from_message("the scale is 0")


def test_every_error_is_a_grader_error_and_a_value_error():
    for cls in (grader.DataError, grader.ParameterError, grader.KeySpecError, grader.KeyVerificationError):
        assert issubclass(cls, GraderError) and issubclass(cls, ValueError)


def test_errors_survive_pickling(monkeypatch):
    monkeypatch.setitem(grader.FAMILIES, WrongClosedForm.id, WrongClosedForm)
    samples = [
        caught(grader.DataError, lambda: grader.fit("linear", X=np.ones((2, 1)), w=[1.0])),
        caught(grader.ParameterError, lambda: grader.FAMILIES["normal"]().nll([1.0, -0.5], {"x": [1.0, 2.0]})),
        caught(grader.KeySpecError, lambda: grader.parse_key_spec("mle.q[")),
        caught(grader.KeyVerificationError, lambda: grader.fit("bernoulli", y=[0, 0])),
        caught(grader.KeyVerificationError, lambda: grader.fit(WrongClosedForm.id, y=[1, 0, 0, 1, 1])),
    ]
    for error in samples:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and str(copy) == str(error)
        assert copy.code == error.code and dict(copy.params) == dict(error.params)
        assert isinstance(copy.message, Message)
    verified = pickle.loads(pickle.dumps(samples[-1]))
    assert verified.verification == samples[-1].verification and verified.verification is not None
    assert all(isinstance(problem, Message) or isinstance(problem, str) for problem in verified.params["problems"])


def test_every_template_is_in_the_merged_table():
    assert all(TEMPLATES[code] == text for code, text in ERROR_TEMPLATES.items())
