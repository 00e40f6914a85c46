"""The exercise format: what an ``exercise.toml`` may say, validated with pydantic.

Only structure lives here; whether the model can be fitted and every key computed is checked by
``exercises.keys`` against the grader, so a definition is accepted only when its keys really exist.
"""

from __future__ import annotations

import uuid as uuid_lib
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .format_texts import FormatError, listed

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
LOCALES = ("ru", "en")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False, strict=True)


class FieldError(FormatError):
    """A check of a whole table that concerns one of its fields; ``field`` is its path within the table ("" for
    the table itself)."""


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


class ColumnHeading(Strict):
    """How a data column is shown: its name in files and formulas, its label, the words for coded values."""

    name: str = Field(pattern=NAME_PATTERN, max_length=40)
    label: Text
    levels: list[Level] = Field(default_factory=list)


class Column(ColumnHeading):
    """A column of fixed data: the heading and the values themselves."""

    values: list[float] = Field(min_length=1, max_length=100_000)

    @model_validator(mode="after")
    def _values_have_levels(self) -> "Column":
        if self.levels:
            known = {level.value for level in self.levels}
            unknown = sorted({v for v in self.values if v not in known})
            if unknown:
                raise FieldError("", "level_missing", values=unknown[:5])
        return self


class FixedData(Strict):
    source: Literal["fixed"]
    columns: list[Column] = Field(min_length=1)

    @model_validator(mode="after")
    def _columns_consistent(self) -> "FixedData":
        _unique_names([c.name for c in self.columns], "duplicate_column_names")
        lengths = {c.name: len(c.values) for c in self.columns}
        if len(set(lengths.values())) > 1:
            raise FieldError("", "column_lengths", lengths=lengths)
        return self


def _unique_names(names: list[str], code: str, field: str = "") -> None:
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise FieldError(field, code, names=listed(duplicates))


# A generator parameter: a fixed number, or [low, high] from which each variant draws its own value (a whole number
# when both ends are whole numbers, else uniformly).
ParameterValue = Union[float, Annotated[list[float], Field(min_length=2, max_length=2)]]


class GeneratedData(Strict):
    """Data drawn for each variant by a generator of ``exercises.generators``, from the variant's seed."""

    source: Literal["generated"]
    generator: str = Field(pattern=NAME_PATTERN, max_length=50)
    parameters: dict[str, ParameterValue] = Field(default_factory=dict)
    columns: list[ColumnHeading] = Field(min_length=1)

    @field_validator("parameters")
    @classmethod
    def _ranges_ordered(cls, value: dict[str, ParameterValue]) -> dict[str, ParameterValue]:
        for name, given in value.items():
            if isinstance(given, list) and not given[0] <= given[1]:
                raise FieldError(name, "range_order", given=given)
        return value

    @model_validator(mode="after")
    def _columns_unique(self) -> "GeneratedData":
        _unique_names([c.name for c in self.columns], "duplicate_column_names")
        return self


DataSpec = Annotated[Union[FixedData, GeneratedData], Field(discriminator="source")]

# The column of ones a design matrix lists as "1" (the intercept).
INTERCEPT = "1"


class Model(Strict):
    family: str = Field(min_length=1, max_length=50)
    # family argument -> data column, e.g. {y = "answer"}; a design matrix lists its columns, "1" for the intercept:
    # {X = ["1", "t"], y = "protein"}
    inputs: dict[str, Union[str, Annotated[list[str], Field(min_length=1, max_length=30)]]] = Field(min_length=1)
    # Fit only the first ``rows`` rows of the data (the sample-size exercise fits n = 20, 50, ... of one sample).
    rows: int | None = Field(default=None, ge=1, le=1_000_000)

    def columns(self) -> list[tuple[str, str]]:
        """(input argument, column name) for every data column the model reads."""
        found = []
        for argument, source in self.inputs.items():
            for column in [source] if isinstance(source, str) else source:
                if column != INTERCEPT:
                    found.append((argument, column))
        return found


