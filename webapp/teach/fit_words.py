"""The grader's fit reports in the teacher's language: how each key was found, what proves it, and what failed.

The grader gives every method, certificate and verification problem a code (``grader.fit_texts``); the sentence a
teacher reads in the verification report is chosen here, by code. A parameter that was itself a Message (a
certificate inside a method, the solver of a closed form) arrives already worded; notation ("logit p", "beta[1]",
vectors) is shown as it is, numbers in the reader's notation. A test checks that every code has a sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _

from ..rendering import reader_number


def _number(value: Any) -> str:
    """Three significant figures, as the English report shows them: 0,25 and 1,99·10¹⁴ in Russian."""
    return reader_number(value, ".3g")


def _exact(value: Any) -> str:
    """Every digit of the value: two estimates that disagree may differ only in the last ones."""
    return reader_number(value, "r")


FIT_WORDS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    # Methods.
    "newton_fit": lambda p: _("Newton's method in the coordinates (%(parametrisation)s)",
                              parametrisation=p["parametrisation"]),
    "newton_fit_certified": lambda p: _("Newton's method in the coordinates (%(parametrisation)s); the optimum is "
                                        "proven by a certificate: %(certificate)s",
                                        parametrisation=p["parametrisation"], certificate=p["certificate"]),
    "closed_form_fit_certified": lambda p: _("Closed-form solution (%(solver)s); the optimum is proven by a "
                                             "certificate: %(certificate)s",
                                             solver=p["solver"], certificate=p["certificate"]),
    "least_squares_cholesky": lambda p: _("normal equations solved by a Cholesky factorisation, with iterative "
                                          "refinement"),
    "least_squares_svd": lambda p: _("singular value decomposition, with iterative refinement"),
    "lad_fit": lambda p: _("Exact least absolute deviations: %(solver)s; %(proof)s; the scale is the mean absolute "
                           "residual", solver=p["solver"], proof=p["proof"]),
    "lad_fit_with_second_method": lambda p: _("Exact least absolute deviations: %(solver)s; %(proof)s; checked by "
                                              "a second method (smoothing and descent along edges); the scale is "
                                              "the mean absolute residual", solver=p["solver"], proof=p["proof"]),
    "lad_solver_descent": lambda p: _("Huber smoothing, then descent along edges to a vertex (Barrodale–Roberts "
                                      "steps)"),
    "lad_solver_descent_reduced": lambda p: _("Huber smoothing, then descent along edges to a vertex "
                                              "(Barrodale–Roberts steps on the rows near the fit, the other rows "
                                              "merged by the signs of their residuals)"),
    "lad_solver_linear_program": lambda p: _("the HiGHS linear program (dual form), beta re-solved on its basis "
                                             "rows"),
    "lad_solver_linear_program_reduced": lambda p: _("the HiGHS linear program (dual form, on the rows near the "
                                                     "fit, the other rows merged by the signs of their residuals), "
                                                     "beta re-solved on its basis rows"),
    "lad_dual_proof": lambda p: _("optimality proven by the dual certificate of the linear program (a in "
                                  "[-1, 1]^n with X'a = 0 and no duality gap, checked on every row), uniqueness by "
                                  "its margin"),
    # Certificates.
    "certificate_convex_nll": lambda p: _("the negative log-likelihood is convex, so a stationary point with a "
                                          "positive-definite Hessian is its global minimum"),
    "certificate_gaussian_convex": lambda p: _("when [X y] has full column rank, the negative log-likelihood of "
                                               "the normal model is strictly convex in (beta / sigma, 1 / sigma), "
                                               "so its stationary point is the unique maximum of the likelihood"),
    "certificate_lad_dual": lambda p: _("the dual certificate of the linear program: a in [-1, 1]^n with "
                                        "X'a = 0 and no duality gap proves the sum of absolute residuals minimal, "
                                        "its margin proves the minimiser unique"),
    # Verification problems of the smooth fits.
    "optimizer_not_converged": lambda p: _("the optimiser did not converge: %(reason)s", reason=p["reason"]),
    # Why an optimiser stopped.
    "optimizer_start_not_finite": lambda p: _("the negative log-likelihood is not finite at the starting point"),
    "optimizer_derivatives_not_finite": lambda p: _("the gradient or the Hessian is not finite"),
    "optimizer_converged": lambda p: _("it converged"),
    "optimizer_converged_within_rounding": lambda p: _("it converged (the last step within rounding error)"),
    "optimizer_no_decrease": lambda p: _("the line search found no point with a smaller value"),
    "optimizer_iteration_limit": lambda p: _("no convergence in %(iterations)d iterations",
                                             iterations=p["iterations"]),
    "scipy_said": lambda p: _("SciPy reports: %(text)s", text=p["text"]),
    "hessian_not_finite": lambda p: _("the Hessian of the negative log-likelihood is not finite at the optimum: "
                                      "standard errors are undefined"),
    "hessian_not_definite": lambda p: _("the Hessian of the negative log-likelihood is not positive definite at "
                                        "the optimum (eigenvalues from %(smallest)s to %(largest)s): the maximum "
                                        "is not strict and standard errors are undefined",
                                        smallest=_number(p["smallest"]), largest=_number(p["largest"])),
    "hessian_ill_conditioned": lambda p: _("the Hessian of the negative log-likelihood is nearly singular at the "
                                           "optimum (eigenvalues from %(smallest)s to %(largest)s; condition "
                                           "number %(condition)s with the diagonal scaled to 1, above the limit "
                                           "%(limit)s): the maximum is not strict and standard errors are "
                                           "undefined",
                                           smallest=_number(p["smallest"]), largest=_number(p["largest"]),
                                           condition=_number(p["condition"]), limit=_number(p["limit"])),
    "optimum_not_stationary": lambda p: _("the optimum is not stationary: one more Newton step would move "
                                          "%(label)s by %(step)s, that is %(step_se)s standard errors (tolerance "
                                          "%(tolerance)s; Newton decrement %(decrement)s, gradient norm "
                                          "%(grad_norm)s)",
                                          label=p["label"], step=_number(p["step"]), step_se=_number(p["step_se"]),
                                          tolerance=_number(p["tolerance"]), decrement=_number(p["decrement"]),
                                          grad_norm=_number(p["grad_norm"])),
    "newton_step_not_negligible": lambda p: _("one more Newton step would still move the estimate by %(step_rel)s "
                                              "of its size", step_rel=_number(p["step_rel"])),
    "disagrees_with_closed_form": lambda p: _("the optimum disagrees with the closed-form solution: %(label)s = "
                                              "%(value)s against %(reference)s (relative difference "
                                              "%(difference)s)",
                                              label=p["label"], value=_exact(p["value"]),
                                              reference=_exact(p["reference"]),
                                              difference=_number(p["difference"])),
    "disagrees_with_second_method": lambda p: _("the optimum disagrees with the second method (trust-exact): "
                                                "%(label)s = %(value)s against %(reference)s (relative difference "
                                                "%(difference)s)",
                                                label=p["label"], value=_exact(p["value"]),
                                                reference=_exact(p["reference"]),
                                                difference=_number(p["difference"])),
    "nothing_confirms_optimum": lambda p: _("nothing confirms the optimum: there is no closed-form solution, no "
                                            "certificate and no second method"),
    "second_method_failed": lambda p: _("the second method (trust-exact) failed: %(reason)s", reason=p["reason"]),
    # Linear regression's closed form.
    "linear_hessian_ill_conditioned": lambda p: _("the Hessian of the negative log-likelihood is nearly singular "
                                                  "at the optimum (condition number %(condition)s of X'X with the "
                                                  "diagonal scaled to 1, limit %(limit)s): the columns of X are too "
                                                  "nearly collinear for standard errors",
                                                  condition=_number(p["condition"]), limit=_number(p["limit"])),
    "closed_form_not_stationary": lambda p: _("the optimum is not stationary: one more Newton step would move "
                                              "%(label)s by %(step)s, that is %(step_se)s standard errors "
                                              "(tolerance %(tolerance)s)",
                                              label=p["label"], step=_number(p["step"]),
                                              step_se=_number(p["step_se"]), tolerance=_number(p["tolerance"])),
    "closed_form_step_above_rounding": lambda p: _("one more Newton step would still move the estimate by more "
                                                   "than its rounding error"),
    # Least absolute deviations.
    "lad_no_certificate": lambda p: _("no optimality certificate: no a in [-1, 1]^n with X'a = 0 matches the signs "
                                      "of the residuals (margin %(margin)s, dual residual %(dual_residual)s, "
                                      "duality gap %(duality_gap)s)",
                                      margin=_number(p["margin"]), dual_residual=_number(p["dual_residual"]),
                                      duality_gap=_number(p["duality_gap"])),
    "lad_not_unique_to_rounding": lambda p: _("the least absolute deviations fit is not unique to within rounding "
                                              "for these data: the minimum of the sum of absolute residuals "
                                              "(%(total)s) is not strict, so beta is not determined",
                                              total=_number(p["total"])),
    "lad_not_unique_segment": lambda p: _("the least absolute deviations fit is not unique for these data: every "
                                          "beta on the segment from %(start)s to %(end)s gives the smallest sum of "
                                          "absolute residuals (%(total)s), so beta has no single key (typical of "
                                          "ties, e.g. an even number of observations around a median)",
                                          start=p["start"], end=p["end"], total=_number(p["total"])),
    "lad_gram_singular": lambda p: _("X'X is numerically singular, so the standard errors of beta are undefined"),
    "lad_subgradient_too_large": lambda p: _("the subgradient at the optimum has norm %(norm)s, above the limit "
                                             "%(limit)s", norm=_number(p["norm"]), limit=_number(p["limit"])),
    "lad_disagrees_with_weighted_median": lambda p: _("the fit disagrees with the weighted median (relative "
                                                      "difference %(difference)s)",
                                                      difference=_number(p["difference"])),
    "lad_second_method_failed": lambda p: _("the second method (smoothing and descent along edges) failed: "
                                            "%(reason)s", reason=p["reason"]),
    "lad_second_method_smaller_sum": lambda p: _("the second method (smoothing and descent along edges) found a "
                                                 "smaller sum of absolute residuals: %(second)s < %(first)s",
                                                 second=_exact(p["second"]), first=_exact(p["first"])),
    "lad_disagrees_with_second_method": lambda p: _("the fit disagrees with the second method (relative "
                                                    "difference %(difference)s)",
                                                    difference=_number(p["difference"])),
}
