"""Computing an exercise's keys with the grader, from one variant's data.

A part's key names a quantity; nothing is ever typed as a number. The quantities:

- a grader key spec of a model's verified fit: ``mle.p``, ``mle.beta[1]``, ``se.sigma``, ``loglik``, ``mean_nll``
  (the mean loss: BCE, categorical cross-entropy...), ``likelihood``; for a vector part ``mle.beta`` (every
  component);
- ``mse`` / ``mae``: the mean squared / absolute residual y - X beta at the model's MLE;
- ``likelihood_at`` / ``loglik_at``: the model's (log-)likelihood at the parameter values ``at`` (the probability
  of the data at p = 0.5, say), no fit involved;
- ``mean_response``: E(y | x) at the MLE for the design row ``x`` (a probability for logistic regression, the
  class ``category``'s probability for a multinomial one);
- ``gradient_descent``: the iterate after ``steps`` updates theta := theta - alpha grad J(theta) from ``start``,
  with J(theta) = 1/2 sum (x_i theta - y_i)^2 on the model's data (the LMS rule of the lecture notes);
  ``lms_cost``: J at ``at = {theta = [...]}``;
- for formula parts, functions of the parameters: ``loglik_function``, ``likelihood_function`` and, for a
  one-parameter model, ``score_function`` (the derivative of the log-likelihood).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.special import expit, softmax

import grader
from grader.families import get_family

from .data import DataGenerationError, Dataset, build_dataset, model_inputs
from .format_texts import FormatError, listed
from .loader import DEFINITION_FILE, ExerciseFileError, Problem
from .schema import ComputedKey as KeyTable
from .schema import ExerciseDefinition, FormulaPart, LoadedExercise, Model, Part, VectorPart

FIT_QUANTITIES = ("loglik", "mean_nll", "likelihood")
RESIDUAL_QUANTITIES = ("mse", "mae")
AT_QUANTITIES = ("likelihood_at", "loglik_at")
FUNCTION_QUANTITIES = ("loglik_function", "likelihood_function", "score_function")
OTHER_QUANTITIES = ("mean_response", "gradient_descent", "lms_cost")
_LINKS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda eta: eta,
    "logistic": expit,
    "poisson_regression": np.exp,
    "laplace_regression": lambda eta: eta,
}

KeyValue = float | list[float] | None  # None: a formula part's key is a function, built when an answer is checked


@dataclass(frozen=True)
class ComputedKey:
    values: dict[str, KeyValue]
    # per part: the wrong answers that named misconceptions give on this variant's data (per component for vectors)
    mistakes: dict[str, list[grader.LikelyMistake] | list[list[grader.LikelyMistake]]]
    verification: dict[str, Any]
    grader_version: str

    def to_json(self) -> dict[str, Any]:
        mistakes = {part: _mistakes_to_json(found) for part, found in self.mistakes.items()}
        return {"values": self.values, "mistakes": mistakes}

    @staticmethod
    def mistakes_from_json(stored: dict[str, Any]) -> dict[str, Any]:
        return {part: _mistakes_from_json(found) for part, found in stored.get("mistakes", {}).items()}


def _mistakes_to_json(found: list[Any]) -> list[Any]:
    return [_mistakes_to_json(item) if isinstance(item, list) else [item.misconception, item.value] for item in found]


def _mistakes_from_json(found: list[Any]) -> list[Any]:
    # A scalar part stores [[id, value], ...]; a vector part one such list per component.
    restored: list[Any] = []
    for item in found:
        if item and isinstance(item[0], str):
            restored.append(grader.LikelyMistake(item[0], float(item[1])))
        else:
            restored.append([grader.LikelyMistake(name, float(value)) for name, value in item])
    return restored


class KeyComputationError(FormatError):
    """The definition's model cannot produce a verified key for this data; ``field`` says where to look."""


