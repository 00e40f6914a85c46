"""The LMS rule (gradient descent on J = 1/2 sum of squared residuals) and reading lists of numbers."""

from __future__ import annotations

import numpy as np
import pytest

import grader

X = np.column_stack([np.ones(5), [1.0, 2.0, 3.0, 4.0, 5.0]])
Y = np.array([2.9, 5.1, 7.2, 8.8, 11.1])


def test_lms_cost_has_the_half_factor():
    # At theta = 0 every residual is -y: J = 1/2 sum y^2, written out by hand.
    assert grader.lms_cost(X, Y, [0.0, 0.0]) == pytest.approx(0.5 * (2.9**2 + 5.1**2 + 7.2**2 + 8.8**2 + 11.1**2))


def test_gradient_descent_iterates_follow_the_update_rule():
    alpha = 0.01
    theta = np.zeros(2)
    expected = [theta.copy()]
    for _ in range(3):  # theta_j := theta_j + alpha sum_i (y_i - h(x_i)) x_ij, the lecture's LMS rule, by loops
        errors = [Y[i] - (theta[0] * X[i, 0] + theta[1] * X[i, 1]) for i in range(5)]
        theta = np.array([theta[j] + alpha * sum(errors[i] * X[i, j] for i in range(5)) for j in range(2)])
        expected.append(theta)
    np.testing.assert_allclose(grader.gradient_descent(X, Y, [0.0, 0.0], alpha, 3), expected, rtol=1e-14)


def test_gradient_descent_converges_to_least_squares_for_a_small_rate():
    last = grader.gradient_descent(X, Y, [0.0, 0.0], 0.02, 5000)[-1]
    np.testing.assert_allclose(last, np.linalg.lstsq(X, Y, rcond=None)[0], rtol=1e-8)


def test_a_diverging_rate_gives_non_finite_iterates_not_warnings():
    last = grader.gradient_descent(X, Y, [0.0, 0.0], 10.0, 2000)[-1]
    assert not np.isfinite(last).all()


@pytest.mark.parametrize("alpha, steps", [(0.0, 1), (-1.0, 1), (float("nan"), 1), (0.1, -1), (0.1, 1.5)])
def test_bad_settings_are_refused(alpha, steps):
    with pytest.raises(grader.DataError):
        grader.gradient_descent(X, Y, [0.0, 0.0], alpha, steps)


def test_theta_must_match_the_columns():
    with pytest.raises(grader.DataError, match="2 finite numbers"):
        grader.lms_cost(X, Y, [0.0])


@pytest.mark.parametrize("text, expected", [
    ("2.04; 2.98", [2.04, 2.98]), ("2,04;2,98", [2.04, 2.98]), ("1\n2", [1.0, 2.0]), (" 3/5 ; -1 ;", [0.6, -1.0]),
])
def test_vectors_are_numbers_separated_by_semicolons_or_lines(text, expected):
    assert grader.parse_vector(text, 2) == pytest.approx(expected)


@pytest.mark.parametrize("text, code", [
    ("", "empty"), ("1;2;3", "vector_length"), ("1", "vector_length"), ("1;abc", "vector_component"),
    ("; 2", "vector_component"), ("x" * 2000, "too_long"),
])
def test_unreadable_vectors_name_the_problem(text, code):
    with pytest.raises(grader.AnswerError) as caught:
        grader.parse_vector(text, 2)
    assert caught.value.code == code


def test_a_bad_component_carries_its_position_and_own_problem():
    with pytest.raises(grader.AnswerError) as caught:
        grader.parse_vector("1; 1e999", 2)
    assert caught.value.params["index"] == 2 and caught.value.params["inner_code"] == "overflow"
    assert "Number 2 of the list" in str(caught.value)
