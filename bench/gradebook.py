"""Benchmark of the teacher's gradebook, run by hand: ``.venv/bin/python bench/gradebook.py [--write]``.

Seeds one course of 1,000 students × 30 assignment items (three assignments of ten; about 95 % of the cells graded,
one grade in 20 overridden by the teacher, one in 10 late) into a scratch SQLite file and into a scratch PostgreSQL
database that it creates on the server of ``--postgres`` and drops at the end (its name starts with
``mlelab_bench_gradebook``; the tests' ``test`` database is never touched). Then it times, warm, in-process:

- ``build_gradebook``, the service alone (three statements, totals, column means, the order), in a fresh app
  context and session each run, as a request has;
- the whole page through Flask's test client, logged in as the course's teacher: the service plus the first page of
  100 rows rendered, sorted by name, by total and by one item's column;
- the gradebook CSV of all 1,000 students.

Every request's SQL statements are counted (SQLAlchemy's ``before_cursor_execute``). Prints a Markdown table; with
``--write`` appends it, with the machine and the date, to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import re
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "gradebook-benchmark-password"
SECRET = "bench-gradebook-secret-" + "x" * 40
SCRATCH_PREFIX = "mlelab_bench_gradebook"
ITEMS_PER_ASSIGNMENT = 10
FIRST_NAMES = ("Anna", "Boris", "Vera", "Gleb", "Daria", "Egor", "Zoya", "Ivan", "Kira", "Lev", "Maria", "Nikita")
LAST_NAMES = ("Ivanova", "Petrov", "Smirnova", "Kuznetsov", "Popova", "Sokolov", "Lebedeva", "Kozlov", "Novikova")


def seed(app, students: int, items: int) -> tuple[int, int]:
    """Migrate, sync the catalogue and write the course; returns the course's id and its first item's."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from webapp.extensions import db
    from webapp.models import Assignment, AssignmentItem, Enrolment, Exercise, Grade, Role, User
    from webapp.services.accounts import create_user
    from webapp.services.courses import create_course
    from webapp.services.sync import sync_exercises

    now = datetime.now(timezone.utc)
    rng = random.Random(20261121)
    with app.app_context():
        upgrade()
        session = db.session
        report = sync_exercises(session, REPO / "exercises")
        if not report.ok:
            raise SystemExit(f"the exercise catalogue does not sync: {report.problems}")
        teacher = create_user(
            session, email="bench-teacher@example.com", name="Bench Teacher", password=PASSWORD, role=Role.TEACHER
        )
        course = create_course(session, title="Gradebook benchmark", teacher=teacher)
        exercise_ids = list(session.scalars(select(Exercise.id).order_by(Exercise.slug)))
        item_ids: list[int] = []
        for week in range(math.ceil(items / ITEMS_PER_ASSIGNMENT)):
            opens = now - timedelta(days=70 - 7 * week)
            assignment = Assignment(
                course_id=course.id,
                title=f"Week {week + 1}",
                opens_at=opens,
                due_at=opens + timedelta(days=7),
                closes_at=opens + timedelta(days=14),
            )
            session.add(assignment)
            session.flush()
            for position in range(min(ITEMS_PER_ASSIGNMENT, items - len(item_ids))):
                item = AssignmentItem(
                    assignment_id=assignment.id,
                    position=position,
                    exercise_id=exercise_ids[(week * ITEMS_PER_ASSIGNMENT + position) % len(exercise_ids)],
                )
                session.add(item)
                session.flush()
                item_ids.append(item.id)
        session.execute(
            insert(User),
            [
                {
                    "email": f"bench-student-{i:04d}@example.com",
                    "role": Role.STUDENT.value,
                    "created_at": now,
                    "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {i:04d}",
                    "password_hash": "!no-login",
                    "session_token": secrets.token_hex(16),
                }
                for i in range(students)
            ],
        )
        student_ids = list(session.scalars(select(User.id).where(User.email.like("bench-student-%"))))
        session.execute(
            insert(Enrolment),
            [
                {"course_id": course.id, "user_id": user_id, "role": "student", "created_at": now}
                for user_id in student_ids
            ],
        )
        grades = []
        for user_id in student_ids:
            for item_id in item_ids:
                if rng.random() < 0.05:
                    continue  # not tried
                overridden = rng.random() < 0.05
                grades.append(
                    {
                        "assignment_item_id": item_id,
                        "user_id": user_id,
                        "score": round(rng.random(), 3),
                        "attempts": rng.randint(1, 3),
                        "is_late": rng.random() < 0.1,
                        "override_score": round(rng.random(), 2) if overridden else None,
                        "override_reason": "benchmark" if overridden else None,
                        "updated_at": now,
                    }
                )
        session.execute(insert(Grade), grades)
        session.commit()
        return course.id, item_ids[0]


