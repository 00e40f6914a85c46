"""Every sentence a user can read exists in Russian and English."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

import grader
from webapp.feedback import ANSWER_PROBLEMS, answer_problem_message

CATALOGUE = Path(__file__).resolve().parents[2] / "webapp" / "translations" / "ru" / "LC_MESSAGES" / "messages.po"


def test_the_russian_catalogue_is_complete():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="ru")
    entries = [m for m in catalogue if m.id]
    assert len(entries) > 50
    untranslated = [m.id for m in entries
                    if not (all(m.string) if isinstance(m.string, tuple) else m.string) or m.fuzzy]
    assert untranslated == []
    plural = [m for m in entries if isinstance(m.id, tuple)]
    assert plural and all(len(m.string) == 3 for m in plural)  # Russian has three plural forms


def test_every_sentence_in_the_code_is_in_the_catalogue():
    from babel.messages.extract import extract_from_dir

    root = CATALOGUE.parents[3]
    method_map = [("webapp/**.py", "python"), ("webapp/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    in_code = {message for _, _, message, _, _ in extract_from_dir(
        str(root.parent), method_map=method_map, keywords=keywords,
        options_map={"webapp/templates/**.html": {"extensions": "jinja2.ext.do"}})}
    with CATALOGUE.open("rb") as handle:
        in_catalogue = {m.id for m in read_po(handle, locale="ru") if m.id}
    assert len(in_code) > 100  # the extraction really read the sources
    missing = {m if isinstance(m, str) else tuple(m) for m in in_code} - in_catalogue
    assert not missing, f"run pybabel extract/update and translate: {sorted(map(str, missing))}"


def test_every_answer_problem_of_the_grader_has_a_sentence():
    assert set(ANSWER_PROBLEMS) == set(grader.ANSWER_ERROR_CODES)


@pytest.mark.parametrize("code", grader.ANSWER_ERROR_CODES)
def test_answer_problems_read_differently_in_russian(app, code):
    params = {"text": "abc", "length": 150, "max_length": 100}
    with app.test_request_context():
        with force_locale("en"):
            english = answer_problem_message(code, params)
        with force_locale("ru"):
            russian = answer_problem_message(code, params)
    assert english and russian and english != russian
    assert any("а" <= ch <= "я" for ch in russian.lower())
