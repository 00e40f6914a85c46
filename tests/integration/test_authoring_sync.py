"""Sync and the versions teachers save in the browser: a folder unchanged since it was last synced keeps the web
version current ("kept the web version"); a changed folder wins (files in git are the source) and the report says
which web version it replaced; an exercise made in the browser has no folder and is not archived for it."""

from __future__ import annotations

from sqlalchemy import select

from webapp.models import Exercise, Role
from webapp.services.authoring import draft_of, save_draft
from webapp.services.authoring_draft import ColumnDraft, ExerciseDraft, ModelDraft, PartDraft
from webapp.services.authoring_export import version_files
from webapp.services.sync import sync_exercises

from ..catalogue_copies import WEATHER_UUID, copy_weather, edit_file
from .authoring_helpers import counts_form


def weather(db_session) -> Exercise:
    return db_session.scalar(select(Exercise).where(Exercise.uuid == WEATHER_UUID))


def history(exercise: Exercise) -> list[tuple[int, str]]:
    return [(version.number, version.origin) for version in exercise.versions]


def save_title(db_session, exercise: Exercise, author, title: str):
    draft = draft_of(exercise.current_version)
    draft.title_en = title
    return save_draft(db_session, draft, exercise, author)


def test_an_unchanged_folder_keeps_the_web_version_and_a_changed_one_replaces_it(db_session, catalogue_root,
                                                                                 make_user):
    teacher = make_user(Role.TEACHER)
    folder = copy_weather(catalogue_root)
    sync_exercises(db_session, catalogue_root)
    saved = save_title(db_session, weather(db_session), teacher, "Weather survey, edited in the browser")
    assert saved.changed and saved.version.number == 2

    report = sync_exercises(db_session, catalogue_root)
    assert report.ok and report.kept_web == ["weather-15"]
    assert report.unchanged == report.new_versions == report.replaced_web == report.archived == []
    db_session.expire_all()
    exercise = weather(db_session)
    assert history(exercise) == [(1, "files"), (2, "web")]
    assert exercise.current_version.title_en == "Weather survey, edited in the browser"

    # The folder changes in git: its version wins, and the report names the web version it replaced.
    edit_file(folder / "prompt.en.md", "Find the", "Now find the")
    report = sync_exercises(db_session, catalogue_root)
    assert report.ok and report.new_versions == ["weather-15"] and report.replaced_web == ["weather-15"]
    assert report.kept_web == []
    db_session.expire_all()
    exercise = weather(db_session)
    assert history(exercise) == [(1, "files"), (2, "web"), (3, "files")]
    assert exercise.current_version.title_en == "Weather survey: 15 passers-by"
    assert exercise.versions[1].title_en == "Weather survey, edited in the browser"  # kept in the history

    # A later web edit is again kept while the folder stays as it is now.
    save_title(db_session, exercise, teacher, "Edited again")
    report = sync_exercises(db_session, catalogue_root)
    assert report.kept_web == ["weather-15"] and report.new_versions == []
    assert history(weather(db_session))[-1] == (4, "web")


def test_a_web_rename_survives_a_sync_of_the_unchanged_folder(db_session, catalogue_root, make_user):
    copy_weather(catalogue_root)
    sync_exercises(db_session, catalogue_root)
    exercise = weather(db_session)
    draft = draft_of(exercise.current_version)
    draft.slug = "weather-survey-15"
    save_draft(db_session, draft, exercise, make_user(Role.TEACHER))
    report = sync_exercises(db_session, catalogue_root)
    assert report.ok and report.kept_web == ["weather-survey-15"]
    db_session.expire_all()
    assert weather(db_session).slug == "weather-survey-15"


def test_an_exercise_made_in_the_browser_is_not_archived_for_having_no_folder(db_session, catalogue_root,
                                                                               make_user):
    copy_weather(catalogue_root)
    form = counts_form()
    draft = ExerciseDraft(
        slug="mutation-counts", topic="poisson", title_ru="Мутации", title_en="Mutations", prompt_ru="Найдите λ.",
        prompt_en="Find λ.", models=[ModelDraft(family="poisson", inputs="x = mutations")], data_source="table",
        table=form["table"],
        columns=[ColumnDraft("day", "День", "Day"), ColumnDraft("mutations", "Мутаций", "Mutations")],
        parts=[PartDraft(name="lam_hat", label_ru="λ", label_en="λ", key="mle.lam")],
    )
    made = save_draft(db_session, draft, None, make_user(Role.TEACHER)).exercise
    report = sync_exercises(db_session, catalogue_root)
    assert report.ok and report.archived == [] and report.kept_web == ["mutation-counts"]
    db_session.expire_all()
    assert db_session.get(Exercise, made.id).archived_at is None


def test_the_exported_folder_syncs_as_unchanged(db_session, catalogue_root, make_user):
    """A web version exported into the catalogue (committed to git) is the same content: no new version."""
    copy_weather(catalogue_root)
    sync_exercises(db_session, catalogue_root)
    saved = save_title(db_session, weather(db_session), make_user(Role.TEACHER), "Exported from the browser")
    folder = catalogue_root / "weather-15"
    for name, content in version_files(saved.version).items():
        (folder / name).write_bytes(content)
    report = sync_exercises(db_session, catalogue_root)
    assert report.ok and report.unchanged == ["weather-15"] and report.new_versions == []
    assert history(weather(db_session)) == [(1, "files"), (2, "web")]


def test_the_sync_command_says_which_web_versions_it_kept_and_which_it_replaced(app, db_session, catalogue_root,
                                                                               make_user):
    runner = app.test_cli_runner()
    folder = copy_weather(catalogue_root)
    assert runner.invoke(args=["exercises", "sync", "--path", str(catalogue_root)]).exit_code == 0
    save_title(db_session, weather(db_session), make_user(Role.TEACHER), "Edited in the browser")
    db_session.commit()

    kept = runner.invoke(args=["exercises", "sync", "--path", str(catalogue_root)])
    assert kept.exit_code == 0, kept.output
    assert kept.stdout.strip() == "kept the version saved in the browser: weather-15"

    edit_file(folder / "prompt.en.md", "Find the", "Now find the")
    replaced = runner.invoke(args=["exercises", "sync", "--path", str(catalogue_root)])
    assert replaced.exit_code == 0, replaced.output
    assert replaced.stdout.strip().splitlines() == [
        "new version: weather-15",
        "folder changed: replaced the version saved in the browser: weather-15",
    ]