@contextmanager
def counting(app):
    from sqlalchemy import event

    from webapp.extensions import db

    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm: caches, compiled statements, templates
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def row(what: str, label: str, samples: list[float], statements: int | str) -> str:
    ms = sorted(s * 1000 for s in samples)
    p99 = ms[min(len(ms) - 1, int(0.99 * len(ms)))]
    return f"| {what} | {label} | {len(ms)} | {statistics.median(ms):.1f} | {p99:.1f} | {statements} |"


def measure(database_url: str, label: str, students: int, items: int, runs: int) -> list[str]:
    from webapp import create_app
    from webapp.extensions import db
    from webapp.models import Course
    from webapp.services.gradebook import build_gradebook

    app = create_app(
        {
            "SECRET_KEY": SECRET,
            "SQLALCHEMY_ENGINES": {"default": database_url},
            "INSTANCE_PATH": tempfile.mkdtemp(prefix="mlelab-bench-gradebook-"),
        }
    )
    started = time.perf_counter()
    course_id, item_id = seed(app, students, items)
    print(f"{label}: seeded {students} students × {items} items in {time.perf_counter() - started:.1f} s")

    def service() -> None:
        with app.app_context():
            book = build_gradebook(db.session, db.session.get(Course, course_id), "total", "desc")
            assert len(book.rows) == students and len(book.columns) == items

    client = app.test_client()
    login = client.get("/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login.text).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "email": "bench-teacher@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302, response.status_code

    def page(url: str) -> Callable[[], None]:
        def get() -> None:
            response = client.get(url, headers={"Accept-Language": "en"})
            assert response.status_code == 200 and len(response.data) > 0, url

        return get

    base = f"/teach/courses/{course_id}"
    requests = [
        (f"gradebook page, by name ({students} × {items}, 100 rows shown)", f"{base}/gradebook"),
        ("gradebook page, by total, descending", f"{base}/gradebook?sort=total&dir=desc"),
        ("gradebook page, by one item's column", f"{base}/gradebook?sort=item-{item_id}&dir=asc"),
        (f"gradebook CSV, all {students} students", f"{base}/gradebook.csv"),
    ]
    with counting(app) as statements:
        service()
    rows = [row(f"build_gradebook service ({students} × {items})", label, timed(service, runs), len(statements))]
    for what, url in requests:
        with counting(app) as statements:
            page(url)()
        rows.append(row(what, label, timed(page(url), runs), len(statements)))
    with app.app_context():
        db.engine.dispose()
    return rows


def postgres_database(admin_url: str, name: str, *, create: bool) -> None:
    import psycopg
    from psycopg import sql

    if not name.startswith(SCRATCH_PREFIX) or name == "test":
        raise SystemExit(f"refusing to touch database {name!r}: this benchmark's start with {SCRATCH_PREFIX}")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if create:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each measurement (after one warm-up)")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a database on the PostgreSQL server to create the scratch database from",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--write", action="store_true", help="append the results to docs/benchmarks.md")
    args = parser.parse_args()

    sqlite_url = f"sqlite:///{tempfile.mkdtemp(prefix='mlelab-bench-gradebook-')}/gradebook.sqlite3"
    rows = measure(sqlite_url, "SQLite (file, WAL)", args.students, args.items, args.runs)
    if not args.no_postgres:
        name = f"{SCRATCH_PREFIX}_{os.getpid()}"
        postgres_database(args.postgres, name, create=True)
        try:
            base, _, _ = args.postgres.replace("postgresql://", "postgresql+psycopg://", 1).rpartition("/")
            rows += measure(f"{base}/{name}", "PostgreSQL", args.students, args.items, args.runs)
        finally:
            postgres_database(args.postgres, name, create=False)

    import sqlalchemy

    uname = platform.uname()
    command = (
        "bench/gradebook.py"
        + "".join(
            f" --{flag} {value}"
            for flag, value, default in (
                ("students", args.students, 1000),
                ("items", args.items, 30),
                ("runs", args.runs, 20),
            )
            if value != default
        )
        + (" --no-postgres" if args.no_postgres else "")
    )
    table = (
        f"### Gradebook, {args.students} students × {args.items} items, in-process — "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC\n\n"
        f"Machine: {uname.system} {uname.release}, {uname.machine}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}. "
        f"Command: `.venv/bin/python {command}`. Warm runs (one warm-up each); a page is the whole request through "
        "Flask's test client (session cookie, login check, the service, the template), its first 100 rows shown; "
        '"SQL statements" counts what the engine executed for one run.\n\n'
        "| what | database | runs | p50 ms | p99 ms | SQL statements |\n|---|---|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n"
    )
    print(table)
    if args.write:
        with open(REPO / "docs" / "benchmarks.md", "a", encoding="utf-8") as handle:
            handle.write("\n" + table)


if __name__ == "__main__":
    main()
