"""A choice posts the chosen options' positions in the order shown, never the authors' option ids.

The exercise is the real catalogue's theory item 44, whose option ids name their meaning ("minus_1386" is the right
value of a log-likelihood). Which position holds which option is read off the page as a person would, by the
option's text (the ``exercise.toml``'s text in the page's language, its ``$`` math delimiters dropped, is what
the page shows); which options are right is read from the same file.
"""

from __future__ import annotations

import html
import re
import shutil
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from webapp.models import Assignment, AssignmentItem, CourseRole, Exercise, Role, Submission, utcnow
from webapp.services.courses import enrol
from webapp.services.sync import sync_exercises

from ..catalogue_copies import edit_file
from ..conftest import CATALOGUE, log_in

SLUG = "theory-44-why-take-the-log"
SPEC = tomllib.loads((CATALOGUE / SLUG / "exercise.toml").read_text(encoding="utf-8"))
PARTS = {part["name"]: part for part in SPEC["parts"]}
CHOICES = [name for name, part in PARTS.items() if part["kind"] == "choice"]
ALL_IDS = {option["id"] for name in CHOICES for option in PARTS[name]["options"]}
EN = {"Accept-Language": "en"}
HIDDEN = re.compile(r'<input[^>]*\btype="hidden"[^>]*>')


