"""The grader's errors in the teacher's language, by code (``grader.error_texts``).

A teacher meets them while writing an exercise whose data or key the grader refuses, so each sentence says what
is wrong with the exercise and, where there is one, what to change. A parameter that was a grader ``Message``
(a domain, the verification's problems, the details of wrong data names) arrives already worded; numbers arrive
as numbers. The English-only phrases some templates carry (``which``, ``what``, ``purpose``, ``quantity``,
``outcome``) are not used here: the numbers beside them say the same.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from numbers import Real
from typing import Any

from flask_babel import gettext as _

from ..rendering import reader_number


def _number(value: Any) -> str:
    """A number in the reader's notation (2,5 or 1·10⁸ in Russian); anything else as it is."""
    return reader_number(value, "g") if isinstance(value, Real) else str(value)


def _where(index: Any) -> str:
    """A 0-based place: "at position 4" in a list, "in row 1, column 2" in a table."""
    if isinstance(index, tuple) and len(index) == 2:
        return _("in row %(row)d, column %(column)d", row=index[0], column=index[1])
    return _("at position %(index)s", index=index)


def _joined(value: Any) -> str:
    """Worded problems as one text (the describer joins Messages; a report built by hand may hold plain str)."""
    return "; ".join(map(str, value)) if isinstance(value, (tuple, list)) else str(value)


def _combination(terms: Any) -> str:
    """(column, coefficient) terms as "2·column 0 − 0.5·column 3"."""
    text = ""
    for column, coefficient in terms:
        term = f"{reader_number(abs(coefficient), '.4g')}·" + _("column %(column)d", column=column)
        if not text:
            text = f"−{term}" if coefficient < 0 else term
        else:
            text = f"{text} {'−' if coefficient < 0 else '+'} {term}"
    return text or "0"


def _index_example(params: Mapping[str, Any]) -> str:
    return params["spec"].split("[")[0] + ("[0]" if params["count"] == 1 else "[0,0]")


