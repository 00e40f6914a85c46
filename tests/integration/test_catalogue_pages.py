"""Every exercise of the real catalogue, synced and opened by a student: its page, its data, and no key in either.

What a page must show is read here from the exercise's own ``exercise.toml`` (title, parts, correct options), not
from the app. The keys the page must not show are the student's own variant's, as the app computes and caches them
(``services.variants.ensure_key``); the page is searched for each number written to 4 to 8 significant figures,
with a point or a comma, leaving out the student's data table, where a data value may equal a key by chance.
"""

from __future__ import annotations

import html
import re
import tomllib
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy import select

from webapp.models import CourseRole, Role, Variant
from webapp.services.courses import enrol
from webapp.services.variants import ensure_key

from ..conftest import CATALOGUE, log_in

FOLDERS = sorted(path.parent.name for path in CATALOGUE.glob("*/exercise.toml"))
LANGUAGES = ("en", "ru")


def definition_file(slug: str) -> dict[str, Any]:
    return tomllib.loads((CATALOGUE / slug / "exercise.toml").read_text(encoding="utf-8"))


class Attributes(HTMLParser):
    """Every attribute (name, value) of every tag of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.extend((name, value or "") for name, value in attrs)

    handle_startendtag = handle_starttag


def attributes(page: str) -> list[tuple[str, str]]:
    parser = Attributes()
    parser.feed(page)
    parser.close()
    return parser.found


def significant_digits(text: str) -> int:
    mantissa = re.split(r"[eE]", text)[0]
    return len(re.sub(r"[^0-9]", "", mantissa).lstrip("0"))


def spellings(value: float) -> set[str]:
    """The number written to 4..8 significant figures (with and without trailing zeros), with '.' and ','; only
    spellings that really carry 4 or more significant digits, so 0.6 is sought as 0.6000, never as 0.6."""
    found = set()
    for figures in range(4, 9):
        for spec in (f".{figures}g", f"#.{figures}g"):
            text = format(abs(value), spec).rstrip(".")
            if significant_digits(text) >= 4:
                found |= {text, text.replace(".", ",")}
    return found


def without_data_panel(page: str) -> str:
    return re.sub(r'<aside class="data-panel".*?</aside>', "", page, flags=re.S)


def test_every_folder_of_the_catalogue_syncs(synced_catalogue):
    assert len(FOLDERS) >= 20
    assert sorted(synced_catalogue) == FOLDERS


@pytest.fixture
def student_items(db_session, make_user, make_course, make_assignment):
    """One student in a course whose open assignment holds every exercise of the catalogue, by slug."""
    course = make_course()
    student = make_user(Role.STUDENT, name="Sasha")
    enrol(db_session, course, student, CourseRole.STUDENT)
    assignment = make_assignment(course, slugs=tuple(FOLDERS))
    db_session.flush()
    return student, {item.exercise.slug: item for item in assignment.items}


@pytest.mark.parametrize("slug", FOLDERS)
def test_the_exercise_page_shows_every_part_and_no_key(client, db_session, student_items, slug):
    student, items = student_items
    item = items[slug]
    spec = definition_file(slug)
    log_in(client, student)
    url = f"/items/{item.id}"

    pages = {}
    for language in LANGUAGES:
        response = client.get(url, headers={"Accept-Language": language})
        assert response.status_code == 200, (language, response.status_code)
        pages[language] = response.text
        title = re.search(r"<h1>(.*?)</h1>", response.text, re.S)
        assert title and html.unescape(title.group(1)).strip() == spec["title"][language]
        for part in spec["parts"]:
            assert re.search(rf'<(input|textarea|fieldset)\b[^>]*\b(name|id)="part_{part["name"]}"', response.text), (
                language,
                part["name"],
            )
    for language, heading in (("en", "Your answer"), ("ru", "Ваш ответ")):
        assert f'<html lang="{language}"' in pages[language]
        assert f'<h2 id="answer-heading">{heading}</h2>' in pages[language]

    # The numbers of the key: this student's variant's, as the app has computed them for the page.
    variant = db_session.scalars(
        select(Variant).where(Variant.user_id == student.id, Variant.exercise_id == item.exercise_id)
    ).one()
    key = ensure_key(db_session, variant, item.exercise.current_version)
    numeric = [part for part in spec["parts"] if part["kind"] in ("number", "vector")]
    for part in numeric:
        value = key.values[part["name"]]
        numbers = value if isinstance(value, list) else [value]
        assert numbers and all(isinstance(number, float) for number in numbers), (part["name"], value)
        for language, page in pages.items():
            searched = without_data_panel(page)
            for number in numbers:
                shown = sorted(text for text in spellings(number) if text in searched)
                assert not shown, (language, part["name"], number, shown)

    # Choices: nothing in any tag's attributes tells the correct options apart.
    correct_ids = {option for part in spec["parts"] if part["kind"] == "choice" for option in part["correct"]}
    for language, page in pages.items():
        for name, value in attributes(page):
            assert "correct" not in value.lower(), (language, name, value)
            assert name == "autocorrect" or "correct" not in name.lower(), (language, name)
            tokens = set(re.split(r"[^A-Za-z0-9_]+", value))
            assert not tokens & correct_ids, (language, name, value)


@pytest.mark.parametrize("slug", FOLDERS)
def test_the_data_download(client, student_items, slug):
    student, items = student_items
    log_in(client, student)
    response = client.get(f"/items/{items[slug].id}/data.csv")
    if "data" not in definition_file(slug):
        assert response.status_code == 404
        return
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = response.get_data(as_text=True).splitlines()
    assert len(rows) >= 2 and all(row.count(",") == rows[0].count(",") for row in rows)
    assert all(re.fullmatch(r"-?[0-9.e+-]+", cell) for row in rows[1:] for cell in row.split(","))
