"""English templates of the grader's errors, by code (see ``grader.messages``).

Each template reproduces the English the error has always had. Numbers are parameters formatted here, so a
translation can format them itself. A few parameters are English phrases that only complete the English sentence
(``which``, ``what``, ``purpose``, ``quantity``, ``outcome``); the numbers beside them say the same, and a
translation words its sentence from those. The family diagnoses of data without an MLE (``*_no_mle``,
separations) are errors too: ``fit`` raises them as the KeyVerificationError's own code.
"""

ERROR_TEMPLATES: dict[str, str] = {
    # Reading a data array (families.data_checks, families.count_data).
    "data_unreadable": "{name} cannot be read as a {ndim}-D numeric array: {error}",
    "data_not_numeric": "{name} must contain numbers; got values of type {dtype}",
    "data_wrong_dimensions": "{name} must be a {ndim}-D array; got shape {shape}",
    "data_empty": "{name} is empty: at least one observation is needed",
    "data_not_finite": (
        "{name} contains {count} non-finite value(s) (NaN or infinity), the first at index {index}"
    ),
    "data_not_binary": (
        "{name} must contain only 0 and 1; found {count} other value(s), the first {value:g} at index {index}"
    ),
    "counts_not_whole": (
        "{name} must contain whole {what}, at least {minimum}; found {count} non-integer value(s), "
        "the first {value:g} at index {index}"
    ),
    "counts_below_minimum": (
        "{name} must contain whole {what}, at least {minimum}; found {count} below {minimum} value(s), "
        "the first {value:g} at index {index}"
    ),
    # The data's names (Family.validate_data); the details are the two below, joined.
    "data_names_wrong": "{family} takes the data {expected}; {details}",
    "data_names_missing": "missing: {names}",
    "data_names_unexpected": "unexpected: {names}",
    "unknown_family_id": "unknown family {family!r}; known families: {known}",
    # One family's data.
    "binomial_lengths_differ": (
        "k and n must have the same length, or one of them be a single number; got {k_size} and {n_size}"
    ),
    "binomial_successes_exceed_trials": (
        "k must not exceed n: {count} observation(s) have more successes than trials, the first at index {index} "
        "with k = {k:g} and n = {n:g}"
    ),
    "binomial_not_vector": "{name} must be a number or a 1-D array; got shape {shape}",
    "exponential_negative": (
        "x must contain non-negative values (waiting times, lengths); found {count} negative value(s), "
        "the first {value:g} at index {index}"
    ),
    "multinomial_one_class": "every y is 0: multinomial logistic regression needs at least two classes, 0 and 1",
    "multinomial_too_many_classes": (
        "max(y) = {last_class} implies {classes} classes 0..{last_class}, but there are only {n} observations: "
        "every class must occur in y"
    ),
    "multinomial_missing_classes": (
        "y has classes 0..{last_class} (K = max(y) + 1 = {classes}), but class(es) {missing} never occur: "
        "every class must occur in y, so number the classes 0..K-1 without gaps"
    ),
    # Design matrices (families.design).
    "y_length_mismatch": "y has {y_values} values but X has {x_rows} rows: y needs one value per row of X",
    "design_too_few_rows": (
        "X has {rows} row(s) and {columns} column(s): at least {needed} observations are needed {purpose}"
    ),
    "design_zero_column": "X is rank-deficient: column {column} is all zeros",
    "design_collinear": (
        "X is rank-deficient (rank {rank} < {columns} columns): column {column} is a linear combination of the "
        "others (column {column} ≈ {combination}), so the coefficients are not identifiable; drop a column or "
        "change the design"
    ),
    "design_dependent_columns": "X is rank-deficient: its columns are linearly dependent",
    # Parameters passed to a family (Family.pack, nll, grad, hess, nll_at); a domain is one of the three below.
    "params_wrong_names": "{family} parameters are {expected}; got {given}",
    "params_none_given": "{family} parameters are {expected}; got none",
    "param_wrong_shape": "{name} must have shape {expected}; got {shape}",
    "theta_unreadable": "theta must be a 1-D array of numbers: {error}",
    "theta_wrong_shape": "theta for {family} must have shape ({expected},) ({names}); got shape {shape}",
    "thetas_wrong_shape": "thetas for {family} must have shape (m, {expected}); got {shape}",
    "param_outside_domain": "{name} must satisfy {condition}; got {value!r}",
    "domain_real_line": "{name} is a finite real number",
    "domain_positive": "{name} > 0",
    "domain_unit_interval": "0 < {name} < 1",
    "likelihood_not_finite": "the {quantity} of {family} is not finite at {at}",
    # Data without an interior MLE, by family (Family._mle_problem, Family._explain_failure).
    "bernoulli_no_mle": (
        "{which} {value}: the MLE p̂ = {value} lies on the boundary of 0 < p < 1, so no interior maximum exists"
    ),
    "binomial_no_mle": (
        "all {trials} trials are {outcome}: the MLE p̂ = {value} lies on the boundary of 0 < p < 1, "
        "so no interior maximum exists"
    ),
    "normal_no_mle": (
        "{which} {value:g}: fewer than 2 distinct values make the MLE sigmâ = 0, on the boundary of sigma > 0, "
        "so no interior maximum exists"
    ),
    "normal_spread_below_precision": (
        "x varies only in its last digits (sigmâ = {sigma:.3g} is {ratio:.2g} of |mû| = {mu:.3g}, below "
        "{threshold:g}), so double precision cannot verify the key: subtract a round number near the mean from x "
        "first"
    ),
    "poisson_no_mle": "{which} 0: the MLE lam̂ = 0 lies on the boundary of lam > 0, so no interior maximum exists",
    "exponential_no_mle": (
        "{which} 0: the likelihood grows without bound as rate → ∞ (the MLE 1 / mean(x) does not exist), "
        "so no interior maximum exists"
    ),
    "linear_no_mle": (
        "y is an exact linear combination of the columns of X (every residual of the least-squares fit is 0 "
        "up to rounding): the MLE of sigma is 0, on the boundary of sigma > 0, so no interior maximum exists"
    ),
    "laplace_no_mle": (
        "all {n} observations lie exactly on the plane y = X beta: every residual is 0, so the MLE of the "
        "scale is 0, on the boundary of scale > 0, and no interior maximum exists"
    ),
    "logistic_no_mle": (
        "{which} {value}: the likelihood keeps increasing as the fitted probabilities approach {value}, "
        "so no MLE exists"
    ),
    "logistic_complete_separation": (
        "the classes are perfectly separated by the linear predictor: with b = {direction}, X·b > 0 for every "
        "y = 1 and X·b < 0 for every y = 0, so the likelihood keeps increasing as beta moves along b and "
        "no MLE exists (complete separation)"
    ),
    "logistic_quasi_separation": (
        "quasi-complete separation of the classes: with b = {direction}, X·b ≥ 0 for every y = 1 and X·b ≤ 0 for "
        "every y = 0, with X·b = 0 at {tied} of the {n} observations; the likelihood keeps increasing as beta "
        "moves along b, so no MLE exists"
    ),
    "multinomial_complete_separation": (
        "the classes are perfectly separated by the linear predictors: along B = {direction} (rows: columns of X; "
        "columns: classes 1..K-1; class 0's predictor fixed at 0), every observation's own class gains on every "
        "other class, so the likelihood keeps increasing as beta moves along B and no MLE exists (complete "
        "separation)"
    ),
    "multinomial_quasi_separation": (
        "quasi-complete separation of the classes: along B = {direction} (rows: columns of X; columns: classes "
        "1..K-1; class 0's predictor fixed at 0), no observation's own class loses ground to any other class, and "
        "{tied} observation(s) tie with another class; the likelihood keeps increasing as beta moves along B, so "
        "no MLE exists"
    ),
    "poisson_regression_all_zero": (
        "all {n} counts in y are 0: along b = {direction}, X·b ≤ 0 for every observation (< 0 for {falling}), "
        "so the likelihood keeps increasing as beta moves along b (the fitted means fall to 0) and no MLE exists"
    ),
    "poisson_regression_zeros_fitted": (
        "the zero counts can be fitted exactly: along b = {direction}, X·b = 0 at every positive count and X·b < 0 "
        "at {falling} zero count(s), so the likelihood keeps increasing as beta moves along b (those fitted "
        "means fall to 0) and no MLE exists"
    ),
    # Fits that reach no trustworthy key (fitting, penalised, the least-absolute-deviations family).
    "likelihood_increases_to_edge": (
        "the likelihood keeps increasing as {label} approaches the edge of its domain ({condition}): the optimiser "
        "reached {label} = {value!r} without converging, so no interior maximum exists"
    ),
    "fit_failed_verification": "the {family} fit failed verification: {problems}",
    "penalised_fit_not_converged": "the L2-penalised logistic fit did not converge on these data",
    "lad_scale_zero": "every residual of the least-absolute-deviations fit is 0: the scale is 0",
    "lad_linear_program_failed": "the least-absolute-deviations linear program failed: {reason}",
    # Key specs (keys): "valid" lists the specs valid for the fit, e.g. "loglik, ..., mle.beta[0..2]".
    "key_spec_not_text": "a key spec must be a string; got {type_name}",
    "key_spec_grammar": (
        "invalid key spec {spec!r}: it does not follow the key grammar (loglik, mean_nll, likelihood, "
        "mle.<param>, mle.<param>[i], mle.<param>[i,j], or the same with se.)"
    ),
    "key_spec_grammar_for_fit": (
        "invalid key spec {spec!r}: it does not follow the key grammar; valid specs for this fit: {valid}"
    ),
    "key_spec_unknown_parameter": (
        "invalid key spec {spec!r}: the {family} fit has no parameter {name!r}; valid specs for this fit: {valid}"
    ),
    "key_spec_scalar_indexed": "invalid key spec {spec!r}: {name} takes no index; valid specs for this fit: {valid}",
    "key_spec_index_count": (
        "invalid key spec {spec!r}: {name} takes {count} index(es), as its shape is {shape}; "
        "valid specs for this fit: {valid}"
    ),
    "key_spec_index_out_of_range": (
        "invalid key spec {spec!r}: index {index} is out of range for {name} of shape {shape}; "
        "valid specs for this fit: {valid}"
    ),
    "likelihood_out_of_range": (
        "the likelihood exp({loglik:.6g}) is outside double precision; use loglik or mean_nll as the key"
    ),
    # Likelihood plots (likelihood_plot).
    "plot_element_count": "a likelihood plot shows one or two distinct parameters; got {elements}",
    "plot_unknown_element": "{family} has no parameter {element!r}; its parameters are {labels}",
    "plot_point_length": "the student's point has {given} value(s) for {expected} parameter(s)",
    # The lecture's LMS rule (lms).
    "lms_learning_rate": "the learning rate alpha must be positive and finite; got {alpha!r}",
    "lms_steps": "steps must be a whole number >= 0; got {steps!r}",
    "lms_theta_invalid": "theta must be {columns} finite numbers, one per column of X; got {theta}",
}
