"""Engine settings that make each backend behave like a proper transactional database."""

from __future__ import annotations

import inspect

from flask import Flask
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from .extensions import db


def configure_engines(app: Flask) -> None:
    # flask-sqlalchemy-lite also registers a teardown for async sessions. This app has no async engine, and Flask
    # runs an async teardown through asgiref's event loop at about 1 ms per request (and not at all in a thread
    # that already runs a loop), so the app keeps only its synchronous teardowns.
    app.teardown_appcontext_funcs[:] = [
        func for func in app.teardown_appcontext_funcs if not inspect.iscoroutinefunction(func)
    ]
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINTs; let SQLAlchemy emit BEGIN itself
    # (the recipe in SQLAlchemy's SQLite dialect documentation).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 5000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        # BEGIN IMMEDIATE for a transaction that asked for it (begin_write_transaction): it takes the write lock
        # at once, waiting up to busy_timeout. A deferred transaction that reads first and writes later fails at
        # once with "database is locked" when another writer committed in between (WAL's busy snapshot).
        immediate = connection.get_execution_options().get(_SQLITE_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_SQLITE_IMMEDIATE = "sqlite_begin_immediate"


def begin_write_transaction(session: Session) -> None:
    """Start a new transaction on ``session`` that holds the database's write lock from its first statement, for a
    read-then-write sequence that must not interleave with another writer (an answer's attempt count and insert).

    On SQLite that is BEGIN IMMEDIATE (its row locks, with_for_update, are no-ops); PostgreSQL's row lock is taken by
    the service itself. Whatever the session holds is committed first: call it before the work, from a view.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={_SQLITE_IMMEDIATE: True})
