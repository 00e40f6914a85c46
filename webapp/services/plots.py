"""Likelihood plots in the feedback: which plot fits a submission, its SVG, and a disk cache of the SVG.

``choose_plot`` reads an exercise definition and a submission's parsed answers: the model whose parameters the
number and vector parts ask for (``mle.p``, ``mle.beta[1]``, ``mle.mu`` and ``mle.sigma``...) and the student's
values for them. ``render_svg`` draws ``grader.likelihood_plot``'s grid with matplotlib, without pyplot's global
state; the MLE is drawn, and its value written, only when ``reveal`` is true: otherwise the SVG holds no trace of
it beyond the curve itself. ``submission_plot`` puts the two together behind a cache on disk, keyed by everything
that changes the picture, which every worker process shares.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.colors import BoundaryNorm
from matplotlib.figure import Figure

import grader
from exercises import DataGenerationError, Dataset, ExerciseDefinition, build_dataset, model_inputs
from exercises.keys import as_table
from exercises.schema import NumberPart, VectorPart
from grader.likelihood_plot import LikelihoodGrid, likelihood_grid

from ..models import Submission

log = logging.getLogger(__name__)

# Part of every cache key: change it whenever the drawing changes, so that no stale picture is served.
PLOT_VERSION = "1"
_SVG_RC = {"svg.hashsalt": "mlelab-likelihood-plot", "svg.fonttype": "none"}
# No creator, date or type in the file: the same picture gives the same bytes.
_NO_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}
_GREEK = {
    "mu": r"\mu",
    "sigma": r"\sigma",
    "lam": r"\lambda",
    "rate": r"\lambda",
    "beta": r"\beta",
    "scale": "b",
    "p": "p",
}
_LABEL = re.compile(r"(?P<name>[a-z_][a-z0-9_]*)(?:\[(?P<index>[0-9, ]+)\])?")
_STUDENT_COLOUR, _MLE_COLOUR = "#e66101", "#d7191c"


@dataclass(frozen=True)
class PlotChoice:
    """The plot that fits a submission: a model of the definition ("model" for a lone one), the one or two
    parameter elements its parts ask for, as ``Family.element_labels`` names them, and the student's values for
    them (None when a value is missing)."""

    model: str
    family: str
    elements: tuple[str, ...]
    student: tuple[float, ...] | None


@dataclass(frozen=True)
class PlotText:
    """The words of a plot, already in the reader's language (``off_plot`` may hold ``%(value)s``)."""

    loglik: str = "Log-likelihood"
    curve_title: str = "Log-likelihood near the estimate"
    surface_title: str = "Log-likelihood surface"
    your_answer: str = "Your answer"
    mle: str = "MLE"
    held: str = "Other parameters held at their maximum-likelihood values"
    off_plot: str = "Your answer lies outside the plotted range: %(value)s"


@dataclass(frozen=True)
class PlotImage:
    svg: bytes
    etag: str  # the cache key: the same for the same picture


# ----- which plot -----------------------------------------------------------------------------------------------


def choose_plot(
    definition: ExerciseDefinition, parsed_answers: Mapping[str, Any], wrong_parts: Collection[str] = ()
) -> PlotChoice | None:
    """The plot for a submission's answers, or None when none fits (theory, choices, formulas, texts, or keys
    that are not parameters: loglik, mse, mean_response...).

    The plot should show where the student went wrong: among the models whose MLE the number and vector parts ask
    for, the one with most parameters answered wrongly (``wrong_parts`` names those parts), then the one asked about
    most (the first on a tie); its parameters answered wrongly come first, then the others in the parts' order. The
    first one gives a curve, the first two a surface.
    """
    asked: dict[str, dict[str, float | None]] = {}  # model -> element -> the student's value
    wrong: dict[str, set[str]] = {}  # model -> elements of parts answered wrongly
    for part in definition.parts:
        for model, element, value in _asked(definition, part, parsed_answers.get(part.name)):
            asked.setdefault(model, {}).setdefault(element, value)
            if asked[model][element] is None:
                asked[model][element] = value
            if part.name in wrong_parts:
                wrong.setdefault(model, set()).add(element)
    if not asked:
        return None
    # max keeps the first of equals
    model = max(asked, key=lambda name: (len(wrong.get(name, ())), len(asked[name])))
    missed = wrong.get(model, set())
    elements = tuple(sorted(asked[model], key=lambda element: element not in missed))[:2]  # a stable sort
    values = [value for element in elements if (value := asked[model][element]) is not None]
    student = tuple(values) if len(values) == len(elements) else None
    family = definition.all_models[model].family
    if family not in grader.FAMILIES:
        return None
    return PlotChoice(model=model, family=family, elements=elements, student=student)


