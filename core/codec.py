"""JSON encoding of core values (events, actions, domain events) for the inbox and outbox tables.

Rows must survive a restart and stay readable on another engine, so values are stored as JSON text,
not pickles: decoding never runs code, it only rebuilds dataclasses and enums by their import name.
Tuples, datetimes, enums and nested dataclasses round-trip exactly; a class that no longer exists
(a removed plugin's domain event) raises `UnknownType`, and the caller drops that row with a log line.
"""

from __future__ import annotations

import base64
import dataclasses
import importlib
import json
from datetime import datetime
from enum import Enum
from typing import Any


class UnknownType(ValueError):
    """A stored value names a class that cannot be imported (or is not a dataclass or enum)."""


_CLASSES: dict[str, type] = {}
_NO_DEFAULT = object()
_PLAIN = (str, int, float, bool, type(None))


def _name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _dataclass_encoder(cls: type) -> Any:
    """An encoder for one dataclass: its name and the fields that differ from their plain defaults
    (most events leave half of them at None or (), which then cost nothing to store)."""
    name = _name(cls)
    fields = []
    for f in dataclasses.fields(cls):
        if f.init:
            default = f.default if f.default is not dataclasses.MISSING and isinstance(f.default, _PLAIN + (tuple,)) else _NO_DEFAULT
            fields.append((f.name, default))

    def encode(value: Any) -> dict[str, Any]:
        out = {}
        for field_name, default in fields:
            item = getattr(value, field_name)
            if item is default or (default is not _NO_DEFAULT and item == default and type(item) is type(default)):
                continue
            out[field_name] = _encode(item)
        return {"$t": name, "f": out}
    return encode


_ENCODERS: dict[type, Any] = {t: (lambda v: v) for t in _PLAIN}


def _encode(value: Any) -> Any:
    encoder = _ENCODERS.get(type(value))
    if encoder is not None:
        return encoder(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        encoder = _ENCODERS[type(value)] = _dataclass_encoder(type(value))
        return encoder(value)
    if value is None or isinstance(value, (str, int, float, bool)) and not isinstance(value, Enum):
        return value
    if isinstance(value, tuple):
        return {"$l": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, datetime):
        return {"$d": value.isoformat()}
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode("ascii")}
    if isinstance(value, Enum):
        return {"$e": _name(type(value)), "v": value.value}
    if isinstance(value, dict):
        return {"$m": {str(k): _encode(v) for k, v in value.items()}}
    if isinstance(value, (frozenset, set)):
        return {"$l": [_encode(v) for v in sorted(value, key=repr)]}
    raise TypeError(f"cannot store a value of type {type(value).__name__}")


def _class(name: str) -> type:
    cls = _CLASSES.get(name)
    if cls is not None:
        return cls
    module, _, qualname = name.partition(":")
    try:
        found: Any = importlib.import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError) as exc:
        raise UnknownType(f"stored value of unknown type {name}") from exc
    if not isinstance(found, type) or not (dataclasses.is_dataclass(found) or issubclass(found, Enum)):
        raise UnknownType(f"stored value names {name}, which is not a dataclass or enum")
    _CLASSES[name] = found
    return found


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$t" in value:
        cls = _class(value["$t"])
        return cls(**{k: _decode(v) for k, v in value["f"].items()})
    if "$l" in value:
        return tuple(_decode(v) for v in value["$l"])
    if "$d" in value:
        return datetime.fromisoformat(value["$d"])
    if "$b" in value:
        return base64.b64decode(value["$b"])
    if "$e" in value:
        return _class(value["$e"])(value["v"])
    if "$m" in value:
        return {k: _decode(v) for k, v in value["$m"].items()}
    return {k: _decode(v) for k, v in value.items()}


def dumps(value: Any) -> str:
    """`value` (a dataclass tree of plain values) as compact JSON text (ASCII: lone surrogates in a
    member's text, which SQLite cannot store as UTF-8, survive as escapes)."""
    return json.dumps(_encode(value), separators=(",", ":"))


def loads(text: str) -> Any:
    """The value `dumps` stored. Raises UnknownType for a class that is gone, ValueError for bad JSON."""
    return _decode(json.loads(text))
