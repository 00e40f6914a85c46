"""Key specs: the small language in which an exercise part names the value of a fit it is graded against.

Grammar (whole string, no whitespace except after the comma of a matrix index):
    loglik | mean_nll | likelihood | (mle|se).<param> | (mle|se).<param>[i] | (mle|se).<param>[i,j]
A vector parameter needs one index and a matrix two; a scalar takes none. Nothing is ever evaluated.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass

import numpy as np

from .errors import KeySpecError, KeyVerificationError
from .fitting import FitResult

_PARAM_SPEC = re.compile(r"(?P<table>mle|se)\.(?P<name>[a-z_][a-z0-9_]*)(?:\[(?P<i>[0-9]+)(?:,\s*(?P<j>[0-9]+))?\])?")
_SCALARS = ("loglik", "mean_nll", "likelihood")


@dataclass(frozen=True)
class KeySpec:
    """A parsed key spec: ``kind`` is loglik, mean_nll, likelihood or param; a param names its table and index."""

    kind: str
    table: str | None = None
    name: str | None = None
    index: tuple[int, ...] = ()


def parse_key_spec(spec: str) -> KeySpec:
    """The parts of ``spec`` by the grammar above, without a fit: KeySpecError when it follows no rule."""
    if not isinstance(spec, str):
        raise KeySpecError("key_spec_not_text", type_name=type(spec).__name__)
    if spec in _SCALARS:
        return KeySpec(spec)
    match = _PARAM_SPEC.fullmatch(spec)
    if match is None:
        raise KeySpecError("key_spec_grammar", spec=spec)
    index = tuple(int(part) for part in (match["i"], match["j"]) if part is not None)
    return KeySpec("param", match["table"], match["name"], index)


def key_value(fit: FitResult, spec: str) -> float:
    """The value of ``fit`` that ``spec`` names, as a float; KeySpecError lists the valid specs otherwise."""
    try:
        parsed = parse_key_spec(spec)
    except KeySpecError as error:
        if not isinstance(spec, str):
            raise
        raise KeySpecError("key_spec_grammar_for_fit", spec=spec, valid=_valid(fit)) from error
    if parsed.kind == "loglik":
        return float(fit.loglik)
    if parsed.kind == "mean_nll":
        return float(fit.mean_nll)
    if parsed.kind == "likelihood":
        return _likelihood(fit.loglik)

    table = fit.params if parsed.table == "mle" else fit.se
    name, index = parsed.name, parsed.index
    if name not in table:
        raise KeySpecError("key_spec_unknown_parameter", spec=spec, family=fit.family, name=name, valid=_valid(fit))
    value = table[name]
    shape = np.shape(value)
    if len(index) != len(shape):
        if not shape:
            raise KeySpecError("key_spec_scalar_indexed", spec=spec, name=name, valid=_valid(fit))
        raise KeySpecError(
            "key_spec_index_count", spec=spec, name=name, count=len(shape), shape=shape, valid=_valid(fit)
        )
    if any(i >= size for i, size in zip(index, shape, strict=True)):
        raise KeySpecError(
            "key_spec_index_out_of_range", spec=spec, index=list(index), name=name, shape=shape, valid=_valid(fit)
        )
    return float(np.asarray(value)[index]) if index else float(value)


def valid_specs(fit: FitResult) -> list[str]:
    """Every form of key spec valid for ``fit``, with index ranges written as 0..k-1."""
    specs = list(_SCALARS)
    for table in ("mle", "se"):
        for name, value in fit.params.items():
            shape = np.shape(value)
            ranges = ",".join(f"0..{size - 1}" for size in shape)
            specs.append(f"{table}.{name}" + (f"[{ranges}]" if shape else ""))
    return specs


def _valid(fit: FitResult) -> str:
    return ", ".join(valid_specs(fit))


def _likelihood(loglik: float) -> float:
    # exp(loglik) leaves double precision long before loglik does; a key that rounds to 0 or inf is useless.
    problem = KeyVerificationError("likelihood_out_of_range", loglik=loglik)
    if loglik < math.log(sys.float_info.min):  # subnormal or zero: digits are lost
        raise problem
    try:
        return math.exp(loglik)
    except OverflowError:
        raise problem from None
