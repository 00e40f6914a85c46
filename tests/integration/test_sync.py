"""Syncing the catalogue into the database: upsert by UUID, versions on change, invalid files left alone, archiving.

Each test builds its own catalogue in ``tmp_path / "exercises"`` from copies of ``exercises/weather-15``.
"""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from exercises import Problem
from webapp.models import Exercise, ExercisePart, ExerciseVersion, Submission
from webapp.services.sync import sync_exercises

from ..catalogue_copies import WEATHER, WEATHER_STEPS, WEATHER_UUID, copy_weather, edit_file
from ..conftest import log_in, submit_form

OTHER_UUID = "0f5c3a52-7d1e-4d7b-9a4e-2b8f1c6d9e01"
THIRD_UUID = "a4e1b9c2-3f60-4b8a-8d2e-7c5f0a1b2c3d"
ANSWERS_LINE = "values = [1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1]"
TEN_OF_FIFTEEN = "values = [1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1]"


def exercise_by_uuid(db_session, uuid: str) -> Exercise | None:
    return db_session.scalar(select(Exercise).where(Exercise.uuid == uuid))


def version_numbers(db_session, exercise: Exercise) -> list[int]:
    return list(db_session.scalars(select(ExerciseVersion.number).where(ExerciseVersion.exercise_id == exercise.id)
                                   .order_by(ExerciseVersion.number)))


def version_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(ExerciseVersion))


# ----- creating and versioning -----------------------------------------------------------------------------------

def test_first_sync_creates_version_1_with_its_parts(db_session, catalogue_root):
    copy_weather(catalogue_root)
    report = sync_exercises(db_session, catalogue_root)
    assert report.ok, report.problems
    assert report.created == ["weather-15"]
    assert report.new_versions == report.unchanged == report.archived == report.restored == []

    db_session.expire_all()  # read back what was written, not the objects the sync built
    exercise = exercise_by_uuid(db_session, WEATHER_UUID)
    assert exercise.slug == "weather-15" and exercise.archived_at is None
    [version] = exercise.versions
    assert version.number == 1
    assert version.title_en == "Weather survey: 15 passers-by"
    assert version.title_ru == "Опрос о погоде: 15 прохожих"
    assert (version.family, version.topic) == ("bernoulli", "bernoulli")
    assert version.prompt_en == (WEATHER / "prompt.en.md").read_text(encoding="utf-8").strip()
    assert version.prompt_ru == (WEATHER / "prompt.ru.md").read_text(encoding="utf-8").strip()
    assert len(version.content_hash) == 64
    answers = next(c for c in version.definition["data"]["columns"] if c["name"] == "answer")
    assert sum(answers["values"]) == 9 and len(answers["values"]) == 15

    [part] = version.parts
    assert (part.position, part.name, part.kind, part.key) == (0, "p_hat", "number", "mle.p")
    assert part.settings == {"allow_percent": True}
    assert part.tolerance["sig_figs"] == 3
    assert part.weight == 1.0
    assert part.label_en == "Step 4. The maximum-likelihood estimate $\\hat p$"


def test_a_second_sync_without_changes_makes_no_version(db_session, catalogue_root):
    copy_weather(catalogue_root)
    sync_exercises(db_session, catalogue_root)
    versions_before = version_count(db_session)

    report = sync_exercises(db_session, catalogue_root)
    assert report.ok
    assert report.unchanged == ["weather-15"]
    assert report.created == report.new_versions == report.archived == report.restored == []
    assert version_count(db_session) == versions_before == 1


@pytest.mark.parametrize("file, old, new", [
    pytest.param("exercise.toml", "# The homework survey", "# Edited comment. The homework survey", id="comment"),
    pytest.param("prompt.en.md", "The next day", "\n\n  The next day", id="blank-lines-around-the-prompt"),
    pytest.param("exercise.toml", f'uuid = "{WEATHER_UUID}"', f'uuid = "{WEATHER_UUID.upper()}"', id="uuid-case"),
])
def test_changes_that_do_not_change_the_content_make_no_version(db_session, catalogue_root, file, old, new):
    folder = copy_weather(catalogue_root)
    sync_exercises(db_session, catalogue_root)
    edit_file(folder / file, old, new)
    report = sync_exercises(db_session, catalogue_root)
    assert report.unchanged == ["weather-15"] and report.new_versions == []
    assert version_count(db_session) == 1


