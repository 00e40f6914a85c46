"""The exercise format: what an ``exercise.toml`` may say, validated with pydantic.

Only structure lives here; whether the model can be fitted and every key computed is checked by
``exercises.keys`` against the grader, so a definition is accepted only when its keys really exist.
"""

from __future__ import annotations

import uuid as uuid_lib
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
LOCALES = ("ru", "en")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False, strict=True)


class FieldError(ValueError):
    """A check of a whole table that concerns one of its fields; ``field`` is its path within the table."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


class Text(Strict):
    ru: str = Field(min_length=1, max_length=300)
    en: str = Field(min_length=1, max_length=300)

    def get(self, locale: str) -> str:
        return self.ru if locale == "ru" else self.en


class Level(Strict):
    """A coded value shown to students with a word, e.g. 1 = "yes"."""

    value: float
    ru: str = Field(min_length=1, max_length=50)
    en: str = Field(min_length=1, max_length=50)


class Column(Strict):
    name: str = Field(pattern=NAME_PATTERN, max_length=40)
    label: Text
    values: list[float] = Field(min_length=1, max_length=100_000)
    levels: list[Level] = Field(default_factory=list)

    @model_validator(mode="after")
    def _values_have_levels(self) -> "Column":
        if self.levels:
            known = {level.value for level in self.levels}
            unknown = sorted({v for v in self.values if v not in known})
            if unknown:
                raise ValueError(f"values {unknown[:5]} have no entry in levels")
        return self


class FixedData(Strict):
    source: Literal["fixed"]
    columns: list[Column] = Field(min_length=1)

    @model_validator(mode="after")
    def _columns_consistent(self) -> "FixedData":
        names = [c.name for c in self.columns]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate column names: {', '.join(duplicates)}")
        lengths = {c.name: len(c.values) for c in self.columns}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"columns have different lengths: {lengths}")
        return self


DataSpec = Annotated[Union[FixedData], Field(discriminator="source")]


class Model(Strict):
    family: str = Field(min_length=1, max_length=50)
    # family argument -> data column, e.g. {y = "answer"}
    inputs: dict[str, str] = Field(min_length=1)


class Tolerance(Strict):
    sig_figs: int | None = Field(default=3, ge=1, le=15)
    rel: float | None = Field(default=None, gt=0, lt=1)
    abs: float | None = Field(default=None, gt=0)


class NumberPart(Strict):
    kind: Literal["number"]
    name: str = Field(pattern=NAME_PATTERN, max_length=50)
    label: Text
    key: str = Field(min_length=1, max_length=100)
    tolerance: Tolerance = Tolerance()
    weight: float = Field(default=1.0, gt=0, le=100)
    # Lets "60%" mean 0.6 where the part asks for a probability.
    allow_percent: bool = False


Part = Annotated[Union[NumberPart], Field(discriminator="kind")]


class ExerciseDefinition(Strict):
    uuid: str
    slug: str = Field(pattern=SLUG_PATTERN, max_length=100)
    title: Text
    topic: str = Field(pattern=SLUG_PATTERN, max_length=100)
    tags: list[Annotated[str, Field(pattern=SLUG_PATTERN, max_length=50)]] = Field(default_factory=list)
    model: Model
    data: DataSpec
    parts: list[Part] = Field(min_length=1, max_length=30)

    @field_validator("uuid")
    @classmethod
    def _canonical_uuid(cls, value: str) -> str:
        try:
            parsed = uuid_lib.UUID(value)
        except ValueError:
            raise ValueError(f"expected a UUID such as '{uuid_lib.uuid4()}', got {value!r}") from None
        if str(parsed) != value.lower():
            raise ValueError(f"write the UUID in its canonical lowercase form: {parsed}")
        return str(parsed)

    @model_validator(mode="after")
    def _references_resolve(self) -> "ExerciseDefinition":
        columns = {c.name for c in self.data.columns}
        for argument, column in self.model.inputs.items():
            if column not in columns:
                raise FieldError(
                    f"model.inputs.{argument}",
                    f"names column {column!r}, but the data has only: {', '.join(sorted(columns))}",
                )
        names = [p.name for p in self.parts]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise FieldError("parts", f"duplicate part names: {', '.join(duplicates)}")
        return self


class Prompts(Strict):
    ru: str = Field(min_length=1, max_length=50_000)
    en: str = Field(min_length=1, max_length=50_000)


class LoadedExercise(Strict):
    """A definition with its prompts, as read from one folder."""

    definition: ExerciseDefinition
    prompts: Prompts
    source: str

    @property
    def uuid(self) -> str:
        return self.definition.uuid