class Tolerance(Strict):
    sig_figs: int | None = Field(default=3, ge=1, le=15)
    rel: float | None = Field(default=None, gt=0, lt=1)
    abs: float | None = Field(default=None, gt=0)


class ComputedKey(Strict):
    """A value computed from a model's fit or data (``exercises.keys`` documents each quantity). A plain string in
    a part, ``key = "mle.p"``, is this with only ``quantity`` given."""

    quantity: str = Field(min_length=1, max_length=100)
    model: str | None = Field(default=None, pattern=NAME_PATTERN, max_length=40)  # default: the only model
    # likelihood_at / loglik_at: the parameter values, e.g. {p = 0.5} or {beta = [1, 2], sigma = 1}
    at: dict[str, Union[float, list[float]]] | None = None
    # mean_response: the design row, intercept included, e.g. [1, 2.5]; its class for a multinomial model
    x: list[float] | None = Field(default=None, min_length=1, max_length=30)
    category: int | None = Field(default=None, ge=0, le=30)
    # gradient_descent: theta := theta - alpha * grad J from ``start``, ``steps`` times; ``component`` of the last
    # iterate (all of them for a vector part)
    alpha: float | None = Field(default=None, gt=0)
    steps: int | None = Field(default=None, ge=0, le=10_000)
    start: list[float] | None = Field(default=None, min_length=1, max_length=30)
    component: int | None = Field(default=None, ge=0, le=30)


KeySpec = Union[Annotated[str, Field(min_length=1, max_length=100)], ComputedKey]


class PartBase(Strict):
    name: str = Field(pattern=NAME_PATTERN, max_length=50)
    label: Text
    weight: float = Field(default=1.0, gt=0, le=100)


class NumberPart(PartBase):
    kind: Literal["number"]
    key: KeySpec
    tolerance: Tolerance = Tolerance()
    # Lets "60%" mean 0.6 where the part asks for a probability.
    allow_percent: bool = False


class VectorPart(PartBase):
    """Several numbers in one field, e.g. all coefficients; graded component by component (partial credit)."""

    kind: Literal["vector"]
    key: KeySpec | Annotated[list[KeySpec], Field(min_length=2, max_length=30)]
    tolerance: Tolerance = Tolerance()


class FormulaVariable(Strict):
    """A variable of a formula answer and the model parameter it stands for ("p", "beta[1]", "sigma")."""

    name: str = Field(pattern=NAME_PATTERN, max_length=20)
    parameter: str = Field(min_length=1, max_length=40)
    # Points are drawn inside the parameter's domain, or inside (low, high) when given.
    range: Annotated[list[float], Field(min_length=2, max_length=2)] | None = None


class FormulaPart(PartBase):
    """A formula in named variables, compared with a function of the parameters at random points."""

    kind: Literal["formula"]
    key: KeySpec
    variables: list[FormulaVariable] = Field(min_length=1, max_length=10)
    # Accept a formula that differs from the key by an additive constant (a log-likelihood without log C(n, k)).
    up_to_constant: bool = False
    rtol: float = Field(default=1e-6, gt=0, lt=0.1)

    @model_validator(mode="after")
    def _variables_unique(self) -> "FormulaPart":
        _unique_names([v.name for v in self.variables], "duplicate_variable_names")
        return self


class Option(Strict):
    id: str = Field(pattern=NAME_PATTERN, max_length=30)
    ru: str = Field(min_length=1, max_length=500)
    en: str = Field(min_length=1, max_length=500)

    def get(self, locale: str) -> str:
        return self.ru if locale == "ru" else self.en


