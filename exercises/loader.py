"""Reading exercise folders: ``exercise.toml`` + ``prompt.ru.md`` + ``prompt.en.md``.

Every problem is reported with the file and the field, in words a teacher can act on, e.g.
``exercises/weather-15/exercise.toml: parts[0].tolerance.sig_figs: expected a whole number, got 'abc'``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from pydantic import ValidationError

from .schema import LOCALES, ExerciseDefinition, FieldError, LoadedExercise, Prompts

DEFINITION_FILE = "exercise.toml"


@dataclass(frozen=True)
class Problem:
    file: str
    field: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}" if self.field else f"{self.file}: {self.message}"


class ExerciseFileError(ValueError):
    """A folder that does not hold a valid exercise; ``problems`` lists every reason found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def exercise_folders(root: Path) -> list[Path]:
    """Folders under ``root`` holding an exercise definition, in a stable order."""
    return sorted(p.parent for p in root.glob(f"*/{DEFINITION_FILE}"))


def load_exercise(folder: Path, relative_to: Path | None = None) -> LoadedExercise:
    shown = folder.relative_to(relative_to) if relative_to else folder
    definition_file = f"{shown}/{DEFINITION_FILE}"
    problems: list[Problem] = []

    raw: dict[str, Any] | None = None
    try:
        raw = tomllib.loads((folder / DEFINITION_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(Problem(definition_file, None, "file not found"))
    except UnicodeDecodeError:
        problems.append(Problem(definition_file, None, "not UTF-8 text"))
    except tomllib.TOMLDecodeError as error:
        problems.append(Problem(definition_file, None, f"not valid TOML: {error}"))

    prompts: dict[str, str] = {}
    for locale in LOCALES:
        name = f"prompt.{locale}.md"
        try:
            text = (folder / name).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            problems.append(Problem(f"{shown}/{name}", None,
                                    "file not found: every exercise has a prompt per language"))
            continue
        except UnicodeDecodeError:
            problems.append(Problem(f"{shown}/{name}", None, "not UTF-8 text"))
            continue
        if not text:
            problems.append(Problem(f"{shown}/{name}", None, "the prompt is empty"))
        prompts[locale] = text

    definition = None
    if raw is not None:
        try:
            definition = ExerciseDefinition.model_validate(raw)
        except ValidationError as error:
            problems.extend(Problem(definition_file, field, message) for field, message in describe_errors(error))

    if definition is not None and definition.slug != folder.name:
        problems.append(Problem(definition_file, "slug",
                                f"must equal the folder name {folder.name!r}, got {definition.slug!r}"))
    if problems or definition is None:
        raise ExerciseFileError(problems)
    return LoadedExercise(definition=definition, prompts=Prompts(**prompts), source=str(shown))


def describe_errors(error: ValidationError) -> Iterable[tuple[str | None, str]]:
    for item in error.errors(include_url=False):
        path = field_path(item["loc"])
        cause = item.get("ctx", {}).get("error")
        if isinstance(cause, FieldError) and cause.field:  # a check of a whole table that names its field
            path = f"{path}.{cause.field}" if path else cause.field
        yield path, describe_error(item)


# Names pydantic gives the members of the schema's unions (discriminator tags and plain types) in error locations.
_UNION_MEMBERS = {"fixed", "generated", "number", "vector", "formula", "choice", "text", "str", "float", "int",
                  "ComputedKey"}


def field_path(loc: tuple[Any, ...]) -> str | None:
    path = ""
    for piece in loc:
        if isinstance(piece, int):
            path += f"[{piece}]"
        elif piece in _UNION_MEMBERS or piece.startswith(("function-", "list[")):
            # pydantic names the chosen union member; the file has no such level
            continue
        else:
            path += f".{piece}" if path else str(piece)
    return path or None


_EXPECTED = {
    "float_parsing": "a number", "float_type": "a number", "finite_number": "a finite number",
    "int_parsing": "a whole number", "int_type": "a whole number", "int_from_float": "a whole number",
    "string_type": "text", "bool_type": "true or false", "bool_parsing": "true or false",
    "list_type": "a list", "dict_type": "a table", "model_type": "a table", "model_attributes_type": "a table",
}


def describe_error(item: dict[str, Any]) -> str:
    kind = item["type"]
    value = item.get("input")
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {value!r}"
    if kind == "string_too_short":
        minimum = item["ctx"]["min_length"]
        return "must not be empty" if minimum == 1 else f"must have at least {minimum} characters"
    if kind == "too_short":
        return f"must have at least {item['ctx']['min_length']} item(s)"
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (check the spelling)"
    if kind == "literal_error":
        return f"expected one of {item['ctx']['expected']}, got {value!r}"
    if kind == "union_tag_invalid":
        context = item["ctx"]
        return (f"unknown {context['discriminator'].strip(chr(39))} {context['tag']!r}: "
                f"expected one of {context['expected_tags']}")
    if kind == "union_tag_not_found":
        return f"the field {item['ctx']['discriminator']} is required here"
    if kind == "string_pattern_mismatch":
        return f"{value!r} is not allowed here: use lowercase letters, digits and hyphens (or underscores in names)"
    if kind == "value_error":
        return str(item["ctx"]["error"])
    shown = f", got {value!r}" if value is not None and not isinstance(value, dict) else ""
    return item["msg"].replace("Input should be", "expected") + shown
