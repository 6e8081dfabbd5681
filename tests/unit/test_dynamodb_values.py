"""DynamoDB's Number semantics and AttributeValue checks, with AWS's error messages."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from cadabra.dynamodb.errors import ValidationException
from cadabra.dynamodb.items import canonical_item, dumps, item_size, loads
from cadabra.dynamodb.numbers import canonical, parse_number, sort_text


@pytest.mark.parametrize(
    ("text", "shown"),
    [("1.50", "1.5"), ("007", "7"), ("-0", "0"), ("1E+2", "100"), ("0.000120", "0.00012")],
)
def test_numbers_lose_insignificant_zeros(text: str, shown: str) -> None:
    assert canonical(parse_number(text)) == shown


def test_thirty_eight_digits_are_kept_exactly() -> None:
    text = "1234567890123456789012345678901234567.8"
    assert canonical(parse_number(text)) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1" * 39, "Attempting to store more than 38 significant digits in a Number"),
        ("1E+126", "Number overflow"),
        ("1E-131", "Number underflow"),
        ("abc", "A value provided cannot be converted into a number"),
        ("1_000", "A value provided cannot be converted into a number"),
        ("NaN", "A value provided cannot be converted into a number"),
        ("", "A value provided cannot be converted into a number"),
    ],
)
def test_numbers_outside_dynamodb_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValidationException, match=message):
        parse_number(text)


def test_sort_text_orders_as_the_numbers_do() -> None:
    rng = random.Random(3)
    numbers = [Decimal(0), Decimal("1E-130"), Decimal("-1E-130"), Decimal("9.9E+125")]
    numbers += [Decimal("-9.9E+125"), Decimal("0.12"), Decimal("0.123"), Decimal("-0.12")]
    numbers += [Decimal("-0.123"), Decimal(10), Decimal(9), Decimal(-10), Decimal(-9)]
    for _ in range(500):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 12)))
        numbers.append(Decimal(f"{rng.choice('-+')}{digits}E{rng.randint(-20, 20)}"))
    by_text = sorted(numbers, key=lambda n: sort_text(parse_number(str(n))).encode())
    assert by_text == sorted(numbers)  # Decimal equality: 1E+1 == 10 wherever they land
    assert sort_text(Decimal("1.0")) == sort_text(Decimal(1))


def test_an_item_is_checked_and_canonical() -> None:
    item = canonical_item(
        {
            "CustomerID": {"N": "17850.0"},
            "Tags": {"NS": ["1", "2.50"]},
            "Nested": {"M": {"q": {"L": [{"N": "06"}, {"NULL": True}, {"B": b"\x00"}]}}},
        }
    )
    assert item["CustomerID"] == {"N": "17850"}
    assert item["Tags"] == {"NS": ["1", "2.5"]}
    assert item["Nested"]["M"]["q"]["L"][0] == {"N": "6"}
    assert loads(dumps(item)) == item


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({}, "Supplied AttributeValue is empty"),
        ({"S": "a", "N": "1"}, "more than one datatypes set"),
        ({"SS": []}, "An string set  may not be empty"),
        ({"SS": ["a", "a"]}, r"Input collection \[a, a\] contains duplicates"),
        ({"NS": ["1", "1.0"]}, "contains duplicates"),
        ({"NULL": False}, "Null attribute value types must have the value of true"),
    ],
)
def test_bad_attribute_values_are_refused(value: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationException, match=message):
        canonical_item({"a": value})


def test_item_size_counts_names_and_values() -> None:
    assert item_size({"ab": {"S": "xyz"}}) == 5
    assert item_size({"n": {"N": "12345"}}) == 1 + 4
    assert item_size({"b": {"B": b"\x00\x01"}, "t": {"BOOL": True}}) == 3 + 2
