"""Firehose input validation: every constraint of AWS's model, worded as AWS words it.

The constraints (required members, lengths, ranges, enums, patterns) come from botocore's
Firehose model (API 2015-08-04), the same document AWS's SDKs are generated from, so a
`DeliveryStreamName` of 65 characters, a `SizeInMBs` of 129 or 501 records fail exactly where
AWS fails them. All violations of a request are reported together, as AWS does:

    2 validation errors detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1024001
    cap=1024001]' at 'records.1.member.data' failed to satisfy constraint: Member must have
    length less than or equal to 1024000; Value ...

Paths name members in lowerCamelCase and list entries from 1 (`records.3.member.data`).
Rules that are not constraints of a single field (4 MiB per PutRecordBatch, tag rules, prefix
expressions) are `InvalidArgumentException`s raised elsewhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache
from typing import Any

from botocore.loaders import Loader
from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape

from cadabra.errors import ValidationException

__all__ = ["check_request", "firehose_model", "violations"]

_SHOWN = 80
# Java regexes that Python's `re` cannot compile: checked by hand (Unicode letters, separators,
# numbers and a few symbols).
_TAG_SYMBOLS = set("_.:/=+-@%")


@cache
def firehose_model() -> ServiceModel:
    """botocore's Firehose model, loaded once (no session, no environment)."""
    data = Loader().load_service_model("firehose", "service-2", api_version="2015-08-04")
    return ServiceModel(data, service_name="firehose")


def check_request(operation: str, document: Mapping[str, Any]) -> None:
    """Raise ValidationException listing every violation of `operation`'s input constraints."""
    shape = firehose_model().operation_model(operation).input_shape
    if shape is None:
        return
    found = violations(shape, {k: v for k, v in document.items() if v is not None}, "")
    if found:
        count = len(found)
        plural = "s" if count > 1 else ""
        raise ValidationException(f"{count} validation error{plural} detected: {'; '.join(found)}")


def violations(shape: Shape, value: Any, path: str) -> list[str]:
    """The constraint violations of `value` against `shape`; `path` names it in messages."""
    checker = _CHECKERS.get(shape.type_name)
    return checker(shape, value, path) if checker is not None else []


def _member_path(path: str, name: str) -> str:
    member = name[:1].lower() + name[1:]
    return f"{path}.{member}" if path else member


def _violation(value: Any, path: str, constraint: str) -> str:
    if value is None:
        return f"Value null at '{path}' failed to satisfy constraint: {constraint}"
    return f"Value '{_show(value)}' at '{path}' failed to satisfy constraint: {constraint}"


def _show(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return f"java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return f"[{len(value)} items]"
    text = str(value)
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}..."


def _wrong_type(value: Any, path: str, expected: str) -> list[str]:
    return [_violation(value, path, f"Member must be of type {expected}")]


def _structure(shape: Shape, value: Any, path: str) -> list[str]:
    if not isinstance(value, Mapping):
        return _wrong_type(value, path, "structure")
    if not isinstance(shape, StructureShape):
        return []
    found: list[str] = []
    for name, member in shape.members.items():
        member_path = _member_path(path, name)
        item = value.get(name)
        if item is None:
            if name in shape.required_members:
                found.append(_violation(None, member_path, "Member must not be null"))
            continue
        found += violations(member, item, member_path)
    return found


def _list(shape: Shape, value: Any, path: str) -> list[str]:
    if not isinstance(value, list | tuple):
        return _wrong_type(value, path, "list")
    if not isinstance(shape, ListShape):
        return []
    found = _length(shape, value, len(value), path)
    for index, item in enumerate(value, start=1):
        item_path = f"{path}.{index}.member"
        if item is None:
            found.append(_violation(None, item_path, "Member must not be null"))
        else:
            found += violations(shape.member, item, item_path)
    return found


def _map(shape: Shape, value: Any, path: str) -> list[str]:
    if not isinstance(value, Mapping):
        return _wrong_type(value, path, "map")
    if not isinstance(shape, MapShape):
        return []
    found = _length(shape, value, len(value), path)
    for key, item in value.items():
        found += violations(shape.key, key, path)
        found += violations(shape.value, item, f"{path}.{key}")
    return found


def _string(shape: Shape, value: Any, path: str) -> list[str]:
    if not isinstance(value, str):
        return _wrong_type(value, path, "string")
    enum = shape.metadata.get("enum")
    if enum and value not in enum:
        allowed = ", ".join(enum)
        return [_violation(value, path, f"Member must satisfy enum value set: [{allowed}]")]
    found = _length(shape, value, len(value), path)
    pattern = shape.metadata.get("pattern")
    if pattern and not _matches(shape.name, pattern, value):
        found.append(
            _violation(value, path, f"Member must satisfy regular expression pattern: {pattern}")
        )
    return found


def _blob(shape: Shape, value: Any, path: str) -> list[str]:
    if not isinstance(value, bytes | bytearray | memoryview):
        return _wrong_type(value, path, "blob")
    return _length(shape, value, len(value), path)


def _integer(shape: Shape, value: Any, path: str) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int):
        return _wrong_type(value, path, "integer")
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and value < low:
        return [_violation(value, path, f"Member must have value greater than or equal to {low}")]
    if high is not None and value > high:
        return [_violation(value, path, f"Member must have value less than or equal to {high}")]
    return []


def _double(shape: Shape, value: Any, path: str) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _wrong_type(value, path, "double")
    return []


def _boolean(shape: Shape, value: Any, path: str) -> list[str]:
    return [] if isinstance(value, bool) else _wrong_type(value, path, "boolean")


def _timestamp(shape: Shape, value: Any, path: str) -> list[str]:
    return [] if isinstance(value, datetime) else _wrong_type(value, path, "timestamp")


def _length(shape: Shape, value: Any, length: int, path: str) -> list[str]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and length < low:
        return [_violation(value, path, f"Member must have length greater than or equal to {low}")]
    if high is not None and length > high:
        return [_violation(value, path, f"Member must have length less than or equal to {high}")]
    return []


def _matches(shape_name: str, pattern: str, value: str) -> bool:
    compiled = _compile(pattern)
    if compiled is not None:
        return compiled.fullmatch(value) is not None
    if shape_name in ("TagKey", "TagValue"):
        return _is_tag_text(value) and not (shape_name == "TagKey" and value.startswith("aws:"))
    return True  # a Java-only construct we do not translate: AWS checks it, we cannot


@cache
def _compile(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _is_tag_text(value: str) -> bool:
    """`[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@%]*`: letters, separators, numbers and those symbols."""
    return all(
        char in _TAG_SYMBOLS or unicodedata.category(char)[0] in ("L", "Z", "N") for char in value
    )


_CHECKERS: dict[str, Callable[[Shape, Any, str], list[str]]] = {
    "structure": _structure,
    "list": _list,
    "map": _map,
    "string": _string,
    "blob": _blob,
    "integer": _integer,
    "long": _integer,
    "double": _double,
    "float": _double,
    "boolean": _boolean,
    "timestamp": _timestamp,
}
