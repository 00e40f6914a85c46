"""An exercise version as the folder ``exercises/<slug>/`` holds it, so that it can live in git: ``exercise.toml``
(written by tomli_w), ``prompt.ru.md``, ``prompt.en.md`` and, for fixed data, ``data.csv``. ``exercises.loader``
reads the folder back to an equal definition; ``data.csv`` is a copy of the table for people and spreadsheets (the
values the loader reads are those in ``exercise.toml``)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import tomli_w

from exercises.loader import DEFINITION_FILE
from exercises.schema import ExerciseDefinition, FixedData, Prompts

from ..models import ExerciseVersion
from .authoring_text import tidy, write_table

DATA_FILE = "data.csv"
# The order a part's fields are written in, as the catalogue writes them; the kind's own fields follow.
PART_ORDER = ("kind", "name", "label", "key", "tolerance", "weight")


def definition_toml(definition: ExerciseDefinition) -> str:
    """The definition as ``exercise.toml``: what differs from the format's defaults, whole numbers without ".0"."""
    dumped: dict[str, Any] = definition.model_dump(mode="json", exclude_defaults=True)
    dumped["parts"] = [
        {**{name: part[name] for name in PART_ORDER if name in part},
         **{name: value for name, value in part.items() if name not in PART_ORDER}}
        for part in dumped["parts"]
    ]
    return tomli_w.dumps(tidy(dumped))


def exercise_files(definition: ExerciseDefinition, prompts: Prompts) -> dict[str, bytes]:
    """The folder's files by name."""
    files = {
        DEFINITION_FILE: definition_toml(definition).encode("utf-8"),
        "prompt.ru.md": f"{prompts.ru}\n".encode("utf-8"),
        "prompt.en.md": f"{prompts.en}\n".encode("utf-8"),
    }
    if isinstance(definition.data, FixedData):
        table = write_table({column.name: column.values for column in definition.data.columns})
        files[DATA_FILE] = table.encode("utf-8")
    return files


def version_files(version: ExerciseVersion) -> dict[str, bytes]:
    return exercise_files(version.parsed_definition(), Prompts(ru=version.prompt_ru, en=version.prompt_en))


def export_zip(version: ExerciseVersion) -> bytes:
    """A zip holding the folder ``<slug>/`` with the version's files, to unpack into ``exercises/``."""
    slug = version.parsed_definition().slug
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in version_files(version).items():
            archive.writestr(f"{slug}/{name}", content)
    return buffer.getvalue()
