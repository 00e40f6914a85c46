"""Configuration comes from the environment; secrets have no default that works in production."""

from __future__ import annotations

import stat

import pytest

from webapp.config import DEFAULT_SQLITE_NAME, SECRET_KEY_FILE, ConfigError, build_config


def test_development_generates_a_secret_key_once(tmp_path):
    first = build_config(tmp_path, environ={})
    second = build_config(tmp_path, environ={})
    key_file = tmp_path / SECRET_KEY_FILE
    assert first["SECRET_KEY"] == second["SECRET_KEY"] == key_file.read_text()
    assert len(first["SECRET_KEY"]) >= 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert build_config(tmp_path / "other", environ={})["SECRET_KEY"] != first["SECRET_KEY"]


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        build_config(tmp_path, environ={"MLELAB_ENV": "production"})
    with pytest.raises(ConfigError, match="at least 32"):
        build_config(tmp_path, environ={"MLELAB_ENV": "production", "SECRET_KEY": "short"})
    assert not (tmp_path / SECRET_KEY_FILE).exists()


def test_production_cookies_are_secure(tmp_path):
    config = build_config(tmp_path, environ={"MLELAB_ENV": "production", "SECRET_KEY": "k" * 40})
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["SESSION_COOKIE_HTTPONLY"] and config["SESSION_COOKIE_SAMESITE"] == "Lax"
    development = build_config(tmp_path, environ={})
    assert development["SESSION_COOKIE_SECURE"] is False  # served over plain http on 127.0.0.1
    assert build_config(tmp_path, environ={"PREFERRED_URL_SCHEME": "https"})["SESSION_COOKIE_SECURE"] is True


def test_database_url_defaults_to_sqlite_in_the_instance_folder(tmp_path):
    assert build_config(tmp_path, environ={})["SQLALCHEMY_ENGINES"]["default"] == \
        f"sqlite:///{tmp_path / DEFAULT_SQLITE_NAME}"


@pytest.mark.parametrize("given", ["postgres://u@h:5432/d", "postgresql://u@h:5432/d"])
def test_postgres_urls_use_psycopg_3(tmp_path, given):
    config = build_config(tmp_path, environ={"DATABASE_URL": given})
    assert config["SQLALCHEMY_ENGINES"]["default"] == "postgresql+psycopg://u@h:5432/d"
