"""Commands: ``flask --app webapp exercises sync|check``, ``demo``, ``users create|set-password``,
``courses create``, ``regrade``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from exercises import ExerciseFileError, check_keys, exercise_folders, load_exercise

from .database import begin_write_transaction
from .extensions import db
from .models import AssignmentItem, Course, Role, User, utcnow
from .services.accounts import (
    MIN_PASSWORD_LENGTH,
    AccountError,
    create_user,
    normalise_email,
    set_password,
)
from .services.courses import create_course
from .services.demo import DEMO_STUDENT_EMAIL, DEMO_TEACHER_EMAIL, create_demo
from .services.regrade import Against, regrade_scope, run_regrade
from .services.regrade_report import RegradeReport, sort_grade_changes
from .services.sync import sync_exercises

exercises_cli = AppGroup("exercises", help="Validate the exercise catalogue and sync it into the database.")
users_cli = AppGroup("users", help="Manage accounts.")
courses_cli = AppGroup("courses", help="Manage courses.")


def _exercises_dir(path: str | None) -> Path:
    return Path(path) if path else Path(current_app.config["EXERCISES_DIR"])


@exercises_cli.command("sync")
@click.option("--path", type=click.Path(file_okay=False, exists=True), help="Catalogue folder (default: exercises/).")
def sync_command(path: str | None) -> None:
    """Validate every exercise and upsert it into the database by UUID."""
    report = sync_exercises(db.session, _exercises_dir(path))
    db.session.commit()
    for label, slugs in (
        ("created", report.created),
        ("new version", report.new_versions),
        ("unchanged", report.unchanged),
        ("restored", report.restored),
        ("archived", report.archived),
        ("kept the version saved in the browser", report.kept_web),
        ("folder changed: replaced the version saved in the browser", report.replaced_web),
    ):
        if slugs:
            click.echo(f"{label}: {', '.join(slugs)}")
    for problem in report.problems:
        click.echo(f"invalid, left as it was: {problem}", err=True)
    if not report.ok:
        sys.exit(1)


@exercises_cli.command("check")
@click.option("--path", type=click.Path(file_okay=False, exists=True), help="Catalogue folder (default: exercises/).")
@click.option("--variants", default=20, show_default=True, help="Sample variants whose keys are computed.")
def check_command(path: str | None, variants: int) -> None:
    """Validate every exercise and compute its keys for sample variants, without touching the database."""
    root = _exercises_dir(path)
    failures = 0
    for folder in exercise_folders(root):
        try:
            loaded = load_exercise(folder, relative_to=root.parent)
            keys = check_keys(loaded, [f"check-{i}" for i in range(variants)])
        except ExerciseFileError as error:
            failures += 1
            for problem in error.problems:
                click.echo(f"FAIL {problem}", err=True)
            continue
        first = keys[0]
        # Choice, text and formula parts have no number to show (None); a vector part shows its components.
        shown = ", ".join(f"{name} = {_format_key(value)}" for name, value in first.values.items() if value is not None)
        click.echo(f"ok   {loaded.source}: {len(keys)} variants verified; first: {shown}")
    if failures:
        sys.exit(1)


def _format_key(value: float | list[float]) -> str:
    return "[" + ", ".join(f"{v:.6g}" for v in value) + "]" if isinstance(value, list) else f"{value:.6g}"


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Create the demo course with a teacher and a student, printing their passwords once."""
    accounts = create_demo(db.session, now=utcnow())
    db.session.commit()
    if accounts is None:
        click.echo(
            "The demo course exists already; its passwords were printed when it was created. "
            f"Set a new one with: flask --app webapp users set-password {DEMO_STUDENT_EMAIL}"
        )
        return
    click.echo("")
    click.echo("Demo accounts (shown only this once):")
    click.echo(f"  teacher  {DEMO_TEACHER_EMAIL}  password: {accounts.teacher_password}")
    click.echo(f"  student  {DEMO_STUDENT_EMAIL}  password: {accounts.student_password}")
    click.echo(f"  course   {accounts.course.title!r}, join code {accounts.course.join_code}")
    click.echo("")


@users_cli.command("create")
@click.argument("email")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.TEACHER.value, show_default=True)
@click.password_option()
def create_user_command(email: str, name: str, role: str, password: str) -> None:
    """Create an account (teachers and admins are created this way)."""
    try:
        user = create_user(db.session, email=email, name=name, password=password, role=Role(role))
    except AccountError as error:
        raise click.ClickException(error.code.replace("_", " ")) from error
    db.session.commit()
    click.echo(f"created {user.role} {user.email}")


