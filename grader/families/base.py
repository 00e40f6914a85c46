"""The Family base class: parameter layout, validation, and the hooks each likelihood family implements.

Public methods validate their arguments and then call a private hook; subclasses implement only the hooks
(``_check_data``, ``_nll``, ``_grad``, ``_hess``, ``_example_data``, and optionally ``_closed_form``, ``_start``,
``_mle_problem``, ``_explain_failure``, ``_exact_fit``, ``_nll_grad_hess``, ``_grad_hess``, ``param_shapes``,
``n_obs``) and may declare ``convex``. The hooks receive validated data and a params dict, so they never repeat
checks; ``grad`` and ``hess`` are flat, in the order ``pack`` lays the parameters out.

Methods whose ``data`` is typed ``Mapping[str, ArrayLike]`` validate it; those typed ``Data`` expect the output of
``validate_data`` (the fit calls them in loops and validates once).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from math import prod
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike

from ..errors import DataError, ParameterError
from ..messages import Message
from .domains import Domain

if TYPE_CHECKING:
    from ..verification import Verification

Data = Mapping[str, np.ndarray]
ParamValue = float | np.ndarray
Params = dict[str, ParamValue]


@dataclass(frozen=True)
class Param:
    """One named parameter of a family; every element of it lives in ``domain``."""

    name: str
    domain: Domain


@dataclass(frozen=True)
class ExactSolution:
    """The MLE as a family's own exact method finds it (see ``Family._exact_fit``), with its verification."""

    theta: np.ndarray  # flat, natural parametrisation, in pack order
    se: np.ndarray  # flat; the family documents their source when it is not the observed information
    iterations: int
    method: str
    verification: Verification


