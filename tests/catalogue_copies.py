"""Copies of the example exercise ``exercises/weather-15`` in a test's own catalogue, and edits of their files.

Tests that need a catalogue other than the real one build it in the ``catalogue_root`` fixture (``tmp_path /
"exercises"``) with :func:`copy_weather`, then change what they need with :func:`edit_file`.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

from .conftest import CATALOGUE

WEATHER = CATALOGUE / "weather-15"
# Read from the file, so that the tests follow the example exercise if its UUID ever changes.
WEATHER_UUID: str = tomllib.loads((WEATHER / "exercise.toml").read_text(encoding="utf-8"))["uuid"]


def edit_file(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in the file by ``new``; the edit must apply."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"the edit does not apply: {old!r} is not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def copy_weather(root: Path, *edits: tuple[str, str], slug: str = WEATHER.name, uuid: str = WEATHER_UUID) -> Path:
    """A copy of the weather survey in ``root/slug``, with that slug and UUID and the ``(old, new)`` text edits
    applied in turn to its ``exercise.toml``."""
    folder = root / slug
    shutil.copytree(WEATHER, folder)
    toml = folder / "exercise.toml"
    if slug != WEATHER.name:
        edit_file(toml, f'slug = "{WEATHER.name}"', f'slug = "{slug}"')
    if uuid != WEATHER_UUID:
        edit_file(toml, WEATHER_UUID, uuid)
    for old, new in edits:
        edit_file(toml, old, new)
    return folder
