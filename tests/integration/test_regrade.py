"""Regrading: a dry run that writes nothing, then apply (a grading appended, history kept); by the answered or the
current version; a grader change; reviewed written answers, overrides, best/last and late penalties; the CLI.

The expectations are worked out by hand from the weather survey (9 "yes" of 15, p̂ = 0.6): four parts of equal
weight, so three right formula steps and a wrong estimate score 3/4."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import grader
from exercises import KeyComputationError, option_order
from webapp.models import Grade, Grading, Submission, utcnow
from webapp.services import regrade as regrade_service
from webapp.services.overrides import grade_for, override_grade
from webapp.services.regrade import NOT_ANSWERED, Against, RegradeReport, regrade_scope, run_regrade
from webapp.services.regrade_report import NoKey
from webapp.services.review import review_text_answer
from webapp.services.submit import Outcome, submit_answer
from webapp.services.sync import sync_exercises
from webapp.services.variants import ensure_key, get_or_create_variant

from ..catalogue_copies import edit_file
from ..conftest import CATALOGUE, TEST_SECRET

STEPS = {"likelihood": "p^9*(1-p)^6", "loglik": "9*ln(p) + 6*ln(1-p)", "score": "9/p - 6/(1-p)"}
WIDER = ("tolerance = { sig_figs = 3 }", "tolerance = { abs = 0.15 }")  # 0.7 and 0.5 right, 0.4 still wrong
THEORY_44 = "theory-44-why-take-the-log"


def answer(db_session, student, item, p_hat: str, *, now=None) -> Submission:
    result = submit_answer(
        db_session,
        student=student,
        item=item,
        raw_answers={**STEPS, "p_hat": p_hat},
        now=now or utcnow(),
        secret=TEST_SECRET,
    )
    assert result.outcome is Outcome.GRADED, result
    return result.submission


def edit_exercise(db_session, root: Path, slug: str, *edits: tuple[str, str]) -> None:
    """A new version of the catalogue's exercise ``slug``, its exercise.toml edited, synced as a teacher would."""
    folder = root / slug
    if not folder.exists():
        shutil.copytree(CATALOGUE / slug, folder)
    for old, new in edits:
        edit_file(folder / "exercise.toml", old, new)
    report = sync_exercises(db_session, root)
    assert report.ok and slug in report.new_versions, report


def regrade(db_session, course, against=Against.ANSWERED, *, apply=False, item=None, **kwargs):
    scope = regrade_scope(db_session, course, item=item, against=against)
    return run_regrade(db_session, scope, apply=apply, now=utcnow(), **kwargs)


def grade(db_session, item, student) -> Grade:
    query = select(Grade).where(Grade.assignment_item_id == item.id, Grade.user_id == student.id)
    return db_session.scalars(query.execution_options(populate_existing=True)).one()


def gradings(db_session, student=None) -> list[Grading]:
    query = select(Grading).join(Submission).order_by(Grading.id).execution_options(populate_existing=True)
    return list(db_session.scalars(query.where(Submission.user_id == student.id) if student else query))


def test_a_widened_tolerance_regrades_old_answers_by_the_current_version(db_session, classroom, catalogue_root):
    course, item, alice, bob = classroom["course"], classroom["item"], classroom["alice"], classroom["bob"]
    answer(db_session, alice, item, "0.7")
    answer(db_session, bob, item, "0.6")
    edit_exercise(db_session, catalogue_root, "weather-15", WIDER)

    # The version Alice answered still asks for 3 significant figures: nothing changes by it.
    by_answered = regrade(db_session, course, Against.ANSWERED)
    assert (by_answered.checked, by_answered.changed, by_answered.grades) == (2, 0, [])

    dry = regrade(db_session, course, Against.CURRENT)
    assert (dry.total, dry.checked, dry.changed, dry.grades_changed) == (2, 2, 1, 1)
    [change] = dry.grades
    assert (change.user_id, change.student, change.before, change.after) == (alice.id, "Alice", 0.75, 1.0)
    [submission] = change.submissions
    assert (submission.score_before, submission.score_after) == (0.75, 1.0)
    [part] = submission.parts
    assert (part.part, part.score_before, part.code_after, part.score_after) == ("p_hat", 0.0, "correct", 1.0)
    # A dry run writes nothing.
    assert len(gradings(db_session)) == 2 and grade(db_session, item, alice).score == 0.75

    applied = regrade(db_session, course, Against.CURRENT, apply=True)
    assert (applied.applied, applied.changed, [g.after for g in applied.grades]) == (True, 1, [1.0])
    history = gradings(db_session, alice)
    assert [g.reason for g in history] == ["submit", "regrade"]
    assert history[0].score == 0.75 and history[0].verdicts["p_hat"]["correct"] is False  # kept as it was
    assert history[1].score == 1.0 and history[1].grader_version == grader.GRADER_VERSION
    assert grade(db_session, item, alice).score == 1.0 and grade(db_session, item, bob).score == 1.0

    again = regrade(db_session, course, Against.CURRENT, apply=True)
    assert (again.checked, again.changed, again.grades) == (2, 0, [])
    assert len(gradings(db_session)) == 3


