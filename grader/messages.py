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
