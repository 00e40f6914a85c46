"""Benchmark of the grading path, run by hand: ``.venv/bin/python bench/grading.py [--database URL]``.

Measures, in-process (no HTTP): the grader's verified Bernoulli fit, number parsing and checking, and the whole
``submit_answer`` service (parse, lock, key from cache, check, insert submission + grading, update grade, commit)
against SQLite or PostgreSQL. Prints a Markdown table and, with ``--write``, appends it to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

import grader

REPO = Path(__file__).resolve().parent.parent


def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def row(name: str, samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p50 = statistics.median(ms)
    p99 = ms[min(len(ms) - 1, int(0.99 * len(ms)))]
    return f"| {name} | {len(ms)} | {p50:.3f} | {p99:.3f} | {1000 / statistics.mean(ms):,.0f} |"


def grader_rows() -> list[str]:
    survey = np.array([1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1], dtype=float)
    large = np.random.default_rng(1).binomial(1, 0.3, size=100_000).astype(float)
    return [
        row("grader.fit bernoulli, n = 15 (verified)", timed(lambda: grader.fit("bernoulli", y=survey), 300)),
        row("grader.fit bernoulli, n = 100 000 (verified)", timed(lambda: grader.fit("bernoulli", y=large), 30)),
        row("grader.parse_number('3/5')", timed(lambda: grader.parse_number("3/5"), 5000)),
        row("grader.check_number", timed(lambda: grader.check_number(0.6, 0.6), 5000)),
    ]


def submit_rows(database_url: str, label: str, repeat: int) -> list[str]:
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.extensions import db
    from webapp.models import Assignment, AssignmentItem, CourseRole, Exercise, Role
    from webapp.services.accounts import create_user
    from webapp.services.courses import create_course, enrol
    from webapp.services.submit import Outcome, submit_answer
    from webapp.services.sync import sync_exercises

    instance = tempfile.mkdtemp()
    secret = "bench-secret-" + "x" * 40
    app = create_app({"SECRET_KEY": secret, "SQLALCHEMY_ENGINES": {"default": database_url},
                      "INSTANCE_PATH": instance})
    now = datetime.now(timezone.utc)
    with app.app_context():
        upgrade()
        session = db.session
        sync_exercises(session, REPO / "exercises")
        teacher = create_user(session, email=f"t{time.time_ns()}@example.com", name="T", password="benchmark1",
                              role=Role.TEACHER)
        course = create_course(session, title="bench", teacher=teacher)
        assignment = Assignment(course_id=course.id, title="bench", max_attempts=repeat + 1)
        session.add(assignment)
        session.flush()
        exercise = session.query(Exercise).filter_by(slug="weather-15").one()
        item = AssignmentItem(assignment_id=assignment.id, exercise_id=exercise.id)
        session.add(item)
        students = []
        for i in range(repeat):
            student = create_user(session, email=f"s{i}-{time.time_ns()}@example.com", name="S",
                                  password="benchmark1")
            enrol(session, course, student, CourseRole.STUDENT)
            students.append(student.id)
        session.commit()
        item_id = item.id

    def first_attempt(student_id: int) -> None:
        with app.app_context():
            from webapp.models import User

            result = submit_answer(db.session, student=db.session.get(User, student_id),
                                   item=db.session.get(AssignmentItem, item_id), raw_answers={"p_hat": "0,6"},
                                   now=now + timedelta(seconds=1), secret=secret)
            assert result.outcome is Outcome.GRADED
            db.session.commit()

    def second_attempt(student_id: int) -> None:
        first_attempt(student_id)

    cold = [timed(lambda s=s: first_attempt(s), 1)[0] for s in students]
    warm = [timed(lambda s=s: second_attempt(s), 1)[0] for s in students]
    with app.app_context():
        db.engine.dispose()
    return [row(f"submit_answer on {label}, first attempt (computes and caches the key)", cold),
            row(f"submit_answer on {label}, later attempt (key from cache)", warm)]


def fresh_postgres_schema(url: str, schema: str) -> str:
    from sqlalchemy import create_engine, text

    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", help="also benchmark on this PostgreSQL server, e.g. "
                        "postgresql://postgres@127.0.0.1:5432/test (uses a schema mlelab_bench, dropped first)")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--write", action="store_true", help="append the results to docs/benchmarks.md")
    args = parser.parse_args()

    sqlite_url = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    rows = grader_rows() + submit_rows(sqlite_url, "SQLite (file, WAL)", args.repeat)
    if args.postgres:
        rows += submit_rows(fresh_postgres_schema(args.postgres, "mlelab_bench"), "PostgreSQL", args.repeat)
    uname = platform.uname()
    header = (f"### Grading path, in-process — {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC\n\n"
              f"Machine: {uname.system} {uname.release}, {uname.machine}, {os.cpu_count()} cores; "
              f"Python {platform.python_version()}, numpy {np.__version__}; grader {grader.GRADER_VERSION}. "
              f"Command: `.venv/bin/python bench/grading.py --repeat {args.repeat}"
              f"{' --postgres ' + args.postgres if args.postgres else ''}`\n\n"
              "| what | runs | p50 ms | p99 ms | per second (one core) |\n|---|---|---|---|---|\n")
    table = header + "\n".join(rows) + "\n"
    print(table)
    if args.write:
        with open(REPO / "docs" / "benchmarks.md", "a", encoding="utf-8") as handle:
            handle.write("\n" + table)


if __name__ == "__main__":
    main()
