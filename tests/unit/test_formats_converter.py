"""The Converter: the fast (Arrow) reader agrees with the exact reader, failures keep their
record index, and the Parquet/ORC files read back with the table's schema (pyarrow, DuckDB)."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.orc as orc
import pyarrow.parquet as pq
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from sinks.firehose.formats import (
    MALFORMED_DATA,
    PARSE_ERROR,
    Converter,
    FormatConversionError,
)
from sinks.firehose.formats.converter import CHUNK_RECORDS

COURSE = [
    ("invoiceno", "string"),
    ("stockcode", "string"),
    ("description", "string"),
    ("quantity", "int"),
    ("invoicedate", "string"),
    ("unitprice", "double"),
    ("customer", "string"),
    ("country", "string"),
]
COURSE_RECORD = (
    json.dumps(
        {
            "InvoiceNo": "536365",
            "StockCode": "85123A",
            "Description": "WHITE HANGING HEART T-LIGHT HOLDER",
            "Quantity": "6",
            "InvoiceDate": "12/1/2010 8:26",
            "UnitPrice": "2.55",
            "Customer": "17850",
            "Country": "United Kingdom\r",
        }
    )
    + "\n"
).encode()


def _conversion(serializer: dict[str, Any] | None = None, **openx: Any) -> dict[str, Any]:
    return {
        "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": openx}},
        "OutputFormatConfiguration": {"Serializer": serializer or {"ParquetSerDe": {}}},
    }


def test_course_records_take_the_fast_path_and_read_back() -> None:
    converter = Converter(COURSE, _conversion())
    records = [COURSE_RECORD] * 50
    assert converter.fast.table(records) is not None
    result = converter.convert(records)
    assert (result.rows, result.failed) == (50, [])
    assert result.data is not None
    table = pq.read_table(io.BytesIO(result.data))
    assert table.schema == converter.schema
    assert table.to_pylist()[0] == {
        "invoiceno": "536365",
        "stockcode": "85123A",
        "description": "WHITE HANGING HEART T-LIGHT HOLDER",
        "quantity": 6,
        "invoicedate": "12/1/2010 8:26",
        "unitprice": 2.55,
        "customer": "17850",
        "country": "United Kingdom\r",
    }
    assert table.equals(converter.exact_table(records))


def test_failures_keep_their_index_and_the_rest_converts_in_order() -> None:
    converter = Converter([("n", "int")], _conversion())
    records = [json.dumps({"n": i}).encode() for i in range(2 * CHUNK_RECORDS + 10)]
    records[5] = b'{"n":"five"}'
    records[CHUNK_RECORDS + 1] = b"{broken"
    records[-1] = b"[]"
    result = converter.convert(records)
    assert result.failed == [
        (5, MALFORMED_DATA, 'Data does not match the schema. For input string: "five" (column n).'),
        (CHUNK_RECORDS + 1, PARSE_ERROR, result.failed[1][2]),
        (len(records) - 1, MALFORMED_DATA, result.failed[2][2]),
    ]
    assert result.data is not None
    expected = [i for i in range(len(records)) if i not in (5, CHUNK_RECORDS + 1, len(records) - 1)]
    assert pq.read_table(io.BytesIO(result.data)).column("n").to_pylist() == expected
    assert result.rows == len(expected)


def test_a_batch_where_nothing_converts_has_no_file() -> None:
    result = Converter([("n", "int")], _conversion()).convert([b"nope", b""])
    assert (result.data, result.rows, [f[0] for f in result.failed]) == (None, 0, [0, 1])


def test_empty_record_between_multi_object_records_is_not_absorbed_by_the_fast_path() -> None:
    converter = Converter([("n", "int")], _conversion())
    records = [b'{"n":1}\n{"n":2}', b"", b'{"n":3}']
    assert converter.fast.table(records) is None
    result = converter.convert(records)
    assert [f[0] for f in result.failed] == [1]
    assert result.rows == 3


def test_two_spellings_of_a_column_fall_back_to_the_exact_reader() -> None:
    converter = Converter([("a", "int")], _conversion())
    records = [b'{"a":1}', b'{"A":2}', b'{"A":3,"a":4}']
    assert converter.fast.table(records) is None
    assert converter.convert(records).rows == 3
    assert converter.exact_table(records).column("a").to_pylist() == [1, 2, 4]


# fast == exact ------------------------------------------------------------------------------
TYPES = [
    ("i", "int"),
    ("b", "bigint"),
    ("d", "double"),
    ("f", "float"),
    ("s", "string"),
    ("v", "varchar(4)"),
    ("dec", "decimal(8,2)"),
    ("ok", "boolean"),
    ("ts", "timestamp"),
    ("day", "date"),
]
_texts = st.text(alphabet="0123456789+-.eE xZT:", max_size=12)
_values: dict[str, st.SearchStrategy[Any]] = {
    "i": st.one_of(st.integers(-(2**31), 2**31 - 1), st.integers().map(str), _texts),
    "b": st.one_of(st.integers(-(2**63), 2**63 - 1), st.integers(-(2**70), 2**70).map(str)),
    "d": st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(), _texts),
    "f": st.one_of(st.floats(-1e30, 1e30), st.floats(-1e6, 1e6).map(repr)),
    "s": st.one_of(st.text(max_size=8), st.integers(), st.booleans(), st.floats(-1e9, 1e9)),
    "v": st.text(max_size=8),
    "dec": st.one_of(st.decimals("-999999", "999999", places=2).map(str), st.integers(-999, 999)),
    "ok": st.one_of(st.booleans(), st.sampled_from(["true", "FALSE", "True", "no"])),
    "ts": st.one_of(
        st.integers(-(10**13), 10**13),
        st.floats(-1e12, 1e12, allow_nan=False),
        st.datetimes().map(lambda t: t.isoformat(sep=" ")),
        st.datetimes().map(lambda t: t.isoformat() + "Z"),
    ),
    "day": st.dates().map(str),
}
_keys = st.sampled_from([name for name, _ in TYPES]).flatmap(
    lambda k: st.sampled_from([k, k.upper(), k.capitalize()])
)


@st.composite
def _batches(draw: st.DrawFn) -> list[bytes]:
    kinds = {name: draw(_values[name]) for name, _ in TYPES}  # one kind per batch, mostly
    size = draw(st.integers(1, 6))
    records = []
    for _ in range(size):
        row = {}
        for name, _ in TYPES:
            if draw(st.booleans()):
                key = draw(st.sampled_from([name, name.upper()]))
                row[key] = draw(_values[name]) if draw(st.booleans()) else kinds[name]
        if draw(st.booleans()):
            row["extra"] = draw(st.integers())
        records.append(json.dumps(row).encode())
    return records


@settings(max_examples=300, deadline=None)
@given(_batches())
def test_fast_reader_gives_the_exact_readers_table_whenever_it_answers(
    records: list[bytes],
) -> None:
    converter = Converter(TYPES, _conversion())
    fast = converter.fast.table(records)
    event("fast path answered" if fast is not None else "fast path declined")
    if fast is not None:
        exact = converter.exact_table(records)
        assert fast.equals(exact), (fast.to_pylist(), exact.to_pylist())


_valid: dict[str, list[st.SearchStrategy[Any]]] = {
    "i": [st.integers(-(2**31), 2**31 - 1), st.integers(-(2**31), 2**31 - 1).map(str)],
    "b": [st.integers(-(2**63), 2**63 - 1)],
    "d": [st.floats(allow_nan=False, allow_infinity=False), st.floats(-1e6, 1e6).map(repr)],
    "f": [st.floats(-1e30, 1e30), st.integers(-(10**6), 10**6)],
    "s": [st.text(max_size=8), st.integers(-(2**63), 2**63 - 1), st.booleans()],
    "v": [st.text(max_size=8)],
    "dec": [st.decimals("-999999", "999999", places=2).map(str), st.integers(-999, 999)],
    "ok": [st.booleans(), st.sampled_from(["true", "FALSE", "True"])],
    "ts": [
        st.integers(-(10**11), 10**11),
        st.integers(-(10**13), 10**13),
        st.floats(-1e11, 1e11, allow_nan=False),
        st.datetimes(min_value=datetime(1000, 1, 1)).map(lambda t: t.isoformat(sep=" ")),  # noqa: DTZ001
        st.datetimes(min_value=datetime(1000, 1, 1)).map(lambda t: t.isoformat() + "Z"),  # noqa: DTZ001
    ],
    "day": [st.dates(min_value=date(1000, 1, 1)).map(str)],
}


@st.composite
def _uniform_batches(draw: st.DrawFn) -> list[bytes]:
    kinds = {name: draw(st.sampled_from(options)) for name, options in _valid.items()}
    spelling = {name: draw(st.sampled_from([name, name.upper()])) for name in kinds}
    rows = draw(
        st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    spelling[name]: st.one_of(st.none(), kind) for name, kind in kinds.items()
                },
            ),
            min_size=1,
            max_size=8,
        )
    )
    return [json.dumps(row).encode() for row in rows]


@settings(max_examples=300, deadline=None)
@given(_uniform_batches())
def test_fast_reader_agrees_on_well_formed_batches(records: list[bytes]) -> None:
    converter = Converter(TYPES, _conversion())
    fast = converter.fast.table(records)
    event("fast path answered" if fast is not None else "fast path declined")
    if fast is not None:
        exact = converter.exact_table(records)
        assert fast.equals(exact), (fast.to_pylist(), exact.to_pylist())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.fixed_dictionaries({"i": st.integers(-1000, 1000), "s": st.text()}), min_size=1))
def test_uniform_batches_always_take_the_fast_path(rows: list[dict[str, Any]]) -> None:
    converter = Converter([("i", "int"), ("s", "string")], _conversion())
    records = [json.dumps(r).encode() for r in rows]
    fast = converter.fast.table(records)
    assert fast is not None
    assert fast.equals(converter.exact_table(records))


# serializers --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("serde", "codec"),
    [
        ({}, "SNAPPY"),
        ({"Compression": "GZIP"}, "GZIP"),
        ({"Compression": "UNCOMPRESSED"}, "UNCOMPRESSED"),
    ],
)
def test_parquet_compression(serde: dict[str, Any], codec: str) -> None:
    converter = Converter(COURSE, _conversion({"ParquetSerDe": serde}))
    data = converter.convert([COURSE_RECORD] * 10).data
    assert data is not None
    assert pq.ParquetFile(io.BytesIO(data)).metadata.row_group(0).column(0).compression == codec
    assert converter.format_name == "parquet"


def test_parquet_dictionary_page_size_and_writer_version() -> None:
    serde = {"EnableDictionaryCompression": False, "PageSizeBytes": 65536, "WriterVersion": "V2"}
    data = Converter(COURSE, _conversion({"ParquetSerDe": serde})).convert([COURSE_RECORD]).data
    assert data is not None
    column = pq.ParquetFile(io.BytesIO(data)).metadata.row_group(0).column(0)
    assert "PLAIN_DICTIONARY" not in column.encodings and "RLE_DICTIONARY" not in column.encodings
    assert column.has_dictionary_page is False
    default = Converter(COURSE, _conversion()).convert([COURSE_RECORD]).data
    assert default is not None
    assert pq.ParquetFile(io.BytesIO(default)).metadata.row_group(0).column(0).has_dictionary_page


@pytest.mark.parametrize(
    ("codec", "orc_codec"), [("SNAPPY", "SNAPPY"), ("ZLIB", "ZLIB"), ("NONE", "UNCOMPRESSED")]
)
def test_orc_reads_back_with_the_table_schema(codec: str, orc_codec: str) -> None:
    serde = {"Compression": codec, "BloomFilterColumns": ["InvoiceNo"], "RowIndexStride": 1000}
    converter = Converter(COURSE, _conversion({"OrcSerDe": serde}))
    result = converter.convert([COURSE_RECORD] * 3)
    assert result.data is not None and converter.format_name == "orc"
    reader = orc.ORCFile(io.BytesIO(result.data))
    assert reader.compression == orc_codec
    table = reader.read()
    assert table.schema == converter.schema
    assert table.equals(converter.exact_table([COURSE_RECORD] * 3))


def test_duckdb_reads_the_parquet_file_with_the_catalog_types(tmp_path: Path) -> None:
    columns = [
        ("id", "bigint"),
        ("price", "decimal(10,2)"),
        ("ts", "timestamp"),
        ("tags", "array<string>"),
    ]
    records = [b'{"id":1,"price":"2.50","ts":"2020-01-02 03:04:05","tags":["a"]}', b'{"ID":"2"}']
    data = Converter(columns, _conversion()).convert(records).data
    assert data is not None
    path = tmp_path / "part.parquet"
    path.write_bytes(data)
    with duckdb.connect() as con:
        rows = con.execute(
            "SELECT id, price, ts, tags, typeof(price), typeof(ts) "
            "FROM read_parquet(?) ORDER BY id",
            [str(path)],
        ).fetchall()
    assert [r[:2] for r in rows] == [(1, Decimal("2.50")), (2, None)]
    assert rows[0][3] == ["a"] and rows[0][4:] == ("DECIMAL(10,2)", "TIMESTAMP")
    assert str(rows[0][2]) == "2020-01-02 03:04:05"


@pytest.mark.parametrize(
    ("serializer", "field"),
    [
        ({"ParquetSerDe": {"Compression": "LZO"}}, "ParquetSerDe.Compression"),
        ({"ParquetSerDe": {"PageSizeBytes": 1024}}, "ParquetSerDe.PageSizeBytes"),
        ({"ParquetSerDe": {"BlockSizeBytes": 1024}}, "ParquetSerDe.BlockSizeBytes"),
        ({"ParquetSerDe": {"WriterVersion": "V3"}}, "ParquetSerDe.WriterVersion"),
        ({"OrcSerDe": {"Compression": "GZIP"}}, "OrcSerDe.Compression"),
        ({"OrcSerDe": {"StripeSizeBytes": 1024}}, "OrcSerDe.StripeSizeBytes"),
        ({"OrcSerDe": {"RowIndexStride": 10}}, "OrcSerDe.RowIndexStride"),
        ({"OrcSerDe": {"FormatVersion": "V1"}}, "OrcSerDe.FormatVersion"),
        ({"OrcSerDe": {"BloomFilterColumns": ["nope"]}}, "BloomFilterColumns"),
        ({"OrcSerDe": {"PaddingTolerance": 2.0}}, "OrcSerDe.PaddingTolerance"),
        ({}, "Serializer"),
    ],
)
def test_bad_serializer_options_name_the_field(serializer: dict[str, Any], field: str) -> None:
    conversion = {"OutputFormatConfiguration": {"Serializer": serializer}}
    with pytest.raises(FormatConversionError, match=field):
        Converter(COURSE, conversion)


def test_bad_deserializer_options_name_the_field() -> None:
    with pytest.raises(FormatConversionError, match="CaseInsensitive"):
        Converter(COURSE, _conversion(CaseInsensitive="yes"))
    with pytest.raises(FormatConversionError, match="quantity"):
        Converter([("quantity", "binary")], _conversion())


def test_batches_converted_ahead_join_into_one_file_with_failures_renumbered() -> None:
    converter = Converter([("a", "int")], _conversion())
    first, second = [b'{"a": 1}', b'{"a": "x"}'], [b'{"a": 2}', b"{", b'{"a": 3}']
    parts = [converter.table(first), converter.table(second)]
    result = converter.joined(parts, [len(first), len(second)])
    assert [code for _, code, _ in result.failed] == [
        "DataFormatConversion.MalformedData",
        "DataFormatConversion.ParseError",
    ]
    assert [index for index, _, _ in result.failed] == [1, 3]
    assert result.rows == 3
    assert result.data is not None
    assert pq.read_table(io.BytesIO(result.data)).column("a").to_pylist() == [1, 2, 3]
