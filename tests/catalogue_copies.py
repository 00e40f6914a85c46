"""Copies of the example exercise ``exercises/weather-15`` in a test's own catalogue, and edits of their files.

Tests that need a catalogue other than the real one build it in the ``catalogue_root`` fixture (``tmp_path /
"exercises"``) with :func:`copy_weather`, then change what they need with :func:`edit_file`.

The copies keep only the survey's number part ``p_hat``: the real exercise also asks for the likelihood, its
logarithm and its derivative as formulas (graded in ``tests/exercises/test_catalogue_surveys.py``), while the tests
that copy it, of the format and of syncing, are about one part. Tests that answer the real survey in the web app
send :data:`WEATHER_STEPS` along with their estimate.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

from .conftest import CATALOGUE

WEATHER = CATALOGUE / "weather-15"
# Read from the file, so that the tests follow the example exercise if its UUID ever changes.
WEATHER_UUID: str = tomllib.loads((WEATHER / "exercise.toml").read_text(encoding="utf-8"))["uuid"]
# The real survey's guided steps answered right, as form fields (9 "yes" of 15: L(p) = p^9 (1-p)^6).
WEATHER_STEPS = {"part_likelihood": "p^9*(1-p)^6", "part_loglik": "9*ln(p) + 6*ln(1-p)",
                 "part_score": "9/p - 6/(1-p)"}


def edit_file(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in the file by ``new``; the edit must apply."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"the edit does not apply: {old!r} is not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def copy_weather(root: Path, *edits: tuple[str, str], slug: str = WEATHER.name, uuid: str = WEATHER_UUID) -> Path:
    """A copy of the weather survey in ``root/slug``, its only part ``p_hat``, with that slug and UUID and the
    ``(old, new)`` text edits applied in turn to its ``exercise.toml``."""
    folder = root / slug
    shutil.copytree(WEATHER, folder)
    toml = folder / "exercise.toml"
    toml.write_text(only_the_estimate(toml.read_text(encoding="utf-8")), encoding="utf-8")
    if slug != WEATHER.name:
        edit_file(toml, f'slug = "{WEATHER.name}"', f'slug = "{slug}"')
    if uuid != WEATHER_UUID:
        edit_file(toml, WEATHER_UUID, uuid)
    for old, new in edits:
        edit_file(toml, old, new)
    return folder


def only_the_estimate(toml: str) -> str:
    """The definition's text without its ``[[parts]]`` tables other than the one named ``p_hat``."""
    head, *parts = toml.split("[[parts]]\n")
    kept = [part for part in parts if 'name = "p_hat"' in part]
    assert len(kept) == 1, "the weather survey has one part named p_hat"
    return head + "".join(f"[[parts]]\n{part}" for part in kept)