def test_a_grader_change_computes_the_key_again(db_session, classroom, monkeypatch):
    course, item, alice = classroom["course"], classroom["item"], classroom["alice"]
    # An old grader's key, wrong (0.7 instead of 9/15), cached for Alice's variant; her 0.7 is graded right by it.
    variant = get_or_create_variant(db_session, course=course, user=alice, exercise=item.exercise, secret=TEST_SECRET)
    ensure_key(db_session, variant, item.exercise.current_version)
    variant.key = {**variant.key, "values": {**variant.key["values"], "p_hat": 0.7}}
    db_session.flush()
    answer(db_session, alice, item, "0.7")
    assert grade(db_session, item, alice).score == 1.0

    # The cache belongs to this grader version: it is trusted as it is.
    assert regrade(db_session, course).changed == 0
    monkeypatch.setattr(grader, "GRADER_VERSION", "99.0.0")
    dry = regrade(db_session, course)
    assert [(g.before, g.after) for g in dry.grades] == [(1.0, 0.75)]
    db_session.refresh(variant)
    assert variant.grader_version != "99.0.0" and variant.key["values"]["p_hat"] == 0.7  # a dry run stores no key

    regrade(db_session, course, apply=True)
    db_session.refresh(variant)
    assert variant.grader_version == "99.0.0" and variant.key["values"]["p_hat"] == pytest.approx(0.6)
    assert grade(db_session, item, alice).score == 0.75
    assert gradings(db_session, alice)[-1].grader_version == "99.0.0"


def choose(item, student, course, part_name: str, *ids: str) -> str:
    """The positions (as the form posts them) of the options ``ids`` in the order the student's variant shows."""
    from webapp.services.variants import variant_seed

    part = next(p for p in item.exercise.current_version.parsed_definition().parts if p.name == part_name)
    shown = [
        option.id for option in option_order(part, variant_seed(TEST_SECRET, course.id, student.id, item.exercise.uuid))
    ]
    return ",".join(str(shown.index(option)) for option in ids)


def test_a_reviewed_written_answer_keeps_its_score_and_a_pending_one_stays_pending(
    db_session, classroom, make_assignment, catalogue_root
):
    course, teacher, alice, bob = classroom["course"], classroom["teacher"], classroom["alice"], classroom["bob"]
    item = make_assignment(course, slugs=(THEORY_44,), title="Theory").items[0]
    for student in (alice, bob):
        raw = {
            "reasons": choose(item, student, course, "reasons", "sum", "underflow", "monotone"),
            "underflow_value": choose(item, student, course, "underflow_value", "exact"),
            "log_value": choose(item, student, course, "log_value", "minus_1386"),
            "other_transform": "The maximum stays; the sum is lost.",
        }
        result = submit_answer(
            db_session, student=student, item=item, raw_answers=raw, now=utcnow(), secret=TEST_SECRET
        )
        assert result.outcome is Outcome.GRADED
    alices = gradings(db_session, alice)[-1]
    review_text_answer(
        db_session,
        submission=alices.submission,
        part_name="other_transform",
        percent=50,
        comment="Half",
        reviewer=teacher,
        based_on=alices.id,
        now=utcnow(),
    )
    assert grade(db_session, item, alice).score == pytest.approx((1 + 0 + 1 + 0.5) / 4)
    assert grade(db_session, item, bob).score == pytest.approx((1 + 0 + 1 + 0) / 4)

    # The key of the second question is changed to the option both chose.
    edit_exercise(db_session, catalogue_root, THEORY_44, ('correct = ["zero"]', 'correct = ["exact"]'))
    report = regrade(db_session, course, Against.CURRENT, apply=True, item=item)
    assert {g.student: (g.before, g.after) for g in report.grades} == {
        "Alice": (pytest.approx(0.625), pytest.approx(0.875)),
        "Bob": (0.5, 0.75),
    }
    alice_now, bob_now = gradings(db_session, alice)[-1], gradings(db_session, bob)[-1]
    assert alice_now.reason == "regrade" and alice_now.verdicts["other_transform"]["code"] == "reviewed"
    assert alice_now.verdicts["other_transform"]["score"] == 0.5
    assert bob_now.verdicts["other_transform"]["code"] == "pending_review"
    assert grade(db_session, item, alice).score == pytest.approx(0.875)


