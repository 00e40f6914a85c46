"""Between the authoring form and the exercise format: a draft (what a teacher typed, as text) and the definition
dict it stands for, in both directions.

Reading a draft only turns text into values (a pasted table into columns of numbers, a key written as TOML into a
table, "X = [1, t]; y = protein" into a model's inputs); whether the result is a valid exercise is decided by the
format's own schema and key computation (``services.authoring``), never here. Fields that need no parsing are
passed on as typed, so that the schema reports their problems in its own terms.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from exercises import GENERATORS, ExerciseDefinition
from exercises.data import format_number
from exercises.schema import COMPUTED_PART_KINDS, FixedData, GeneratedData, Prompts

from .authoring_text import (
    inline_toml,
    read_inputs,
    read_number,
    read_table,
    read_toml_value,
    read_whole,
    toml_problem,
    toml_table,
    write_inputs,
    write_table,
)

# The kinds whose answers are numbers read with a tolerance.
TOLERANCE_KINDS = ("number", "vector")
TOLERANCE_FIELDS = ("sig_figs", "rel", "abs")
# A part's fields that have a field of their own in the form; anything else of the part is in its "extras" (TOML).
PART_FIELDS = frozenset({"kind", "name", "label", "key", "tolerance", "weight"})
DATA_SOURCES = ("none", "table", "generator")


@dataclass
class ModelDraft:
    name: str = ""  # empty for an exercise's only model (the format's [model] table)
    family: str = ""
    inputs: str = ""  # "y = answer", "X = [1, t]; y = protein"
    rows: str = ""

    def is_blank(self) -> bool:
        return not (self.name or self.family or self.inputs or self.rows)


@dataclass
class ColumnDraft:
    name: str = ""
    label_ru: str = ""
    label_en: str = ""
    levels: str = ""  # TOML: [{ value = 1, ru = "да", en = "yes" }, ...]


@dataclass
class PartDraft:
    kind: str = "number"
    name: str = ""
    label_ru: str = ""
    label_en: str = ""
    key: str = ""  # "mle.p", or a TOML value: { model = "lad", quantity = "mle.beta[1]" }
    sig_figs: str = ""
    rel: str = ""
    abs: str = ""
    weight: str = ""
    extras: str = ""  # TOML: the kind's own settings (options, correct, variables, allow_percent, rubric...)


@dataclass
class ExerciseDraft:
    slug: str = ""
    topic: str = ""
    tags: str = ""  # separated by commas or spaces
    title_ru: str = ""
    title_en: str = ""
    prompt_ru: str = ""
    prompt_en: str = ""
    models: list[ModelDraft] = field(default_factory=lambda: [ModelDraft()])  # a blank row is no model
    data_source: str = "none"
    table: str = ""  # CSV with a heading line of column names
    generator: str = ""
    parameters: str = ""  # TOML: n = [12, 40]
    columns: list[ColumnDraft] = field(default_factory=list)
    parts: list[PartDraft] = field(default_factory=lambda: [PartDraft()])


@dataclass(frozen=True)
class FieldProblem:
    """Something wrong with one field of the draft.

    ``field`` names it as the form does ("slug", "models-0-inputs", "parts-2-key"; "" for the exercise as a whole);
    ``code`` says what is wrong, with ``params`` (a parameter may be a grader ``Message``, the cause); ``where`` is
    the place inside the field in the exercise format's notation ("at", "options[1].ru"), "" for the field itself;
    ``detail`` is the exercise format's own description (English, as ``flask exercises check`` prints it), shown
    where a code has no sentence of its own.
    """

    field: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    detail: str = ""
    where: str = ""


@dataclass
class BuiltDraft:
    raw: dict[str, Any]
    prompts: dict[str, str]
    problems: list[FieldProblem]
    # data.columns[i] of the definition is the draft's columns[column_rows[i]]
    column_rows: list[int]
    # the draft's models in the order of the definition's models (names for [models.<name>], [""] for [model])
    model_names: list[str]


# ----- reading a draft --------------------------------------------------------------------------------------------


def build_definition(draft: ExerciseDraft, uuid: str) -> BuiltDraft:
    """The definition dict (as ``exercise.toml`` would be read) and prompts for ``draft``, with the problems met
    while reading its text fields; the draft's ``columns`` gain a row for each table column that had none."""
    problems: list[FieldProblem] = []
    raw: dict[str, Any] = {
        "uuid": uuid,
        "slug": draft.slug,
        "title": {"ru": draft.title_ru, "en": draft.title_en},
        "topic": draft.topic,
        "tags": [tag for tag in re.split(r"[\s,;]+", draft.tags) if tag],
    }
    model_names = _read_models(draft, raw, problems)
    column_rows = _read_data(draft, raw, problems)
    raw["parts"] = [_read_part(index, part, problems) for index, part in enumerate(draft.parts)]
    prompts = {"ru": _clean_prompt(draft.prompt_ru), "en": _clean_prompt(draft.prompt_en)}
    return BuiltDraft(raw, prompts, problems, column_rows, model_names)


