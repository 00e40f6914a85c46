"""Turning exercise Markdown into safe HTML whose math KaTeX renders in the browser."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from functools import lru_cache

from babel.numbers import get_decimal_symbol
from flask import Flask
from flask_babel import format_datetime, get_locale, to_user_timezone
from markdown_it import MarkdownIt
from markupsafe import Markup
from mdit_py_plugins.dollarmath import dollarmath_plugin


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # Raw HTML is off: prompts are written by teachers through forms too, and must not carry scripts.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    return md.use(dollarmath_plugin, allow_labels=False, double_inline=True)


@lru_cache(maxsize=256)
def markdown_to_html(text: str) -> Markup:
    return Markup(_markdown().render(text))


def inline_markdown(text: str) -> Markup:
    """One line of Markdown (a part's label, an option) as HTML without a paragraph around it."""
    return _inline_html(str(text))  # plain text: a Markup argument is no different source


@lru_cache(maxsize=1024)
def _inline_html(text: str) -> Markup:
    # The same few labels come back on every page: each is rendered once, a pure function of its text (a Markup is
    # an immutable str, so sharing one is safe).
    return Markup(_markdown().renderInline(text))


def current_locale() -> str:
    return str(get_locale() or "ru")


def format_when(value: datetime | None) -> str:
    """A moment as people read it: in the user's language and time zone (``i18n.select_timezone``; UTC when
    unknown), with the zone named by its abbreviation ("MSK", "CET") or, where it has none, its UTC offset."""
    if value is None:
        return ""
    return f"{format_datetime(value, 'd MMM y, HH:mm')} {zone_label(to_user_timezone(value))}"


def zone_label(local: datetime) -> str:
    """The zone of ``local`` in a few letters: "UTC", "MSK", "EST"; for a zone whose abbreviation is only a
    number, its offset: "UTC+7", "UTC+5:30", "UTC−3"."""
    name = local.tzname() or ""
    if name.isalpha():
        return name
    offset = local.utcoffset() or timedelta(0)
    minutes = round(offset.total_seconds() / 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "\u2212"  # a real minus sign
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}:{rest:02d}" if rest else f"UTC{sign}{hours}"


_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def reader_number(value: float, spec: str = ".3g") -> str:
    """A number in the reader's notation, formatted by ``spec`` ("r": every digit of its repr): 0,25 and
    1,99·10¹⁴ in Russian, 0.25 and 1.99·10¹⁴ in English."""
    number = float(value)
    if not math.isfinite(number):
        return "NaN" if math.isnan(number) else ("−∞" if number < 0 else "∞")
    if number == 0:
        return "0"
    text = repr(number) if spec == "r" else format(number, spec)
    mantissa, _e, exponent = text.partition("e")
    mantissa = mantissa.replace(".", get_decimal_symbol(current_locale()))
    if not exponent:
        return mantissa
    power = "10" + str(int(exponent)).translate(_SUPERSCRIPTS)
    return power if mantissa == "1" else f"{mantissa}·{power}"


def register_template_helpers(app: Flask) -> None:
    from .feedback import STATUS_BADGES, status_word, verdict_message

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["verdict_message"] = verdict_message
    app.jinja_env.globals["status_word"] = status_word
    app.jinja_env.globals["verdict_badges"] = STATUS_BADGES
    app.jinja_env.filters["markdown"] = markdown_to_html
    app.jinja_env.filters["inline_markdown"] = inline_markdown
    app.jinja_env.filters["when"] = format_when
    app.jinja_env.filters["number"] = reader_number
    app.jinja_env.globals["current_locale"] = current_locale
