"""Query's KeyConditionExpression: `=` on the partition key, one condition on the sort key.

The sort key condition (=, <, <=, >, >=, BETWEEN, begins_with) becomes a byte range over the
stored sort key (keys.py), so the store answers it with an index range scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cadabra.dynamodb.errors import ValidationException
from cadabra.dynamodb.expressions import Between, Compare, Condition, Function, Logical, Path, Value
from cadabra.dynamodb.keys import KeyAttribute, KeySchema, key_bytes
from cadabra.dynamodb.store import SortRange

__all__ = ["KeyCondition", "key_condition"]

WHAT = "KeyConditionExpression"


@dataclass(frozen=True)
class KeyCondition:
    partition: bytes
    sort: SortRange


def key_condition(condition: Condition, schema: KeySchema) -> KeyCondition:
    parts = _conjuncts(condition)
    by_key: dict[str, Condition] = {}
    for part in parts:
        name = _key_name(part)
        if name not in {a.name for a in schema.attributes} or name in by_key:
            raise ValidationException("Query key condition not supported")
        by_key[name] = part
    partition = by_key.get(schema.partition.name)
    if partition is None:
        raise ValidationException(
            f"Query condition missed key schema element: {schema.partition.name}"
        )
    if not isinstance(partition, Compare) or partition.operator != "=":
        raise ValidationException("Query key condition not supported")
    sort = by_key.get(schema.sort.name) if schema.sort is not None else None
    return KeyCondition(
        partition=_bytes(_value(partition.right), schema.partition),
        sort=SortRange() if sort is None or schema.sort is None else _range(sort, schema.sort),
    )


def _conjuncts(condition: Condition) -> list[Condition]:
    if isinstance(condition, Logical):
        if condition.operator != "AND":
            raise ValidationException(f"Invalid operator used in {WHAT}: {condition.operator}")
        return _conjuncts(condition.left) + _conjuncts(condition.right)
    if not isinstance(condition, Compare | Between | Function):
        raise ValidationException(f"Invalid operator used in {WHAT}: NOT")
    return [condition]


def _key_name(condition: Condition) -> str:
    if isinstance(condition, Compare):
        subject: Any = condition.left
    elif isinstance(condition, Between):
        subject = condition.subject
    elif isinstance(condition, Function) and condition.name == "begins_with":
        subject = condition.arguments[0]
    else:
        name = condition.name if isinstance(condition, Function) else type(condition).__name__
        raise ValidationException(f"Invalid operator used in {WHAT}: {name}")
    if not isinstance(subject, Path) or len(subject.elements) != 1:
        raise ValidationException("Query key condition not supported")
    return str(subject.elements[0])


def _value(operand: Any) -> dict[str, Any]:
    if not isinstance(operand, Value):
        raise ValidationException("Query key condition not supported")
    return operand.value


def _bytes(value: dict[str, Any], attribute: KeyAttribute) -> bytes:
    if next(iter(value), "") != attribute.type:
        raise ValidationException(
            "One or more parameter values were invalid: Condition parameter type does not match "
            "schema type"
        )
    return key_bytes(value, attribute)


def _range(condition: Condition, attribute: KeyAttribute) -> SortRange:
    if isinstance(condition, Between):
        low = _bytes(_value(condition.low), attribute)
        high = _bytes(_value(condition.high), attribute)
        if low > high:
            raise ValidationException(
                f"Invalid {WHAT}: The BETWEEN operator requires upper bound to be greater than or "
                "equal to lower bound"
            )
        return SortRange(low=low, high=high)
    if isinstance(condition, Function):
        if attribute.type == "N":
            raise ValidationException(
                f"Invalid {WHAT}: Incorrect operand type for operator or function; operator or "
                "function: begins_with, operand type: N"
            )
        prefix = _bytes(_value(condition.arguments[1]), attribute)
        return SortRange(low=prefix, high=_successor(prefix), high_inclusive=False)
    if not isinstance(condition, Compare) or condition.operator == "<>":
        raise ValidationException("Unsupported operator on KeyCondition: <>")
    value = _bytes(_value(condition.right), attribute)
    return {
        "=": SortRange(low=value, high=value),
        "<": SortRange(high=value, high_inclusive=False),
        "<=": SortRange(high=value),
        ">": SortRange(low=value, low_inclusive=False),
        ">=": SortRange(low=value),
    }[condition.operator]


def _successor(prefix: bytes) -> bytes | None:
    """The smallest byte string above every string starting with `prefix` (None: no bound)."""
    trimmed = prefix.rstrip(b"\xff")
    if not trimmed:
        return None
    return trimmed[:-1] + bytes([trimmed[-1] + 1])
