"""Language: Russian and English, chosen from the account, a cookie, or the browser."""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user

from .extensions import babel

LANGUAGES = {"ru": "Русский", "en": "English"}
LANGUAGE_COOKIE = "lang"


def select_locale() -> str:
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default="ru")


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
