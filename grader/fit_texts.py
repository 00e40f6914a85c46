"""English templates of the fits' method descriptions, certificates and verification problems, by code (see
``grader.messages``).

A method nests its pieces as Messages (the certificate, the least-squares solver, the LAD solver), so each piece
is worded once in every language; a parametrisation ("logit p", "mu, log sigma") is notation and stays a plain
string. An optional piece gets its own code (``newton_fit`` / ``newton_fit_certified``) rather than an empty
parameter: a translation needs whole sentences. Numbers are parameters formatted here, as the English has always
shown them.
"""

FIT_TEMPLATES: dict[str, str] = {
    # Methods (FitResult.method).
    "newton_fit": "newton on ({parametrisation})",
    "newton_fit_certified": "newton on ({parametrisation}); verified by certificate ({certificate})",
    "closed_form_fit_certified": "closed form ({solver}); verified by certificate ({certificate})",
    "least_squares_cholesky": "normal equations by Cholesky, refined",
    "least_squares_svd": "singular value decomposition, refined",
    "lad_fit": "exact least absolute deviations: {solver}; {proof}; scale = mean |residual|",
    "lad_fit_with_second_method": (
        "exact least absolute deviations: {solver}; {proof}; second method smoothing + edge descent; "
        "scale = mean |residual|"
    ),
    "lad_solver_descent": "Huber smoothing, then descent along edges to a vertex (Barrodale-Roberts steps)",
    "lad_solver_descent_reduced": (
        "Huber smoothing, then descent along edges to a vertex (Barrodale-Roberts steps; on the rows near the fit, "
        "the others merged by their residual signs)"
    ),
    "lad_solver_linear_program": "HiGHS linear program (dual form), beta re-solved on its basis rows",
    "lad_solver_linear_program_reduced": (
        "HiGHS linear program (dual form; on the rows near the fit, the others merged by their residual signs), "
        "beta re-solved on its basis rows"
    ),
    "lad_dual_proof": (
        "optimality proven by the LP dual certificate (a in [-1, 1]^n with X'a = 0 and no duality gap, checked on "
        "every row), uniqueness by its margin"
    ),
    # Certificates (Verification.certificate).
    "certificate_convex_nll": "convex nll: a stationary point with a positive-definite Hessian is the global minimum",
    "certificate_gaussian_convex": (
        "the Gaussian nll is strictly convex in (beta / sigma, 1 / sigma) when [X y] has full column rank, so its "
        "stationary point is the unique global maximum of the likelihood"
    ),
    "certificate_lad_dual": (
        "LP dual certificate: a in [-1, 1]^n with X'a = 0 and no duality gap proves the sum of |residuals| minimal, "
        "its margin proves the minimiser unique"
    ),
    # Verification problems (Verification.problems): the smooth fits' checks (grader.verification).
    "optimizer_not_converged": "the optimiser did not converge: {reason}",
    # Why an optimiser stopped (grader.optimizers): the reason in the two problems above.
    "optimizer_start_not_finite": "the negative log-likelihood is not finite at the starting point",
    "optimizer_derivatives_not_finite": "the gradient or Hessian is not finite",
    "optimizer_converged": "converged",
    "optimizer_converged_within_rounding": "converged (final step within rounding)",
    "optimizer_no_decrease": "the line search found no decrease",
    "optimizer_iteration_limit": "no convergence in {iterations} iterations",
    "scipy_said": "{text}",
    "hessian_not_finite": (
        "the Hessian of the negative log-likelihood is not finite at the optimum: standard errors are undefined"
    ),
    "hessian_not_definite": (
        "the Hessian of the negative log-likelihood is not safely positive definite at the optimum (eigenvalues "
        "from {smallest:.3g} to {largest:.3g}), so the maximum is not strict and standard errors are undefined"
    ),
    "hessian_ill_conditioned": (
        "the Hessian of the negative log-likelihood is not safely positive definite at the optimum (eigenvalues "
        "from {smallest:.3g} to {largest:.3g}; condition number {condition:.3g} with its diagonal scaled to 1, "
        "above {limit:g}), so the maximum is not strict and standard errors are undefined"
    ),
    "optimum_not_stationary": (
        "the optimum is not stationary: a further Newton step would move {label} by {step:.3g}, {step_se:.3g} "
        "standard errors (tolerance {tolerance:g}; Newton decrement {decrement:.3g}, gradient norm {grad_norm:.3g})"
    ),
    "newton_step_not_negligible": "a further Newton step would still move the estimate by {step_rel:.3g} (relative)",
    "disagrees_with_closed_form": (
        "the optimum disagrees with the closed form: {label} = {value!r} vs {reference!r} "
        "(relative difference {difference:.3g})"
    ),
    "disagrees_with_second_method": (
        "the optimum disagrees with the second method (trust-exact): {label} = {value!r} vs {reference!r} "
        "(relative difference {difference:.3g})"
    ),
    "nothing_confirms_optimum": "nothing confirms the optimum: no closed form, no certificate and no second method",
    "second_method_failed": "the second method (trust-exact) failed: {reason}",
    # The linear family's closed form (grader.families.linear).
    "linear_hessian_ill_conditioned": (
        "the Hessian of the negative log-likelihood is not safely positive definite at the optimum (condition "
        "number {condition:.3g} of X'X with its diagonal scaled to 1, limit {limit:g}): the columns of X are too "
        "nearly collinear for standard errors"
    ),
    "closed_form_not_stationary": (
        "the optimum is not stationary: a further Newton step would move {label} by {step:.3g}, {step_se:.3g} "
        "standard errors (tolerance {tolerance:g})"
    ),
    "closed_form_step_above_rounding": "a further Newton step would still move the estimate by more than its rounding",
    # Least absolute deviations (grader.families.laplace_regression).
    "lad_no_certificate": (
        "no optimality certificate: no a in [-1, 1]^n with X'a = 0 matches the signs of the residuals (margin "
        "{margin:.3g}, dual residual {dual_residual:.3g}, duality gap {duality_gap:.3g})"
    ),
    "lad_not_unique_to_rounding": (
        "the least-absolute-deviations fit is not unique to within rounding for these data: the minimum of the sum "
        "of |residuals| ({total:.6g}) is not strict, so beta is not determined"
    ),
    "lad_not_unique_segment": (
        "the least-absolute-deviations fit is not unique for these data: every beta on the segment from {start} to "
        "{end} minimises the sum of |residuals| ({total:.6g}), so there is no single key for beta (typical of ties, "
        "e.g. an even number of observations around a median)"
    ),
    "lad_gram_singular": "X'X is numerically singular, so the standard errors of beta are undefined",
    "lad_subgradient_too_large": "the subgradient at the optimum has norm {norm:.3g}, above {limit:.3g}",
    "lad_disagrees_with_weighted_median": (
        "the fit disagrees with the weighted median (relative difference {difference:.3g})"
    ),
    "lad_second_method_failed": "the second method (smoothing + edge descent) failed: {reason}",
    "lad_second_method_smaller_sum": (
        "the second method (smoothing + edge descent) found a smaller sum of |residuals|: {second!r} < {first!r}"
    ),
    "lad_disagrees_with_second_method": (
        "the fit disagrees with the second method (relative difference {difference:.3g})"
    ),
}