class Fits:
    """The variant's fits, one per model, computed when a part first needs one."""

    def __init__(self, definition: ExerciseDefinition, dataset: Dataset):
        self.definition, self.dataset = definition, dataset
        self._fits: dict[str, grader.FitResult] = {}

    def inputs(self, model_name: str | None) -> tuple[str, Model, dict[str, np.ndarray]]:
        name, model = self.definition.model_for(model_name)
        return name, model, model_inputs(model, self.dataset)

    def fit(self, model_name: str | None) -> tuple[str, grader.FitResult, dict[str, np.ndarray]]:
        name, model, inputs = self.inputs(model_name)
        field = "model" if self.definition.model is not None else f"models.{name}"
        if model.family not in grader.FAMILIES:
            raise KeyComputationError(f"{field}.family", "unknown_family", family=model.family,
                                      families=listed(sorted(grader.FAMILIES)))
        if name not in self._fits:
            try:
                self._fits[name] = grader.fit(model.family, **inputs)
            except grader.KeyVerificationError as error:
                raise KeyComputationError("data", "key_unverifiable", cause=error.message) from error
            except grader.DataError as error:
                raise KeyComputationError(f"{field}.inputs", "grader_refused", cause=error.message) from error
        return name, self._fits[name], inputs

    def verification(self) -> dict[str, Any]:
        reports = {name: verification_report(fit) for name, fit in self._fits.items()}
        if len(reports) == 1:
            return next(iter(reports.values()))
        return {"models": reports, "converged": all(r["converged"] for r in reports.values())}


def as_table(spec: str | KeyTable) -> KeyTable:
    return KeyTable(quantity=spec) if isinstance(spec, str) else spec


def compute_key(definition: ExerciseDefinition, dataset: Dataset) -> ComputedKey:
    fits = Fits(definition, dataset)
    values: dict[str, KeyValue] = {}
    mistakes: dict[str, Any] = {}
    for index, part in enumerate(definition.parts):
        field = f"parts[{index}].key"
        if part.kind == "number":
            values[part.name], mistakes[part.name] = _number(fits, as_table(part.key), field)
        elif part.kind == "vector":
            values[part.name], mistakes[part.name] = _vector(fits, part, field)
        elif part.kind == "formula":
            formula_key(fits, part, field)  # the function must exist; it is rebuilt when an answer is checked
            values[part.name] = None
        else:
            values[part.name] = None
    if not fits._fits and definition.all_models:  # e.g. only likelihood_at parts: still prove the data fit
        fits.fit(None)
    verification = fits.verification() if fits._fits else {"converged": True}
    return ComputedKey(
        values=values, mistakes=mistakes, verification=verification, grader_version=grader.GRADER_VERSION
    )


def _number(fits: Fits, spec: KeyTable, field: str) -> tuple[float, list[grader.LikelyMistake]]:
    quantity = spec.quantity
    if quantity in AT_QUANTITIES:
        return _at(fits, spec, field), []
    if quantity in RESIDUAL_QUANTITIES:
        _, fit, inputs = fits.fit(spec.model)
        if "X" not in inputs or np.ndim(fit.params.get("beta")) != 1:
            raise KeyComputationError(field, "residual_needs_regression", quantity=quantity)
        residuals = inputs["y"] - inputs["X"] @ fit.params["beta"]
        return float(np.mean(residuals**2) if quantity == "mse" else np.mean(np.abs(residuals))), []
    if quantity == "mean_response":
        return _mean_response(fits, spec, field), []
    if quantity in ("gradient_descent", "lms_cost"):
        values = _lms(fits, spec, field)
        return float(
            values[0]
            if quantity == "lms_cost" or spec.component is None and values.size == 1
            else values[_component(spec, values.size, field)]
        ), []
    if quantity in FUNCTION_QUANTITIES:
        raise KeyComputationError(field, "function_in_number_part", quantity=quantity)
    _, fit, inputs = fits.fit(spec.model)
    try:
        value = float(grader.key_value(fit, quantity))
    except grader.KeySpecError as error:
        raise KeyComputationError(field, "unknown_quantity", cause=error.message, others=listed(_OTHER_NAMES)) \
            from error
    except grader.KeyVerificationError as error:
        raise KeyComputationError(field, "grader_refused", cause=error.message) from error
    return value, list(grader.likely_mistakes(fit, quantity, inputs))


_OTHER_NAMES = RESIDUAL_QUANTITIES + AT_QUANTITIES + OTHER_QUANTITIES


def _component(spec: KeyTable, size: int, field: str) -> int:
    if spec.component is None:
        raise KeyComputationError(f"{field}.component", "component_needed", size=size)
    if spec.component >= size:
        raise KeyComputationError(f"{field}.component", "component_too_large", size=size)
    return spec.component