def test_a_teachers_override_stays_while_the_computed_score_changes(db_session, classroom, catalogue_root):
    course, item, alice, teacher = classroom["course"], classroom["item"], classroom["alice"], classroom["teacher"]
    answer(db_session, alice, item, "0.7")
    override_grade(db_session, grade_for(db_session, item, alice), teacher, 0.9, "Oral exam")
    edit_exercise(db_session, catalogue_root, "weather-15", WIDER)

    [change] = regrade(db_session, course, Against.CURRENT, apply=True).grades
    assert (change.before, change.after, change.overridden) == (0.9, 0.9, True)
    assert (change.computed_before, change.computed_after) == (0.75, 1.0)
    held = grade(db_session, item, alice)
    assert (held.override_score, held.override_reason, held.score) == (0.9, "Oral exam", 1.0)


@pytest.mark.parametrize("policy, after", [("best", 1.0), ("last", 0.75)])
def test_the_assignments_policy_picks_the_attempt_that_counts(db_session, classroom, catalogue_root, policy, after):
    course, item, alice = classroom["course"], classroom["item"], classroom["alice"]
    item.assignment.score_policy = policy
    answer(db_session, alice, item, "0.7")  # right once the tolerance is ±0.15
    answer(db_session, alice, item, "0.4")  # still wrong
    edit_exercise(db_session, catalogue_root, "weather-15", WIDER)

    [change] = regrade(db_session, course, Against.CURRENT, apply=True).grades
    assert (change.before, change.after) == (0.75, after)
    assert [s.attempt_no for s in change.submissions] == [1]  # the first attempt's verdict changes either way
    assert grade(db_session, item, alice).score == after


def test_the_late_penalty_applies_to_the_regraded_score(db_session, classroom, catalogue_root):
    course, item, bob = classroom["course"], classroom["item"], classroom["bob"]
    answer(db_session, bob, item, "0.7", now=item.assignment.due_at + timedelta(hours=1))  # late: 25 % off
    edit_exercise(db_session, catalogue_root, "weather-15", WIDER)
    [change] = regrade(db_session, course, Against.CURRENT).grades
    assert (change.before, change.after) == (pytest.approx(0.75 * 0.75), pytest.approx(0.75))


def test_parts_are_matched_by_name(db_session, classroom, catalogue_root):
    course, item, alice = classroom["course"], classroom["item"], classroom["alice"]
    answer(db_session, alice, item, "0.6")
    edit_exercise(db_session, catalogue_root, "weather-15", ('name = "score"', 'name = "derivative"'))

    [change] = regrade(db_session, course, Against.CURRENT, apply=True).grades
    assert (change.before, change.after) == (1.0, 0.75)
    parts = {p.part: (p.code_before, p.code_after) for p in change.submissions[0].parts}
    assert parts == {"derivative": (None, NOT_ANSWERED), "score": ("correct", None)}
    assert set(gradings(db_session, alice)[-1].verdicts) == {"likelihood", "loglik", "derivative", "p_hat"}


def test_an_answer_the_new_version_cannot_read_scores_zero(db_session, classroom, catalogue_root):
    course, item, alice = classroom["course"], classroom["item"], classroom["alice"]
    answer(db_session, alice, item, "60%")
    edit_exercise(db_session, catalogue_root, "weather-15", ("allow_percent = true", "allow_percent = false"))
    report = regrade(db_session, course, Against.CURRENT)
    assert report.unreadable == 1 and [(g.before, g.after) for g in report.grades] == [(1.0, 0.75)]
    assert report.grades[0].submissions[0].parts[0].code_after == "percent_not_allowed"


def test_answers_judged_on_other_data_are_counted(db_session, classroom, catalogue_root):
    course, item, alice = classroom["course"], classroom["item"], classroom["alice"]
    answer(db_session, alice, item, "0.6")
    # The first respondent's answer changes from yes to no: 8 of 15.
    edit_exercise(
        db_session, catalogue_root, "weather-15", ("values = [1, 0, 0, 0, 1, 0, 1", "values = [0, 0, 0, 0, 1, 0, 1")
    )
    assert regrade(db_session, course, Against.ANSWERED).data_changed == 0
    report = regrade(db_session, course, Against.CURRENT)
    assert report.data_changed == 1 and report.grades[0].after == 0.0


