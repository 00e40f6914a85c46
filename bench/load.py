"""Load benchmark of the student flow over HTTP, run by hand: ``.venv/bin/python bench/load.py [--write]``.

Seeds a scratch PostgreSQL database (bench/load_setup.py; the tests' database is never touched), starts the app
under gunicorn (webapp/gunicorn_conf.py) and lets simulated students answer through the real forms. Each student
logs in once before the timed phase (CSRF token from the login page, a real Argon2id verification, from a loopback
address of its own, so the per-address login limit holds as for students on their own machines) and opens each
exercise. Then, per flow and exercise, for a fixed time and a bounded number of requests, 16 clients cycle through
their students, each time POSTing a well-formed answer with the page's CSRF token and a one-time form token:

- ``browser``: as a browser does, the client follows the 302 to the feedback page, whose form carries the next
  form token (a graded submission costs a POST and a GET);
- ``post``: the client makes the next form token itself (any fresh value is one; the server keeps one attempt per
  token) and does not load the feedback: the submit path alone.

It counts graded submissions (a 302 to the feedback), times POST, GET and the cycle, reads the CPU time of the
app, of the database's server processes and of itself from /proc, and afterwards checks in SQL that every
acknowledged submission is stored exactly once. Prints a Markdown table; ``--write`` appends it, with the machine
and the date, to docs/benchmarks.md. Never run in CI: its numbers are timings.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import load_setup as setup
from load_setup import HTTPError, Student, World

REPO = Path(__file__).resolve().parent.parent
FLOWS = ("browser", "post")
# Well-formed answers (graded: right and wrong ones) by exercise and part; parts not named here get "1.5" (or
# their first option), so any exercise can be loaded.
ANSWERS = {
    "weather-15": [
        {"likelihood": "p^9*(1-p)^6", "loglik": "9*ln(p)+6*ln(1-p)", "score": "9/p-6/(1-p)", "p_hat": "0,6"},
        {"likelihood": "p^6(1-p)^9", "loglik": "9 ln(p) + 6 ln(1-p)", "score": "9/p - 6/(1-p)", "p_hat": "0.4"},
        {"likelihood": "p^9*(1-p)^6", "loglik": "9*log10(p)+6*log10(1-p)", "score": "9/p+6/(1-p)", "p_hat": "3/5"},
    ],
    "poisson-mutations": [
        {"beta0": "0.52", "beta1": "0,31", "poisson_loss": "1.7", "mean_at_1": "2.3"},
        {"beta0": "-0.4", "beta1": "1/3", "poisson_loss": "2.05", "mean_at_1": "1.9e0"},
    ],
}


def answer(slug: str, form: dict[str, str], turn: int) -> dict[str, str]:
    chosen = (ANSWERS.get(slug) or [{}])[turn % len(ANSWERS.get(slug) or [{}])]
    return {
        name: chosen.get(name[5:], value or "1.5") if name.startswith("part_") else value
        for name, value in form.items()
    }


async def log_in(student: Student, item_ids: list[int]) -> None:
    page = await student.send("GET", "/login")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.body)
    if page.status != 200 or token is None:
        raise HTTPError(f"login page: {page.status}")
    done = await student.send(
        "POST", "/login", {"csrf_token": token.group(1).decode(), "email": student.email, "password": setup.PASSWORD}
    )
    if done.status != 302:
        raise HTTPError(f"login of {student.email}: {done.status} {done.body[:300]!r}")
    for item_id in item_ids:  # computes and caches the variant's key: the timed phase grades against cached keys
        page = await student.send("GET", f"/items/{item_id}")
        if page.status != 200:
            raise HTTPError(f"/items/{item_id}: {page.status}")
        student.read_form(item_id, page.body)


@dataclass
class Stats:
    start: float
    end: float
    budget: int  # requests left before the bound stops the level
    graded: int = 0
    errors: list[str] = field(default_factory=list)
    post: list[float] = field(default_factory=list)
    get: list[float] = field(default_factory=list)
    cycle: list[float] = field(default_factory=list)
    acknowledged: list[tuple[str, int, str]] = field(default_factory=list)


async def client(students: list[Student], item_id: int, slug: str, flow: str, stats: Stats) -> None:
    """Cycle through this client's students: POST an answer, then (browser flow) GET the feedback page."""
    path = f"/items/{item_id}"
    for turn in range(1, 1 << 30):
        if time.perf_counter() >= stats.end or stats.budget < 2:
            return
        student = students[turn % len(students)]
        stats.budget -= 2 if flow == "browser" else 1
        try:
            if item_id not in student.forms:  # the last page failed: open the exercise again, untimed
                student.read_form(item_id, (await student.send("GET", path)).body)
            form = student.forms.pop(item_id)  # a form token is sent once, never again
            if flow == "post":
                form["form_token"] = secrets.token_urlsafe(24)
            t0 = time.perf_counter()
            posted = await student.send("POST", path, answer(slug, form, turn // len(students)))
            t1 = t2 = time.perf_counter()
            location = posted.headers.get("location", "")
            graded = posted.status == 302 and location.endswith("#feedback")
            if graded:
                stats.acknowledged.append((student.email, item_id, form["form_token"]))
            else:
                stats.errors.append(f"POST {path}: {posted.status} {location}")
            if flow == "post":
                student.forms[item_id] = form
            else:
                page = await student.send("GET", path)
                t2 = time.perf_counter()
                if page.status != 200:
                    raise HTTPError(f"GET {path}: {page.status}")
                student.read_form(item_id, page.body)
        except HTTPError as error:
            stats.errors.append(str(error))
            continue
        if t0 >= stats.start and t2 <= stats.end:
            stats.post.append(t1 - t0)
            if flow == "browser":
                stats.get.append(t2 - t1)
            stats.cycle.append(t2 - t0)
            stats.graded += graded


def quantile_ms(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


@dataclass
class Level:
    flow: str
    slug: str
    clients: int
    stats: Stats
    cpu: dict[str, float]  # CPU seconds in the measured window: app, db, client, other, capacity; and its length

    @property
    def rate(self) -> float:
        return self.stats.graded / self.cpu["window"]


async def run_level(
    world: World, students: list[Student], flow: str, slug: str, clients: int, args, server: int
) -> Level:
    start = time.perf_counter() + args.warmup
    stats = Stats(start=start, end=start + args.duration, budget=args.max_requests)

    def sample() -> tuple[dict[int, float], dict[int, float], float, tuple[float, float]]:
        usage = os.times()
        app = setup.cpu_times(setup.children(server))
        return (
            app,
            setup.cpu_times(setup.backend_pids(world.database_url, args.database)),
            usage.user + usage.system,
            setup.machine_cpu(),
        )

    async def sample_at_start() -> tuple[dict[int, float], dict[int, float], float, tuple[float, float]]:
        await asyncio.sleep(max(0.0, start - time.perf_counter()))
        return sample()

    first = asyncio.ensure_future(sample_at_start())
    item_id = world.item_ids[(flow, slug)]
    await asyncio.gather(*(client(students[i::clients], item_id, slug, flow, stats) for i in range(clients)))
    (app0, db0, own0, (busy0, capacity0)), (app1, db1, own1, (busy1, capacity1)) = await first, sample()
    # Per process, so that one opened during the window counts from its start (one that ended is lost).
    app, db = (
        sum(t - before.get(pid, 0.0) for pid, t in after.items()) for before, after in ((app0, app1), (db0, db1))
    )
    cpu = {"app": app, "db": db, "client": own1 - own0, "other": busy1 - busy0 - app - db - (own1 - own0)}
    cpu.update(capacity=capacity1 - capacity0, window=min(time.perf_counter(), stats.end) - start)
    return Level(flow, slug, clients, stats, cpu)


def start_server(world: World, secret: str, workers: int, threads: int) -> tuple[subprocess.Popen, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(
        os.environ,
        DATABASE_URL=world.database_url,
        SECRET_KEY=secret,
        MLELAB_WORKERS=str(workers),
        MLELAB_THREADS=str(threads),
        MLELAB_BIND=f"127.0.0.1:{port}",
        MLELAB_ENV="development",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            str(REPO / "webapp" / "gunicorn_conf.py"),
            "webapp:create_app()",
        ],
        cwd=REPO,
        env=env,
        start_new_session=True,
    )
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server, port
        except OSError:
            if server.poll() is not None:
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.1)
    raise SystemExit("gunicorn did not open its port in 30 s")


async def benchmark(world: World, args, port: int, server: int) -> tuple[list[Level], float]:
    students = [
        Student(email, setup.Connection(port, f"127.10.{i // 250}.{i % 250 + 1}"))
        for i, email in enumerate(world.emails)
    ]
    limit = asyncio.Semaphore(args.login_concurrency)

    async def one(student: Student) -> None:
        async with limit:
            await log_in(student, list(world.item_ids.values()))

    began = time.perf_counter()
    await asyncio.gather(*(one(student) for student in students))
    login_time = time.perf_counter() - began
    print(f"{len(students)} students logged in and opened their exercises in {login_time:.1f} s", file=sys.stderr)
    levels = []
    for flow, slug in world.item_ids:
        for clients in args.clients:
            level = await run_level(world, students, flow, slug, clients, args, server)
            print(
                f"{flow}, {slug}, {clients} clients: {level.rate:.0f} graded/s, POST p50 "
                f"{quantile_ms(level.stats.post, 0.5):.1f} p99 {quantile_ms(level.stats.post, 0.99):.1f} ms, "
                f"{len(level.stats.errors)} errors",
                file=sys.stderr,
            )
            levels.append(level)
    for student in students:
        student.connection.close()
    return levels, login_time


def table(levels: list[Level]) -> str:
    lines = [
        "| flow | exercise | clients | graded submissions/s | POST p50 / p99 ms | GET p50 / p99 ms | cycle p50 / "
        "p99 ms | CPU ms per submission: app / PostgreSQL / load generator | others' share of the machine | "
        "attempts per student at the end | errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for level in levels:
        s, cpu = level.stats, level.cpu
        attempts = len(s.acknowledged) / max(1, len({email for email, _, _ in s.acknowledged}))
        per = " / ".join(f"{1000 * cpu[what] / max(1, s.graded):.1f}" for what in ("app", "db", "client"))
        post, get, cycle = (
            f"{quantile_ms(t, 0.5):.1f} / {quantile_ms(t, 0.99):.1f}" if t else "—" for t in (s.post, s.get, s.cycle)
        )
        lines.append(
            f"| {level.flow} | {level.slug} | {level.clients} | {level.rate:,.0f} | {post} | {get} | {cycle} | {per} | "
            f"{100 * cpu['other'] / cpu['capacity']:.0f}% | {attempts:.0f} | {len(s.errors)} |"
        )
    return "\n".join(lines)


def header(args, world: World, login_time: float) -> str:
    uname = platform.uname()
    cpu = setup.cpu_model()
    with psycopg.connect(world.database_url) as connection:
        server = connection.execute("SHOW server_version").fetchone()[0].split()[0]
    return (
        f"### Student flow under load, over HTTP — {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC\n\n"
        f"Machine: {uname.system} {uname.release}, {uname.machine}, {cpu}, {os.cpu_count()} cores shared by the app, "
        f"PostgreSQL and the load generator; load average before the run {args.load_before}; Python "
        f"{platform.python_version()}, PostgreSQL {server}. Command: "
        f"`.venv/bin/python bench/load.py {' '.join(sys.argv[1:])}`.\n\n"
        f"gunicorn gthread, {args.workers} workers × {args.threads} threads (webapp/gunicorn_conf.py); a scratch "
        f"database; {len(world.emails)} students in one course, one open assignment per flow (attempt limit "
        f"{setup.ATTEMPT_LIMIT:,}). Every student logged in once before the timed phase ({login_time:.0f} s for "
        f"all: a real Argon2id verification each) and opened each exercise, which computed and cached the "
        f"variant's key, so the timed phase grades against cached keys. Per level: {args.warmup:g} s of warm-up, then "
        f"{args.duration:g} s measured, at most {args.max_requests:,} requests. Flows: *browser* POSTs the answer "
        f"and follows the 302 to the feedback page, which carries the next form token (the likelihood plot image "
        f"and static files are not fetched); *post* makes its own fresh form token and does not load the feedback. "
        f"Graded submissions/s counts 302s to the feedback in the window. CPU: time of the gunicorn workers, of "
        f"this database's PostgreSQL processes and of the load generator in the window, per graded submission; "
        f'"others\' share" is the part of both cores that other processes used meanwhile (0% on a quiet '
        f"machine).\n"
    )


def verdict(levels: list[Level], check) -> str:
    lines = []
    for level in levels:
        if level.clients == 16:
            p99 = quantile_ms(level.stats.cycle, 0.99)
            met = level.rate >= 400 and p99 < 100
            lines.append(
                f"- {level.flow}, {level.slug}: {level.rate:,.0f} graded submissions/s (target ≥ 400), "
                f"p99 of the {'POST + GET' if level.flow == 'browser' else 'POST'} {p99:.1f} ms "
                f"(target < 100 ms): {'met' if met else '**missed**'}"
            )
    lines.append(
        f"- Exactly once: {check.acknowledged:,} acknowledged submissions, {check.found_once:,} found exactly once, "
        f"{check.missing} missing, {check.duplicated} duplicated; {check.unacknowledged_stored} stored without an "
        f"acknowledgement (cut off at the end of a level); variants whose attempt numbers are not 1..n: "
        f"{check.attempt_gaps}; submissions without exactly one grading: {check.gradings_not_one}; grades whose "
        f"attempt count is off: {check.grade_mismatch}: {'ok' if check.ok else '**FAILED**'}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a database on the server to connect to; the benchmark creates and drops its own",
    )
    parser.add_argument(
        "--database",
        default="mlelab_load",
        help="scratch database (name starting with mlelab_load; dropped and re-created)",
    )
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--clients", default="16", help="concurrent clients; a comma-separated list runs levels")
    parser.add_argument("--flows", default=",".join(FLOWS), help=f"comma-separated, of {', '.join(FLOWS)}")
    parser.add_argument("--exercises", default="poisson-mutations,weather-15", help="comma-separated slugs")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per level")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring, per level")
    parser.add_argument("--max-requests", type=int, default=100_000, help="bound on the requests of a level")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--login-concurrency", type=int, default=4)
    parser.add_argument("--keep-database", action="store_true", help="leave the scratch database for inspection")
    parser.add_argument("--write", action="store_true", help="append the results to docs/benchmarks.md")
    args = parser.parse_args()
    args.clients = [int(c) for c in args.clients.split(",")]
    args.load_before = ", ".join(Path("/proc/loadavg").read_text().split()[:3])
    flows = [flow for flow in args.flows.split(",") if flow]
    if not set(flows) <= set(FLOWS):
        parser.error(f"--flows: of {', '.join(FLOWS)}")

    secret = secrets.token_hex(32)
    world = setup.create_world(
        args.postgres,
        args.database,
        students=args.students,
        flows=flows,
        slugs=[s for s in args.exercises.split(",") if s],
        secret=secret,
    )
    server, port = start_server(world, secret, args.workers, args.threads)
    try:
        levels, login_time = asyncio.run(benchmark(world, args, port, server.pid))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    check = setup.exactly_once(world.database_url, [ack for level in levels for ack in level.stats.acknowledged])
    text = f"{header(args, world, login_time)}\n{table(levels)}\n\nTargets (issue 5):\n\n{verdict(levels, check)}\n"
    if not args.keep_database:
        setup.drop_database(args.postgres, args.database)
    for level in levels:
        for error in sorted(set(level.stats.errors))[:5]:
            print(f"error ({level.flow}, {level.slug}): {error}", file=sys.stderr)
    print(text)
    if args.write:
        with open(REPO / "docs" / "benchmarks.md", "a", encoding="utf-8") as handle:
            handle.write("\n" + text)


if __name__ == "__main__":
    main()
