"""Driving the exercise editor like a browser: a complete form for a small Poisson exercise, the fields a page's
form holds (read with the standard library's HTML parser), and the message shown at a field."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from ..conftest import hidden_fields

EN = {"Accept-Language": "en"}
RU = {"Accept-Language": "ru"}
NEW = "/teach/exercises/new"
# Mutations counted on eight days: the MLE of the Poisson rate is their mean, 18/8.
COUNTS = [2, 0, 3, 1, 4, 2, 5, 1]
TABLE = "day,mutations\n" + "".join(f"{day},{count}\n" for day, count in enumerate(COUNTS, start=1))


def counts_form(**overrides: str) -> dict[str, str]:
    """Every field of the editor for a valid exercise: a Poisson rate from a pasted table, one number part."""
    fields = {
        "slug": "mutation-counts", "topic": "poisson", "tags": "poisson, counts",
        "title_ru": "Мутации по дням", "title_en": "Mutations by day",
        "prompt_ru": "Найдите оценку $\\hat\\lambda$.", "prompt_en": "Find the estimate $\\hat\\lambda$.",
        "models-0-name": "", "models-0-family": "poisson", "models-0-inputs": "x = mutations", "models-0-rows": "",
        "data_source": "table", "table": TABLE, "generator": "", "parameters": "",
        "columns-0-name": "day", "columns-0-label_ru": "День", "columns-0-label_en": "Day", "columns-0-levels": "",
        "columns-1-name": "mutations", "columns-1-label_ru": "Мутаций", "columns-1-label_en": "Mutations",
        "columns-1-levels": "",
        "parts-0-kind": "number", "parts-0-name": "lam_hat", "parts-0-label_ru": "Оценка $\\hat\\lambda$",
        "parts-0-label_en": "The estimate $\\hat\\lambda$", "parts-0-key": "mle.lam", "parts-0-sig_figs": "3",
        "parts-0-rel": "", "parts-0-abs": "", "parts-0-weight": "", "parts-0-extras": "",
        "action": "preview",
    }
    fields.update(overrides)
    return fields


def send(client, url: str, data: dict, headers=EN, **kwargs):
    """POST the editor's form with the CSRF token of a fresh GET of the page."""
    page = client.get(url, headers=headers)
    assert page.status_code == 200, page.status_code
    return client.post(url, data={**hidden_fields(page.text), **data}, headers=headers, **kwargs)


class _FormReader(HTMLParser):
    """The values a browser would send for the form with id ``exercise-editor`` (no button: the caller adds one)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self._inside = False
        self._textarea: str | None = None
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and attributes.get("id") == "exercise-editor":
            self._inside = True
        if not self._inside:
            return
        name = attributes.get("name")
        if tag == "input" and name and attributes.get("type") not in ("file", "submit"):
            if attributes.get("type") == "radio":
                if "checked" in attributes:
                    self.values[name] = attributes.get("value", "")
            else:
                self.values[name] = attributes.get("value", "")
        elif tag == "textarea" and name:
            self._textarea, self.values[name] = name, ""
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            value = attributes.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in attributes:
                self.values[self._select] = value

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            # A browser drops the one line break that follows <textarea>.
            text = self.values[self._textarea]
            self.values[self._textarea] = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self._textarea = None
        elif tag == "select" and self._select:
            self.values.setdefault(self._select, self._first_option or "")
            self._select = None
        elif tag == "form":
            self._inside = False


def form_values(page: str) -> dict[str, str]:
    reader = _FormReader()
    reader.feed(page)
    return reader.values


def field_message(page: str, field_id: str) -> str | None:
    """The message shown under a field, if the field points at it (aria-describedby) and is marked invalid."""
    found = re.search(rf'<small id="{re.escape(field_id)}-error" class="field-error">(.*?)</small>', page, re.S)
    if found is None:
        return None
    element = re.search(rf'<(?:input|textarea|select)[^>]*\bid="{re.escape(field_id)}"[^>]*>', page)
    assert element is not None, f"no field {field_id}"
    assert f"{field_id}-error" in element.group(0) and 'aria-invalid="true"' in element.group(0), element.group(0)
    return html.unescape(found.group(1))


def key_values(page: str) -> dict[str, str]:
    """The computed key of each part as the preview shows it."""
    return {name: html.unescape(value) for name, value in re.findall(
        r'<tr data-part="([^"]+)">(?:(?!</tr>).)*?<span class="key-value" data-key-value>([^<]*)</span>', page, re.S)}


def sample_column(page: str, label: str) -> list[str]:
    table = re.search(r'<table class="data-table striped" id="sample-data">(.*?)</table>', page, re.S).group(1)
    headings = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', table)
    index = headings.index(label)
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)
    return [re.findall(r'<td class="num">([^<]*)</td>', row)[index] for row in rows]