class Family(ABC):
    """A likelihood family: ``nll(theta, data)`` is the negative log-likelihood, natural log, constants included."""

    id: ClassVar[str]
    data_names: ClassVar[tuple[str, ...]]
    params: ClassVar[tuple[Param, ...]]
    # True only when the nll is convex in the natural parameters on their whole domain, for every data set (e.g.
    # a Hessian X' W X with W ⪰ 0): a stationary point with a positive-definite Hessian is then the unique global
    # minimum, which certifies a fit without a second optimiser. The registry-wide tests check it at random points.
    convex: ClassVar[bool] = False

    # ----------------------------------------------------------------------------------------------- layout
    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(param.name for param in self.params)

    def domain(self, name: str) -> Domain:
        for param in self.params:
            if param.name == name:
                return param.domain
        raise KeyError(f"{self.id} has no parameter {name!r}; its parameters are {', '.join(self.param_names)}")

    def param_shapes(self, data: Data) -> dict[str, tuple[int, ...]]:
        """Shape of each parameter for these data; () is a scalar. Regression families override this."""
        return {name: () for name in self.param_names}

    def n_params(self, data: Data) -> int:
        return sum(prod(shape) for shape in self.param_shapes(data).values())

    def pack(self, params: Mapping[str, ArrayLike], data: Data) -> np.ndarray:
        """The flat theta vector for a params dict (each entry of the shape ``param_shapes`` gives)."""
        shapes = self.param_shapes(data)
        if set(params) != set(shapes):
            expected = ", ".join(shapes)
            if not params:
                raise ParameterError("params_none_given", family=self.id, expected=expected)
            raise ParameterError("params_wrong_names", family=self.id, expected=expected, given=", ".join(params))
        pieces = []
        for name, shape in shapes.items():
            value = np.asarray(params[name], dtype=float)
            if value.shape != shape:
                raise ParameterError("param_wrong_shape", name=name, expected=shape, shape=value.shape)
            pieces.append(value.ravel())
        return np.concatenate(pieces)

    def unpack(self, theta: ArrayLike, data: Data) -> Params:
        """The params dict for a flat theta vector: Python floats for scalars, read-only arrays otherwise."""
        params = self._unpack(self._flat_theta(theta, data), data)
        return {name: float(value) if np.ndim(value) == 0 else value for name, value in params.items()}

    def _unpack(self, theta: np.ndarray, data: Data, shapes: Mapping[str, tuple[int, ...]] | None = None) -> Params:
        """The params dict the hooks receive; ``shapes`` is ``param_shapes(data)`` when the caller has it (a fit
        evaluates many points of one data set)."""
        # Scalars stay np.float64 for the hooks: numpy arithmetic gives inf under np.errstate where Python floats
        # would raise ZeroDivisionError or OverflowError (9 / p**2 for p = 1e-200).
        params: Params = {}
        offset = 0
        for name, shape in (self.param_shapes(data) if shapes is None else shapes).items():
            size = prod(shape)
            if shape == ():
                params[name] = theta[offset]
            else:
                value = theta[offset : offset + size].reshape(shape).copy()
                value.flags.writeable = False
                params[name] = value
            offset += size
        return params

    def element_domains(self, data: Data) -> list[Domain]:
        """The domain of each element of theta, in pack order."""
        domains = []
        for name, shape in self.param_shapes(data).items():
            domains.extend([self.domain(name)] * prod(shape))
        return domains

    def element_labels(self, data: Data) -> list[str]:
        """A label for each element of theta, in pack order: "p", "beta[1]", "beta[0,2]"."""
        labels = []
        for name, shape in self.param_shapes(data).items():
            if shape == ():
                labels.append(name)
            elif len(shape) == 1:
                labels.extend(f"{name}[{i}]" for i in range(shape[0]))
            else:
                labels.extend(f"{name}[{','.join(map(str, index))}]" for index in np.ndindex(*shape))
        return labels

    # ------------------------------------------------------------------------------------------------- data
    def validate_data(self, **arrays: ArrayLike) -> dict[str, np.ndarray]:
        """The data as read-only float arrays, checked for this family; DataError names what is wrong."""
        missing = [name for name in self.data_names if name not in arrays]
        unexpected = sorted(set(arrays) - set(self.data_names))
        if missing or unexpected:
            details = []
            if missing:
                details.append(Message("data_names_missing", names=", ".join(missing)))
            if unexpected:
                details.append(Message("data_names_unexpected", names=", ".join(unexpected)))
            raise DataError(
                "data_names_wrong", family=self.id, expected=", ".join(self.data_names), details=tuple(details)
            )
        return self._check_data({name: arrays[name] for name in self.data_names})

    def n_obs(self, data: Data) -> int:
        """The number of observations (rows); families whose first data array is not per-row override this."""
        return int(np.shape(data[self.data_names[0]])[0])

    def example_data(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """A small random data set with an interior MLE, so registry-wide tests exercise every family."""
        example = self._example_data(rng)
        return self.validate_data(**example)

    # ------------------------------------------------------------------------------------------- likelihood
    def nll(self, theta: ArrayLike, data: Mapping[str, ArrayLike]) -> float:
        clean = self.validate_data(**data)
        params = self._unpack(self._checked_theta(theta, clean), clean)
        return float(self._finite("negative log-likelihood", self._nll, params, clean))

    def grad(self, theta: ArrayLike, data: Mapping[str, ArrayLike]) -> np.ndarray:
        clean = self.validate_data(**data)
        params = self._unpack(self._checked_theta(theta, clean), clean)
        return self._finite("gradient", self._grad, params, clean)

    def hess(self, theta: ArrayLike, data: Mapping[str, ArrayLike]) -> np.ndarray:
        clean = self.validate_data(**data)
        params = self._unpack(self._checked_theta(theta, clean), clean)
        return self._finite("Hessian", self._hess, params, clean)

    def nll_at(self, thetas: ArrayLike, data: Data) -> np.ndarray:
        """The nll at each row of ``thetas`` (shape (m, n_params), pack order) for data from ``validate_data``: NaN
        where ``nll`` would raise ParameterError (a row outside the domain, a value that is not finite).

        For one data set at many points (a formula key, a plot): the hook takes all rows in one call when every
        parameter is a scalar and the hook accepts arrays and agrees with its pointwise values; else one call a row.
        """
        return self._at_rows(self._nll, thetas, data, ())

    def grad_at(self, thetas: ArrayLike, data: Data) -> np.ndarray:
        """The gradient at each row of ``thetas``, shape (m, n_params), evaluated as ``nll_at`` evaluates the nll; a
        row of NaN where ``grad`` would raise ParameterError."""
        return self._at_rows(self._grad, thetas, data, (self.n_params(data),))

    def closed_form(self, data: Mapping[str, ArrayLike]) -> Params | None:
        """The MLE by formula when one exists, else None."""
        return self._closed_form(self.validate_data(**data))

    def mle_problem(self, data: Mapping[str, ArrayLike]) -> Message | None:
        """Why these data have no interior MLE (e.g. all observations equal), or None when nothing is known.

        Runs the family's cheap checks and its full diagnosis (e.g. the separation linear programme), which
        ``fit`` runs only when a fit fails.
        """
        clean = self.validate_data(**data)
        return self._mle_problem(clean) or self._explain_failure(clean)

    def start(self, data: Data) -> np.ndarray:
        """A flat starting theta for the optimiser, inside the domain."""
        return self.pack(self._start(data), data)

    # ------------------------------------------------------------------------------------------------ hooks
    @abstractmethod
    def _check_data(self, arrays: dict[str, Any]) -> dict[str, np.ndarray]:
        """Turn the raw arrays into validated read-only float arrays, or raise DataError."""

    @abstractmethod
    def _nll(self, params: Params, data: Data) -> float: ...

    @abstractmethod
    def _grad(self, params: Params, data: Data) -> np.ndarray: ...

    @abstractmethod
    def _hess(self, params: Params, data: Data) -> np.ndarray: ...

    @abstractmethod
    def _example_data(self, rng: np.random.Generator) -> dict[str, np.ndarray]: ...

    def _nll_grad_hess(self, params: Params, data: Data) -> tuple[float, np.ndarray, np.ndarray]:
        """The three hooks' values at one point. A family overrides this to compute them in one pass over the data,
        sharing the linear predictor and the probabilities; it must return exactly what the three hooks return."""
        return self._nll(params, data), self._grad(params, data), self._hess(params, data)

    def _grad_hess(self, params: Params, data: Data) -> tuple[np.ndarray, np.ndarray]:
        """The gradient and Hessian hooks' values at one point, for an optimiser that needs no value there; a family
        with a single pass over the data overrides this like ``_nll_grad_hess``."""
        return self._grad(params, data), self._hess(params, data)

    def _closed_form(self, data: Data) -> Params | None:
        return None

    def _mle_problem(self, data: Data) -> Message | None:
        """Cheap checks, run before every fit: why these data have no interior MLE (a Message whose code is in
        grader.error_texts: ``fit`` raises it as a KeyVerificationError), or None."""
        return None

    def _explain_failure(self, data: Data) -> Message | None:
        """Why these data have no interior MLE, asked only after a fit failed (runaway, no convergence, Hessian
        not positive definite), or None when the family knows no reason. Like ``_mle_problem``, a Message.

        The place for diagnoses too costly to run on every fit, such as a linear programme for separation: a fit
        that passes verification has found an interior stationary point with a positive-definite Hessian, which
        proves the MLE exists, so a successful fit never needs them.
        """
        return None

    def _exact_fit(self, data: Data) -> ExactSolution | None:
        """The verified MLE by the family's own exact method, for a likelihood Newton cannot handle (not smooth).

        None, the default, lets ``fit`` use Newton with its verification. A family that overrides this still
        implements ``_nll`` (``fit.loglik`` is computed from it), ``_grad`` and ``_hess``.
        """
        return None

    def _start(self, data: Data) -> Params:
        # Deliberately not the closed form: the numerical optimum must be reached independently of it.
        neutral = {name: self.domain(name).neutral for name in self.param_names}
        return {
            name: neutral[name] if shape == () else np.full(shape, neutral[name])
            for name, shape in self.param_shapes(data).items()
        }

    # -------------------------------------------------------------------------------------------- checks
    def _flat_theta(self, theta: ArrayLike, data: Data) -> np.ndarray:
        try:
            flat = np.asarray(theta, dtype=float)
        except (TypeError, ValueError) as error:
            raise ParameterError("theta_unreadable", error=str(error)) from error
        expected = self.n_params(data)
        if flat.shape != (expected,):
            raise ParameterError(
                "theta_wrong_shape", family=self.id, expected=expected, names=", ".join(self.param_names),
                shape=flat.shape,
            )
        return flat

    def _checked_theta(self, theta: ArrayLike, data: Data) -> np.ndarray:
        flat = self._flat_theta(theta, data)
        offset = 0
        for name, shape in self.param_shapes(data).items():
            size = prod(shape)
            values = flat[offset : offset + size]
            domain = self.domain(name)
            outside = ~domain.contains(values)
            if outside.any():
                raise ParameterError(
                    "param_outside_domain", name=name, condition=domain.describe(name), value=values[outside][0]
                )
            offset += size
        return flat

    def _at_rows(
        self, hook: Callable[[Params, Data], Any], thetas: ArrayLike, data: Data, shape: tuple[int, ...]
    ) -> np.ndarray:
        rows = np.asarray(thetas, dtype=float)
        if rows.ndim != 2 or rows.shape[1] != self.n_params(data):
            raise ParameterError("thetas_wrong_shape", family=self.id, expected=self.n_params(data), shape=rows.shape)
        inside = np.ones(rows.shape[0], dtype=bool)
        for column, domain in enumerate(self.element_domains(data)):
            inside &= domain.contains(rows[:, column])
        shapes = self.param_shapes(data)
        rows = rows[inside]
        with np.errstate(all="ignore"):
            values = self._all_rows(hook, rows, data, shapes, shape)
            if values is None:
                values = np.array([self._one_row(hook, row, data, shapes, shape) for row in rows]).reshape(-1, *shape)
        # A row with any value that is not finite is NaN throughout, as the public methods raise for it.
        values[~np.isfinite(values).all(axis=tuple(range(1, values.ndim)))] = np.nan
        out = np.full((inside.size, *shape), np.nan)
        out[inside] = values
        return out

    def _one_row(self, hook: Callable[[Params, Data], Any], row: np.ndarray, data: Data, shapes, shape):
        try:
            value = np.asarray(hook(self._unpack(row, data, shapes), data), dtype=float)
        except (OverflowError, ZeroDivisionError):
            return np.full(shape, np.nan)
        return value if value.shape == shape else np.full(shape, np.nan)

    def _all_rows(self, hook: Callable[[Params, Data], Any], rows: np.ndarray, data: Data, shapes, shape):
        """Every row in one call of the hook, or None where the hook cannot take them so: parameters with a shape,
        fewer than 3 rows, a hook that fails on arrays or disagrees with itself at three rows checked one by one."""
        if any(s != () for s in shapes.values()) or len(rows) < 3:
            return None
        try:
            values = np.asarray(hook(dict(zip(shapes, rows.T.copy(), strict=True)), data), dtype=float)
        except (TypeError, ValueError, OverflowError, ZeroDivisionError):  # e.g. float() or `if` on an array
            return None
        if values.shape != (*shape, len(rows)):
            return None
        values = np.array(np.moveaxis(values, -1, 0))  # a copy, rows first
        for k in (0, len(rows) // 2, len(rows) - 1):
            single = self._one_row(hook, rows[k], data, shapes, shape)
            if not np.allclose(single, values[k], rtol=1e-9, atol=0, equal_nan=True):
                return None
        return values

    def _finite(self, what: str, hook: Callable[[Params, Data], Any], params: Params, data: Data) -> Any:
        # Inside the domain a value can still overflow (e.g. 1/p**2 for p near 1e-200): report it, do not warn.
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            value = hook(params, data)
        if not np.all(np.isfinite(value)):
            at = ", ".join(
                f"{name} = {float(value)!r}" if np.ndim(value) == 0 else f"{name} = {np.array2string(value)}"
                for name, value in params.items()
            )
            raise ParameterError("likelihood_not_finite", quantity=what, family=self.id, at=at)
        return np.asarray(value, dtype=float) if np.ndim(value) else value


class FusedFamily(Family):
    """A family whose value, gradient and Hessian come from one pass over the data, ``_passes``, which computes
    each requested quantity by the same operations whichever others are requested: the separate hooks and the
    fused one then share a single implementation and agree exactly."""

    @staticmethod
    @abstractmethod
    def _passes(
        params: Params, data: Data, *, nll: bool = False, grad: bool = False, hess: bool = False
    ) -> tuple[float, np.ndarray, np.ndarray]: ...

    def _nll(self, params: Params, data: Data) -> float:
        return self._passes(params, data, nll=True)[0]

    def _grad(self, params: Params, data: Data) -> np.ndarray:
        return self._passes(params, data, grad=True)[1]

    def _hess(self, params: Params, data: Data) -> np.ndarray:
        return self._passes(params, data, hess=True)[2]

    def _nll_grad_hess(self, params: Params, data: Data) -> tuple[float, np.ndarray, np.ndarray]:
        return self._passes(params, data, nll=True, grad=True, hess=True)

    def _grad_hess(self, params: Params, data: Data) -> tuple[np.ndarray, np.ndarray]:
        return self._passes(params, data, grad=True, hess=True)[1:]