def _asked(definition: ExerciseDefinition, part: Any, answer: Any) -> list[tuple[str, str, float | None]]:
    """(model, element, student's value) for each parameter element a number or vector part asks."""
    if isinstance(part, NumberPart):
        specs, answers = [part.key], [answer]
    elif isinstance(part, VectorPart):
        answers = list(answer) if isinstance(answer, list) else []
        if isinstance(part.key, list):
            specs = list(part.key)
        else:  # a whole vector parameter, "mle.beta": one element per component answered
            table = as_table(part.key)
            parsed = _param_spec(table.quantity)
            if parsed is None or parsed.index:
                return []
            specs = [table.model_copy(update={"quantity": f"{table.quantity}[{i}]"}) for i in range(len(answers))]
    else:
        return []
    found = []
    for i, spec in enumerate(specs):
        table = as_table(spec)
        parsed = _param_spec(table.quantity)
        if parsed is None:
            continue
        model, _ = definition.model_for(table.model)
        element = parsed.name + (f"[{','.join(map(str, parsed.index))}]" if parsed.index else "")
        value = answers[i] if i < len(answers) else None
        found.append((model, element, _finite(value)))
    return found


def _param_spec(quantity: str) -> grader.KeySpec | None:
    try:
        parsed = grader.parse_key_spec(quantity)
    except grader.KeySpecError:
        return None
    return parsed if parsed.kind == "param" and parsed.table == "mle" else None


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if np.isfinite(value) else None


# ----- the picture ----------------------------------------------------------------------------------------------


def render_svg(grid: LikelihoodGrid, text: PlotText, *, reveal: bool) -> bytes:
    """The plot as SVG text; the MLE is drawn and written only when ``reveal`` is true."""
    with matplotlib.rc_context(_SVG_RC):
        figure = Figure(figsize=(6.4, 4.4), layout="constrained")
        axes = figure.add_subplot()
        if len(grid.axes) == 1:
            _draw_curve(axes, grid, text, reveal)
        else:
            _draw_surface(figure, axes, grid, text, reveal)
        notes = []
        if grid.held_at_mle:
            notes.append(text.held)
        if grid.student is not None and not grid.student_on_plot:
            notes.append(text.off_plot % {"value": _point(grid.student)})
        if notes:
            figure.get_layout_engine().set(rect=(0, 0.04 * len(notes), 1, 1 - 0.04 * len(notes)))
            figure.text(0.01, 0.01, "\n".join(notes), fontsize=8, color="#444444", ha="left", va="bottom")
        if axes.get_legend_handles_labels()[0]:
            axes.legend(loc="best", fontsize=9, framealpha=0.9)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata=_NO_METADATA)
    return buffer.getvalue()


def _draw_curve(axes: Any, grid: LikelihoodGrid, text: PlotText, reveal: bool) -> None:
    axis = grid.axes[0]
    axes.plot(axis.values, grid.loglik, color="#2c7bb6", linewidth=2)
    axes.set_xlabel(_symbol(axis.label))
    axes.set_ylabel(text.loglik)
    axes.set_title(text.curve_title)
    axes.grid(True, alpha=0.3)
    if grid.student_on_plot and grid.student is not None:
        x = grid.student[0]
        axes.axvline(x, color=_STUDENT_COLOUR, linestyle="--", linewidth=1.2)
        if grid.student_loglik is not None:
            axes.plot(
                [x],
                [grid.student_loglik],
                "o",
                color=_STUDENT_COLOUR,
                markersize=8,
                label=f"{text.your_answer}: {_number(x)}",
            )
    if reveal:
        axes.plot(
            [axis.mle],
            [grid.max_loglik],
            "*",
            color=_MLE_COLOUR,
            markersize=15,
            markeredgecolor="white",
            label=f"{text.mle}: {_number(axis.mle)}",
            gid="mle-marker",
        )


def _peak_levels(surface: np.ma.MaskedArray, count: int = 30) -> np.ndarray:
    """Contour levels spaced geometrically below the surface's top: equal steps of the log-likelihood would spend
    nearly all of them far down the slopes (a drop of hundreds at the edges) and paint the whole neighbourhood of the
    maximum in one colour, where a student's point within a few standard errors lies."""
    top, bottom = float(surface.max()), float(surface.min())
    depth = top - bottom
    if not (np.isfinite(depth) and depth > 0.0):
        return np.array([bottom - 1.0, top + 1.0])
    smallest = min(0.05, depth / 2.0)  # 0.05: a tenth of the drop at one standard error from the top
    drops = np.geomspace(smallest, depth, count - 1)
    return np.concatenate([top - drops[::-1], [top]])  # from the bottom (a drop of depth) to the top


