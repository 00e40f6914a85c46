"""The numbers of a likelihood plot: the log-likelihood along one parameter, or over a grid of two, near the MLE.

Pure numerics, like the rest of the grader: the caller draws the picture. The view spans about ``span`` standard
errors either side of the MLE, stays strictly inside each parameter's domain (0 < p < 1, sigma > 0), and widens to
take in a student's point when it lies within ``reach`` standard errors; a point further away, or outside the
domain, is flagged as off the plot. Every parameter not shown is held at its MLE. The values come from the family's
own negative log-likelihood (``Family.nll_at``), never from a formula of this module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .errors import ParameterError
from .families import Data, Domain, Family, get_family
from .fitting import FitResult

CURVE_POINTS = 200  # grid points of a one-parameter curve
SURFACE_POINTS = 60  # grid points along each axis of a two-parameter surface
SPAN_SE = 4.0  # the view's half-width around the MLE, in standard errors
REACH_SE = 20.0  # a student's point further than this from the MLE (in standard errors) is not drawn
# A view never goes further than this fraction of the way from the points it must show to an edge of the domain:
# the log-likelihood falls to -inf there (p -> 0, sigma -> 0), and the picture would be all cliff.
_EDGE_FRACTION = 0.95
_MARGIN = 0.08  # room left around a student's point that widened the view, as a fraction of the view's width


@dataclass(frozen=True)
class PlotAxis:
    """One shown parameter element: its label as ``Family.element_labels`` gives it, its MLE and standard error,
    and the grid along it (increasing)."""

    label: str
    mle: float
    se: float
    values: np.ndarray


@dataclass(frozen=True)
class LikelihoodGrid:
    """The log-likelihood over one or two parameter elements.

    ``loglik`` has shape (len(axes[0].values),) for a curve and (len(axes[1].values), len(axes[0].values)) for a
    surface (rows follow the second axis, as ``numpy.meshgrid`` lays them out); NaN where it is not finite.
    ``held_at_mle`` names the other elements, held at their MLE. ``student`` is the student's point (one value per
    axis) when one was given; ``student_on_plot`` says whether it lies inside the view, and ``student_loglik`` is
    the log-likelihood there (None when off the plot).
    """

    family: str
    axes: tuple[PlotAxis, ...]
    loglik: np.ndarray
    max_loglik: float
    held_at_mle: tuple[str, ...]
    student: tuple[float, ...] | None
    student_on_plot: bool
    student_loglik: float | None

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(axis.label for axis in self.axes)


def likelihood_grid(
    family_id: str,
    data: Mapping[str, ArrayLike],
    fit: FitResult,
    elements: Sequence[str],
    student: Sequence[float] | None = None,
    *,
    points: int | None = None,
    span: float = SPAN_SE,
    reach: float = REACH_SE,
) -> LikelihoodGrid:
    """The log-likelihood of ``family_id`` for ``data`` near ``fit``'s MLE, along the one or two ``elements``.

    ``elements`` are labels as ``Family.element_labels`` gives them ("p", "mu", "beta[1]", "beta[0,2]");
    ``student`` holds one value per element, or is None. ``points`` overrides the grid size along each axis.
    Raises ParameterError for an unknown element or a student's point of the wrong length.
    """
    family = get_family(family_id)
    clean = family.validate_data(**data)
    labels = family.element_labels(clean)
    elements = tuple(elements)
    if not 1 <= len(elements) <= 2 or len(set(elements)) != len(elements):
        raise ParameterError("plot_element_count", elements=list(elements))
    unknown = [label for label in elements if label not in labels]
    if unknown:
        raise ParameterError("plot_unknown_element", family=family_id, element=unknown[0], labels=", ".join(labels))
    if student is not None:
        student = tuple(float(value) for value in student)
        if len(student) != len(elements):
            raise ParameterError("plot_point_length", given=len(student), expected=len(elements))
    theta = family.pack(fit.params, clean)
    se = family.pack(fit.se, clean)
    domains = family.element_domains(clean)
    positions = [labels.index(label) for label in elements]

    on_plot = student is not None and all(
        _reachable(student[k], theta[i], se[i], domains[i], reach) for k, i in enumerate(positions)
    )
    size = points or (CURVE_POINTS if len(elements) == 1 else SURFACE_POINTS)
    axes = []
    for k, i in enumerate(positions):
        shown = student[k] if on_plot else None
        lo, hi = _view(float(theta[i]), _scale(theta[i], se[i]), domains[i], span, shown)
        axes.append(PlotAxis(labels[i], float(theta[i]), float(se[i]), _frozen(np.linspace(lo, hi, size))))

    if len(axes) == 1:
        columns = [axes[0].values]
        shape: tuple[int, ...] = (size,)
    else:
        first, second = np.meshgrid(axes[0].values, axes[1].values)
        columns, shape = [first.ravel(), second.ravel()], first.shape
    loglik = _frozen(-_nll_at(family, clean, theta, positions, columns).reshape(shape))
    student_loglik = None
    if on_plot:
        point = [np.array([value]) for value in student]
        value = -_nll_at(family, clean, theta, positions, point)[0]
        student_loglik = float(value) if np.isfinite(value) else None
    return LikelihoodGrid(
        family=family_id,
        axes=tuple(axes),
        loglik=loglik,
        max_loglik=float(fit.loglik),
        held_at_mle=tuple(label for label in labels if label not in elements),
        student=student,
        student_on_plot=on_plot,
        student_loglik=student_loglik,
    )


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _scale(mle: float, se: float) -> float:
    """The standard error, or a stand-in when it is not a usable positive number."""
    if np.isfinite(se) and se > 0:
        return float(se)
    return max(0.1 * abs(float(mle)), 1e-3)


def _reachable(value: float, mle: float, se: float, domain: Domain, reach: float) -> bool:
    return bool(domain.contains(np.array(value))) and abs(value - mle) <= reach * _scale(mle, se)


def _view(mle: float, se: float, domain: Domain, span: float, student: float | None) -> tuple[float, float]:
    """The interval shown along one element: MLE ± span SE, widened to a student's point, inside the domain."""
    lo, hi = mle - span * se, mle + span * se
    must_low, must_high = mle, mle
    if student is not None:
        must_low, must_high = min(mle, student), max(mle, student)
        width = max(hi, must_high) - min(lo, must_low)
        lo, hi = min(lo, must_low - _MARGIN * width), max(hi, must_high + _MARGIN * width)
    if np.isfinite(domain.lower):
        lo = max(lo, domain.lower + (1.0 - _EDGE_FRACTION) * (must_low - domain.lower))
    if np.isfinite(domain.upper):
        hi = min(hi, domain.upper - (1.0 - _EDGE_FRACTION) * (domain.upper - must_high))
    return float(lo), float(hi)


def _nll_at(family: Family, data: Data, theta: np.ndarray, positions: list[int], columns: list[np.ndarray]):
    """The nll at each point: ``theta`` with the elements at ``positions`` set to the columns' values (NaN where it
    is not finite), by ``Family.nll_at``."""
    thetas = np.tile(theta.astype(float), (columns[0].size, 1))
    for i, column in zip(positions, columns, strict=True):
        thetas[:, i] = column
    return family.nll_at(thetas, data)


__all__ = ["CURVE_POINTS", "REACH_SE", "SPAN_SE", "SURFACE_POINTS", "LikelihoodGrid", "PlotAxis", "likelihood_grid"]