def _clean_prompt(text: str) -> str:
    # As the loader reads a prompt file: surrounding blank lines do not count.
    return text.replace("\r\n", "\n").strip()


def _read_models(draft: ExerciseDraft, raw: dict[str, Any], problems: list[FieldProblem]) -> list[str]:
    rows = [(index, model) for index, model in enumerate(draft.models) if not model.is_blank()]
    tables = []
    for index, model in rows:
        table: dict[str, Any] = {"family": model.family}
        inputs = read_inputs(model.inputs)
        if inputs is None:
            problems.append(FieldProblem(f"models-{index}-inputs", "inputs_syntax"))
        else:
            table["inputs"] = inputs
        if model.rows.strip():
            rows_value = read_whole(model.rows)
            if rows_value is None:
                problems.append(FieldProblem(f"models-{index}-rows", "whole_number"))
            else:
                table["rows"] = rows_value
        tables.append((index, model.name.strip(), table))
    if len(tables) == 1 and not tables[0][1]:
        raw["model"] = tables[0][2]
        return [""]
    named: dict[str, dict[str, Any]] = {}
    for index, name, table in tables:
        if not name:
            problems.append(FieldProblem(f"models-{index}-name", "model_name_needed"))
        elif name in named:
            problems.append(FieldProblem(f"models-{index}-name", "model_name_duplicate", {"name": name}))
        else:
            named[name] = table
    if named:
        raw["models"] = named
    return [name for _, name, _ in tables]


def _read_data(draft: ExerciseDraft, raw: dict[str, Any], problems: list[FieldProblem]) -> list[int]:
    if draft.data_source == "table":
        return _read_table_data(draft, raw, problems)
    if draft.data_source == "generator":
        return _read_generated_data(draft, raw, problems)
    if draft.data_source != "none":
        problems.append(FieldProblem("data_source", "choose"))
    return []


def _read_table_data(draft: ExerciseDraft, raw: dict[str, Any], problems: list[FieldProblem]) -> list[int]:
    table, problem = read_table(draft.table)
    if problem is not None:  # the columns read so far still go on, so that the models find their columns
        problems.append(FieldProblem("table", problem.code, problem.params))
    rows_by_name = {}
    for index, column in enumerate(draft.columns):
        name = column.name.strip()
        if name and table and name not in table:
            problems.append(FieldProblem(f"columns-{index}-name", "column_not_in_table", {"name": name}))
        rows_by_name.setdefault(name, index)
    column_rows = []
    for name in table:
        if name not in rows_by_name:
            draft.columns.append(ColumnDraft(name=name))
            rows_by_name[name] = len(draft.columns) - 1
        column_rows.append(rows_by_name[name])
    raw["data"] = {
        "source": "fixed",
        "columns": [
            {**_heading(draft.columns[row], f"columns-{row}", problems), "values": values}
            for row, values in zip(column_rows, table.values(), strict=True)
        ],
    }
    return column_rows


def _read_generated_data(draft: ExerciseDraft, raw: dict[str, Any], problems: list[FieldProblem]) -> list[int]:
    generator = GENERATORS.get(draft.generator)
    if not any(column.name.strip() for column in draft.columns) and generator is not None:
        draft.columns[:] = [ColumnDraft(name=name) for name in generator.columns]
    try:
        parameters = tomllib.loads(draft.parameters)
    except tomllib.TOMLDecodeError as error:
        problems.append(FieldProblem("parameters", "toml", {"error": toml_problem(error)}))
        parameters = {}
    rows = [index for index, column in enumerate(draft.columns) if column.name.strip()]
    raw["data"] = {
        "source": "generated",
        "generator": draft.generator,
        "parameters": parameters,
        "columns": [_heading(draft.columns[row], f"columns-{row}", problems) for row in rows],
    }
    return rows


def _heading(column: ColumnDraft, prefix: str, problems: list[FieldProblem]) -> dict[str, Any]:
    heading: dict[str, Any] = {"name": column.name.strip(), "label": {"ru": column.label_ru, "en": column.label_en}}
    if column.levels.strip():
        try:
            heading["levels"] = read_toml_value(column.levels)
        except tomllib.TOMLDecodeError as error:
            problems.append(FieldProblem(f"{prefix}-levels", "toml", {"error": toml_problem(error)}))
    return heading