@pytest.mark.parametrize("file, old, new", [
    pytest.param("prompt.en.md", "Find the **maximum-likelihood estimate**", "Compute the **MLE**", id="prompt-en"),
    pytest.param("prompt.ru.md", "Найдите", "Вычислите", id="prompt-ru"),
    pytest.param("exercise.toml", ANSWERS_LINE, TEN_OF_FIFTEEN, id="data"),
    pytest.param("exercise.toml", "sig_figs = 3", "sig_figs = 4", id="tolerance"),
    pytest.param("exercise.toml", 'en = "Weather survey: 15 passers-by"', 'en = "Weather survey"', id="title"),
])
def test_an_edit_makes_version_2_and_keeps_version_1(db_session, catalogue_root, file, old, new):
    folder = copy_weather(catalogue_root)
    sync_exercises(db_session, catalogue_root)
    exercise = exercise_by_uuid(db_session, WEATHER_UUID)
    first = exercise.current_version
    first_id, first_hash, first_definition = first.id, first.content_hash, first.definition
    first_prompt = first.prompt_en

    edit_file(folder / file, old, new)
    report = sync_exercises(db_session, catalogue_root)
    assert report.ok, report.problems
    assert report.new_versions == ["weather-15"]
    assert report.created == report.unchanged == []

    db_session.expire_all()
    exercise = exercise_by_uuid(db_session, WEATHER_UUID)
    assert version_numbers(db_session, exercise) == [1, 2]
    old_version, new_version = exercise.versions
    assert old_version.id == first_id
    assert (old_version.content_hash, old_version.definition, old_version.prompt_en) == (
        first_hash, first_definition, first_prompt)
    assert new_version.content_hash != first_hash
    assert exercise.current_version.id == new_version.id
    # Each version has its own part rows.
    assert [p.name for p in old_version.parts] == [p.name for p in new_version.parts] == ["p_hat"]
    assert old_version.parts[0].id != new_version.parts[0].id
    if file == "exercise.toml" and "sig_figs" in old:
        assert (old_version.parts[0].tolerance["sig_figs"], new_version.parts[0].tolerance["sig_figs"]) == (3, 4)

    assert sync_exercises(db_session, catalogue_root).unchanged == ["weather-15"]
    assert version_numbers(db_session, exercise) == [1, 2]


def test_a_submission_keeps_pointing_at_the_version_it_answered(client, classroom, db_session, catalogue_root):
    # classroom synced the real catalogue: weather-15 is at version 1, its guided steps before p_hat.
    exercise = exercise_by_uuid(db_session, WEATHER_UUID)
    item_url = f"/items/{classroom['item'].id}"
    log_in(client, classroom["alice"])
    assert submit_form(client, item_url, {**WEATHER_STEPS, "part_p_hat": "0.6"}).status_code == 302
    first = db_session.scalars(select(Submission)).one()
    version_1 = first.exercise_version_id
    assert db_session.get(ExerciseVersion, version_1).number == 1

    folder = copy_weather(catalogue_root)
    edit_file(folder / "exercise.toml", ANSWERS_LINE, TEN_OF_FIFTEEN)  # now 10 of 15 said "yes"
    report = sync_exercises(db_session, catalogue_root)
    assert report.new_versions == ["weather-15"], report

    db_session.expire_all()
    first = db_session.get(Submission, first.id)
    assert first.exercise_version_id == version_1
    assert first.exercise_version.number == 1
    assert first.current_grading.score == 1.0
    assert version_numbers(db_session, exercise) == [1, 2]

    # A new answer is graded against version 2 (the copy: p_hat alone) and its data: 10/15, no longer 0.6.
    assert submit_form(client, item_url, {"part_p_hat": "2/3"}).status_code == 302
    second = db_session.scalars(select(Submission).where(Submission.id != first.id)).one()
    assert second.exercise_version.number == 2 and second.exercise_version.exercise_id == exercise.id
    assert second.current_grading.score == 1.0
    assert db_session.get(Submission, first.id).exercise_version_id == version_1


# ----- invalid files ---------------------------------------------------------------------------------------------

BREAKAGES = [
    pytest.param("exercise.toml", "sig_figs = 3", 'sig_figs = "abc"',
                 "exercises/weather-15/exercise.toml", "parts[0].tolerance.sig_figs", "expected a whole number",
                 id="schema"),
    pytest.param("exercise.toml", 'slug = "weather-15"', 'slug = "weather-15', "exercises/weather-15/exercise.toml",
                 None, "not valid TOML", id="toml-syntax"),
    pytest.param("exercise.toml", 'family = "bernoulli"', 'family = "bernouli"',
                 "exercises/weather-15/exercise.toml", "model.family", "unknown family 'bernouli'", id="family"),
    pytest.param("exercise.toml", ANSWERS_LINE, "values = [" + ", ".join(["1"] * 15) + "]",
                 "exercises/weather-15/exercise.toml", "data", "boundary", id="boundary-data"),
    pytest.param("exercise.toml", WEATHER_UUID, "not-a-uuid", "exercises/weather-15/exercise.toml", "uuid",
                 "expected a UUID", id="uuid"),
    pytest.param("prompt.ru.md", None, "", "exercises/weather-15/prompt.ru.md", None, "the prompt is empty",
                 id="empty-prompt"),
]