class ChoicePart(PartBase):
    """One option (``multiple`` false) or a set of options; the options are shuffled per student."""

    kind: Literal["choice"]
    options: list[Option] = Field(min_length=2, max_length=12)
    correct: list[str] = Field(min_length=1, max_length=12)
    multiple: bool = False
    shuffle: bool = True

    @model_validator(mode="after")
    def _correct_options_exist(self) -> "ChoicePart":
        ids = [o.id for o in self.options]
        _unique_names(ids, "duplicate_option_ids")
        unknown = [c for c in self.correct if c not in ids]
        if unknown:
            raise FieldError("correct", "correct_unknown", unknown=listed(unknown), options=listed(ids))
        if not self.multiple and len(self.correct) != 1:
            raise FieldError("correct", "single_choice_one_correct")
        return self


class TextPart(PartBase):
    """A short written answer, graded by a teacher with the rubric."""

    kind: Literal["text"]
    rubric: Text
    max_length: int = Field(default=2000, ge=10, le=20_000)


Part = Annotated[Union[NumberPart, VectorPart, FormulaPart, ChoicePart, TextPart], Field(discriminator="kind")]
# The parts whose key a model computes.
COMPUTED_PART_KINDS = ("number", "vector", "formula")


class ExerciseDefinition(Strict):
    uuid: str
    slug: str = Field(pattern=SLUG_PATTERN, max_length=100)
    title: Text
    topic: str = Field(pattern=SLUG_PATTERN, max_length=100)
    tags: list[Annotated[str, Field(pattern=SLUG_PATTERN, max_length=50)]] = Field(default_factory=list)
    # One model, or several named ones (``models.ols``, ``models.lad``) that parts' keys choose between.
    model: Model | None = None
    models: dict[str, Model] = Field(default_factory=dict)
    data: DataSpec | None = None
    parts: list[Part] = Field(min_length=1, max_length=30)

    @property
    def all_models(self) -> dict[str, Model]:
        """Every model by name; a lone ``model`` is called "model"."""
        return {"model": self.model} if self.model is not None else dict(self.models)

    def model_for(self, name: str | None) -> tuple[str, Model]:
        models = self.all_models
        if name is None:
            return next(iter(models.items()))
        return name, models[name]

    @field_validator("uuid")
    @classmethod
    def _canonical_uuid(cls, value: str) -> str:
        try:
            parsed = uuid_lib.UUID(value)
        except ValueError:
            raise FieldError("", "uuid_form", example=str(uuid_lib.uuid4()), value=value) from None
        if str(parsed) != value.lower():
            raise FieldError("", "uuid_case", uuid=str(parsed))
        return str(parsed)

    @model_validator(mode="after")
    def _references_resolve(self) -> "ExerciseDefinition":
        if self.model is not None and self.models:
            raise FieldError("models", "model_and_models")
        _unique_names([p.name for p in self.parts], "duplicate_part_names", "parts")
        prefix = "model" if self.model is not None else "models"
        columns = {c.name for c in self.data.columns} if self.data is not None else set()
        for model_name, model in self.all_models.items():
            where = prefix if self.model is not None else f"models.{model_name}"
            for argument, column in model.columns():
                if column not in columns and columns:
                    raise FieldError(f"{where}.inputs.{argument}", "input_column_missing", column=column,
                                     available=listed(sorted(columns)))
                if column not in columns:
                    raise FieldError(f"{where}.inputs.{argument}", "input_without_data", column=column)
        for index, part in enumerate(self.parts):
            if part.kind not in COMPUTED_PART_KINDS:
                continue
            specs = part.key if isinstance(part.key, list) else [part.key]
            for spec in specs:
                model = spec.model if isinstance(spec, ComputedKey) else None
                if not self.all_models:
                    raise FieldError(f"parts[{index}].key", "key_needs_model", kind=part.kind)
                if model is not None and model not in self.all_models:
                    raise FieldError(f"parts[{index}].key.model", "unknown_model", model=model,
                                     models=listed(self.all_models))
                if model is None and len(self.all_models) > 1:
                    raise FieldError(f"parts[{index}].key", "key_model_needed", first=next(iter(self.all_models)))
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
