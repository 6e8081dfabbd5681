"""DynamoDB AttributeValues: validation, canonical form, stored form, size.

An item travels as AWS's typed JSON (`{"N": "1.50"}`, `{"B": <bytes>}` once the endpoint has
decoded base64, `{"M": {...}}`). `canonical_item` checks it as DynamoDB does (exactly one type per
value, numbers within DynamoDB's range and 38 digits, non-empty sets without duplicates) and
returns it with numbers in their canonical text ("1.50" -> "1.5"), as DynamoDB returns them.
`dumps`/`loads` give the stored form: the same typed JSON with binary values base64-encoded.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cadabra.dynamodb.errors import ValidationException
from cadabra.dynamodb.numbers import canonical, parse_number

__all__ = [
    "MAX_ITEM_BYTES",
    "Item",
    "canonical_item",
    "canonical_value",
    "dumps",
    "item_size",
    "loads",
]

Item = dict[str, dict[str, Any]]
MAX_ITEM_BYTES = 400 * 1024
_TYPES = ("S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL")
_SET_NAMES = {"SS": "string", "NS": "number", "BS": "binary"}


def canonical_item(item: Item) -> Item:
    return {name: canonical_value(value) for name, value in item.items()}


def canonical_value(value: dict[str, Any]) -> dict[str, Any]:
    present = [t for t in _TYPES if value.get(t) is not None]
    if not present:
        raise ValidationException(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
        )
    if len(present) > 1:
        raise ValidationException(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "
            "the supported datatypes"
        )
    kind = present[0]
    data = value[kind]
    if kind == "N":
        return {"N": canonical(parse_number(data))}
    if kind in _SET_NAMES:
        return {kind: _canonical_set(kind, data)}
    if kind == "M":
        return {"M": {k: canonical_value(v) for k, v in data.items()}}
    if kind == "L":
        return {"L": [canonical_value(v) for v in data]}
    if kind == "NULL" and data is not True:
        raise ValidationException(
            "One or more parameter values were invalid: Null attribute value types must have the "
            "value of true"
        )
    return {kind: data}


def _canonical_set(kind: str, members: list[Any]) -> list[Any]:
    if not members:
        raise ValidationException(
            "One or more parameter values were invalid: "
            f"An {_SET_NAMES[kind]} set  may not be empty"
        )
    if kind == "NS":
        numbers = [parse_number(m) for m in members]
        if len(set(numbers)) < len(numbers):
            raise _duplicates(members)
        return [canonical(n) for n in numbers]
    if len(set(members)) < len(members):
        raise _duplicates(members)
    return list(members)


def _duplicates(members: list[Any]) -> ValidationException:
    shown = ", ".join(str(m) for m in members)
    return ValidationException(
        "One or more parameter values were invalid: "
        f"Input collection [{shown}] contains duplicates."
    )


def item_size(item: Item) -> int:
    """DynamoDB's item size in bytes: names plus values (a number: about 1 byte per 2 digits)."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: dict[str, Any]) -> int:
    kind, data = next(iter(value.items()))
    if kind == "S":
        return len(data.encode())
    if kind == "N":
        return _number_size(data)
    if kind == "B":
        return len(data)
    if kind == "SS":
        return sum(len(m.encode()) for m in data)
    if kind == "NS":
        return sum(_number_size(m) for m in data)
    if kind == "BS":
        return sum(len(m) for m in data)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_size(v) for k, v in data.items())
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in data)
    return 1  # NULL, BOOL


def _number_size(text: str) -> int:
    digits = sum(c.isdigit() for c in text.lstrip("-").replace(".", "").strip("0")) or 1
    return (digits + 1) // 2 + 1


def dumps(item: Item) -> str:
    stored = {name: _to_json(value) for name, value in item.items()}
    return json.dumps(stored, separators=(",", ":"))


def loads(text: str) -> Item:
    stored: dict[str, dict[str, Any]] = json.loads(text)
    return {name: _from_json(value) for name, value in stored.items()}


def _to_json(value: dict[str, Any]) -> dict[str, Any]:
    kind, data = next(iter(value.items()))
    if kind == "B":
        return {"B": base64.b64encode(data).decode("ascii")}
    if kind == "BS":
        return {"BS": [base64.b64encode(m).decode("ascii") for m in data]}
    if kind == "M":
        return {"M": {k: _to_json(v) for k, v in data.items()}}
    if kind == "L":
        return {"L": [_to_json(v) for v in data]}
    return {kind: data}


def _from_json(value: dict[str, Any]) -> dict[str, Any]:
    kind, data = next(iter(value.items()))
    if kind == "B":
        return {"B": base64.b64decode(data)}
    if kind == "BS":
        return {"BS": [base64.b64decode(m) for m in data]}
    if kind == "M":
        return {"M": {k: _from_json(v) for k, v in data.items()}}
    if kind == "L":
        return {"L": [_from_json(v) for v in data]}
    return {kind: data}
