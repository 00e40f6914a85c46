"""MLE Lab web application."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from flask import Flask

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides what the environment says (tests pass their database here)."""
    from . import auth, cli, errors, i18n, learn, teach
    from .config import build_config
    from .database import configure_engines
    from .extensions import csrf, db, limiter, login, migrate
    from .rendering import register_template_helpers

    overrides = dict(config or {})
    app = Flask(__name__, instance_relative_config=True, instance_path=overrides.pop("INSTANCE_PATH", None))
    app.config.update(build_config(Path(app.instance_path), overrides=overrides))

    db.init_app(app)
    configure_engines(app)
    migrate.init_app(app, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    register_template_helpers(app)
    errors.init_app(app)
    cli.init_app(app)

    app.register_blueprint(auth.bp)
    app.register_blueprint(learn.bp)
    app.register_blueprint(teach.bp)
    return app
