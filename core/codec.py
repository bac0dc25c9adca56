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
import json.encoder as json_encoder
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import Any


class UnknownType(ValueError):
    """A stored value names a class that cannot be imported (or is not a dataclass or enum)."""


_CLASSES: dict[str, type] = {}
_PLAIN = (str, int, float, bool, type(None))
_PLAIN_TYPES = frozenset(_PLAIN)


def _name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _dataclass_encoder(cls: type) -> Any:
    """An encoder for one dataclass, generated once for its fields: its name and the fields that
    differ from their plain defaults (most events leave half of them at None or (), which then cost
    nothing to store). Generated code reads each field once and stores plain values as they are,
    which makes an inbound message about three times cheaper to encode than a generic walk."""
    lines = ["def encode(value):", "    out = {}"]
    namespace: dict[str, Any] = {"_encode": _encode, "_PLAIN_TYPES": _PLAIN_TYPES, "NAME": _name(cls)}
    for index, f in enumerate(dataclasses.fields(cls)):
        if not f.init:
            continue
        lines.append(f"    item = value.{f.name}")
        store = f"out[{f.name!r}] = item if type(item) in _PLAIN_TYPES else _encode(item)"
        default = f.default
        if default is None:
            lines += ["    if item is not None:", f"        {store}"]
        elif default is not dataclasses.MISSING and isinstance(default, _PLAIN + (tuple,)):
            namespace[f"D{index}"], namespace[f"T{index}"] = default, type(default)
            lines += [f"    if not (item is D{index} or (type(item) is T{index} and item == D{index})):", f"        {store}"]
        else:
            lines.append(f"    {store}")
    lines.append('    return {"$t": NAME, "f": out}')
    exec("\n".join(lines), namespace)  # noqa: S102 - code built from the dataclass's own field names
    return namespace["encode"]


def _tuple(value: tuple[Any, ...]) -> dict[str, Any]:
    return {"$l": [_encode(v) for v in value]}


def _list(value: list[Any]) -> list[Any]:
    return [_encode(v) for v in value]


def _datetime(value: datetime) -> dict[str, Any]:
    return {"$d": value.isoformat()}


_ENCODERS: dict[type, Any] = {t: (lambda v: v) for t in _PLAIN}
_ENCODERS.update({tuple: _tuple, list: _list, datetime: _datetime})


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
    return _DUMPS(_encode(value))


def _not_stored(value: Any) -> Any:
    raise TypeError(f"cannot store a value of type {type(value).__name__}")


def _json_writer() -> Callable[[Any], str]:
    """Compact ASCII JSON of an encoded tree. The C encoder is made once (json.dumps makes one per
    call, about half the cost of a short event); trees have no cycles, so none is looked for."""
    make = getattr(json_encoder, "c_make_encoder", None)
    if make is None:  # an interpreter without the C accelerator
        return json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
    encode = make(None, _not_stored, json_encoder.encode_basestring_ascii, None, ":", ",", False, False, True)
    return lambda tree: "".join(encode(tree, 0))


_DUMPS = _json_writer()


def loads(text: str) -> Any:
    """The value `dumps` stored. Raises UnknownType for a class that is gone, ValueError for bad JSON."""
    return _decode(json.loads(text))