def _vector(fits: Fits, part: VectorPart, field: str) -> tuple[list[float], list[list[grader.LikelyMistake]]]:
    if isinstance(part.key, list):
        found = [_number(fits, as_table(spec), f"{field}[{i}]") for i, spec in enumerate(part.key)]
        return [value for value, _ in found], [m for _, m in found]
    spec = as_table(part.key)
    if spec.quantity == "gradient_descent":
        return [float(v) for v in _lms(fits, spec, field)], []
    _, fit, inputs = fits.fit(spec.model)
    parsed = grader.parse_key_spec(spec.quantity) if spec.quantity not in _OTHER_NAMES else None
    if parsed is None or parsed.kind != "param" or parsed.index:
        raise KeyComputationError(field, "vector_key_kind")
    table = fit.params if parsed.table == "mle" else fit.se
    if parsed.name not in table or np.ndim(table[parsed.name]) != 1:
        raise KeyComputationError(field, "no_vector_parameter", family=fit.family, name=parsed.name)
    size = np.size(table[parsed.name])
    specs = [f"{parsed.table}.{parsed.name}[{i}]" for i in range(size)]
    return (
        [float(grader.key_value(fit, s)) for s in specs],
        [list(grader.likely_mistakes(fit, s, inputs)) for s in specs],
    )


def _theta(family: grader.Family, data: dict[str, np.ndarray], at: dict[str, Any] | None, field: str) -> np.ndarray:
    if not at:
        raise KeyComputationError(f"{field}.at", "at_needed")
    clean = family.validate_data(**data)
    try:
        return family.pack(at, clean)
    except grader.ParameterError as error:
        raise KeyComputationError(f"{field}.at", "grader_refused", cause=error.message) from error


def _at(fits: Fits, spec: KeyTable, field: str) -> float:
    _, model, inputs = fits.inputs(spec.model)
    family = get_family(model.family)
    theta = _theta(family, inputs, spec.at, field)
    try:
        loglik = -family.nll(theta, inputs)
    except grader.ParameterError as error:
        raise KeyComputationError(f"{field}.at", "grader_refused", cause=error.message) from error
    return loglik if spec.quantity == "loglik_at" else math.exp(loglik)


def _mean_response(fits: Fits, spec: KeyTable, field: str) -> float:
    _, fit, _ = fits.fit(spec.model)
    beta = np.asarray(fit.params.get("beta"))
    if spec.x is None:
        raise KeyComputationError(f"{field}.x", "design_row_needed")
    if beta.ndim == 0 or len(spec.x) != beta.shape[0]:
        raise KeyComputationError(f"{field}.x", "design_row_length", coefficients=beta.shape[0] if beta.ndim else 0,
                                  given=len(spec.x))
    eta = np.asarray(spec.x) @ beta
    if fit.family == "multinomial_logistic":
        probabilities = softmax(np.concatenate([[0.0], eta]))
        if spec.category is None or spec.category >= probabilities.size:
            raise KeyComputationError(f"{field}.category", "category_range", last=probabilities.size - 1)
        return float(probabilities[spec.category])
    if fit.family not in _LINKS:
        raise KeyComputationError(field, "mean_response_needs_regression", family=fit.family)
    return float(_LINKS[fit.family](eta))


def _lms(fits: Fits, spec: KeyTable, field: str) -> np.ndarray:
    _, _, inputs = fits.inputs(spec.model)
    if "X" not in inputs:
        raise KeyComputationError(field, "needs_design_matrix", quantity=spec.quantity)
    X, y = inputs["X"], inputs["y"]
    if spec.quantity == "lms_cost":
        theta = (spec.at or {}).get("theta")
        if not isinstance(theta, list) or len(theta) != X.shape[1]:
            raise KeyComputationError(f"{field}.at", "lms_theta", columns=X.shape[1], example=str([0] * X.shape[1]))
        return np.array([grader.lms_cost(X, y, np.asarray(theta, dtype=float))])
    if spec.alpha is None or spec.steps is None or spec.start is None:
        raise KeyComputationError(field, "gradient_descent_settings")
    if len(spec.start) != X.shape[1]:
        raise KeyComputationError(f"{field}.start", "start_length", given=len(spec.start), columns=X.shape[1])
    iterates = grader.gradient_descent(X, y, np.asarray(spec.start, dtype=float), spec.alpha, spec.steps)
    if not np.isfinite(iterates[-1]).all():
        raise KeyComputationError(f"{field}.alpha", "gradient_descent_diverges")
    return iterates[-1]


