"""Exporting an exercise writes the folder format of ``exercises/``: for every exercise of the catalogue, the files
written from its definition load back (with ``exercises.loader``) to an equal definition and equal prompts; and the
authoring form's text fields, filled from a definition, read back to that same definition."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from exercises import ExerciseDefinition, exercise_folders, load_exercise
from exercises.schema import FixedData
from webapp.services.authoring_draft import build_definition, draft_from_definition
from webapp.services.authoring_export import DATA_FILE, exercise_files
from webapp.services.authoring_text import inline_toml, read_inputs, read_table, read_toml_value, write_inputs

from ..conftest import CATALOGUE

FOLDERS = exercise_folders(CATALOGUE)


def test_the_catalogue_is_all_here():
    assert len(FOLDERS) >= 20


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda folder: folder.name)
def test_an_exported_folder_loads_back_to_the_same_exercise(folder: Path, tmp_path: Path):
    original = load_exercise(folder)
    files = exercise_files(original.definition, original.prompts)
    copy = tmp_path / folder.name
    copy.mkdir()
    for name, content in files.items():
        (copy / name).write_bytes(content)
    exported = load_exercise(copy)
    assert exported.definition == original.definition
    assert exported.prompts == original.prompts
    # The definition file is TOML for people too: each part starts with its kind and name, as the catalogue's do.
    raw = tomllib.loads(files["exercise.toml"].decode("utf-8"))
    assert raw["uuid"] == original.uuid and raw["slug"] == folder.name
    assert all(list(part)[:2] == ["kind", "name"] for part in raw["parts"])
    if isinstance(original.definition.data, FixedData):
        table, problem = read_table(files[DATA_FILE].decode("utf-8"))
        assert problem is None
        assert table == {column.name: column.values for column in original.definition.data.columns}
    else:
        assert DATA_FILE not in files


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda folder: folder.name)
def test_the_form_filled_from_a_definition_reads_back_to_it(folder: Path):
    original = load_exercise(folder)
    draft = draft_from_definition(original.definition, original.prompts)
    built = build_definition(draft, original.uuid)
    assert built.problems == []
    assert ExerciseDefinition.model_validate(built.raw) == original.definition
    assert built.prompts == {"ru": original.prompts.ru, "en": original.prompts.en}


@pytest.mark.parametrize("value", [
    "mle.p", "a \"quoted\" \\ back\\slash\nnew line", 0.5, -3, 1e-12, [1, 2.5], [[1, 2], [3, 4]], [],
    {"model": "lad", "quantity": "mle.beta[1]"}, {"at": {"beta": [1, 2], "sigma": 1.5}, "quantity": "loglik_at"},
    [{"value": 1, "ru": "да", "en": "yes"}, {"value": 0, "ru": "нет", "en": "no"}],
    ["mle.beta[0]", {"model": "ols", "quantity": "mle.beta[1]"}], True,
])
def test_a_toml_value_on_one_line_reads_back(value):
    text = inline_toml(value)
    assert "\n" not in text
    assert read_toml_value(text) == value


@pytest.mark.parametrize("text, expected", [
    ("y = answer", {"y": "answer"}),
    ("X = [1, t]; y = protein", {"X": ["1", "t"], "y": "protein"}),
    ('X = ["1", "x1", "x2"]\ny = "label"', {"X": ["1", "x1", "x2"], "y": "label"}),
    ("k = heads, n = tosses", {"k": "heads", "n": "tosses"}),
    ("", {}),
])
def test_inputs_as_typed(text, expected):
    assert read_inputs(text) == expected
    assert read_inputs(write_inputs(expected)) == expected


@pytest.mark.parametrize("text", ["y answer", "y = ", "= answer", "X = [1, t", "y = answer; ;"])
def test_unreadable_inputs(text):
    assert read_inputs(text) is None


@pytest.mark.parametrize("text, expected", [
    ("a,b\n1,2\n3.5,-4\n", {"a": [1.0, 3.5], "b": [2.0, -4.0]}),
    ("a;b\r\n1,5;2\r\n\r\n3;4e-1\r\n", {"a": [1.5, 3.0], "b": [2.0, 0.4]}),
    ("\ufeffa\tb\n1\t2\n", {"a": [1.0], "b": [2.0]}),
    ("a\n\u22121\n", {"a": [-1.0]}),
])
def test_tables_as_pasted(text, expected):
    assert read_table(text) == (expected, None)


@pytest.mark.parametrize("text, code", [
    ("", "table_empty"), ("a,b\n", "table_empty"), ("a,,b\n1,2,3\n", "table_heading"),
    ("a,a\n1,2\n", "table_duplicate"),
    ("a,b\n1\n", "table_ragged"), ("a,b\n1,nan\n", "table_number"), ("a,b\n1,0,5\n", "table_ragged"),
    ("a\ninf\n", "table_number"), ("a\nyes\n", "table_number"),
])
def test_tables_that_cannot_be_read(text, code):
    _columns, problem = read_table(text)
    assert problem is not None and problem.code == code