def _draw_surface(figure: Figure, axes: Any, grid: LikelihoodGrid, text: PlotText, reveal: bool) -> None:
    first, second = grid.axes
    surface = np.ma.masked_invalid(grid.loglik)
    levels = _peak_levels(surface)
    # One colour per band (not colours proportional to the value), so the bands near the top stay distinguishable.
    norm = BoundaryNorm(levels, ncolors=256)
    contours = axes.contourf(first.values, second.values, surface, levels=levels, cmap="viridis", norm=norm)
    figure.colorbar(contours, ax=axes, label=text.loglik)
    axes.set_xlabel(_symbol(first.label))
    axes.set_ylabel(_symbol(second.label))
    axes.set_title(text.surface_title)
    if grid.student_on_plot and grid.student is not None:
        axes.plot(
            [grid.student[0]],
            [grid.student[1]],
            "o",
            color="white",
            markeredgecolor=_STUDENT_COLOUR,
            markeredgewidth=2,
            markersize=10,
            label=f"{text.your_answer}: {_point(grid.student)}",
        )
    if reveal:
        axes.plot(
            [first.mle],
            [second.mle],
            "*",
            color=_MLE_COLOUR,
            markeredgecolor="white",
            markeredgewidth=1.2,
            markersize=18,
            label=f"{text.mle}: {_point((first.mle, second.mle))}",
            gid="mle-marker",
        )


def _symbol(label: str) -> str:
    """An element label as mathtext: "beta[1]" -> β₁, "sigma" -> σ."""
    match = _LABEL.fullmatch(label)
    if match is None:
        return label
    name = _GREEK.get(match["name"], r"\mathrm{" + match["name"].replace("_", r"\_") + "}")
    index = match["index"]
    return f"${name}_{{{index.replace(' ', '')}}}$" if index else f"${name}$"


def _number(value: float) -> str:
    return f"{value:.4g}"


def _point(values: tuple[float, ...]) -> str:
    return _number(values[0]) if len(values) == 1 else "(" + ", ".join(_number(v) for v in values) + ")"


# ----- a submission's plot, cached ------------------------------------------------------------------------------


def plot_choice(submission: Submission) -> PlotChoice | None:
    """The plot that fits a submission, read with the exercise version it answered; None when none does."""
    definition = submission.exercise_version.parsed_definition()
    verdicts = submission.current_grading.verdicts
    wrong = {name for name, verdict in verdicts.items() if not verdict.get("correct")}
    return choose_plot(definition, submission.parsed_answers, wrong)


def plot_cache_key(submission: Submission, choice: PlotChoice, *, reveal: bool, locale: str, text: PlotText) -> str:
    """A sha256 of everything that changes the picture."""
    payload = {
        "plot": PLOT_VERSION,
        "matplotlib": matplotlib.__version__,
        "grader": grader.GRADER_VERSION,
        "version": submission.exercise_version_id,
        "content": submission.exercise_version.content_hash,
        "seed": submission.variant.seed,
        "choice": asdict(choice),
        "reveal": bool(reveal),
        "locale": locale,
        "text": asdict(text),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def submission_plot(
    submission: Submission, *, reveal: bool, locale: str, text: PlotText, cache_dir: Path
) -> PlotImage | None:
    """The likelihood plot of a submission as SVG, from the cache in ``cache_dir`` when it is there; None when no
    plot fits the submission or its model cannot be fitted."""
    choice = plot_choice(submission)
    if choice is None:
        return None
    key = plot_cache_key(submission, choice, reveal=reveal, locale=locale, text=text)
    path = cache_dir / key[:2] / f"{key}.svg"
    try:
        return PlotImage(path.read_bytes(), key)
    except FileNotFoundError:
        pass
    grid = submission_grid(submission, choice)
    if grid is None:
        return None
    svg = render_svg(grid, text, reveal=reveal)
    _store(path, svg)
    return PlotImage(svg, key)


def submission_grid(submission: Submission, choice: PlotChoice) -> LikelihoodGrid | None:
    """The grid of ``choice`` on the submission's own data: the variant's, for the version it answered."""
    version, variant = submission.exercise_version, submission.variant
    definition = version.parsed_definition()
    try:
        if variant.key_version_id == version.id and variant.data is not None:
            dataset = Dataset.from_json(variant.data)
        else:  # the cached data belong to another version: draw this version's again (a pure function of the seed)
            dataset = build_dataset(definition, variant.seed)
        inputs = model_inputs(definition.all_models[choice.model], dataset)
        fit = grader.fit(choice.family, **inputs)
        return likelihood_grid(choice.family, inputs, fit, choice.elements, choice.student)
    except (DataGenerationError, grader.DataError, grader.KeyVerificationError, grader.ParameterError):
        log.exception("no likelihood plot for submission %s", submission.id)
        return None


def _store(path: Path, svg: bytes) -> None:
    """Write atomically (a temporary file renamed over the target), so a reader never sees half a picture; a
    failure to write only costs the next request a new rendering."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(svg)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        log.warning("could not cache the likelihood plot at %s", path, exc_info=True)
