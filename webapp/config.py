"""Configuration read from the environment.

Secrets never have a default that works in production: a development instance generates its key once into the
git-ignored instance folder; production (``MLELAB_ENV=production``) refuses to start without ``SECRET_KEY``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping

DEFAULT_SQLITE_NAME = "mlelab.sqlite3"
SECRET_KEY_FILE = "secret_key"
CREDENTIAL_RATE_LIMIT = "10 per minute;100 per hour"
REPOSITORY = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The environment does not describe a configuration the app can run with."""


def load_secret_key(instance_path: Path, environ: Mapping[str, str], production: bool) -> str:
    key = environ.get("SECRET_KEY", "").strip()
    if key:
        if production and len(key) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters long in production.")
        return key
    if production:
        raise ConfigError(
            "SECRET_KEY is not set. Production mode (MLELAB_ENV=production) refuses to start without one: "
            "generate one with `python -c 'import secrets; print(secrets.token_hex(32))'`."
        )
    key_file = instance_path / SECRET_KEY_FILE
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: two workers starting at once must not each write a different key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def normalise_database_url(url: str) -> str:
    """Accept the common ``postgres://`` / ``postgresql://`` spellings and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def build_config(
    instance_path: Path, environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The environment's configuration, then ``overrides`` on top (what a test or a caller fixes explicitly)."""
    environ = os.environ if environ is None else environ
    overrides = overrides or {}
    production = environ.get("MLELAB_ENV", "development") == "production"
    database_url = normalise_database_url(
        environ.get("DATABASE_URL") or f"sqlite:///{instance_path / DEFAULT_SQLITE_NAME}"
    )
    prefer_https = environ.get("PREFERRED_URL_SCHEME", "https" if production else "http") == "https"
    secret_key = overrides.get("SECRET_KEY") or load_secret_key(instance_path, environ, production)
    return {
        "PRODUCTION": production,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_ENGINES": {"default": database_url},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": prefer_https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": prefer_https,
        "PREFERRED_URL_SCHEME": "https" if prefer_https else "http",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session: a long exam must not lose answers
        "BABEL_DEFAULT_LOCALE": "ru",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "EXERCISES_DIR": environ.get("MLELAB_EXERCISES_DIR") or str(REPOSITORY / "exercises"),
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # Per-process memory is right for one process; several workers or machines share a Redis:
        # RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379
        "RATELIMIT_STORAGE_URI": environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "CREDENTIAL_RATE_LIMIT": CREDENTIAL_RATE_LIMIT,
        **overrides,
    }
