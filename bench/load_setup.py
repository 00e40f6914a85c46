"""What bench/load.py stands on: the seeded world, a minimal HTTP client, CPU times, the exactly-once check.

``create_world`` drops and re-creates a scratch database (never the tests' ``test`` database: the name must start
with ``mlelab_load``), applies the migrations, syncs the exercise catalogue, and creates a teacher, a course, N
enrolled students sharing one password (hashed once with the production Argon2id parameters, so each login still
costs a real verification) and one open assignment per flow with a high attempt limit, holding the chosen
exercises (so each flow's students start with an empty history). ``exactly_once`` is the check made after a run:
every acknowledged submission is in the database exactly once. ``Connection`` is one keep-alive HTTP/1.1
connection from a loopback address of its own (a small asyncio client: the load generator shares the machine's
two cores with the app, so it must cost little); ``Student`` adds a cookie jar and reads the answer form. The rest
reads CPU times from /proc.
"""

from __future__ import annotations

import asyncio
import os
import platform
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from html import unescape
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "load-benchmark-password"
ATTEMPT_LIMIT = 1_000_000


class HTTPError(Exception):
    def __init__(self, message: str, *, nothing_received: bool = False):
        super().__init__(message)
        self.nothing_received = nothing_received


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    cookies: list[str]
    body: bytes


class Connection:
    """One keep-alive HTTP/1.1 connection from a given loopback address: a browser's, without the browser."""

    def __init__(self, port: int, source: str):
        self.port, self.source = port, source
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.head_received = False

    async def request(self, method: str, path: str, cookie: str, body: bytes = b"") -> Response:
        reused = self.writer is not None and self.reader is not None and not self.reader.at_eof()
        try:
            return await self._exchange(method, path, cookie, body)
        except HTTPError as error:
            if not (reused and error.nothing_received):
                raise
        # The server closed an idle keep-alive connection as the request left: send it again on a new one, as
        # browsers do. For a POST this is safe by design: the form token makes a second copy a duplicate.
        return await self._exchange(method, path, cookie, body)

    async def _exchange(self, method: str, path: str, cookie: str, body: bytes) -> Response:
        if self.writer is None or self.reader is None or self.reader.at_eof():
            self.close()
            self.reader, self.writer = await asyncio.open_connection(
                "127.0.0.1", self.port, local_addr=(self.source, 0)
            )
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nAccept-Language: en\r\n"
        if cookie:
            head += f"Cookie: {cookie}\r\n"
        if method == "POST":
            head += f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
        self.head_received = False
        try:
            self.writer.write(head.encode() + b"\r\n" + body)
            response = await self._read()
        except (asyncio.IncompleteReadError, ConnectionError) as error:
            self.close()
            empty = not self.head_received and not getattr(error, "partial", b"")
            raise HTTPError(f"{method} {path}: connection lost ({error!r})", nothing_received=empty) from error
        if response.headers.get("connection", "").lower() == "close":
            self.close()
        return response

    async def _read(self) -> Response:
        assert self.reader is not None
        lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        self.head_received = True
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        cookies = []
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
                if name.strip().lower() == "set-cookie":
                    cookies.append(value.strip())
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                body += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readuntil(b"\r\n")
        else:
            body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        return Response(status, headers, cookies, body)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


FORM_RE = re.compile(r'<form method="post" novalidate id="answer-form">(.*?)</form>', re.S)
INPUT_RE = re.compile(r"<(input|textarea)\b([^>]*)>")
ATTR_RE = re.compile(r'([a-z-]+)="([^"]*)"')


@dataclass
class Student:
    """One simulated student: a connection from its own address, its cookies, and the form of each item."""

    email: str
    connection: Connection
    cookies: dict[str, str] = field(default_factory=dict)
    forms: dict[int, dict[str, str]] = field(default_factory=dict)  # item id -> the answer form's fields
    turn: int = 0

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    async def send(self, method: str, path: str, data: dict[str, str] | None = None) -> Response:
        response = await self.connection.request(method, path, self.cookie_header(), urlencode(data or {}).encode())
        for cookie in response.cookies:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            if "max-age=0" in cookie.lower() or "expires=thu, 01 jan 1970" in cookie.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def read_form(self, item_id: int, page: bytes) -> None:
        match = FORM_RE.search(page.decode())
        if match is None:
            raise HTTPError(f"item {item_id}: no answer form on the page for {self.email}")
        fields: dict[str, str] = {}
        for tag, attributes in INPUT_RE.findall(match.group(1)):
            attrs = dict(ATTR_RE.findall(attributes))
            name = attrs.get("name")
            if name and name not in fields:
                fields[name] = unescape(attrs.get("value", "")) if tag == "input" else ""
        self.forms[item_id] = fields


