"""OpenX JSON SerDe semantics of the exact reader: keys, numbers, timestamps, nested values, and
the per-record error codes of Firehose's format-conversion-failed output."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from sinks.firehose.formats import MALFORMED_DATA, PARSE_ERROR, Converter
from sinks.firehose.formats.openx import epoch_ms, java_double

PARQUET = {"OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {}}}}


def _converter(columns: list[tuple[str, str]], **openx: Any) -> Converter:
    conversion = {
        **PARQUET,
        "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": openx}},
    }
    return Converter(columns, conversion)


def _rows(converter: Converter, *records: bytes) -> list[dict[str, Any]]:
    table = converter.exact_table(list(records))
    return table.to_pylist()  # type: ignore[no-any-return]


def _value(hive_type: str, value: Any) -> Any:
    return _rows(_converter([("v", hive_type)]), json.dumps({"v": value}).encode())[0]["v"]


def _failure(columns: list[tuple[str, str]], record: bytes) -> tuple[str, str]:
    table, failed = _converter(columns).table([record])
    assert table.num_rows == 0
    assert [index for index, _, _ in failed] == [0]
    return failed[0][1], failed[0][2]


def test_keys_match_columns_case_insensitively_by_default() -> None:
    rows = _rows(_converter([("invoiceno", "string")]), b'{"InvoiceNo":"536365"}')
    assert rows == [{"invoiceno": "536365"}]


def test_case_sensitive_serde_leaves_other_spellings_null() -> None:
    converter = _converter([("invoiceno", "string")], CaseInsensitive=False)
    assert _rows(converter, b'{"InvoiceNo":"1"}', b'{"invoiceno":"2"}') == [
        {"invoiceno": None},
        {"invoiceno": "2"},
    ]


def test_dots_become_underscores_only_when_asked() -> None:
    record = b'{"order.id":"7"}'
    assert _rows(_converter([("order_id", "int")]), record) == [{"order_id": None}]
    converter = _converter([("order_id", "int")], ConvertDotsInJsonKeysToUnderscores=True)
    assert _rows(converter, record) == [{"order_id": 7}]


def test_column_to_json_key_mappings_rename_the_key_looked_up() -> None:
    converter = _converter([("ts", "string")], ColumnToJsonKeyMappings={"ts": "timestamp"})
    assert _rows(converter, b'{"Timestamp":"x","ts":"y"}') == [{"ts": "x"}]


def test_missing_keys_are_null_and_extra_keys_ignored() -> None:
    converter = _converter([("a", "int"), ("b", "string")])
    assert _rows(converter, b'{"a":1,"zzz":[1,2]}') == [{"a": 1, "b": None}]


def test_later_spelling_of_a_column_wins() -> None:
    assert _rows(_converter([("a", "int")]), b'{"A":1,"a":2}') == [{"a": 2}]


def test_concatenated_and_newline_separated_objects_are_one_row_each() -> None:
    converter = _converter([("a", "int")])
    assert _rows(converter, b'{"a":1}{"a":2}\n{"a":3}\n') == [{"a": 1}, {"a": 2}, {"a": 3}]


@pytest.mark.parametrize(
    ("hive_type", "value", "expected"),
    [
        ("int", "6", 6),
        ("int", 6, 6),
        ("int", "0x1F", 31),
        ("int", "-12", -12),
        ("bigint", "9007199254740993", 9007199254740993),
        ("double", "2.55", 2.55),
        ("double", " 2.5 ", 2.5),
        ("double", 6, 6.0),
        ("double", "1e3", 1000.0),
        ("decimal(10,2)", "2.555", Decimal("2.56")),
        ("decimal(10,2)", 2.5, Decimal("2.50")),
        ("boolean", "TRUE", True),
        ("boolean", False, False),
        ("string", 6, "6"),
        ("string", 6.5, "6.5"),
        ("string", 6.0, "6.0"),
        ("string", 1e7, "1.0E7"),
        ("string", True, "true"),
        ("string", {"K": [1, "x"]}, '{"k":[1,"x"]}'),
        ("varchar(3)", "abcdef", "abc"),
        ("date", "2020-1-2", date(2020, 1, 2)),
        ("array<int>", ["1", 2], [1, 2]),
        ("array<int>", "5", [5]),
        ("struct<a:int,b:string>", {"A": "1", "extra": 0}, {"a": 1, "b": None}),
        ("struct<a:int,b:string>", [1, "x", "ignored"], {"a": 1, "b": "x"}),
        ("map<string,int>", {"Key": "3"}, [("key", 3)]),
    ],
)
def test_openx_coerces_values_into_their_column_type(
    hive_type: str, value: Any, expected: Any
) -> None:
    assert _value(hive_type, value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2017-02-07T15:13:01.39256Z", datetime(2017, 2, 7, 15, 13, 1, 392560)),  # noqa: DTZ001
        ("2017-02-07T15:13:01", datetime(2017, 2, 7, 15, 13, 1)),  # noqa: DTZ001
        ("2017-02-07T15:13:01+01:00", datetime(2017, 2, 7, 14, 13, 1)),  # noqa: DTZ001
        ("2017-2-7 5:3:1.5", datetime(2017, 2, 7, 5, 3, 1, 500000)),  # noqa: DTZ001
        ("2017-02-07 15:13:01.123456789", datetime(2017, 2, 7, 15, 13, 1, 123456)),  # noqa: DTZ001
        (1518033528, datetime(2018, 2, 7, 19, 58, 48)),  # noqa: DTZ001 - epoch seconds
        ("1518033528", datetime(2018, 2, 7, 19, 58, 48)),  # noqa: DTZ001
        (1518033528123, datetime(2018, 2, 7, 19, 58, 48, 123000)),  # noqa: DTZ001 - millis
        (1518033528.25, datetime(2018, 2, 7, 19, 58, 48, 250000)),  # noqa: DTZ001 - float s
        (999999999999, None),  # 12 digits: seconds, past year 9999: fails
    ],
)
def test_openx_timestamps(value: Any, expected: datetime | None) -> None:
    record = json.dumps({"ts": value}).encode()
    table, failed = _converter([("ts", "timestamp")]).table([record])
    if expected is None:
        assert failed and failed[0][1] == MALFORMED_DATA
    else:
        assert table.to_pylist() == [{"ts": expected}]


def test_epoch_seconds_and_millis_are_told_apart_by_magnitude() -> None:
    assert epoch_ms(999_999_999_999) == 999_999_999_999_000  # 12 digits: seconds
    assert epoch_ms(1_000_000_000_000) == 1_000_000_000_000  # 13 digits: milliseconds
    assert epoch_ms(-5) == -5000
    assert epoch_ms(1.0015) == 1001  # truncated like Java's (long)


@pytest.mark.parametrize(
    ("value", "text"),
    [(6.5, "6.5"), (100.0, "100.0"), (1e7, "1.0E7"), (1.5e-5, "1.5E-5"), (-2.5e20, "-2.5E20")],
)
def test_doubles_print_as_java_does(value: float, text: str) -> None:
    assert java_double(value) == text


@pytest.mark.parametrize(
    ("record", "code"),
    [
        (b'{"a":', PARSE_ERROR),
        (b'{"a":1} trailing', PARSE_ERROR),
        (b'{"a":NaN}', PARSE_ERROR),
        (b"\xff\xfe", PARSE_ERROR),
        (b"", MALFORMED_DATA),
        (b" \n ", MALFORMED_DATA),
        (b'[{"a":1},{"a":2}]', MALFORMED_DATA),
        (b"42", MALFORMED_DATA),
        (b'{"a":"six"}', MALFORMED_DATA),
        (b'{"a":1.5}', MALFORMED_DATA),
        (b'{"a":2147483648}', MALFORMED_DATA),
        (b'{"a":1}{"a":"x"}', MALFORMED_DATA),
    ],
)
def test_a_record_that_does_not_convert_fails_whole(record: bytes, code: str) -> None:
    assert _failure([("a", "int")], record)[0] == code


def test_a_bad_value_names_its_column_and_input() -> None:
    _, message = _failure([("price", "double")], b'{"price":"oops"}')
    assert message == 'Data does not match the schema. For input string: "oops" (column price).'


@pytest.mark.parametrize(
    ("hive_type", "value"),
    [
        ("boolean", "yes"),
        ("decimal(4,2)", "123.45"),
        ("date", "2020-02-30"),
        ("timestamp", "12/1/2010 8:26"),
        ("map<string,int>", [1]),
        ("struct<a:int>", "x"),
        ("tinyint", 200),
    ],
)
def test_values_outside_their_type_fail_as_malformed_data(hive_type: str, value: Any) -> None:
    assert _failure([("v", hive_type)], json.dumps({"v": value}).encode())[0] == MALFORMED_DATA