@pytest.mark.parametrize("file, old, new, problem_file, problem_field, fragment", BREAKAGES)
def test_an_invalid_file_is_reported_and_its_row_left_alone(db_session, catalogue_root, file, old, new,
                                                                      problem_file, problem_field, fragment):
    broken = copy_weather(catalogue_root)
    other = copy_weather(catalogue_root, slug="weather-16", uuid=OTHER_UUID)
    sync_exercises(db_session, catalogue_root)
    exercise = exercise_by_uuid(db_session, WEATHER_UUID)
    version_ids = [v.id for v in exercise.versions]

    if old is None:
        (broken / file).write_text(new, encoding="utf-8")
    else:
        edit_file(broken / file, old, new)
    # ... and, in the same run, a valid change to another exercise.
    edit_file(other / "prompt.en.md", "Find the", "Now find the")
    report = sync_exercises(db_session, catalogue_root)

    assert not report.ok
    [problem] = report.problems
    assert (problem.file, problem.field) == (problem_file, problem_field)
    assert fragment in problem.message
    assert report.new_versions == ["weather-16"]
    assert "weather-15" not in report.created + report.unchanged + report.archived + report.restored

    db_session.expire_all()
    exercise = exercise_by_uuid(db_session, WEATHER_UUID)
    assert exercise.archived_at is None and exercise.slug == "weather-15"
    assert [v.id for v in exercise.versions] == version_ids
    assert version_numbers(db_session, exercise_by_uuid(db_session, OTHER_UUID)) == [1, 2]


def test_an_invalid_new_file_creates_nothing_while_valid_ones_sync(db_session, catalogue_root):
    copy_weather(catalogue_root, slug="weather-16", uuid=OTHER_UUID)
    broken = copy_weather(catalogue_root)
    edit_file(broken / "exercise.toml", 'key = "mle.p"', 'key = "mle.q"')
    report = sync_exercises(db_session, catalogue_root)
    assert report.created == ["weather-16"]
    assert [(p.file, p.field) for p in report.problems] == [("exercises/weather-15/exercise.toml", "parts[0].key")]
    assert exercise_by_uuid(db_session, WEATHER_UUID) is None
    assert db_session.scalar(select(func.count()).select_from(Exercise)) == 1


def test_all_problems_of_all_files_are_reported(db_session, catalogue_root):
    first = copy_weather(catalogue_root)
    second = copy_weather(catalogue_root, slug="weather-16", uuid=OTHER_UUID)
    edit_file(first / "exercise.toml", "sig_figs = 3", 'sig_figs = "abc"')
    edit_file(first / "exercise.toml", 'en = "Weather survey: 15 passers-by"\n', "")
    (second / "prompt.en.md").unlink()
    report = sync_exercises(db_session, catalogue_root)
    assert sorted((p.file, p.field) for p in report.problems) == [
        ("exercises/weather-15/exercise.toml", "parts[0].tolerance.sig_figs"),
        ("exercises/weather-15/exercise.toml", "title.en"),
        ("exercises/weather-16/prompt.en.md", None),
    ]
    assert db_session.scalar(select(func.count()).select_from(Exercise)) == 0


# ----- archiving -------------------------------------------------------------------------------------------------

def test_a_vanished_folder_archives_its_exercise_and_its_return_restores_it(db_session, catalogue_root):
    copy_weather(catalogue_root)
    leaving = copy_weather(catalogue_root, slug="weather-16", uuid=OTHER_UUID)
    sync_exercises(db_session, catalogue_root)
    shutil.rmtree(leaving)

    report = sync_exercises(db_session, catalogue_root)
    assert report.ok
    assert report.archived == ["weather-16"] and report.unchanged == ["weather-15"]
    db_session.expire_all()
    archived = exercise_by_uuid(db_session, OTHER_UUID)
    assert archived is not None and archived.archived_at is not None
    assert version_numbers(db_session, archived) == [1]
    assert db_session.scalar(select(func.count()).select_from(ExercisePart)
                             .join(ExerciseVersion).where(ExerciseVersion.exercise_id == archived.id)) == 1
    assert exercise_by_uuid(db_session, WEATHER_UUID).archived_at is None

    # Archived once: a further sync does not report it again.
    assert sync_exercises(db_session, catalogue_root).archived == []

    copy_weather(catalogue_root, slug="weather-16", uuid=OTHER_UUID)
    report = sync_exercises(db_session, catalogue_root)
    assert report.restored == ["weather-16"]
    assert sorted(report.unchanged) == ["weather-15", "weather-16"]
    assert report.archived == report.new_versions == []
    db_session.expire_all()
    restored = exercise_by_uuid(db_session, OTHER_UUID)
    assert restored.archived_at is None and restored.id == archived.id
    assert version_numbers(db_session, restored) == [1]