def test_a_key_that_cannot_be_computed_is_reported_and_the_rest_regraded(db_session, classroom, monkeypatch):
    course, item, alice, bob = classroom["course"], classroom["item"], classroom["alice"], classroom["bob"]
    answer(db_session, alice, item, "0.7")
    answer(db_session, bob, item, "0.7")
    real = regrade_service.compute_key
    calls = []

    def fails_first(definition, dataset):
        calls.append(definition.slug)
        if len(calls) == 1:  # submissions go in order: Alice's variant is the first
            raise KeyComputationError("data", "gradient_descent_diverges")
        return real(definition, dataset)

    monkeypatch.setattr(grader, "GRADER_VERSION", "99.0.0")  # every cached key is stale: all are computed again
    monkeypatch.setattr(regrade_service, "compute_key", fails_first)
    report = regrade(db_session, course)
    assert (report.total, report.checked, report.changed) == (2, 1, 0)
    [failure] = report.failures
    assert (failure.student, failure.version) == ("Alice", 1)
    assert failure.message == "data: gradient descent diverges on these data: choose a smaller alpha"
    # what the page words in the teacher's language, kept through the report's JSON
    stored = RegradeReport.from_json(report.to_json()).failures[0]
    assert (stored.where, stored.problem) == ("data", {"code": "gradient_descent_diverges", "params": {}})
    assert report.grades == []


def test_batches_report_progress_and_cover_every_submission(db_session, classroom):
    course, item = classroom["course"], classroom["item"]
    answer(db_session, classroom["alice"], item, "0.7")
    answer(db_session, classroom["alice"], item, "0.6")
    answer(db_session, classroom["bob"], item, "0.6")
    seen = []
    report = regrade(db_session, course, after_batch=lambda done, total: seen.append((done, total)), batch_size=1)
    # Alice's two attempts are one batch (a pair is never split), Bob's the next.
    assert seen == [(2, 3), (3, 3)] and report.checked == 3


# ----- the command -------------------------------------------------------------------------------------------------


def test_the_command_shows_a_dry_run_then_applies_it(app, db_session, classroom, catalogue_root):
    course, item, alice = classroom["course"], classroom["item"], classroom["alice"]
    answer(db_session, alice, item, "0.7")
    answer(db_session, classroom["bob"], item, "0.6")
    edit_exercise(db_session, catalogue_root, "weather-15", WIDER)
    db_session.commit()
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["regrade", str(course.id), "--against", "current"])
    assert dry.exit_code == 0, dry.output
    rows = [line.split() for line in dry.stdout.splitlines()]
    assert ["Alice", alice.email, str(item.id), "75.0", "100.0", "+25.0"] in rows
    assert not any(row and row[0] == "Bob" for row in rows)
    assert "2 of 2 submissions checked; 1 would get a new grading; 1 grades change." in dry.stdout
    assert len(gradings(db_session)) == 2 and grade(db_session, item, alice).score == 0.75

    applied = runner.invoke(args=["regrade", str(course.id), "--item", str(item.id), "--against", "current", "--apply"])
    assert applied.exit_code == 0, applied.output
    assert "1 got a new grading" in applied.stdout
    assert grade(db_session, item, alice).score == 1.0
    assert [g.reason for g in gradings(db_session, alice)] == ["submit", "regrade"]
    again = runner.invoke(args=["regrade", str(course.id), "--against", "current", "--apply"])
    assert "0 got a new grading; 0 grades change." in again.stdout and len(gradings(db_session)) == 3


def test_the_command_refuses_an_unknown_course_or_an_item_of_another_course(
    app, db_session, classroom, make_course, make_assignment
):
    other_item = make_assignment(make_course(title="Elsewhere")).items[0]
    db_session.commit()
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["regrade", "999999"])
    assert unknown.exit_code != 0 and "no course with id 999999" in unknown.output
    foreign = runner.invoke(args=["regrade", str(classroom["course"].id), "--item", str(other_item.id)])
    assert foreign.exit_code != 0 and f"has no assignment item with id {other_item.id}" in foreign.output
    wrong = runner.invoke(args=["regrade", str(classroom["course"].id), "--against", "sideways"])
    assert wrong.exit_code == 2 and "sideways" in wrong.output


def test_a_reason_json_cannot_hold_is_kept_in_english_only():
    # NaN is not JSON (PostgreSQL refuses it): the report keeps the English text and no code for the page.
    error = grader.ParameterError("param_outside_domain", name="p", condition="0 < p < 1", value=float("nan"))
    why = NoKey.of(error)
    assert (why.message, why.problem) == ("p must satisfy 0 < p < 1; got nan", None)
