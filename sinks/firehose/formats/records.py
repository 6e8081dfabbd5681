"""The exact (per-record) reader: Firehose record data -> table rows, or the record's error.

A record holds one JSON object or several concatenated ones (`{"a":1}{"a":2}`, or one a line);
each object is a row. The record fails as a whole, as on AWS:

- not UTF-8 or not JSON (also `NaN`, trailing garbage): `DataFormatConversion.ParseError`;
- empty, only whitespace, or a top-level value that is not an object (an array of objects
  included: AWS documents `[{...},{...}]` as invalid input): `DataFormatConversion.MalformedData`;
- a value its column cannot take (see `openx.py`, `hive_json.py`): `MalformedData`.

Keys match columns through the SerDe's `KeyIndex`; a key the table lacks is ignored, a column no
key fills is null, and of two keys that fill one column the later wins.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

from sinks.firehose.formats.errors import MALFORMED_DATA, PARSE_ERROR, RecordConversionError
from sinks.firehose.formats.hive_json import HiveValueReader
from sinks.firehose.formats.hive_types import HiveType
from sinks.firehose.formats.openx import ValueReader
from sinks.firehose.formats.serde import KeyIndex, SerDeRules

__all__ = ["DECODER", "RecordReader", "rows_table", "split_objects"]

_WHITESPACE = " \t\n\r"


def _no_constant(name: str) -> Any:
    raise ValueError(f"Non-standard token '{name}'")


DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_no_constant)


def split_objects(text: str) -> list[Any]:
    """The JSON values of `text`, one after another (whitespace between them is optional)."""
    values: list[Any] = []
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in _WHITESPACE:
            pos += 1
        if pos == end:
            return values
        value, pos = DECODER.raw_decode(text, pos)
        values.append(value)


class RecordReader:
    """Turns one record's bytes into rows of column values (Python objects Arrow can take)."""

    def __init__(self, columns: Sequence[tuple[str, HiveType]], rules: SerDeRules) -> None:
        self.columns = list(columns)
        self.index = KeyIndex([name for name, _ in columns], rules)
        self.values = ValueReader(rules) if rules.openx else HiveValueReader(rules)

    def rows(self, raw: bytes) -> list[list[Any]]:
        """The rows of one record; `RecordConversionError` when it does not convert."""
        try:
            objects = split_objects(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise RecordConversionError(PARSE_ERROR, f"Encountered malformed JSON. {exc}") from exc
        if not objects:
            raise RecordConversionError(
                MALFORMED_DATA, "The record was empty or contained only whitespace."
            )
        return [self.row(obj) for obj in objects]

    def row(self, obj: Any) -> list[Any]:
        if not isinstance(obj, dict):
            kind = "array" if isinstance(obj, list) else "primitive"
            raise RecordConversionError(
                MALFORMED_DATA,
                f"Data does not match the schema. A JSON object is required, not a JSON {kind}.",
            )
        raw: list[Any] = [None] * len(self.columns)
        for key, value in obj.items():
            i = self.index.column(key)
            if i is not None:
                raw[i] = value
        return [
            self.values.read(value, hive, name)
            for value, (name, hive) in zip(raw, self.columns, strict=True)
        ]


def rows_table(rows: list[list[Any]], schema: pa.Schema) -> pa.Table:
    """A table of `schema` from rows of column values."""
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True)) if rows else [[]] * len(schema)
    arrays = [
        pa.array(list(values), type=f.type) for values, f in zip(columns, schema, strict=True)
    ]
    return pa.Table.from_arrays(arrays, schema=schema)
