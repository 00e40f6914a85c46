"""Language and time zone.

Language: Russian or English, chosen from the account, a cookie (the switch in the header sets both), or the
browser's Accept-Language.

Time zone: pages show times in the user's zone; deadlines are still judged by the server's clock, in UTC. The
browser tells its zone in the ``tz`` cookie (``static/app.js``); an account that has no zone yet adopts the first
valid one it brings, and keeps it. Anything that is not a known IANA name is ignored; without a zone, UTC.
"""

from __future__ import annotations

import zoneinfo
from datetime import tzinfo
from functools import lru_cache

from babel.dates import get_timezone
from flask import Flask, request
from flask_login import current_user

from .extensions import babel, db

LANGUAGES = {"ru": "Русский", "en": "English"}
LANGUAGE_COOKIE = "lang"
TIMEZONE_COOKIE = "tz"


def select_locale() -> str:
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default="ru")


@lru_cache(maxsize=1)
def known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def valid_timezone(name: str | None) -> str | None:
    """``name`` when it is a time zone this server knows (an IANA name such as "Europe/Moscow"), else None."""
    if not name or len(name) > 64 or name not in known_timezones():
        return None
    try:
        get_timezone(name)  # the zone database the formatting uses must know it too
    except LookupError:
        return None
    return name


def select_timezone() -> tzinfo | None:
    """The account's zone, else the browser's (a visitor who is not logged in); None means UTC."""
    zone = None
    if current_user and current_user.is_authenticated:
        zone = valid_timezone(current_user.timezone)
    zone = zone or valid_timezone(request.cookies.get(TIMEZONE_COOKIE))
    return get_timezone(zone) if zone else None


def adopt_browser_timezone() -> None:
    """An account without a zone takes the one its browser sends, once; later changes are the user's to make."""
    if request.endpoint == "static" or not current_user.is_authenticated or current_user.timezone:
        return
    zone = valid_timezone(request.cookies.get(TIMEZONE_COOKIE))
    if zone:
        current_user.timezone = zone
        db.session.commit()


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.before_request(adopt_browser_timezone)
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