def _read_part(index: int, part: PartDraft, problems: list[FieldProblem]) -> dict[str, Any]:
    prefix = f"parts-{index}"
    table: dict[str, Any] = {
        "kind": part.kind,
        "name": part.name.strip(),
        "label": {"ru": part.label_ru, "en": part.label_en},
    }
    computed = part.kind in COMPUTED_PART_KINDS
    key = part.key.strip()
    if key and not computed:
        problems.append(FieldProblem(f"{prefix}-key", "not_for_kind", {"kind": part.kind}))
    elif key:
        try:
            table["key"] = read_toml_value(key) if key[0] in "[{\"'" else key
        except tomllib.TOMLDecodeError as error:
            problems.append(FieldProblem(f"{prefix}-key", "toml", {"error": toml_problem(error)}))
    tolerance: dict[str, Any] = {}
    for name in TOLERANCE_FIELDS:
        text = getattr(part, name).strip()
        if not text:
            continue
        if part.kind not in TOLERANCE_KINDS:
            problems.append(FieldProblem(f"{prefix}-{name}", "not_for_kind", {"kind": part.kind}))
            continue
        value = read_whole(text) if name == "sig_figs" else read_number(text)
        if value is None:
            problems.append(FieldProblem(f"{prefix}-{name}", "whole_number" if name == "sig_figs" else "number"))
        else:
            tolerance[name] = value
    if tolerance:
        table["tolerance"] = tolerance
    if part.weight.strip():
        weight = read_number(part.weight)
        if weight is None:
            problems.append(FieldProblem(f"{prefix}-weight", "number"))
        else:
            table["weight"] = weight
    try:
        extras = tomllib.loads(part.extras)
    except tomllib.TOMLDecodeError as error:
        problems.append(FieldProblem(f"{prefix}-extras", "toml", {"error": toml_problem(error)}))
        extras = {}
    reserved = sorted(PART_FIELDS & set(extras))
    if reserved:
        problems.append(FieldProblem(f"{prefix}-extras", "extras_reserved", {"names": ", ".join(reserved)}))
    table.update({name: value for name, value in extras.items() if name not in PART_FIELDS})
    return table


# ----- writing a draft from a definition --------------------------------------------------------------------------


def draft_from_definition(definition: ExerciseDefinition, prompts: Prompts) -> ExerciseDraft:
    """The form's fields for an existing definition: reading them back gives the same definition."""
    draft = ExerciseDraft(
        slug=definition.slug,
        topic=definition.topic,
        tags=", ".join(definition.tags),
        title_ru=definition.title.ru,
        title_en=definition.title.en,
        prompt_ru=prompts.ru,
        prompt_en=prompts.en,
        models=[
            ModelDraft(
                name="" if definition.model is not None else name,
                family=model.family,
                inputs=write_inputs(model.inputs),
                rows="" if model.rows is None else str(model.rows),
            )
            for name, model in definition.all_models.items()
        ],
        parts=[_part_draft(part) for part in definition.parts],
    )
    data = definition.data
    if data is not None:
        draft.columns = [
            ColumnDraft(
                name=column.name,
                label_ru=column.label.ru,
                label_en=column.label.en,
                levels=inline_toml([level.model_dump(mode="json") for level in column.levels]) if column.levels else "",
            )
            for column in data.columns
        ]
    if isinstance(data, FixedData):
        draft.data_source = "table"
        draft.table = write_table({column.name: column.values for column in data.columns})
    elif isinstance(data, GeneratedData):
        draft.data_source = "generator"
        draft.generator = data.generator
        draft.parameters = "".join(f"{name} = {inline_toml(value)}\n" for name, value in data.parameters.items())
    return draft


def _part_draft(part) -> PartDraft:
    draft = PartDraft(kind=part.kind, name=part.name, label_ru=part.label.ru, label_en=part.label.en)
    key = getattr(part, "key", None)
    if key is not None:
        dumped = key if isinstance(key, str) else _dump(key)
        draft.key = dumped if isinstance(dumped, str) else inline_toml(dumped)
    tolerance = getattr(part, "tolerance", None)
    if tolerance is not None:
        for name in TOLERANCE_FIELDS:
            value = getattr(tolerance, name)
            setattr(draft, name, "" if value is None else format_number(value))
    if part.weight != 1.0:
        draft.weight = format_number(part.weight)
    draft.extras = toml_table(part.model_dump(mode="json", exclude=set(PART_FIELDS), exclude_defaults=True))
    return draft


def _dump(value: Any) -> Any:
    if isinstance(value, list):
        return [_dump(item) for item in value]
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    return value