def visible(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def shown_options(page: str, name: str, parts=PARTS) -> list[tuple[str, str]]:
    """(value posted, option id) of each option of a choice part, in the order the page shows them."""
    by_text = {
        " ".join(option[language].replace("$", "").split()): option["id"]
        for option in parts[name]["options"]
        for language in ("en", "ru")
    }
    found = re.findall(
        rf'<label class="choice-option" for="part_{name}-\d+">\s*<input ([^>]*)>\s*<span>(.*?)</span>'
        r"\s*</label>",
        page,
        re.S,
    )
    assert len(found) == len(parts[name]["options"]), name
    return [(re.search(r'\bvalue="([^"]*)"', attrs).group(1), by_text[visible(text)]) for attrs, text in found]


def positions(page: str, name: str, ids: list[str], parts=PARTS) -> list[str]:
    values = {option_id: value for value, option_id in shown_options(page, name, parts)}
    return [values[option_id] for option_id in ids]


def wrong_ids(name: str) -> list[str]:
    return [option["id"] for option in PARTS[name]["options"] if option["id"] not in PARTS[name]["correct"]]


def every_hidden_field(page: str) -> dict[str, str]:
    """What a browser sends of the form's hidden inputs (CSRF, one-time token, the version shown)."""
    fields = {}
    for tag in HIDDEN.findall(page):
        name, value = re.search(r'\bname="([^"]*)"', tag), re.search(r'\bvalue="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


@pytest.fixture
def theory(client, db_session, make_user, make_course, make_assignment):
    course = make_course()
    student = make_user(Role.STUDENT, name="Pavel")
    enrol(db_session, course, student, CourseRole.STUDENT)
    assignment = make_assignment(course, slugs=(SLUG,))
    db_session.flush()
    log_in(client, student)
    return {"student": student, "url": f"/items/{assignment.items[0].id}"}


def send(client, url: str, choose, headers=EN):
    """Open the page, then send its form with the options ``choose(page)`` gives, by field name."""
    page = client.get(url, headers=headers)
    assert page.status_code == 200
    data = {**every_hidden_field(page.text), "part_other_transform": "It keeps the maximum but not the sum."}
    return client.post(url, data={**data, **choose(page.text)}, headers=headers)


def submissions(db_session, student) -> list[Submission]:
    return list(
        db_session.scalars(select(Submission).where(Submission.user_id == student.id).order_by(Submission.attempt_no))
    )


def right_positions(page: str, parts=PARTS) -> dict[str, object]:
    chosen = {f"part_{name}": positions(page, name, parts[name]["correct"], parts) for name in CHOICES}
    return {
        field: values if PARTS[field.removeprefix("part_")].get("multiple") else values[0]
        for field, values in chosen.items()
    }


def test_options_post_their_positions_and_no_option_id_is_in_the_page(client, theory):
    for headers in (EN, {"Accept-Language": "ru"}):
        page = client.get(theory["url"], headers=headers).text
        for name in CHOICES:
            values = re.findall(rf'<input[^>]*\bname="part_{name}"[^>]*\bvalue="([^"]*)"', page)
            assert values == [str(i) for i in range(len(PARTS[name]["options"]))]
        assert ALL_IDS.isdisjoint(re.findall(r'\bvalue="([^"]*)"', page))
        assert not any(option_id in page for option_id in ALL_IDS if "_" in option_id)  # e.g. minus_1386
    # Each position is one option of the exercise, every option once.
    page = client.get(theory["url"], headers=EN).text
    for name in CHOICES:
        assert sorted(option_id for _, option_id in shown_options(page, name)) == sorted(
            option["id"] for option in PARTS[name]["options"]
        )


def test_the_right_positions_are_graded_correct(client, db_session, theory):
    response = send(client, theory["url"], right_positions)
    assert response.status_code == 302
    [submission] = submissions(db_session, theory["student"])
    verdicts = submission.current_grading.verdicts
    for name in CHOICES:
        assert verdicts[name]["correct"] is True and verdicts[name]["score"] == 1, name
        assert submission.parsed_answers[name] == sorted(PARTS[name]["correct"])
        # Stored as the ids read, so the answer can be read again without the variant's order.
        assert set(submission.raw_answers[name].split(",")) == set(PARTS[name]["correct"])
    assert verdicts["other_transform"]["code"] == "pending_review"


def test_a_wrong_position_is_graded_incorrect(client, db_session, theory):
    def choose(page):
        return {
            **right_positions(page),
            "part_log_value": positions(page, "log_value", ["minus_602"])[0],
            "part_underflow_value": positions(page, "underflow_value", ["exact"])[0],
        }

    response = send(client, theory["url"], choose)
    assert response.status_code == 302
    [submission] = submissions(db_session, theory["student"])
    verdicts = submission.current_grading.verdicts
    assert (verdicts["log_value"]["correct"], verdicts["log_value"]["score"]) == (False, 0)
    assert (verdicts["underflow_value"]["correct"], verdicts["underflow_value"]["score"]) == (False, 0)
    assert verdicts["reasons"]["correct"] is True
    assert submission.parsed_answers["log_value"] == ["minus_602"]


def test_several_positions_of_a_multiple_choice(client, db_session, theory):
    right = PARTS["reasons"]["correct"]
    assert len(right) == 3
    picks = [right, right[:2] + wrong_ids("reasons")[:1], right[:2]]
    for ids in picks:
        response = send(
            client,
            theory["url"],
            lambda page, ids=ids: {**right_positions(page), "part_reasons": positions(page, "reasons", ids)},
        )
        assert response.status_code == 302
    graded = [s.current_grading.verdicts["reasons"] for s in submissions(db_session, theory["student"])]
    # All three right: full marks; two right and one wrong: (2 - 1) / 3; two right only: 2 / 3.
    assert [v["score"] for v in graded] == pytest.approx([1, 1 / 3, 2 / 3])
    assert [v["correct"] for v in graded] == [True, False, False]
    assert [s.parsed_answers["reasons"] for s in submissions(db_session, theory["student"])] == [
        sorted(ids) for ids in picks
    ]


@pytest.mark.parametrize(
    "junk", ["9", "4", "-1", "1.0", "abc", "0x1", " 1 2", "٣", "99999999999999999999", "minus_1386"]
)
def test_a_junk_position_is_refused_with_a_message_and_uses_no_attempt(client, db_session, theory, junk):
    response = send(client, theory["url"], lambda page: {**right_positions(page), "part_log_value": junk})
    assert response.status_code == 422
    page = html.unescape(response.text)
    error = re.search(r'<small id="part_log_value-error" class="field-error" role="alert">([^<]*)</small>', page)
    assert error and "The choice sent is not one of the options shown" in error.group(1)
    assert "no attempt was used" in page and "Attempts left: 3 of 3" in page
    assert 'id="part_reasons-error"' not in page
    assert submissions(db_session, theory["student"]) == []


def test_two_positions_for_a_single_choice_are_refused(client, db_session, theory):
    def choose(page):
        # A radio button sends one value; this one names two options (a radio field reads only a first value).
        return {
            **right_positions(page),
            "part_log_value": ",".join(positions(page, "log_value", ["minus_1386", "minus_602"])),
        }

    response = send(client, theory["url"], choose, headers={"Accept-Language": "ru"})
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert "Здесь можно выбрать только один вариант" in page and "попытка не потрачена" in page
    assert not any(option_id in page for option_id in ALL_IDS if "_" in option_id)
    assert submissions(db_session, theory["student"]) == []


def test_junk_in_russian(client, db_session, theory):
    response = send(
        client,
        theory["url"],
        lambda page: {**right_positions(page), "part_underflow_value": "17"},
        headers={"Accept-Language": "ru"},
    )
    assert response.status_code == 422
    assert "Присланный выбор не совпадает ни с одним из показанных вариантов" in html.unescape(response.text)
    assert submissions(db_session, theory["student"]) == []


def test_no_option_chosen_is_still_asked_for(client, db_session, theory):
    response = send(client, theory["url"], lambda page: {**right_positions(page), "part_underflow_value": ""})
    assert response.status_code == 422
    assert "No option is chosen: choose your answer." in html.unescape(response.text)
    assert submissions(db_session, theory["student"]) == []


def test_a_form_of_an_earlier_version_is_refused(client, db_session, catalogue_root: Path, make_user, make_course):
    """Positions name options of the version the page showed; once the options change they may name others."""
    folder = catalogue_root / SLUG
    shutil.copytree(CATALOGUE / SLUG, folder)
    assert sync_exercises(db_session, catalogue_root).ok
    exercise = db_session.scalars(select(Exercise).where(Exercise.slug == SLUG)).one()
    course, student = make_course(), make_user(Role.STUDENT)
    enrol(db_session, course, student, CourseRole.STUDENT)
    assignment = Assignment(course_id=course.id, title="Theory", opens_at=utcnow() - timedelta(days=1))
    db_session.add(assignment)
    db_session.flush()
    item = AssignmentItem(assignment_id=assignment.id, exercise_id=exercise.id, position=0)
    db_session.add(item)
    db_session.flush()
    url = f"/items/{item.id}"
    log_in(client, student)
    page = client.get(url, headers=EN).text
    data = {**every_hidden_field(page), **right_positions(page), "part_other_transform": "It keeps the maximum."}
    assert data["shown_version"] == str(exercise.current_version.id)

    # The author adds an option to a choice: a new version, and a new order of its options.
    edit_file(
        folder / "exercise.toml",
        '[[parts.options]]\nid = "nan"',
        "[[parts.options]]\nid = \"denormal\"\nru = 'Денормализованное число.'\nen = 'A subnormal number.'"
        '\n\n[[parts.options]]\nid = "nan"',
    )
    assert sync_exercises(db_session, catalogue_root).ok
    db_session.refresh(exercise)
    assert len(exercise.versions) == 2

    response = client.post(url, data=data, headers=EN)
    assert response.status_code == 302
    after = client.get(response.headers["Location"], headers=EN).text
    assert "This exercise was changed after you opened it. Nothing was graded and no attempt was used" in after
    assert db_session.scalar(select(func.count()).select_from(Submission).where(Submission.user_id == student.id)) == 0

    # The page now shows the new version's form; answered from it, the answer is graded.
    edited = {
        part["name"]: part for part in tomllib.loads((folder / "exercise.toml").read_text(encoding="utf-8"))["parts"]
    }
    response = send(client, url, lambda page: right_positions(page, edited))
    assert response.status_code == 302
    [submission] = submissions(db_session, student)
    assert submission.exercise_version_id == exercise.current_version.id
    assert submission.current_grading.verdicts["underflow_value"]["correct"] is True
