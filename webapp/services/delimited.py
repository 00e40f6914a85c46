"""Tables that teachers paste or upload (a roster, an exercise's data): CSV text whose delimiter is the one the
first non-blank line uses (a tab, a semicolon or a comma), read by the csv module."""

from __future__ import annotations

import csv
import io

DELIMITERS = ("\t", ";", ",")


class NotCSV(ValueError):
    """The text cannot be read as CSV (a NUL byte, say: a binary file given as a list)."""


def read_records(text: str, *, limit: int) -> tuple[str, list[tuple[int, list[str]]]]:
    """The delimiter, and the non-blank records with the line each starts on; at most ``limit`` + 1 records are
    read, so that a caller can tell a text that is too long without reading all of it."""
    text = text.removeprefix("\ufeff")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    try:
        delimiter = next(
            (d for d in DELIMITERS if len(next(csv.reader([first_line], delimiter=d), [])) >= 2), ","
        )
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        records = []
        line = 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                records.append((line, cells))
                if len(records) > limit:
                    break
            line = reader.line_num + 1
    except csv.Error:
        raise NotCSV from None
    return delimiter, records
