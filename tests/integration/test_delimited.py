"""Pasted and uploaded tables (rosters, exercise data): the delimiter the first line uses, blank lines skipped,
and each record with the line a person sees it on in their editor."""

from __future__ import annotations

from webapp.services.authoring_text import read_table
from webapp.services.delimited import read_records


def test_the_first_lines_delimiter_decides_and_blank_lines_keep_their_numbers():
    text = "\ufeffname;email\n\nAda Lovelace;ada@example.com\n   \nBoris Brown;boris@example.com\n"
    delimiter, records = read_records(text, limit=10)
    assert delimiter == ";"
    assert records == [
        (1, ["name", "email"]),
        (3, ["Ada Lovelace", "ada@example.com"]),
        (5, ["Boris Brown", "boris@example.com"]),
    ]


def test_tabs_win_over_commas_inside_cells_and_quoted_lines_count_once():
    text = 'x\ty\n"1,5"\t2\n"multi\nline"\t3\n4\t5\n'
    delimiter, records = read_records(text, limit=10)
    assert delimiter == "\t"
    assert [line for line, _ in records] == [1, 2, 3, 5]
    assert records[2][1] == ["multi\nline", "3"]


def test_reading_stops_one_record_past_the_limit():
    text = "".join(f"{i},{i}\n" for i in range(100))
    _, records = read_records(text, limit=5)
    assert len(records) == 6


def test_a_bad_cell_in_a_pasted_data_table_is_reported_on_the_line_the_teacher_sees():
    columns, problem = read_table("x,y\n1,2\n\n3,oops\n")
    assert columns == {"x": [1.0], "y": [2.0]}
    assert problem is not None and problem.code == "table_number"
    assert problem.params == {"line": 4, "column": "y", "text": "oops"}
