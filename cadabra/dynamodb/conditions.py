"""Evaluating condition and filter expressions against an item, with DynamoDB's semantics.

A path that names no attribute makes comparisons false (and attribute_not_exists true); ordered
comparisons hold only between two values of the same scalar type (N numerically, S by UTF-8 bytes,
B by bytes); sets compare as sets.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cadabra.dynamodb.errors import ValidationException
from cadabra.dynamodb.expressions import (
    Between,
    Compare,
    Condition,
    Function,
    In,
    Logical,
    Not,
    Operand,
    Path,
    Size,
    Value,
)
from cadabra.dynamodb.items import Item

__all__ = ["evaluate", "lookup"]

AttributeValue = dict[str, Any]


def evaluate(condition: Condition, item: Item) -> bool:
    if isinstance(condition, Logical):
        first = evaluate(condition.left, item)
        if condition.operator == "AND":
            return first and evaluate(condition.right, item)
        return first or evaluate(condition.right, item)
    if isinstance(condition, Not):
        return not evaluate(condition.condition, item)
    if isinstance(condition, Compare):
        left, right = _operand(condition.left, item), _operand(condition.right, item)
        return _compare(condition.operator, left, right)
    if isinstance(condition, Between):
        value = _operand(condition.subject, item)
        return _compare(">=", value, _operand(condition.low, item)) and _compare(
            "<=", value, _operand(condition.high, item)
        )
    if isinstance(condition, In):
        subject = _operand(condition.subject, item)
        return any(_compare("=", subject, _operand(o, item)) for o in condition.options)
    return _function(condition, item)


def lookup(path: Path, item: Item) -> AttributeValue | None:
    """The value at a document path, None when the item has nothing there."""
    current: AttributeValue | None = {"M": item}
    for element in path.elements:
        if current is None:
            return None
        if isinstance(element, int):
            items = current.get("L")
            current = items[element] if items is not None and element < len(items) else None
        else:
            members = current.get("M")
            current = members.get(element) if members is not None else None
    return current


def _operand(operand: Operand, item: Item) -> AttributeValue | None:
    if isinstance(operand, Value):
        return operand.value
    if isinstance(operand, Size):
        value = lookup(operand.path, item)
        return None if value is None else {"N": str(_size(value))}
    return lookup(operand, item)


def _size(value: AttributeValue) -> int:
    kind, data = next(iter(value.items()))
    if kind in ("N", "BOOL", "NULL"):
        raise ValidationException(
            "Invalid ConditionExpression: Incorrect operand type for operator or function; "
            f"operator or function: size, operand type: {kind}"
        )
    return len(data)


def _compare(operator: str, left: AttributeValue | None, right: AttributeValue | None) -> bool:
    if left is None or right is None:
        return False
    if operator == "=":
        return _equal(left, right)
    if operator == "<>":
        return not _equal(left, right)
    (kind_l, a), (kind_r, b) = next(iter(left.items())), next(iter(right.items()))
    if kind_l != kind_r or kind_l not in ("N", "S", "B"):
        return False
    a, b = _ordered(kind_l, a), _ordered(kind_r, b)
    outcome: bool = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[operator]
    return outcome


def _ordered(kind: str, data: Any) -> Any:
    if kind == "N":
        return Decimal(data)
    return data.encode() if kind == "S" else data


def _equal(left: AttributeValue, right: AttributeValue) -> bool:
    (kind_l, a), (kind_r, b) = next(iter(left.items())), next(iter(right.items()))
    if kind_l != kind_r:
        return False
    if kind_l == "N":
        return Decimal(a) == Decimal(b)
    if kind_l == "NS":
        return {Decimal(x) for x in a} == {Decimal(x) for x in b}
    if kind_l in ("SS", "BS"):
        return set(a) == set(b)
    if kind_l == "M":
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if kind_l == "L":
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _function(condition: Function, item: Item) -> bool:
    name, arguments = condition.name, condition.arguments
    subject = _operand(arguments[0], item)
    if name == "attribute_exists":
        return subject is not None
    if name == "attribute_not_exists":
        return subject is None
    operand = _operand(arguments[1], item) if len(arguments) > 1 else None
    if subject is None or operand is None:
        return False
    if name == "attribute_type":
        return next(iter(subject)) == operand.get("S")
    if name == "begins_with":
        return _begins_with(subject, operand)
    return _contains(subject, operand)


def _begins_with(subject: AttributeValue, prefix: AttributeValue) -> bool:
    (kind, data), (prefix_kind, start) = next(iter(subject.items())), next(iter(prefix.items()))
    matched: bool = kind == prefix_kind and kind in ("S", "B") and data.startswith(start)
    return matched


def _contains(subject: AttributeValue, operand: AttributeValue) -> bool:
    (kind, data), (operand_kind, needle) = next(iter(subject.items())), next(iter(operand.items()))
    if kind in ("S", "B"):
        return operand_kind == kind and needle in data
    if kind in ("SS", "NS", "BS"):
        return operand_kind == kind[0] and any(_equal({operand_kind: m}, operand) for m in data)
    if kind == "L":
        return any(_equal(member, operand) for member in data)
    return False
