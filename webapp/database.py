"""Engine settings that make each backend behave like a proper transactional database."""

from __future__ import annotations

import inspect

from flask import Flask
from sqlalchemy import Engine, event

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
        connection.exec_driver_sql("BEGIN")
