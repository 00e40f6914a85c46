"""The exercise library and the editor around it: who may use them, their CSRF protection, the editor pre-filled from
each exercise of the catalogue (sent back unchanged it makes no version), and the export of an exercise's folder."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from exercises import load_exercise
from webapp.models import Exercise, ExerciseVersion, Role

from ..conftest import CATALOGUE, hidden_fields, log_in
from .authoring_helpers import EN, NEW, counts_form, form_values, key_values, send

CATALOGUE_SLUGS = sorted(folder.name for folder in CATALOGUE.iterdir() if (folder / "exercise.toml").exists())


@pytest.fixture
def teacher(app, make_user):
    client = app.test_client()
    log_in(client, make_user(Role.TEACHER, name="Arina Author"))
    return client


def version_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(ExerciseVersion))


def test_the_library_lists_every_exercise_with_its_versions(teacher, synced_catalogue):
    courses = teacher.get("/teach/", headers=EN)
    assert 'href="/teach/exercises"' in courses.text
    page = teacher.get("/teach/exercises", headers=EN)
    assert page.status_code == 200
    assert 'href="/teach/exercises/new"' in page.text
    for exercise in synced_catalogue.values():
        assert exercise.current_version.title_en in page.text
        assert f'href="/teach/exercises/{exercise.id}/edit"' in page.text
        assert f'href="/teach/exercises/{exercise.id}/export.zip"' in page.text
    assert page.text.count("from the exercise files") >= len(synced_catalogue)

    assert send(teacher, NEW, counts_form(action="save")).status_code == 302
    page = teacher.get("/teach/exercises", headers=EN)
    assert "Mutations by day" in page.text and "saved in the browser" in page.text and "Arina Author" in page.text


def test_students_are_refused_everything_and_nothing_is_made(app, classroom, db_session):
    student = app.test_client()
    log_in(student, classroom["alice"])
    exercise = classroom["item"].exercise
    for url in ("/teach/exercises", NEW, f"/teach/exercises/{exercise.id}/edit",
                f"/teach/exercises/{exercise.id}/export.zip"):
        assert student.get(url, headers=EN).status_code == 403, url
    token = hidden_fields(student.get("/", headers=EN).text)["csrf_token"]
    before = version_count(db_session)
    for url in (NEW, f"/teach/exercises/{exercise.id}/edit"):
        response = student.post(url, data={**counts_form(action="save"), "csrf_token": token}, headers=EN)
        assert response.status_code == 403
    assert version_count(db_session) == before


def test_the_editor_carries_a_csrf_token_and_refuses_a_post_without_one(teacher, db_session):
    page = teacher.get(NEW, headers=EN)
    assert 'name="csrf_token"' in page.text and 'enctype="multipart/form-data"' in page.text
    response = teacher.post(NEW, data=counts_form(action="save"), headers=EN)
    assert response.status_code == 400
    assert db_session.scalar(select(func.count()).select_from(Exercise)) == 0


def test_an_unknown_exercise_is_not_found(teacher):
    assert teacher.get("/teach/exercises/999999/edit").status_code == 404
    assert teacher.get("/teach/exercises/999999/export.zip").status_code == 404


@pytest.mark.parametrize("slug", CATALOGUE_SLUGS)
def test_each_exercise_opens_filled_in_and_sent_back_unchanged_makes_no_version(teacher, db_session,
                                                                                synced_catalogue, slug):
    exercise = synced_catalogue[slug]
    url = f"/teach/exercises/{exercise.id}/edit"
    page = teacher.get(url, headers=EN)
    assert page.status_code == 200
    shown = form_values(page.text)
    definition = exercise.current_version.parsed_definition()
    assert shown["slug"] == slug and shown["title_en"] == definition.title.en
    assert [shown[f"parts-{i}-name"] for i in range(len(definition.parts))] == [p.name for p in definition.parts]
    # The page opens with the sample's keys: every number part has one.
    numbers = [p.name for p in definition.parts if p.kind == "number"]
    assert set(numbers) <= set(key_values(page.text))

    before = version_count(db_session)
    response = send(teacher, url, {**shown, "action": "save"})
    assert response.status_code == 302, response.text
    assert "Nothing changed" in teacher.get(url, headers=EN).text
    assert version_count(db_session) == before


def unpack(data: bytes, into: Path) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted(archive.namelist())
        archive.extractall(into)
    return names


def test_the_export_is_a_folder_the_loader_reads_back_to_the_same_exercise(teacher, db_session, tmp_path):
    assert send(teacher, NEW, counts_form(action="save")).status_code == 302
    exercise = db_session.scalars(select(Exercise)).one()
    response = teacher.get(f"/teach/exercises/{exercise.id}/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert 'filename="mutation-counts.zip"' in response.headers["Content-Disposition"]
    names = unpack(response.data, tmp_path)
    assert names == ["mutation-counts/data.csv", "mutation-counts/exercise.toml", "mutation-counts/prompt.en.md",
                     "mutation-counts/prompt.ru.md"]
    loaded = load_exercise(tmp_path / "mutation-counts")
    version = exercise.current_version
    assert loaded.definition == version.parsed_definition()
    assert loaded.uuid == exercise.uuid
    assert (loaded.prompts.ru, loaded.prompts.en) == (version.prompt_ru, version.prompt_en)
    csv_lines = (tmp_path / "mutation-counts" / "data.csv").read_text(encoding="utf-8").splitlines()
    assert csv_lines[:3] == ["day,mutations", "1,2", "2,0"]


def test_a_catalogue_exercise_exports_as_its_folder_says(teacher, synced_catalogue, tmp_path):
    exercise = synced_catalogue["mse-vs-mae-outliers"]  # generated data, two named models: no data file
    names = unpack(teacher.get(f"/teach/exercises/{exercise.id}/export.zip").data, tmp_path)
    assert names == ["mse-vs-mae-outliers/exercise.toml", "mse-vs-mae-outliers/prompt.en.md",
                     "mse-vs-mae-outliers/prompt.ru.md"]
    exported = load_exercise(tmp_path / "mse-vs-mae-outliers")
    original = load_exercise(CATALOGUE / "mse-vs-mae-outliers")
    assert exported.definition == original.definition and exported.prompts == original.prompts
