"""Authoring an exercise through the editor: the preview's computed key, saving a new exercise and a new version,
every refusal at its field (in English and Russian) with what was typed kept, the rows' buttons, uploads and
generated data. Keys are checked against numbers computed here, independently of the grader."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from sqlalchemy import func, select

from webapp.models import Exercise, ExerciseVersion, Role, Submission, Variant

from ..catalogue_copies import WEATHER_STEPS
from ..conftest import log_in, submit_form
from .authoring_helpers import (
    COUNTS,
    EN,
    NEW,
    RU,
    TABLE,
    counts_form,
    field_message,
    form_values,
    key_values,
    sample_column,
    send,
)


@pytest.fixture
def teacher_user(make_user):
    return make_user(Role.TEACHER, name="Arina Author")


@pytest.fixture
def teacher(app, teacher_user):
    client = app.test_client()
    log_in(client, teacher_user)
    return client


def exercise_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Exercise))


# ----- preview and save -------------------------------------------------------------------------------------------


def test_the_preview_shows_the_key_of_the_sample_variant_and_saves_nothing(teacher, db_session):
    response = send(teacher, NEW, counts_form())
    assert response.status_code == 200, response.text
    # The data shown are the pasted table; the key is their mean, the closed-form MLE of a Poisson rate.
    assert [float(cell) for cell in sample_column(response.text, "Mutations")] == COUNTS
    assert float(key_values(response.text)["lam_hat"]) == pytest.approx(np.mean(COUNTS), rel=1e-9)
    assert "verified" in response.text and "Largest relative difference from the closed form" in response.text
    assert exercise_count(db_session) == 0


def test_saving_creates_the_exercise_with_version_1_from_the_browser(teacher, teacher_user, db_session):
    response = send(teacher, NEW, counts_form(action="save"))
    assert response.status_code == 302, response.text
    db_session.expire_all()
    exercise = db_session.scalars(select(Exercise)).one()
    assert response.headers["Location"].endswith(f"/teach/exercises/{exercise.id}/edit")
    assert exercise.slug == "mutation-counts" and re.fullmatch(r"[0-9a-f-]{36}", exercise.uuid)
    [version] = exercise.versions
    assert (version.number, version.origin, version.author_id) == (1, "web", teacher_user.id)
    assert (version.family, version.topic, version.title_en) == ("poisson", "poisson", "Mutations by day")
    assert version.prompt_en == "Find the estimate $\\hat\\lambda$."
    columns = {c["name"]: c["values"] for c in version.definition["data"]["columns"]}
    assert columns["mutations"] == COUNTS
    assert [(p.name, p.kind, p.key) for p in version.parts] == [("lam_hat", "number", "mle.lam")]

    page = teacher.get(response.headers["Location"], headers=EN)
    assert "Saved as version 1 of “Mutations by day”" in page.text
    assert form_values(page.text)["slug"] == "mutation-counts"


# ----- refusals at their fields -----------------------------------------------------------------------------------

REFUSALS = [
    pytest.param({"slug": "Mutation Counts!"}, "slug", "Use lowercase Latin letters, digits and hyphens",
                 id="bad-slug"),
    pytest.param({"title_en": ""}, "title_en", "Fill this in.", id="empty-title"),
    pytest.param({"models-0-family": "poison"}, "models-0-family", "Choose a family from the list.",
                 id="unknown-family"),
    pytest.param({"models-0-inputs": "x mutations"}, "models-0-inputs", "Write each input as argument = column",
                 id="unreadable-inputs"),
    pytest.param({"models-0-inputs": "x = mutation"}, "models-0-inputs", "There is no column “mutation” in the data",
                 id="unknown-column"),
    pytest.param({"table": "day,mutations\n1,2\n2,abc\n"}, "table",
                 "Line 3, column mutations: “abc” is not a number", id="malformed-table"),
    pytest.param({"table": "day,mutations\n1,2\n2\n"}, "table", "Line 3 has 1 cells, the first line 2.",
                 id="ragged-table"),
    pytest.param({"table": "day,mutations\n"}, "table", "at least one line of values", id="empty-table"),
    pytest.param({"parts-0-key": "mle.q"}, "parts-0-key", "the poisson model has no parameter q", id="bad-part-key"),
    pytest.param({"parts-0-key": "{ quantity = "}, "parts-0-key", "This is not valid TOML", id="unreadable-key"),
    pytest.param({"parts-0-sig_figs": "abc"}, "parts-0-sig_figs", "Type a whole number.", id="tolerance-not-whole"),
    pytest.param({"parts-0-sig_figs": "0"}, "parts-0-sig_figs", "Must be at least 1.", id="tolerance-zero"),
    pytest.param({"parts-0-rel": "2"}, "parts-0-rel", "Must be less than 1.", id="tolerance-rel-too-big"),
    pytest.param({"parts-0-name": "λ"}, "parts-0-name", "Use lowercase Latin letters, digits and underscores",
                 id="bad-part-name"),
    pytest.param({"parts-0-extras": "allow_percent = yes"}, "parts-0-extras", "This is not valid TOML",
                 id="unreadable-extras"),
    pytest.param({"parts-0-extras": "name = \"other\""}, "parts-0-extras", "Set name in its own field",
                 id="extras-take-a-field"),
    pytest.param({"table": "day,mutations\n1,0\n2,0\n"}, "data_source", "The key cannot be verified on these data",
                 id="no-mle-on-these-data"),
]


@pytest.mark.parametrize("action", ["preview", "save"])
@pytest.mark.parametrize("overrides, field, fragment", REFUSALS)
def test_a_refusal_is_shown_at_its_field_and_keeps_what_was_typed(teacher, db_session, action, overrides, field,
                                                                  fragment):
    typed = counts_form(action=action, **overrides)
    response = send(teacher, NEW, typed)
    assert response.status_code == 422, response.text
    if field == "data_source":  # the data as a whole: shown over the choice of source
        assert re.search(rf'<p id="data_source-error" class="field-error" role="alert">[^<]*{fragment}', response.text)
    else:
        message = field_message(response.text, field)
        assert message is not None and fragment in message, message
    assert "Nothing was saved." in response.text
    shown = form_values(response.text)
    for name in ("slug", "title_ru", "prompt_en", "table", "models-0-inputs", "parts-0-key", "parts-0-label_en"):
        assert shown[name].strip() == typed[name].strip(), name
    assert exercise_count(db_session) == 0


def test_a_slug_taken_by_another_exercise_is_refused(teacher, db_session, synced_catalogue):
    before = exercise_count(db_session)
    response = send(teacher, NEW, counts_form(slug="weather-15", action="save"))
    assert response.status_code == 422
    assert field_message(response.text, "slug") == "Another exercise already has the slug “weather-15”: choose another."
    assert exercise_count(db_session) == before


def test_refusals_read_in_russian(teacher, db_session):
    response = send(teacher, NEW, counts_form(slug="Счётчик", table="day;mutations\n1;2,5\n2;x\n"), headers=RU)
    assert response.status_code == 422
    assert field_message(response.text, "slug") == \
        "Пишите строчными латинскими буквами, цифрами и дефисами, например weather-15."
    assert field_message(response.text, "table").startswith("Строка 3, столбец mutations: «x» — не число")


def test_a_choice_part_names_the_wrong_setting_in_its_settings_field(teacher):
    extras = 'options = [{ id = "a", ru = "да", en = "yes" }, { id = "b", ru = "нет", en = "no" }]\ncorrect = ["c"]'
    response = send(teacher, NEW, counts_form(**{
        "parts-1-kind": "choice", "parts-1-name": "sure", "parts-1-label_ru": "Уверены?", "parts-1-label_en": "Sure?",
        "parts-1-key": "", "parts-1-sig_figs": "", "parts-1-rel": "", "parts-1-abs": "", "parts-1-weight": "",
        "parts-1-extras": extras}))
    assert response.status_code == 422
    message = field_message(response.text, "parts-1-extras")
    assert message == "correct: There is no option c; the options are a, b."
    assert field_message(response.text, "parts-0-key") is None


def test_a_key_given_to_a_choice_part_is_refused_rather_than_dropped(teacher):
    text_part = {"parts-0-kind": "text", "parts-0-extras": 'rubric = { ru = "р", en = "r" }'}
    response = send(teacher, NEW, counts_form(**text_part))
    assert response.status_code == 422
    assert field_message(response.text, "parts-0-key") == \
        "A part of kind “text” has no such setting: clear this field."


# ----- the form's buttons, uploads and generated data -------------------------------------------------------------


def test_rows_are_added_moved_and_removed_with_everything_typed_kept(teacher):
    response = send(teacher, NEW, counts_form(action="add_part", title_en="Kept"))
    assert response.status_code == 200
    shown = form_values(response.text)
    assert shown["title_en"] == "Kept" and shown["parts-0-name"] == "lam_hat"
    assert shown["parts-1-name"] == "" and shown["parts-1-kind"] == "number"
    assert "field-error" not in response.text.split("</style>", 1)[1]  # arranging rows is not checking

    response = send(teacher, NEW, {**shown, "parts-1-name": "second", "action": "up_part:1"})
    shown = form_values(response.text)
    assert (shown["parts-0-name"], shown["parts-1-name"]) == ("second", "lam_hat")
    response = send(teacher, NEW, {**shown, "action": "remove_part:0"})
    shown = form_values(response.text)
    assert shown["parts-0-name"] == "lam_hat" and "parts-1-name" not in shown


def test_the_columns_of_a_pasted_table_get_rows_to_fill_in(teacher):
    typed = {k: v for k, v in counts_form().items() if not k.startswith("columns-")}
    response = send(teacher, NEW, typed)
    assert response.status_code == 422
    shown = form_values(response.text)
    assert (shown["columns-0-name"], shown["columns-1-name"]) == ("day", "mutations")
    assert field_message(response.text, "columns-1-label_en") == "Fill this in."


def test_an_uploaded_csv_becomes_the_table(teacher):
    upload = (io.BytesIO(("\ufeff" + TABLE.replace(",", ";")).encode("utf-8")), "counts.csv")
    typed = {**counts_form(data_source="upload", table=""), "upload": upload}
    response = send(teacher, NEW, typed, content_type="multipart/form-data")
    assert response.status_code == 200, response.text
    shown = form_values(response.text)
    assert shown["data_source"] == "table" and shown["table"].splitlines()[1] == "1;2"
    assert float(key_values(response.text)["lam_hat"]) == pytest.approx(np.mean(COUNTS), rel=1e-9)


def test_an_upload_that_is_not_utf8_is_refused_at_the_file_field(teacher):
    upload = (io.BytesIO("день;мутаций\n1;2\n".encode("cp1251")), "counts.csv")
    response = send(teacher, NEW, {**counts_form(data_source="upload"), "upload": upload},
                    content_type="multipart/form-data")
    assert response.status_code == 422
    assert field_message(response.text, "upload").startswith("The file is not in UTF-8.")


def generated_form(**overrides: str) -> dict[str, str]:
    fields = {k: v for k, v in counts_form().items() if not k.startswith("columns-")}
    fields.update({
        "models-0-family": "bernoulli", "models-0-inputs": "y = answer", "data_source": "generator", "table": "",
        "generator": "bernoulli_survey", "parameters": "n = [20, 30]\np = [0.3, 0.7]",
        "columns-0-name": "respondent", "columns-0-label_ru": "Респондент", "columns-0-label_en": "Respondent",
        "columns-0-levels": "", "columns-1-name": "answer", "columns-1-label_ru": "Ответ",
        "columns-1-label_en": "Answer",
        "columns-1-levels": '[{ value = 1, ru = "да", en = "yes" }, { value = 0, ru = "нет", en = "no" }]',
        "parts-0-name": "p_hat", "parts-0-key": "mle.p",
    })
    fields.update(overrides)
    return fields


def test_generated_data_show_the_key_of_the_sample_variant(teacher):
    response = send(teacher, NEW, generated_form())
    assert response.status_code == 200, response.text
    answers = sample_column(response.text, "Answer")
    assert 20 <= len(answers) <= 30 and set(answers) <= {"yes", "no"}
    assert float(key_values(response.text)["p_hat"]) == pytest.approx(answers.count("yes") / len(answers), rel=1e-9)


@pytest.mark.parametrize("overrides, field, fragment", [
    pytest.param({"parameters": "q = 1"}, "parameters", "bernoulli_survey has no parameter “q”", id="unknown"),
    pytest.param({"parameters": "n = [40, 20]"}, "parameters", "low ≤ high", id="range-reversed"),
    pytest.param({"parameters": "n = [20"}, "parameters", "This is not valid TOML", id="unreadable"),
    pytest.param({"generator": "no_such"}, "generator", "Choose a generator from the list.", id="unknown-generator"),
    pytest.param({"columns-1-levels": "[{ value = 1 }]"}, "columns-1-levels", "levels[0].ru", id="levels"),
])
def test_generated_data_refusals(teacher, overrides, field, fragment):
    response = send(teacher, NEW, generated_form(**overrides))
    assert response.status_code == 422
    message = field_message(response.text, field)
    assert message is not None and fragment in message, message


# ----- editing ----------------------------------------------------------------------------------------------------


def test_saving_an_edit_makes_a_new_version_and_students_keep_theirs(app, classroom, db_session):
    exercise, item = classroom["item"].exercise, classroom["item"]
    alice = app.test_client()
    log_in(alice, classroom["alice"])
    assert submit_form(alice, f"/items/{item.id}", {**WEATHER_STEPS, "part_p_hat": "0.6"}).status_code == 302
    version_1 = exercise.current_version.id

    teacher = app.test_client()
    log_in(teacher, classroom["teacher"])
    url = f"/teach/exercises/{exercise.id}/edit"
    shown = form_values(teacher.get(url, headers=EN).text)
    assert shown["slug"] == "weather-15" and shown["parts-3-key"] == "mle.p"
    table = shown["table"].splitlines()
    assert table[0] == "respondent,answer" and table[2] == "2,0"
    table[2] = "2,1"  # now 10 of 15 said yes
    response = send(teacher, url, {**shown, "table": "\n".join(table), "action": "save"})
    assert response.status_code == 302, response.text

    db_session.expire_all()
    versions = db_session.scalars(select(ExerciseVersion).where(ExerciseVersion.exercise_id == exercise.id)
                                  .order_by(ExerciseVersion.number)).all()
    assert [(v.number, v.origin, v.author_id) for v in versions] == [
        (1, "files", None), (2, "web", classroom["teacher"].id)]
    submission = db_session.scalars(select(Submission)).one()
    assert submission.exercise_version_id == version_1 and submission.current_grading.score == 1.0
    variant = db_session.scalars(select(Variant).where(Variant.user_id == classroom["alice"].id)).one()
    assert variant.key_version_id == version_1  # untouched until she opens the exercise again

    assert alice.get(f"/items/{item.id}", headers=EN).status_code == 200
    db_session.expire_all()
    variant = db_session.get(Variant, variant.id)
    assert variant.key_version_id == versions[1].id
    assert variant.key["values"]["p_hat"] == pytest.approx(10 / 15)
    assert db_session.get(Submission, submission.id).exercise_version_id == version_1


def test_saving_an_unchanged_form_makes_no_version(teacher, db_session, synced_catalogue):
    exercise = synced_catalogue["weather-15"]
    url = f"/teach/exercises/{exercise.id}/edit"
    response = send(teacher, url, {**form_values(teacher.get(url, headers=EN).text), "action": "save"})
    assert response.status_code == 302
    assert "Nothing changed: version 1 stays the current one." in teacher.get(url, headers=EN).text
    assert [v.number for v in exercise.versions] == [1]
