"""Hive JSON SerDe: stricter values than OpenX, and TimestampFormats."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from sinks.firehose.formats import MALFORMED_DATA, Converter, FormatConversionError


def _hive(columns: list[tuple[str, str]], formats: list[str] | None = None) -> Converter:
    serde: dict[str, Any] = {} if formats is None else {"TimestampFormats": formats}
    conversion = {
        "InputFormatConfiguration": {"Deserializer": {"HiveJsonSerDe": serde}},
        "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {}}},
    }
    return Converter(columns, conversion)


def _convert(converter: Converter, value: Any) -> tuple[list[dict[str, Any]], list[str]]:
    table, failed = converter.table([json.dumps({"V": value}).encode()])
    return table.to_pylist(), [code for _, code, _ in failed]


@pytest.mark.parametrize(
    ("hive_type", "value"),
    [
        ("int", "6"),
        ("double", "2.5"),
        ("string", {"a": 1}),
        ("array<int>", 5),
        ("struct<a:int>", [1]),
    ],
)
def test_hive_refuses_what_openx_coerces(hive_type: str, value: Any) -> None:
    assert _convert(_hive([("v", hive_type)]), value) == ([], [MALFORMED_DATA])


def test_hive_matches_names_case_insensitively_and_takes_numbers_as_text() -> None:
    assert _convert(_hive([("v", "string")]), 6) == ([{"v": "6"}], [])


def test_default_timestamp_is_java_sql_timestamp_value_of() -> None:
    converter = _hive([("v", "timestamp")])
    assert _convert(converter, "2020-1-2 3:04:05.5")[0] == [
        {"v": datetime(2020, 1, 2, 3, 4, 5, 500000)}  # noqa: DTZ001
    ]
    assert _convert(converter, "2020-01-02T03:04:05Z")[1] == [MALFORMED_DATA]
    assert _convert(converter, 1577934245)[1] == [MALFORMED_DATA]


def test_timestamp_formats_are_tried_in_order_and_millis_is_epoch_ms() -> None:
    converter = _hive([("v", "timestamp")], ["dd/MM/yyyy HH:mm", "millis"])
    assert _convert(converter, "02/01/2020 03:04")[0] == [
        {"v": datetime(2020, 1, 2, 3, 4)}  # noqa: DTZ001
    ]
    assert _convert(converter, 1577934245000)[0] == [
        {"v": datetime(2020, 1, 2, 3, 4, 5)}  # noqa: DTZ001
    ]


def test_an_unsupported_joda_letter_is_a_configuration_error() -> None:
    with pytest.raises(FormatConversionError, match="TimestampFormats"):
        _hive([("v", "timestamp")], ["EEE, dd MMM yyyy"])
