"""A fit whose optimum cannot be trusted raises KeyVerificationError instead of producing a key.

The faulty families here are test doubles registered for one test each (monkeypatch restores the registry).
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import grader
from grader.families.bernoulli import Bernoulli

WEATHER_15 = [1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1]


class UncheckedBernoulli(Bernoulli):
    """Forgets to say that all-equal data have no interior MLE."""

    id = "unchecked_bernoulli"

    def _mle_problem(self, data):
        return None


class WrongClosedForm(Bernoulli):
    """States a closed form off by one observation, as a wrong formula in a new family would be."""

    id = "wrong_closed_form"

    def _closed_form(self, data):
        y = data["y"]
        return {"p": (y.sum() + 1) / (y.size + 2)}


@pytest.fixture
def register(monkeypatch):
    def _register(cls):
        monkeypatch.setitem(grader.FAMILIES, cls.id, cls)

    return _register


@pytest.mark.parametrize(("y", "reached"), [([1] * 15, r"0\.99+\d*"), ([0] * 15, r"\d\.\d+e-\d+")])
def test_an_optimum_on_the_boundary_is_caught_without_the_family_precheck(register, y, reached):
    register(UncheckedBernoulli)
    message = rf"p approaches the edge of its domain \(0 < p < 1\): the optimiser reached p = {reached} without"
    with pytest.raises(grader.KeyVerificationError, match=message) as caught:
        grader.fit("unchecked_bernoulli", y=y)
    assert str(caught.value).endswith("so no interior maximum exists")


def test_disagreement_with_the_closed_form_fails_verification(register):
    register(WrongClosedForm)
    with pytest.raises(grader.KeyVerificationError, match="disagrees with the closed form") as caught:
        grader.fit("wrong_closed_form", y=WEATHER_15)
    report = caught.value.verification
    assert isinstance(report, grader.Verification)
    assert not report.passed and len(report.problems) == 1
    # (9 + 1) / (15 + 2) against 9 / 15, relative to max(|a|, |b|, se) = 0.6.
    assert report.closed_form_max_rel_diff == pytest.approx((0.6 - 10 / 17) / 0.6, rel=1e-6)
    assert report.hessian_definite and report.second_method_max_rel_diff < 1e-6
    copy = pickle.loads(pickle.dumps(caught.value))
    assert str(copy) == str(caught.value) and copy.verification == report


def test_verification_passes_exactly_when_it_lists_no_problems():
    with pytest.raises(ValueError):
        grader.Verification(0.0, True, None, None, passed=True, problems=("something",))
    with pytest.raises(ValueError):
        grader.Verification(0.0, True, None, None, passed=False, problems=())


def test_fit_result_is_frozen_and_its_arrays_read_only():
    result = grader.fit("bernoulli", y=WEATHER_15)
    with pytest.raises(AttributeError):
        result.loglik = 0.0
    assert type(result.params["p"]) is float and type(result.se["p"]) is float
    family = grader.FAMILIES["bernoulli"]()
    data = family.validate_data(y=WEATHER_15)
    assert not data["y"].flags.writeable
    assert np.array_equal(data["y"], WEATHER_15)