GRADER_ERROR_WORDS: Mapping[str, Callable[[Mapping[str, Any]], str]] = {
    # Reading a data array.
    "data_unreadable": lambda p: _("“%(name)s” cannot be read as an array of numbers: check that every row has the "
                                   "same number of values.", name=p["name"]),
    "data_not_numeric": lambda p: _("“%(name)s” must contain numbers only, but it holds other values (such as "
                                    "text).", name=p["name"]),
    "data_wrong_dimensions": lambda p: (
        _("“%(name)s” must be a single list of values, but its shape is %(shape)s.", name=p["name"],
          shape=p["shape"])
        if p["ndim"] == 1 else
        _("“%(name)s” must be a table of rows and columns, but its shape is %(shape)s.", name=p["name"],
          shape=p["shape"])
    ),
    "data_empty": lambda p: _("“%(name)s” is empty: at least one observation is needed.", name=p["name"]),
    "data_not_finite": lambda p: _("Missing or infinite values (NaN, infinity) in “%(name)s”: %(count)d; the first "
                                   "%(where)s (counted from 0).", name=p["name"], count=p["count"],
                                   where=_where(p["index"])),
    "data_not_binary": lambda p: _("“%(name)s” may contain only 0 and 1. Other values: %(count)d; the first is "
                                   "%(value)s, %(where)s (counted from 0).", name=p["name"], count=p["count"],
                                   value=_number(p["value"]), where=_where(p["index"])),
    "counts_not_whole": lambda p: _("“%(name)s” must contain whole numbers. Fractional values: %(count)d; the first "
                                    "is %(value)s, at position %(position)s (counted from 0).", name=p["name"],
                                    count=p["count"], value=_number(p["value"]), position=p["index"]),
    "counts_below_minimum": lambda p: _("“%(name)s” must contain whole numbers of at least %(minimum)d. Smaller "
                                        "values: %(count)d; the first is %(value)s, at position %(position)s "
                                        "(counted from 0).", name=p["name"], minimum=p["minimum"], count=p["count"],
                                        value=_number(p["value"]), position=p["index"]),
    "data_names_wrong": lambda p: _("The %(family)s model takes the inputs %(expected)s: %(details)s.",
                                    family=p["family"], expected=p["expected"], details=_joined(p["details"])),
    "data_names_missing": lambda p: _("missing %(names)s", names=p["names"]),
    "data_names_unexpected": lambda p: _("%(names)s not used by this model", names=p["names"]),
    "unknown_family_id": lambda p: _("There is no model family “%(family)s”; there are %(families)s.",
                                     family=p["family"], families=p["known"]),
    # One family's data.
    "binomial_lengths_differ": lambda p: _("k and n must have the same length, or one of them must be a single "
                                           "number; here k has %(k)d values and n has %(n)d.", k=p["k_size"],
                                           n=p["n_size"]),
    "binomial_successes_exceed_trials": lambda p: _(
        "k cannot exceed n. Observations with more successes than trials: %(count)d; the first at position "
        "%(position)d (counted from 0), with k = %(k)s and n = %(n)s.", count=p["count"], position=p["index"],
        k=_number(p["k"]), n=_number(p["n"])),
    "binomial_not_vector": lambda p: _("“%(name)s” must be one number or a list of numbers, not a table (its shape "
                                       "is %(shape)s).", name=p["name"], shape=p["shape"]),
    "exponential_negative": lambda p: _("Waiting times x cannot be negative. Negative values: %(count)d; the first "
                                        "is %(value)s, at position %(position)d (counted from 0).", count=p["count"],
                                        value=_number(p["value"]), position=p["index"]),
    "multinomial_one_class": lambda p: _("Every y is 0: multinomial logistic regression needs at least two classes, "
                                         "0 and 1."),
    "multinomial_too_many_classes": lambda p: _(
        "The largest y, %(last)d, means the classes 0..%(last)d (%(classes)d of them), but there are only %(n)d "
        "observations, and every class must occur in y.", last=p["last_class"], classes=p["classes"], n=p["n"]),
    "multinomial_missing_classes": lambda p: _(
        "y has the classes 0..%(last)d, but class(es) %(missing)s never occur: number the classes 0..K-1 without "
        "gaps.", last=p["last_class"], missing=p["missing"]),
    # Design matrices.
    "y_length_mismatch": lambda p: _("y has %(values)d values but X has %(rows)d rows: y needs one value per row of "
                                     "X.", values=p["y_values"], rows=p["x_rows"]),
    "design_too_few_rows": lambda p: _("X has %(rows)d rows and %(columns)d columns, but this model needs at least "
                                       "%(needed)d observations.", rows=p["rows"], columns=p["columns"],
                                       needed=p["needed"]),
    "design_zero_column": lambda p: _("Column %(column)d of X (counted from 0) is all zeros, so its coefficient "
                                      "cannot be estimated: remove the column.", column=p["column"]),
    "design_collinear": lambda p: _("Column %(column)d of X (counted from 0) is a combination of the others: "
                                    "column %(column)d ≈ %(combination)s. Their coefficients cannot be told apart: "
                                    "drop a column or change the design.", column=p["column"],
                                    combination=_combination(p["terms"])),
    "design_dependent_columns": lambda p: _("The columns of X are linearly dependent: drop a column or change the "
                                            "design."),
    # Parameters passed to a model.
    "params_wrong_names": lambda p: _("The parameters of the %(family)s model are %(expected)s; given: %(given)s.",
                                      family=p["family"], expected=p["expected"], given=p["given"]),
    "params_none_given": lambda p: _("The parameters of the %(family)s model are %(expected)s; none was given.",
                                     family=p["family"], expected=p["expected"]),
    "param_wrong_shape": lambda p: _("The parameter %(name)s must have the shape %(expected)s, not %(shape)s.",
                                     name=p["name"], expected=p["expected"], shape=p["shape"]),
    "theta_unreadable": lambda p: _("The parameter values must be a list of numbers."),
    "theta_wrong_shape": lambda p: _("The %(family)s model takes %(expected)d parameter values (%(names)s); the "
                                     "values given have the shape %(shape)s.", family=p["family"],
                                     expected=p["expected"], names=p["names"], shape=p["shape"]),
    "thetas_wrong_shape": lambda p: _("Each row of parameter values of the %(family)s model needs %(expected)d "
                                      "numbers; the rows given have the shape %(shape)s.", family=p["family"],
                                      expected=p["expected"], shape=p["shape"]),
    "param_outside_domain": lambda p: _("%(name)s = %(value)s is outside the allowed range: %(condition)s.",
                                        name=p["name"], value=_number(p["value"]), condition=p["condition"]),
    "domain_real_line": lambda p: _("%(name)s is a finite number", name=p["name"]),
    "domain_positive": lambda p: _("%(name)s is greater than 0", name=p["name"]),
    "domain_unit_interval": lambda p: _("%(name)s is strictly between 0 and 1", name=p["name"]),
    "likelihood_not_finite": lambda p: _("The likelihood of the %(family)s model cannot be computed at %(at)s: it "
                                         "comes out infinite or NaN.", family=p["family"], at=p["at"]),
    # Data without an interior MLE.
    "bernoulli_no_mle": lambda p: (
        _("The only observation is %(value)d: the MLE p̂ = %(value)d lies on the boundary of 0 < p < 1, so there is "
          "no interior maximum. The data need both 0s and 1s.", value=p["value"])
        if p["n"] == 1 else
        _("All %(n)d observations are %(value)d: the MLE p̂ = %(value)d lies on the boundary of 0 < p < 1, so there "
          "is no interior maximum. The data need both 0s and 1s.", n=p["n"], value=p["value"])
    ),
    "binomial_no_mle": lambda p: (
        _("All %(trials)d trials are successes: the MLE p̂ = 1 lies on the boundary of 0 < p < 1, so there is no "
          "interior maximum. The data need both successes and failures.", trials=p["trials"])
        if p["value"] == 1 else
        _("None of the %(trials)d trials is a success: the MLE p̂ = 0 lies on the boundary of 0 < p < 1, so there "
          "is no interior maximum. The data need both successes and failures.", trials=p["trials"])
    ),
    "normal_no_mle": lambda p: (
        _("There is only one observation, %(value)s: the MLE σ̂ = 0 lies on the boundary of σ > 0, so there is no "
          "interior maximum. The data need at least two different values.", value=_number(p["value"]))
        if p["n"] == 1 else
        _("All %(n)d observations equal %(value)s: the MLE σ̂ = 0 lies on the boundary of σ > 0, so there is no "
          "interior maximum. The data need at least two different values.", n=p["n"], value=_number(p["value"]))
    ),
    "normal_spread_below_precision": lambda p: _(
        "x varies only in its last digits (σ̂ = %(sigma)s is %(ratio)s of |μ̂| = %(mu)s), so double precision cannot "
        "verify the key: subtract a round number near the mean from x first.", sigma=reader_number(p["sigma"], ".3g"),
        ratio=reader_number(p["ratio"], ".2g"), mu=reader_number(p["mu"], ".3g")),
    "poisson_no_mle": lambda p: (
        _("The only count is 0: the MLE λ̂ = 0 lies on the boundary of λ > 0, so there is no interior maximum. The "
          "data need a positive count.")
        if p["n"] == 1 else
        _("All %(n)d counts are 0: the MLE λ̂ = 0 lies on the boundary of λ > 0, so there is no interior maximum. "
          "The data need a positive count.", n=p["n"])
    ),
    "exponential_no_mle": lambda p: (
        _("The only observation is 0: the likelihood grows without bound as the rate grows, so there is no MLE. "
          "The data need a positive value.")
        if p["n"] == 1 else
        _("All %(n)d observations are 0: the likelihood grows without bound as the rate grows, so there is no MLE. "
          "The data need a positive value.", n=p["n"])
    ),
    "linear_no_mle": lambda p: _("y is exactly a linear combination of the columns of X (every residual is 0): the "
                                 "MLE σ̂ = 0 lies on the boundary of σ > 0, so there is no interior maximum. y needs "
                                 "noise."),
    "laplace_no_mle": lambda p: _("All %(n)d observations lie exactly on the plane y = Xβ (every residual is 0): the "
                                  "MLE of the scale is 0, on the boundary of its range, so there is no interior "
                                  "maximum. y needs noise.", n=p["n"]),
    "logistic_no_mle": lambda p: (
        _("The only observation of y is %(value)d: the likelihood keeps growing as the fitted probabilities approach "
          "%(value)d, so there is no MLE. y needs both 0s and 1s.", value=p["value"])
        if p["n"] == 1 else
        _("All %(n)d observations of y are %(value)d: the likelihood keeps growing as the fitted probabilities "
          "approach %(value)d, so there is no MLE. y needs both 0s and 1s.", n=p["n"], value=p["value"])
    ),
    "logistic_complete_separation": lambda p: _(
        "The classes are perfectly separated: with b = %(direction)s, X·b > 0 for every y = 1 and X·b < 0 for every "
        "y = 0, so the likelihood keeps growing as β moves along b and there is no MLE (complete separation). "
        "Change the data so that the classes overlap.", direction=p["direction"]),
    "logistic_quasi_separation": lambda p: _(
        "The classes are quasi-completely separated: with b = %(direction)s, X·b ≥ 0 for every y = 1 and X·b ≤ 0 "
        "for every y = 0, with X·b = 0 at %(tied)d of the %(n)d observations, so the likelihood keeps growing as β "
        "moves along b and there is no MLE. Change the data so that the classes overlap.",
        direction=p["direction"], tied=p["tied"], n=p["n"]),
    "multinomial_complete_separation": lambda p: _(
        "The classes are perfectly separated: along B = %(direction)s (rows: columns of X; columns: classes "
        "1..K-1), every observation's own class gains on every other class, so the likelihood keeps growing and "
        "there is no MLE (complete separation). Change the data so that the classes overlap.",
        direction=p["direction"]),
    "multinomial_quasi_separation": lambda p: _(
        "The classes are quasi-completely separated: along B = %(direction)s (rows: columns of X; columns: classes "
        "1..K-1), no observation's own class loses ground to another class, and %(tied)d observation(s) tie with "
        "another class, so the likelihood keeps growing and there is no MLE. Change the data so that the classes "
        "overlap.", direction=p["direction"], tied=p["tied"]),
    "poisson_regression_all_zero": lambda p: _(
        "All %(n)d counts in y are 0: along b = %(direction)s the fitted means fall to 0 while the likelihood keeps "
        "growing, so there is no MLE. y needs a positive count.", n=p["n"], direction=p["direction"]),
    "poisson_regression_zeros_fitted": lambda p: _(
        "The zero counts can be fitted exactly: along b = %(direction)s, X·b = 0 at every positive count and X·b < 0 "
        "at %(falling)d zero count(s), so the likelihood keeps growing and there is no MLE.",
        direction=p["direction"], falling=p["falling"]),
    # Fits that reach no trustworthy key.
    "likelihood_increases_to_edge": lambda p: _(
        "The likelihood keeps growing as %(label)s approaches the edge of its range (%(condition)s): the optimiser "
        "reached %(label)s = %(value)s without converging, so there is no interior maximum.", label=p["label"],
        condition=p["condition"], value=repr(p["value"]) if isinstance(p["value"], float) else p["value"]),
    "fit_failed_verification": lambda p: _("The %(family)s fit failed verification: %(problems)s",
                                           family=p["family"], problems=_joined(p["problems"])),
    "penalised_fit_not_converged": lambda p: _("The L2-penalised logistic fit did not converge on these data."),
    "lad_scale_zero": lambda p: _("Every residual of the least-absolute-deviations fit is 0, so the scale is 0 and "
                                  "there is no interior maximum. y needs noise."),
    "lad_linear_program_failed": lambda p: _("The linear program of the least-absolute-deviations fit failed "
                                             "(%(reason)s).", reason=str(p["reason"]).rstrip(".")),
    # Key specs.
    "key_spec_not_text": lambda p: _("A key is written as text, such as mle.p."),
    "key_spec_grammar": lambda p: _("“%(spec)s” is not a key: write loglik, mean_nll, likelihood, mle.<parameter> "
                                    "or se.<parameter>, adding [i] or [i,j] for an element of a vector or matrix "
                                    "parameter.", spec=p["spec"]),
    "key_spec_grammar_for_fit": lambda p: _("“%(spec)s” is not a key. The keys of this model: %(valid)s.",
                                            spec=p["spec"], valid=p["valid"]),
    "key_spec_unknown_parameter": lambda p: _("“%(spec)s”: the %(family)s model has no parameter %(name)s. The keys "
                                              "of this model: %(valid)s.", spec=p["spec"], family=p["family"],
                                              name=p["name"], valid=p["valid"]),
    "key_spec_scalar_indexed": lambda p: _("“%(spec)s”: %(name)s is a single number and takes no index. The keys of "
                                           "this model: %(valid)s.", spec=p["spec"], name=p["name"],
                                           valid=p["valid"]),
    "key_spec_index_count": lambda p: (
        _("“%(spec)s”: %(name)s is a vector: name one element, such as %(example)s.", spec=p["spec"],
          name=p["name"], example=_index_example(p))
        if p["count"] == 1 else
        _("“%(spec)s”: %(name)s is a matrix: name one element by its row and column, such as %(example)s.",
          spec=p["spec"], name=p["name"], example=_index_example(p))
    ),
    "key_spec_index_out_of_range": lambda p: _(
        "“%(spec)s”: the index is out of range, as %(name)s has the shape %(shape)s and indices count from 0. The "
        "keys of this model: %(valid)s.", spec=p["spec"], name=p["name"], shape=p["shape"], valid=p["valid"]),
    "likelihood_out_of_range": lambda p: _("The likelihood itself, exp(%(loglik)s), is too small or too large for a "
                                           "computer's numbers: use loglik or mean_nll as the key.",
                                           loglik=reader_number(p["loglik"], ".6g")),
    # Likelihood plots.
    "plot_element_count": lambda p: _("A likelihood plot shows one or two different parameters; asked for: "
                                      "%(elements)s.", elements=", ".join(map(str, p["elements"]))),
    "plot_unknown_element": lambda p: _("The %(family)s model has no parameter %(element)s; its parameters are "
                                        "%(labels)s.", family=p["family"], element=p["element"], labels=p["labels"]),
    "plot_point_length": lambda p: _("The point marked on the plot needs one value per parameter shown "
                                     "(%(expected)d), but it has %(given)d.", expected=p["expected"],
                                     given=p["given"]),
    # The LMS rule (gradient descent).
    "lms_learning_rate": lambda p: _("The learning rate alpha must be a positive number; it is %(alpha)s.",
                                     alpha=_number(p["alpha"])),
    "lms_steps": lambda p: _("The number of steps must be a whole number, 0 or more; it is %(steps)s.",
                             steps=_number(p["steps"])),
    "lms_theta_invalid": lambda p: _("theta needs %(columns)d finite numbers, one per column of X; it is %(theta)s.",
                                     columns=p["columns"], theta=p["theta"]),
}
