"""A formula part's key evaluates many points at once (``Family.nll_at`` / ``grad_at`` on data validated once) and
gives what the public, validating ``Family.nll`` / ``grad`` give one point at a time: the same number where the
function is defined, NaN exactly where the pointwise call raises (outside the domain, not finite).

The reference here is the pointwise evaluation a formula key made before: for every formula part of every exercise
in the catalogue, on several variants, at check_formula's own sample points and at random points inside and
outside each parameter's domain (and at its edges). Both evaluate the same float operations, so they agree to the
last bit on one machine; the tolerance (1e-12 relative, far below a formula part's 1e-6) only leaves room for a
numpy build whose vectorised log differs from its scalar one in the last place.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import grader
from exercises import build_dataset, exercise_folders, load_exercise
from exercises.keys import Fits, as_table, formula_domains, formula_key
from grader.families import get_family

from ..conftest import CATALOGUE, REPO

SEEDS = [f"formula-key-fast-{i}" for i in range(3)]


def formula_exercises() -> list[tuple[str, str]]:
    found = []
    for folder in exercise_folders(CATALOGUE):
        definition = load_exercise(folder, relative_to=REPO).definition
        found += [(folder.name, part.name) for part in definition.parts if part.kind == "formula"]
    return found


FORMULA_PARTS = formula_exercises()


def test_the_catalogue_has_formula_parts_of_every_kind_of_key() -> None:
    slugs = {slug for slug, _ in FORMULA_PARTS}
    assert {"weather-15", "normal-sample", "coin-six-heads", "theory-45-maximising-the-log-likelihood"} <= slugs
    quantities = set()
    for slug, name in FORMULA_PARTS:
        part = next(p for p in load_exercise(CATALOGUE / slug).definition.parts if p.name == name)
        quantities.add(as_table(part.key).quantity)
    assert quantities == {"loglik_function", "likelihood_function", "score_function"}


def pointwise(family: grader.Family, inputs: dict, quantity: str, thetas: np.ndarray) -> np.ndarray:
    """The key as it was computed before: one validated public call per point, NaN where the call raises."""
    out = np.full(len(thetas), np.nan)
    for k, theta in enumerate(thetas):
        try:
            if quantity == "score_function":
                out[k] = -family.grad(theta, inputs)[0]
            else:
                loglik = -family.nll(theta, inputs)
                out[k] = loglik if quantity == "loglik_function" else math.exp(loglik)
        except (grader.ParameterError, OverflowError):
            continue
    return out


def sample_points(domain, rng: np.random.Generator) -> np.ndarray:
    """Points as check_formula draws them, then random points on a span reaching past both ends, then the ends."""
    low, high = domain if isinstance(domain, tuple) else (float(domain.lower), float(domain.upper))
    if math.isfinite(low) and math.isfinite(high):
        inside = low + (high - low) * rng.random(200)
    elif math.isfinite(low):
        inside = low + np.exp(rng.uniform(math.log(0.05), math.log(20.0), 200))
    else:
        inside = rng.uniform(-5.0, 5.0, 200)
    finite_low = low if math.isfinite(low) else -10.0
    finite_high = high if math.isfinite(high) else 30.0
    span = finite_high - finite_low
    wide = rng.uniform(finite_low - span / 2, finite_high + span / 2, 100)
    ends = np.array([low, high, finite_low, finite_high, 0.0, -0.0, 1e-300, np.nan, np.inf, -np.inf])
    return np.concatenate([inside, wide, ends])


@pytest.mark.parametrize(("slug", "part_name"), FORMULA_PARTS)
def test_formula_keys_equal_the_pointwise_public_evaluation(slug: str, part_name: str) -> None:
    definition = load_exercise(CATALOGUE / slug, relative_to=REPO).definition
    part = next(p for p in definition.parts if p.name == part_name)
    quantity = as_table(part.key).quantity
    rng = np.random.default_rng(20261121)
    for seed in SEEDS:
        fits = Fits(definition, build_dataset(definition, seed))
        _, model, inputs = fits.inputs(as_table(part.key).model)
        family = get_family(model.family)
        labels = family.element_labels(family.validate_data(**inputs))
        domains = formula_domains(fits, part)
        columns = {v.name: sample_points(domains[v.name], rng) for v in part.variables}
        size = max(len(c) for c in columns.values())
        # Every variable on its own points, the others shuffled against them: combinations inside and outside.
        points = {name: rng.permutation(np.resize(column, size)) for name, column in columns.items()}
        thetas = np.empty((size, len(labels)))
        for variable in part.variables:
            thetas[:, labels.index(variable.parameter)] = points[variable.name]

        fast = formula_key(fits, part, f"parts.{part.name}.key")(**points)
        expected = pointwise(family, inputs, quantity, thetas)

        assert fast.shape == (size,)
        assert np.isfinite(expected).sum() >= 200  # the comparison is not over NaN alone
        assert (~np.isfinite(expected)).sum() >= 10  # nor only over points where the function is defined
        np.testing.assert_allclose(fast, expected, rtol=1e-12, atol=0, equal_nan=True)


def test_a_formula_key_keeps_the_shape_of_its_points_and_broadcasts_them() -> None:
    definition = load_exercise(CATALOGUE / "normal-sample", relative_to=REPO).definition
    part = next(p for p in definition.parts if p.kind == "formula")
    fits = Fits(definition, build_dataset(definition, "broadcast"))
    key = formula_key(fits, part, "key")
    names = [v.name for v in part.variables]
    mu = np.array([[20.0], [30.0], [40.0]])  # 3 x 1 against 1 x 4 gives 3 x 4
    sigma = np.array([[1.0, 5.0, -1.0, 10.0]])
    grid = key(**{names[0]: mu, names[1]: sigma})
    assert grid.shape == (3, 4)
    assert np.isnan(grid[:, 2]).all()  # sigma = -1 lies outside the domain
    _, model, inputs = fits.inputs(None)
    family = get_family(model.family)
    assert grid[1, 1] == pytest.approx(-family.nll([30.0, 5.0], inputs), rel=1e-12)
    assert key(**{names[0]: 30.0, names[1]: 5.0}).shape == ()


@pytest.mark.parametrize("family_id", sorted(grader.FAMILIES))
def test_nll_at_and_grad_at_agree_with_nll_and_grad_for_every_family(family_id: str) -> None:
    family = get_family(family_id)
    rng = np.random.default_rng(7)
    data = family.example_data(rng)
    fit = grader.fit(family_id, **data)
    theta = family.pack(fit.params, data)
    scale = np.maximum(np.abs(theta), 0.5)
    thetas = theta + rng.normal(0.0, 1.0, (60, theta.size)) * scale  # some rows leave the domain
    thetas[0] = theta
    thetas[1, 0] = np.nan

    nll = family.nll_at(thetas, data)
    grad = family.grad_at(thetas, data)

    assert nll.shape == (60,) and grad.shape == (60, theta.size)
    for k, row in enumerate(thetas):
        try:
            expected_nll = family.nll(row, data)
        except grader.ParameterError:
            expected_nll = math.nan
        try:
            expected_grad = family.grad(row, data)
        except grader.ParameterError:
            expected_grad = np.full(theta.size, np.nan)
        np.testing.assert_allclose(nll[k], expected_nll, rtol=1e-12, atol=0, equal_nan=True)
        np.testing.assert_allclose(grad[k], expected_grad, rtol=1e-12, atol=1e-300, equal_nan=True)
    assert nll[0] == pytest.approx(-fit.loglik, rel=1e-12)
    assert np.isnan(nll[1]) and np.isnan(grad[1]).all()


def test_nll_at_refuses_rows_of_the_wrong_width() -> None:
    family = get_family("normal")
    data = family.validate_data(x=[1.0, 2.0, 4.0])
    with pytest.raises(grader.ParameterError, match="shape"):
        family.nll_at(np.ones((5, 3)), data)
    with pytest.raises(grader.ParameterError, match="shape"):
        family.grad_at(np.ones(2), data)
    assert family.nll_at(np.empty((0, 2)), data).shape == (0,)