@users_cli.command("set-password")
@click.argument("email")
@click.password_option()
@click.option("--must-change", is_flag=True, help="The user must replace this password with their own at the next "
              "login (without it, no change is asked for).")
def set_password_command(email: str, password: str, must_change: bool) -> None:
    """Give an account a new password and end its open sessions."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.ClickException(f"no account with e-mail {email}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(f"the password must be at least {MIN_PASSWORD_LENGTH} characters long")
    set_password(user, password, must_change=must_change)
    db.session.commit()
    click.echo(f"new password set for {user.email}" + (" (to be replaced at the next login)" if must_change else ""))


@courses_cli.command("create")
@click.argument("title")
@click.option("--teacher", "teacher_email", required=True, help="E-mail of the teacher's account.")
def create_course_command(title: str, teacher_email: str) -> None:
    """Create a course taught by an existing teacher and print its join code."""
    teacher = db.session.scalar(select(User).where(User.email == normalise_email(teacher_email)))
    if teacher is None or not teacher.is_teacher:
        raise click.ClickException(f"no teacher account with e-mail {teacher_email}")
    course = create_course(db.session, title=title, teacher=teacher)
    db.session.commit()
    click.echo(f"created course {course.title!r}; students join with the code {course.join_code}")


@click.command("regrade")
@click.argument("course_id", type=int)
@click.option("--item", "item_id", type=int, help="Only this assignment item (its id); default: every item.")
@click.option(
    "--against",
    type=click.Choice([a.value for a in Against]),
    default=Against.ANSWERED.value,
    show_default=True,
    help="Judge each answer by the exercise version it answered, or by the current one.",
)
@click.option(
    "--dry-run/--apply",
    "dry_run",
    default=True,
    show_default=True,
    help="Show what would change and write nothing, or append the new gradings and update the grades.",
)
@with_appcontext
def regrade_command(course_id: int, item_id: int | None, against: str, dry_run: bool) -> None:
    """Check a course's stored answers again against keys computed by the current grader."""
    session = db.session
    course = session.get(Course, course_id)
    if course is None:
        raise click.ClickException(f"no course with id {course_id}")
    item = None
    if item_id is not None:
        item = session.get(AssignmentItem, item_id)
        if item is None or item.assignment.course_id != course.id:
            raise click.ClickException(f"course {course_id} has no assignment item with id {item_id}")
    scope = regrade_scope(session, course, item=item, against=Against(against))
    label = f"{'Dry run' if dry_run else 'Regrading'}: {scope.total} submissions of {course.title!r}"
    with click.progressbar(length=scope.total, label=label, file=sys.stderr) as bar:

        def after_batch(done: int, total: int) -> None:
            session.rollback() if dry_run else session.commit()  # each applied batch is kept as it ends
            bar.update(done - bar.pos)
            begin_write_transaction(session)

        begin_write_transaction(session)
        report = run_regrade(session, scope, apply=not dry_run, now=utcnow(), after_batch=after_batch)
    session.rollback() if dry_run else session.commit()
    _print_report(report)
    if report.failures:
        sys.exit(1)


def _print_report(report: RegradeReport) -> None:
    """The grades that change (largest change first) as a table, then the counts and any failed key."""
    rows = [
        (
            g.student,
            g.email,
            str(g.item_id),
            _pct(g.before),
            _pct(g.after),
            f"{100 * g.change:+.1f}",
            "override" if g.overridden else "",
        )
        for g in sort_grade_changes(report.grades)
    ]
    heading = ("student", "e-mail", "item", "before %", "after %", "change", "")
    widths = [max(len(row[i]) for row in [heading, *rows]) for i in range(len(heading))]
    for row in [heading, *rows]:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    verb = "got" if report.applied else "would get"
    click.echo(
        f"{report.checked} of {report.total} submissions checked; {report.changed} {verb} a new grading; "
        f"{report.grades_changed} grades change."
    )
    if report.unreadable:
        click.echo(f"{report.unreadable} submissions have an answer the judging version cannot read (scored 0).")
    if report.data_changed:
        click.echo(
            f"warning: {report.data_changed} submissions were answered on other data than the current "
            "version generates.",
            err=True,
        )
    for failure in report.failures:
        click.echo(
            f"key failed, left as it was: {failure.student}, item {failure.item_id}, version "
            f"{failure.version}: {failure.message}",
            err=True,
        )


def _pct(fraction: float) -> str:
    return f"{100 * fraction:.1f}"


def init_app(app: Flask) -> None:
    app.cli.add_command(exercises_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(courses_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(regrade_command)
