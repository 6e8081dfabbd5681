"""Glue/Hive column type strings as Arrow types, and the errors naming unsupported ones."""

from __future__ import annotations

import pyarrow as pa
import pytest

from sinks.firehose.formats import FormatConversionError, parse_hive_type


@pytest.mark.parametrize(
    ("text", "arrow"),
    [
        ("string", pa.string()),
        ("int", pa.int32()),
        ("INTEGER", pa.int32()),
        ("bigint", pa.int64()),
        ("smallint", pa.int16()),
        ("tinyint", pa.int8()),
        ("double", pa.float64()),
        ("float", pa.float32()),
        ("decimal(10,2)", pa.decimal128(10, 2)),
        ("decimal( 38 , 0 )", pa.decimal128(38, 0)),
        ("decimal", pa.decimal128(10, 0)),
        ("boolean", pa.bool_()),
        ("timestamp", pa.timestamp("us")),
        ("date", pa.date32()),
        ("varchar(12)", pa.string()),
        ("array<string>", pa.list_(pa.string())),
        ("struct<a:int,b:string>", pa.struct([("a", pa.int32()), ("b", pa.string())])),
        ("map<string,int>", pa.map_(pa.string(), pa.int32())),
        (
            "array<struct<k:map<string,array<bigint>>>>",
            pa.list_(pa.struct([("k", pa.map_(pa.string(), pa.list_(pa.int64())))])),
        ),
    ],
)
def test_hive_types_map_onto_arrow(text: str, arrow: pa.DataType) -> None:
    assert parse_hive_type("c", text).arrow == arrow


def test_varchar_keeps_its_length_and_struct_its_member_names() -> None:
    assert parse_hive_type("c", "varchar(5)").length == 5
    assert parse_hive_type("c", "struct<`Odd Name`:int>").names == ("Odd Name",)


@pytest.mark.parametrize(
    "text",
    [
        "binary",
        "uniontype<int,string>",
        "array<int",
        "decimal(39,2)",
        "decimal(4,5)",
        "map<array<int>,int>",
        "struct<a:int,A:string>",
        "varchar(0)",
        "interval",
        "",
    ],
)
def test_unsupported_types_name_the_column_and_the_type(text: str) -> None:
    with pytest.raises(FormatConversionError) as caught:
        parse_hive_type("quantity", text)
    assert "quantity" in caught.value.message
    assert text in caught.value.message