def formula_key(fits: Fits, part: FormulaPart, field: str) -> Callable[..., np.ndarray]:
    """The function of the part's variables that the formula must equal, vectorised over arrays of points."""
    spec = as_table(part.key)
    if spec.quantity not in FUNCTION_QUANTITIES:
        raise KeyComputationError(field, "formula_quantity", quantities=listed(FUNCTION_QUANTITIES))
    _, model, inputs = fits.inputs(spec.model)
    family = get_family(model.family)
    clean = family.validate_data(**inputs)
    labels = family.element_labels(clean)
    positions = {}
    for i, variable in enumerate(part.variables):
        if variable.parameter not in labels:
            raise KeyComputationError(f"{field.removesuffix('.key')}.variables[{i}].parameter",
                                      "variable_not_parameter", parameter=variable.parameter, parameters=listed(labels))
        positions[variable.name] = labels.index(variable.parameter)
    if sorted(positions.values()) != list(range(len(labels))):
        raise KeyComputationError(field, "variables_cover_parameters", parameters=listed(labels))
    if spec.quantity == "score_function" and len(labels) != 1:
        raise KeyComputationError(field, "score_one_parameter")

    def function(**points: np.ndarray) -> np.ndarray:
        arrays = [np.asarray(points[name], dtype=float) for name in positions]
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        thetas = np.empty((math.prod(shape), len(labels)))
        for name, array in zip(positions, arrays, strict=True):
            thetas[:, positions[name]] = np.broadcast_to(array, shape).ravel()
        # NaN outside the domain or where the value is not finite: the checker skips such points.
        if spec.quantity == "score_function":
            return -family.grad_at(thetas, clean)[:, 0].reshape(shape)
        loglik = -family.nll_at(thetas, clean)
        if spec.quantity == "likelihood_function":
            loglik = np.array([_exp(value) for value in loglik])
        return loglik.reshape(shape)

    return function


def _exp(value: float) -> float:
    """e ** value as ``math.exp`` computes it, NaN where it overflows."""
    try:
        return math.exp(value)
    except OverflowError:
        return math.nan


def formula_domains(fits: Fits, part: FormulaPart) -> dict[str, Any]:
    """Each variable's sampling domain: its range when given, else its parameter's domain."""
    spec = as_table(part.key)
    _, model, _ = fits.inputs(spec.model)
    family = get_family(model.family)
    domains: dict[str, Any] = {}
    for variable in part.variables:
        name = variable.parameter.split("[", 1)[0]
        domains[variable.name] = tuple(variable.range) if variable.range else family.domain(name)
    return domains


def describe_key(part: Part) -> str | None:
    """A part's key in one short line for reports ("mle.p", "lad: mle.beta[1]", "gradient_descent"); None for
    choices and written answers, whose key is not computed."""
    if part.kind not in ("number", "vector", "formula"):
        return None
    specs = part.key if isinstance(part.key, list) else [part.key]
    texts = []
    for spec in specs:
        table = as_table(spec)
        texts.append(f"{table.model}: {table.quantity}" if table.model else table.quantity)
    return "; ".join(texts)[:100]


def verification_report(fit: grader.FitResult) -> dict[str, Any]:
    report = asdict(fit.verification)
    report["problems"] = list(report["problems"])
    report.update(method=fit.method, iterations=fit.iterations, converged=fit.converged, n=fit.n)
    return report


def check_keys(loaded: LoadedExercise, seeds: list[str]) -> list[ComputedKey]:
    """Compute the keys for the given variant seeds, or report where the definition goes wrong."""
    keys = []
    for seed in seeds:
        try:
            keys.append(compute_key(loaded.definition, build_dataset(loaded.definition, seed)))
        except (KeyComputationError, DataGenerationError) as error:
            raise ExerciseFileError([Problem(f"{loaded.source}/{DEFINITION_FILE}", error.field, str(error))]) from error
    return keys


__all__ = [
    "ComputedKey",
    "Fits",
    "KeyComputationError",
    "Part",
    "check_keys",
    "compute_key",
    "formula_domains",
    "formula_key",
]
