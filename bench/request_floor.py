"""What one request costs in CPU, from a bare Flask app up to a graded answer, run by hand:
``.venv/bin/python bench/request_floor.py [--write]``.

bench/load.py measures the whole student flow over HTTP; this one explains its numbers. In one process, through
Werkzeug's test client (no HTTP, no gunicorn), it times the CPU (``time.process_time``) of requests that each add
one layer:

- a bare Flask app's no-op route (what Flask and Werkzeug cost),
- MLE Lab's no-op route for a visitor (the app's own hooks: session cookie, locale, CSRF setup),
- the same route for a logged-in student (Flask-Login loads the user from PostgreSQL),
- the exercise page and a graded answer POST (the real student flow),
- one round trip through SQLAlchemy's ORM, SQLAlchemy Core and plain psycopg (what a statement costs).

Each is run in rounds; the table gives the median round's CPU per request. The scratch database comes from
bench/load_setup.py (never the tests' database). Never run in CI: its numbers are timings.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import load_setup as setup
import psycopg

REPO = Path(__file__).resolve().parent.parent
SLUG = "poisson-mutations"


def cpu_per_call(call: Callable[[], object], *, rounds: int, per_round: int) -> float:
    """Median over rounds of the CPU milliseconds per call, after a warm-up round."""
    for _ in range(per_round):
        call()
    samples = []
    for _ in range(rounds):
        began = time.process_time()
        for _ in range(per_round):
            call()
        samples.append(1000 * (time.process_time() - began) / per_round)
    return statistics.median(samples)


def bare_flask_client():
    from flask import Flask

    bare = Flask("bare")
    bare.add_url_rule("/noop", "noop", lambda: "ok")
    return bare.test_client()


def measure(world: setup.World, rounds: int, per_round: int) -> list[tuple[str, float]]:
    from flask_login import current_user
    from sqlalchemy import create_engine, select, text
    from sqlalchemy.orm import Session

    import load
    from webapp import create_app
    from webapp.config import normalise_database_url
    from webapp.models import User

    app = create_app(
        {
            "SECRET_KEY": secrets.token_hex(32),
            "SQLALCHEMY_ENGINES": {"default": normalise_database_url(world.database_url)},
            "INSTANCE_PATH": tempfile.mkdtemp(prefix="mlelab-floor-"),
        }
    )
    app.add_url_rule("/bench-noop", "bench_noop", lambda: str(current_user.is_authenticated))
    visitor, student = app.test_client(), app.test_client()
    page = student.get("/login").data
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()
    email = "load-student-0000@example.com"
    logged_in = student.post("/login", data={"csrf_token": token, "email": email, "password": setup.PASSWORD})
    if logged_in.status_code != 302:
        raise SystemExit(f"login failed: {logged_in.status_code}")
    item_id = next(iter(world.item_ids.values()))
    path = f"/items/{item_id}"
    reader = setup.Student(email=email, connection=None)  # type: ignore[arg-type]  # only reads forms here
    reader.read_form(item_id, student.get(path).data)
    form = reader.forms[item_id]
    turns = iter(range(1 << 30))

    def answer() -> None:
        posted = dict(form, form_token=secrets.token_urlsafe(24))
        response = student.post(path, data=load.answer(SLUG, posted, next(turns)))
        if response.status_code != 302 or not response.headers["location"].endswith("#feedback"):
            raise SystemExit(f"the answer was not graded: {response.status_code}")

    engine = create_engine(normalise_database_url(world.database_url))
    by_id = select(User).where(User.id == 1)
    raw = psycopg.connect(world.database_url, autocommit=True)

    def orm_select() -> None:
        with Session(engine) as session:
            session.execute(by_id).scalar_one()

    def core_select() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT * FROM users WHERE id = 1")).one()

    bare = bare_flask_client()
    steps = [
        ("bare Flask app, no-op route", lambda: bare.get("/noop")),
        ("MLE Lab, no-op route, visitor", lambda: visitor.get("/bench-noop")),
        ("MLE Lab, no-op route, logged-in student", lambda: student.get("/bench-noop")),
        ("MLE Lab, exercise page (GET)", lambda: student.get(path)),
        ("MLE Lab, graded answer (POST)", answer),
        ("one SELECT by id: ORM session (checkout, BEGIN, ROLLBACK)", orm_select),
        ("one SELECT by id: Core connection (checkout, BEGIN, ROLLBACK)", core_select),
        ("one SELECT by id: plain psycopg, autocommit", lambda: raw.execute("SELECT * FROM users WHERE id = 1")),
    ]
    results = []
    for label, call in steps:
        results.append((label, cpu_per_call(call, rounds=rounds, per_round=per_round)))
        print(f"{label}: {results[-1][1]:.3f} ms", file=sys.stderr)
    raw.close()
    engine.dispose()
    return results


def report(results: list[tuple[str, float]], rounds: int, per_round: int, load_before: str) -> str:
    uname = platform.uname()
    cpu = setup.cpu_model()
    lines = [
        f"### CPU per request, layer by layer — {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {uname.system} {uname.release}, {uname.machine}, {cpu}; load average before the run "
        f"{load_before}; Python {platform.python_version()}. Command: `.venv/bin/python bench/request_floor.py "
        f"{' '.join(sys.argv[1:])}`. In one process through Werkzeug's test client against PostgreSQL; the "
        f"median of {rounds} rounds of {per_round} requests each.",
        "",
        "| request | CPU ms per request |",
        "|---|---|",
    ]
    lines += [f"| {label} | {value:.3f} |" for label, value in results]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="a server to create the scratch database on (its own database is not touched)",
    )
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--per-round", type=int, default=300)
    parser.add_argument("--write", action="store_true", help="append the results to docs/benchmarks.md")
    args = parser.parse_args()
    load_before = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    name = "mlelab_load_floor"
    world = setup.create_world(
        args.database_url, name, students=2, flows=["post"], slugs=[SLUG], secret=secrets.token_hex(32)
    )
    try:
        results = measure(world, args.rounds, args.per_round)
    finally:
        setup.drop_database(args.database_url, name)
    text = report(results, args.rounds, args.per_round, load_before)
    print(text)
    if args.write:
        with open(REPO / "docs" / "benchmarks.md", "a", encoding="utf-8") as handle:
            handle.write("\n" + text)


if __name__ == "__main__":
    main()
