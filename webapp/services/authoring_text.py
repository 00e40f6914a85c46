"""The exercise format's values as a teacher types them in the authoring form, and back: TOML values on one line, a
model's inputs ("X = [1, t]; y = protein"), numbers with a decimal comma, a data table as CSV text.

Only reading and writing text: whether a value is valid is the format's schema's business.
"""

from __future__ import annotations

import math
import re
import tomllib
from typing import Any

import tomli_w

from exercises.data import format_number

from .delimited import NotCSV, read_records

MAX_TABLE_ROWS = 100_000


class TableProblem(ValueError):
    """A pasted table that cannot be read; ``code`` and ``params`` say where and why."""

    def __init__(self, code: str, **params: Any):
        self.code, self.params = code, params
        super().__init__(f"{code} {params}")


# ----- TOML values in one line ------------------------------------------------------------------------------------


def inline_toml(value: Any) -> str:
    """``value`` as one line of TOML ("mle.p" quoted, {...} an inline table), written by tomli_w."""
    # tomli_w writes a table nested in two arrays inline (never as [[tables]]), one array item a line; only the
    # structure has raw line breaks (strings escape theirs), so joining the lines is safe.
    text = tomli_w.dumps({"v": [[tidy(value)]]}, indent=0)
    inner = text[len("v = [\n[\n"):-len(",\n],\n]\n")]
    return inner.replace("[\n", "[").replace(",\n]", "]").replace(",\n", ", ")


def toml_table(values: dict[str, Any]) -> str:
    return tomli_w.dumps(tidy(values)) if values else ""


def read_toml_value(text: str) -> Any:
    """A TOML value typed on its own ("[1, 2]", '{ p = 0.5 }'); raises tomllib.TOMLDecodeError."""
    return tomllib.loads(f"v = {text}")["v"]


def tidy(value: Any) -> Any:
    """Whole floats as integers (values = [1, 0], not [1.0, 0.0]): the schema reads both as the same number."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, list):
        return [tidy(item) for item in value]
    if isinstance(value, dict):
        return {key: tidy(item) for key, item in value.items()}
    return value


def toml_problem(error: tomllib.TOMLDecodeError) -> str:
    return str(error).replace("(at line 1, column", "(at column")


# ----- numbers ----------------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def read_number(text: str, *, decimal_comma: bool = True) -> float | None:
    """A number as people type it ("0.5", "0,5", "-1e-3"); None for anything else (NaN, infinities, words)."""
    text = text.strip().replace("\u2212", "-")
    if not _NUMBER.fullmatch(text) or ("," in text and not decimal_comma):
        return None
    value = float(text.replace(",", "."))
    return value if math.isfinite(value) else None


def read_whole(text: str) -> int | None:
    text = text.strip()
    return int(text) if re.fullmatch(r"\d{1,9}", text) else None


_INPUT = re.compile(
    r"\s*(?P<argument>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<source>\[[^\[\]]*\]|[^\[\];,\n]+?)\s*(?:[;,\n]|$)"
)


def read_inputs(text: str) -> dict[str, str | list[str]] | None:
    """A model's inputs as typed: "y = answer" or "X = [1, t]; y = protein" (quotes optional); None if unreadable."""
    text = text.strip()
    if not text:
        return {}
    inputs: dict[str, str | list[str]] = {}
    position = 0
    while position < len(text):
        match = _INPUT.match(text, position)
        if match is None or match.end() == position:
            return None
        source = match.group("source").strip()
        if source.startswith("["):
            columns = [unquote(c) for c in source[1:-1].split(",") if c.strip()]
            inputs[match.group("argument")] = columns
        else:
            inputs[match.group("argument")] = unquote(source)
        position = match.end()
    return inputs


def unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def write_inputs(inputs: dict[str, str | list[str]]) -> str:
    return "; ".join(
        f"{argument} = {source}" if isinstance(source, str) else f"{argument} = [{', '.join(source)}]"
        for argument, source in inputs.items()
    )


def read_table(text: str) -> tuple[dict[str, list[float]], TableProblem | None]:
    """Columns of numbers by name from CSV text: a heading line of names, then one line per row. Commas, semicolons
    or tabs separate the cells (a decimal comma only with semicolons or tabs); blank lines are skipped. With a
    problem, the columns hold what was read before it."""
    try:
        delimiter, records = read_records(text, limit=MAX_TABLE_ROWS + 1)
    except NotCSV:
        return {}, TableProblem("table_empty")
    if len(records) < 2:
        return {}, TableProblem("table_empty")
    if len(records) - 1 > MAX_TABLE_ROWS:
        return {}, TableProblem("table_too_long", max=MAX_TABLE_ROWS)
    (_, heading), rows = records[0], records[1:]
    names = [name.strip() for name in heading]
    if any(not name for name in names):
        return {}, TableProblem("table_heading", column=names.index("") + 1)
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        return {}, TableProblem("table_duplicate", name=duplicates[0])
    columns: dict[str, list[float]] = {name: [] for name in names}
    for number, row in rows:
        if len(row) != len(names):
            return columns, TableProblem("table_ragged", line=number, cells=len(row), expected=len(names))
        values = [read_number(cell, decimal_comma=delimiter != ",") for cell in row]
        for name, cell, value in zip(names, row, values, strict=True):
            if value is None:
                return columns, TableProblem("table_number", line=number, column=name, text=cell.strip()[:40])
        for name, value in zip(names, values, strict=True):
            columns[name].append(value)
    return columns, None


def write_table(columns: dict[str, list[float]]) -> str:
    names = list(columns)
    lines = [",".join(names)]
    lines.extend(",".join(format_number(value) for value in row) for row in zip(*columns.values(), strict=True))
    return "\n".join(lines) + "\n"
