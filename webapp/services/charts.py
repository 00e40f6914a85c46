"""Small report charts as SVG: the score distribution of an item or a part, drawn with matplotlib without pyplot's
global state, with no metadata (the same counts give the same bytes), and kept in memory once drawn."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from functools import lru_cache

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

_SVG_RC = {"svg.hashsalt": "mlelab-score-histogram", "svg.fonttype": "none"}
_NO_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}
_BAR_COLOUR = "#2c7bb6"


@dataclass(frozen=True)
class HistogramText:
    """The words of a histogram, already in the reader's language."""

    xlabel: str = "Score, %"
    ylabel: str = "Students"


@lru_cache(maxsize=512)
def histogram_svg(counts: tuple[int, ...], text: HistogramText = HistogramText()) -> bytes:
    """Bars of equal width over 0-100 %, one per count (``counts[0]`` the lowest scores)."""
    width = 100 / len(counts)
    with matplotlib.rc_context(_SVG_RC):
        figure = Figure(figsize=(4.2, 2.2), layout="constrained")
        axes = figure.add_subplot()
        axes.bar([width * (i + 0.5) for i in range(len(counts))], counts, width=width * 0.92, color=_BAR_COLOUR)
        axes.set_xlim(0, 100)
        axes.set_ylim(0, max(1, max(counts, default=0)) * 1.1)
        axes.set_xticks([width * i for i in range(0, len(counts) + 1, 2)])
        axes.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
        axes.set_xlabel(text.xlabel, fontsize=9)
        axes.set_ylabel(text.ylabel, fontsize=9)
        axes.tick_params(labelsize=8)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata=_NO_METADATA)
    return buffer.getvalue()


def svg_data_uri(svg: bytes) -> str:
    """The picture as a data: address for an <img>, so a report page needs no request per chart."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
