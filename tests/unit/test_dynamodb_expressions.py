"""Expression parsing and evaluation: conditions, key conditions, projections."""

from __future__ import annotations

from typing import Any

import pytest

from cadabra.dynamodb.conditions import evaluate
from cadabra.dynamodb.errors import ValidationException
from cadabra.dynamodb.expressions import Parser
from cadabra.dynamodb.key_conditions import key_condition
from cadabra.dynamodb.keys import KeyAttribute, KeySchema
from cadabra.dynamodb.numbers import parse_number, sort_text
from cadabra.dynamodb.projection import project

ORDERS = KeySchema(KeyAttribute("CustomerID", "N"), KeyAttribute("OrderID", "S"))
ITEM: dict[str, Any] = {
    "CustomerID": {"N": "17850"},
    "OrderID": {"S": "536365-85123A"},
    "Quantity": {"N": "6"},
    "Country": {"S": "United Kingdom"},
    "Tags": {"SS": ["gift", "home"]},
    "Lines": {"L": [{"M": {"sku": {"S": "a"}, "n": {"N": "1"}}}, {"M": {"sku": {"S": "b"}}}]},
}


def _holds(text: str, values: dict[str, Any], names: dict[str, str] | None = None) -> bool:
    parser = Parser(names or {}, values)
    condition = parser.condition(text, "FilterExpression")
    parser.check_unused()
    return evaluate(condition, ITEM)


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("Quantity > :q", {":q": {"N": "5"}}, True),
        ("Quantity BETWEEN :a AND :b", {":a": {"N": "7"}, ":b": {"N": "9"}}, False),
        ("Country IN (:a, :b)", {":a": {"S": "France"}, ":b": {"S": "United Kingdom"}}, True),
        (
            "begins_with(OrderID, :p) AND NOT Quantity = :q",
            {":p": {"S": "5363"}, ":q": {"N": "6"}},
            False,
        ),
        ("contains(Tags, :t) OR Missing = :t", {":t": {"S": "gift"}}, True),
        ("attribute_not_exists(Missing) AND attribute_exists(Lines[1].sku)", {}, True),
        (
            "size(Tags) = :two AND attribute_type(Quantity, :n)",
            {":two": {"N": "2"}, ":n": {"S": "N"}},
            True,
        ),
        ("Lines[0].n < :s", {":s": {"S": "2"}}, False),  # types differ: false, not an error
        ("(Quantity <> :q)", {":q": {"N": "6.0"}}, False),
    ],
)
def test_conditions_evaluate_as_dynamodb_does(
    text: str, values: dict[str, Any], expected: bool
) -> None:
    assert _holds(text, values) is expected


def test_names_resolve_and_unused_placeholders_are_refused() -> None:
    assert _holds("#c = :c", {":c": {"S": "United Kingdom"}}, {"#c": "Country"})
    with pytest.raises(ValidationException, match=r"unused in expressions: keys: \{:x\}"):
        _holds("Quantity = :q", {":q": {"N": "6"}, ":x": {"N": "1"}})
    with pytest.raises(ValidationException, match=r"ExpressionAttributeNames unused .* \{#n\}"):
        _holds("Quantity = :q", {":q": {"N": "6"}}, {"#n": "x"})
    with pytest.raises(ValidationException, match="attribute value: :nope"):
        _holds("Quantity = :nope", {})
    with pytest.raises(ValidationException, match="attribute name: #nope"):
        _holds("#nope = :q", {":q": {"N": "6"}})


@pytest.mark.parametrize("text", ["Quantity =", "Quantity = :q AND", "= :q", "Quantity :q"])
def test_syntax_errors_name_the_expression(text: str) -> None:
    with pytest.raises(ValidationException, match="Invalid FilterExpression: Syntax error"):
        _holds(text, {":q": {"N": "1"}})


def _keys(text: str, values: dict[str, Any]) -> Any:
    return key_condition(Parser({}, values).condition(text, "KeyConditionExpression"), ORDERS)


def test_key_conditions_become_byte_ranges() -> None:
    eq = _keys("CustomerID = :c", {":c": {"N": "17850"}})
    assert eq.partition == sort_text(parse_number("17850")).encode()
    assert eq.sort.low is None and eq.sort.high is None
    between = _keys(
        "CustomerID = :c AND OrderID BETWEEN :a AND :b",
        {":c": {"N": "1"}, ":a": {"S": "a"}, ":b": {"S": "c"}},
    )
    assert (between.sort.low, between.sort.high) == (b"a", b"c")
    prefix = _keys(
        "begins_with(OrderID, :p) AND CustomerID = :c", {":c": {"N": "1"}, ":p": {"S": "53\xff"}}
    )
    assert (prefix.sort.low, prefix.sort.high, prefix.sort.high_inclusive) == (
        "53\xff".encode(),
        "53\xff".encode()[:-1] + bytes([0xC0]),
        False,
    )
    below = _keys("CustomerID = :c AND OrderID < :o", {":c": {"N": "1"}, ":o": {"S": "b"}})
    assert (below.sort.high, below.sort.high_inclusive) == (b"b", False)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("OrderID = :o", "Query condition missed key schema element: CustomerID"),
        ("CustomerID > :c", "Query key condition not supported"),
        ("CustomerID = :c OR OrderID = :o", "Invalid operator used in KeyConditionExpression: OR"),
        ("CustomerID = :c AND Quantity = :c", "Query key condition not supported"),
        ("CustomerID = :o", "Condition parameter type does not match schema type"),
        ("CustomerID = :c AND OrderID BETWEEN :z AND :o", "BETWEEN operator requires upper bound"),
    ],
)
def test_bad_key_conditions_are_refused(text: str, message: str) -> None:
    values = {":c": {"N": "1"}, ":o": {"S": "a"}, ":z": {"S": "z"}}
    with pytest.raises(ValidationException, match=message):
        _keys(text, values)


def test_projection_keeps_the_named_parts() -> None:
    parser = Parser({"#c": "Country"}, {})
    paths = parser.projection("#c, Lines[1].sku, Lines[0].n, Nope, OrderID")
    assert project(ITEM, paths) == {
        "Country": ITEM["Country"],
        "OrderID": ITEM["OrderID"],
        "Lines": {"L": [{"M": {"n": {"N": "1"}}}, {"M": {"sku": {"S": "b"}}}]},
    }