@dataclass(frozen=True)
class World:
    database_url: str
    item_ids: dict[tuple[str, str], int]  # (flow, exercise slug) -> assignment item id
    emails: list[str]


def server_url(database_url: str, database: str) -> str:
    """The URL of ``database`` on the server of ``database_url`` (whose own database is replaced)."""
    base, _, _ = database_url.rpartition("/")
    return f"{base}/{database}"


def recreate_database(admin_url: str, name: str) -> None:
    if not name.startswith("mlelab_load"):
        raise SystemExit(f"refusing to drop database {name!r}: the load benchmark's names start with mlelab_load")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(admin_url: str, name: str) -> None:
    if name.startswith("mlelab_load"):
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def create_world(
    admin_url: str, name: str, *, students: int, flows: Iterable[str], slugs: Iterable[str], secret: str
) -> World:
    """A fresh database ``name`` on the server of ``admin_url``, migrated, synced and seeded."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from webapp import create_app
    from webapp.config import normalise_database_url
    from webapp.extensions import db
    from webapp.models import Assignment, AssignmentItem, CourseRole, Exercise, Role, User
    from webapp.services.accounts import create_user, hash_password, new_session_token
    from webapp.services.courses import create_course, enrol
    from webapp.services.sync import sync_exercises

    recreate_database(admin_url, name)
    database_url = server_url(admin_url, name)
    app = create_app(
        {
            "SECRET_KEY": secret,
            "SQLALCHEMY_ENGINES": {"default": normalise_database_url(database_url)},
            "INSTANCE_PATH": tempfile.mkdtemp(prefix="mlelab-load-"),
        }
    )
    now = datetime.now(timezone.utc)
    with app.app_context():
        upgrade()
        session = db.session
        report = sync_exercises(session, REPO / "exercises")
        if not report.ok:
            raise SystemExit(f"the exercise catalogue does not sync: {report.problems}")
        teacher = create_user(
            session, email="load-teacher@example.com", name="Load Teacher", password=PASSWORD, role=Role.TEACHER
        )
        course = create_course(session, title="Load benchmark", teacher=teacher)
        item_ids = {}
        for flow in flows:
            assignment = Assignment(
                course_id=course.id,
                title=f"Load benchmark: {flow}",
                max_attempts=ATTEMPT_LIMIT,
                opens_at=now - timedelta(days=1),
                due_at=now + timedelta(days=30),
                closes_at=now + timedelta(days=31),
            )
            session.add(assignment)
            session.flush()
            for position, slug in enumerate(slugs):
                exercise = session.scalars(select(Exercise).where(Exercise.slug == slug)).one()
                item = AssignmentItem(assignment_id=assignment.id, exercise_id=exercise.id, position=position)
                session.add(item)
                session.flush()
                item_ids[(flow, slug)] = item.id
        password_hash = hash_password(PASSWORD)  # one production-strength hash, verified at every login
        emails = [f"load-student-{i:04d}@example.com" for i in range(students)]
        for i, email in enumerate(emails):
            student = User(
                email=email,
                name=f"Student {i}",
                password_hash=password_hash,
                role=Role.STUDENT.value,
                session_token=new_session_token(),
            )
            session.add(student)
            session.flush()
            enrol(session, course, student, CourseRole.STUDENT)
        session.commit()
        db.engine.dispose()
    return World(database_url=database_url, item_ids=item_ids, emails=emails)


@dataclass(frozen=True)
class Check:
    acknowledged: int  # submissions the server acknowledged (302 to the feedback)
    found_once: int  # of those, found in the database exactly once (by variant and form token)
    missing: int
    duplicated: int
    unacknowledged_stored: int  # rows whose POST got no acknowledgement (cut off at the end of the run)
    attempt_gaps: int  # variants whose attempt numbers are not 1..n
    gradings_not_one: int  # submissions without exactly one grading
    grade_mismatch: int  # grades whose attempt count differs from the submissions stored

    @property
    def ok(self) -> bool:
        return (
            self.found_once == self.acknowledged
            and not self.missing
            and not self.duplicated
            and not self.attempt_gaps
            and not self.gradings_not_one
            and not self.grade_mismatch
        )


def exactly_once(database_url: str, acknowledged: Iterable[tuple[str, int, str]]) -> Check:
    """Compare the acknowledged (e-mail, item id, form token) triples with what the database holds."""
    acknowledged = list(acknowledged)
    with psycopg.connect(database_url) as connection:
        connection.execute("CREATE TEMPORARY TABLE acked (email text, item_id int, form_token text)")
        with connection.cursor().copy("COPY acked (email, item_id, form_token) FROM STDIN") as copy:
            for row in acknowledged:
                copy.write_row(row)
        counts = connection.execute(
            """
            SELECT count(*) FILTER (WHERE n = 1), count(*) FILTER (WHERE n = 0), count(*) FILTER (WHERE n > 1)
            FROM (
                SELECT a.email, a.item_id, a.form_token, count(s.id) AS n
                FROM (SELECT DISTINCT * FROM acked) a
                JOIN users u ON u.email = a.email
                LEFT JOIN submissions s
                  ON s.user_id = u.id AND s.assignment_item_id = a.item_id AND s.form_token = a.form_token
                GROUP BY a.email, a.item_id, a.form_token
            ) per_ack
            """
        ).fetchone()
        distinct_acked = connection.execute("SELECT count(*) FROM (SELECT DISTINCT * FROM acked) d").fetchone()[0]
        unacknowledged = connection.execute(
            """
            SELECT count(*) FROM submissions s JOIN users u ON u.id = s.user_id
            WHERE NOT EXISTS (SELECT 1 FROM acked a WHERE a.email = u.email AND a.item_id = s.assignment_item_id
                              AND a.form_token = s.form_token)
            """
        ).fetchone()[0]
        gaps = connection.execute(
            """
            SELECT count(*) FROM (
                SELECT variant_id FROM submissions GROUP BY variant_id
                HAVING min(attempt_no) <> 1 OR max(attempt_no) <> count(*) OR count(DISTINCT attempt_no) <> count(*)
            ) g
            """
        ).fetchone()[0]
        gradings = connection.execute(
            """
            SELECT count(*) FROM submissions s
            WHERE (SELECT count(*) FROM gradings g WHERE g.submission_id = s.id) <> 1
            """
        ).fetchone()[0]
        grades = connection.execute(
            """
            SELECT count(*) FROM grades gr
            WHERE gr.attempts <> (SELECT count(*) FROM submissions s
                                  WHERE s.assignment_item_id = gr.assignment_item_id AND s.user_id = gr.user_id)
            """
        ).fetchone()[0]
    once, missing, duplicated = counts
    # The same token acknowledged twice (the client never resends, so this would be the server's doing).
    duplicated += len(acknowledged) - distinct_acked
    return Check(
        acknowledged=len(acknowledged),
        found_once=once,
        missing=missing,
        duplicated=duplicated,
        unacknowledged_stored=unacknowledged,
        attempt_gaps=gaps,
        gradings_not_one=gradings,
        grade_mismatch=grades,
    )


def cpu_model() -> str:
    """The processor's model name, for the machine line of a benchmark's report."""
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    names = (line.split(":", 1)[1].strip() for line in lines if line.startswith("model name"))
    return next(names, platform.uname().processor)


def cpu_times(pids: Iterable[int]) -> dict[int, float]:
    """User + system CPU seconds of each of these processes so far (one that has ended is left out)."""
    times = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        times[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return times


def machine_cpu() -> tuple[float, float]:
    """(busy, capacity) CPU seconds of the whole machine since boot, all cores together."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    busy = sum(values) - values[3] - values[4]  # less idle and iowait
    return busy / os.sysconf("SC_CLK_TCK"), sum(values) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def backend_pids(database_url: str, name: str) -> list[int]:
    """The PostgreSQL server processes serving database ``name`` (the app's pooled connections)."""
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,)
        ).fetchall()
    return [row[0] for row in rows]
