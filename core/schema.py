"""Validate a TOML table into a frozen dataclass, with operator-grade messages.

Used for `[practica]`, `[adapters.<name>]`, `[plugins.<name>]` and `[communities.<name>]`. Supported
field types: str, int, float, bool, Secret, `X | None`, `tuple[T, ...]`, `dict[str, T]`,
`Literal[...]` and nested dataclasses. Errors name the file, table and key, and suggest the key that
was probably meant.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, TypeVar, Union

from core.errors import ConfigError

T = TypeVar("T")


class Secret:
    """A secret value from the environment. Its repr never shows the value, so logs cannot leak it."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str = "") -> None:
        self._value = value
        self.source = source

    def reveal(self) -> str:
        """The secret itself, for the one place that needs it (the platform client)."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret(from ${self.source or 'config'})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def did_you_mean(word: str, choices: typing.Iterable[str]) -> str:
    """' (did you mean "x"?)' when a close match exists, else ''."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{match[0]}"?)' if match else ""


def validate(cls: type[T], table: Mapping[str, Any] | None, where: str, *, defaults: T | None = None) -> T:
    """Build `cls` (a dataclass) from `table`, or raise ConfigError naming `where` and the key.

    A key the table leaves out takes its value from `defaults` when given (a nested table keeps the
    values of its field's default object, e.g. `quiz = PointsRule(points=2)`), else the class default.
    """
    table = dict(table or {})
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
    for key in table:
        if key not in fields:
            raise ConfigError(f"{where}: unknown key {key!r}{did_you_mean(key, fields)}. "
                              f"Known keys: {', '.join(sorted(fields)) or 'none'}.")
    values: dict[str, Any] = {}
    for name, f in fields.items():
        if name in table:
            values[name] = _field(table[name], hints[name], f, f"{where} key {name!r}")
        elif defaults is not None:
            values[name] = getattr(defaults, name)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            hint = (f' Write it as {name} = {{ "$env" = "VARIABLE_NAME" }} and set that environment variable.'
                    if hints[name] is Secret else "")
            raise ConfigError(f"{where}: missing required key {name!r}.{hint}")
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:  # __post_init__ checks
        raise ConfigError(f"{where}: {exc}") from None


def _field(value: Any, tp: Any, f: dataclasses.Field[Any], where: str) -> Any:
    """One key's value; a nested table starts from the field's default object, when it has one."""
    if (isinstance(tp, type) and dataclasses.is_dataclass(tp) and isinstance(value, Mapping)
            and f.default_factory is not dataclasses.MISSING):
        return validate(tp, value, where, defaults=f.default_factory())
    return _convert(value, tp, where)


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _convert(value: Any, tp: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        errors = []
        for option in options:
            try:
                return _convert(value, option, where)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if len(errors) == 1 else f"{where}: expected {' or '.join(map(_type_name, options))}, got {value!r}.")
    if tp is Secret:
        if isinstance(value, Mapping) and set(value) == {"$env"}:
            var = str(value["$env"])
            if not os.environ.get(var):
                raise ConfigError(f"{where}: the environment variable {var} is not set. "
                                  f"Set it (export {var}=...) before starting practica.")
            return Secret(os.environ[var], var)
        if isinstance(value, str) and value:
            return Secret(value)
        raise ConfigError(f'{where}: expected a secret, written as {{ "$env" = "VARIABLE_NAME" }}.')
    if origin is Literal:
        if value in args:
            return value
        raise ConfigError(f"{where}: {value!r} is not allowed; use one of {', '.join(map(repr, args))}"
                          f"{did_you_mean(str(value), [str(a) for a in args])}.")
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {type(value).__name__} {value!r}.")
        item_type = args[0] if args else Any
        return tuple(_convert(v, item_type, f"{where}[{i}]") for i, v in enumerate(value))
    if origin in (dict, Mapping) or tp is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: expected a table, got {type(value).__name__} {value!r}.")
        item_type = args[1] if len(args) == 2 else Any
        return types.MappingProxyType({str(k): _convert(v, item_type, f"{where}.{k}") for k, v in value.items()})
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: expected a table, got {value!r}.")
        return validate(tp, value, where)
    if tp is bool:
        if isinstance(value, bool):
            return value
    elif tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif tp is str:
        if isinstance(value, str):
            return value
    elif isinstance(tp, type) and isinstance(value, tp):
        return value
    raise ConfigError(f"{where}: expected {_type_name(tp)}, got {type(value).__name__} {value!r}.")