def test_an_exercise_that_returns_changed_is_restored_with_a_new_version(db_session, catalogue_root):
    folder = copy_weather(catalogue_root)
    sync_exercises(db_session, catalogue_root)
    shutil.rmtree(folder)
    assert sync_exercises(db_session, catalogue_root).archived == ["weather-15"]

    folder = copy_weather(catalogue_root)
    edit_file(folder / "prompt.en.md", "Find the", "Now find the")
    report = sync_exercises(db_session, catalogue_root)
    assert (report.restored, report.new_versions) == (["weather-15"], ["weather-15"])
    exercise = exercise_by_uuid(db_session, WEATHER_UUID)
    assert exercise.archived_at is None and version_numbers(db_session, exercise) == [1, 2]


def test_a_renamed_folder_keeps_its_identity(db_session, catalogue_root):
    folder = copy_weather(catalogue_root)
    sync_exercises(db_session, catalogue_root)
    exercise_id = exercise_by_uuid(db_session, WEATHER_UUID).id
    renamed = catalogue_root / "weather-survey"
    folder.rename(renamed)
    edit_file(renamed / "exercise.toml", 'slug = "weather-15"', 'slug = "weather-survey"')

    report = sync_exercises(db_session, catalogue_root)
    assert report.ok and report.archived == [] and report.created == []
    assert report.new_versions == ["weather-survey"]  # the slug is part of the stored definition
    exercise = exercise_by_uuid(db_session, WEATHER_UUID)
    assert (exercise.id, exercise.slug, exercise.archived_at) == (exercise_id, "weather-survey", None)
    assert version_numbers(db_session, exercise) == [1, 2]


# ----- identity conflicts ----------------------------------------------------------------------------------------

def test_two_folders_with_one_uuid_the_second_is_reported(db_session, catalogue_root):
    copy_weather(catalogue_root)
    copy_weather(catalogue_root, slug="weather-16")  # a copy whose UUID was not changed
    report = sync_exercises(db_session, catalogue_root)
    assert report.created == ["weather-15"]
    assert report.problems == [Problem("exercises/weather-16/exercise.toml", "uuid",
                                       f"{WEATHER_UUID} is already used by another exercise folder")]
    assert db_session.scalars(select(Exercise.slug)).all() == ["weather-15"]


def test_a_folder_that_takes_another_uuid_leaves_its_own_row_alone(db_session, catalogue_root):
    copy_weather(catalogue_root)
    copy = copy_weather(catalogue_root, slug="weather-16", uuid=OTHER_UUID)
    sync_exercises(db_session, catalogue_root)
    edit_file(copy / "exercise.toml", OTHER_UUID, WEATHER_UUID)  # pasted from weather-15 by mistake

    report = sync_exercises(db_session, catalogue_root)
    assert [(p.file, p.field) for p in report.problems] == [("exercises/weather-16/exercise.toml", "uuid")]
    assert report.archived == []
    other = exercise_by_uuid(db_session, OTHER_UUID)
    assert other.archived_at is None and other.slug == "weather-16"
    assert version_numbers(db_session, other) == [1]


def test_a_slug_taken_by_another_uuid_is_reported(db_session, catalogue_root):
    folder = copy_weather(catalogue_root)
    sync_exercises(db_session, catalogue_root)
    edit_file(folder / "exercise.toml", WEATHER_UUID, THIRD_UUID)  # a new UUID for an existing slug

    report = sync_exercises(db_session, catalogue_root)
    assert report.problems == [Problem("exercises/weather-15/exercise.toml", "slug",
                                       f"'weather-15' already belongs to exercise {WEATHER_UUID}")]
    assert report.created == []
    assert exercise_by_uuid(db_session, THIRD_UUID) is None
    # The reported folder's row is left as it was, not archived.
    assert report.archived == []
    existing = exercise_by_uuid(db_session, WEATHER_UUID)
    assert existing.archived_at is None and version_numbers(db_session, existing) == [1]


def test_a_slug_of_an_archived_exercise_is_still_taken(db_session, catalogue_root):
    folder = copy_weather(catalogue_root)
    sync_exercises(db_session, catalogue_root)
    shutil.rmtree(folder)
    sync_exercises(db_session, catalogue_root)
    copy_weather(catalogue_root, uuid=THIRD_UUID)

    report = sync_exercises(db_session, catalogue_root)
    assert [(p.file, p.field) for p in report.problems] == [("exercises/weather-15/exercise.toml", "slug")]
    assert exercise_by_uuid(db_session, THIRD_UUID) is None
    assert exercise_by_uuid(db_session, WEATHER_UUID).archived_at is not None
