"""Texts the grader gives people, each with a stable code and its parameters.

A ``Message`` is the English text itself (a ``str``, so logs, the CLI and ``in`` tests read it as before) that
also carries ``code`` and ``params``: the web app words the same code in the reader's language. The English
templates live in two tables: the errors' (``error_texts``) and the fits' descriptions and verification problems
(``fit_texts``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from .error_texts import ERROR_TEMPLATES
from .fit_texts import FIT_TEMPLATES

_overlap = set(ERROR_TEMPLATES) & set(FIT_TEMPLATES)
if _overlap:  # pragma: no cover - a code is one message, whichever table holds it
    raise ImportError(f"message codes defined twice: {sorted(_overlap)}")

TEMPLATES: Mapping[str, str] = MappingProxyType({**ERROR_TEMPLATES, **FIT_TEMPLATES})


class Message(str):
    """The English text of ``TEMPLATES[code]`` filled with ``params``; ``code`` and ``params`` stay readable.

    A parameter may itself be a Message (a cause) or a tuple of texts (several problems, Messages or not): the
    English joins them with "; ", and a translation words each Message by its own code.
    """

    # A package with texts of its own (the exercise format) subclasses Message with its own table.
    templates: Mapping[str, str] = TEMPLATES
    code: str
    params: Mapping[str, Any]

    def __new__(cls, code: str, /, **params: Any) -> Message:
        if code not in cls.templates:
            raise ValueError(f"unknown message code {code!r}")
        shown = {name: _english(value) for name, value in params.items()}
        self = super().__new__(cls, cls.templates[code].format(**shown))
        self.code = code
        self.params = MappingProxyType(dict(params))
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.code, dict(self.params)))


def _rebuild(cls: type[Message], code: str, params: dict[str, Any]) -> Message:
    return cls(code, **params)


def _english(value: Any) -> Any:
    if isinstance(value, tuple) and value and all(isinstance(item, str) for item in value):
        return "; ".join(value)
    return value


class CodedError(ValueError):
    """An error whose text is a Message (``message``, also ``str(error)``): ``code`` and ``params`` let the web
    app word it in the reader's language. A package with its own table sets ``message_class``."""

    message_class: ClassVar[type[Message]] = Message

    def __init__(self, code: str, /, **params: Any):
        self.message = self.message_class(code, **params)
        super().__init__(self.message)

    @property
    def code(self) -> str:
        return self.message.code

    @property
    def params(self) -> Mapping[str, Any]:
        return self.message.params

    def _positional(self) -> tuple[Any, ...]:
        return (self.code,)

    def _arguments(self) -> dict[str, Any]:
        return dict(self.params)

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception pickling replays ``args`` (the text) into __init__, which expects a code.
        return (_rebuild_error, (type(self), self._positional(), self._arguments()))


def _rebuild_error(cls: type[CodedError], positional: tuple[Any, ...], arguments: dict[str, Any]) -> CodedError:
    return cls(*positional, **arguments)


def message_to_json(message: Message) -> dict[str, Any]:
    """The message as JSON, to be stored and worded later: its code and params, a nested Message (a cause) as
    ``{"$message": ...}`` and a tuple (several problems) as ``{"$tuple": [...]}`` (no name of a column or a
    parameter starts with "$", so a dict param is never taken for one of them)."""
    return {"code": message.code, "params": {name: _param_to_json(value) for name, value in message.params.items()}}


def _param_to_json(value: Any) -> Any:
    if isinstance(value, Message):
        return {"$message": message_to_json(value)}
    if isinstance(value, tuple):
        return {"$tuple": [_param_to_json(item) for item in value]}
    return value


def message_from_json(stored: Mapping[str, Any], kinds: tuple[type[Message], ...] = (Message,)) -> Message:
    """The Message ``message_to_json`` stored, of the first of ``kinds`` whose table has its code (codes are unique
    across the tables)."""
    kind = next((k for k in kinds if stored["code"] in k.templates), kinds[0])
    params = {name: _param_from_json(value, kinds) for name, value in stored["params"].items()}
    return kind(stored["code"], **params)


def _param_from_json(value: Any, kinds: tuple[type[Message], ...]) -> Any:
    if isinstance(value, dict) and set(value) == {"$message"}:
        return message_from_json(value["$message"], kinds)
    if isinstance(value, dict) and set(value) == {"$tuple"}:
        return tuple(_param_from_json(item, kinds) for item in value["$tuple"])
    return value
