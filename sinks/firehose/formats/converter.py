"""Firehose record format conversion: JSON records -> one Parquet or ORC file, failures apart.

`Converter(columns, conversion)` takes the Glue table's columns (name, Hive type) and the
stream's `DataFormatConversionConfiguration`; `convert(records)` returns the file holding the
rows of every record that converted, in order, and the records that did not, with AWS's error
code and message, for the `format-conversion-failed` output.

Speed: the whole batch first goes through `FastReader` (Arrow's JSON reader and kernels, close
to a plain `pyarrow.json.read_json`); if it cannot vouch for its result, the batch is split
in halves, each half tried fast again, down to chunks of `CHUNK_RECORDS` that are read record
by record with the exact `RecordReader`, which names the failing records.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

from sinks.firehose.formats.columnar import OrcWriter, writer_from_config
from sinks.firehose.formats.errors import FormatConversionError, RecordConversionError
from sinks.firehose.formats.fastpath import FastReader
from sinks.firehose.formats.hive_types import HiveType, arrow_schema, parse_hive_type
from sinks.firehose.formats.records import RecordReader, rows_table
from sinks.firehose.formats.serde import rules_from_config

__all__ = ["CHUNK_RECORDS", "ConversionResult", "Converter"]

logger = logging.getLogger(__name__)

CHUNK_RECORDS = 2000  # below this, a batch the fast reader declined is read exactly


@dataclass(frozen=True)
class ConversionResult:
    """`data`: one file of every converted record's rows (None if none converted)."""

    data: bytes | None
    rows: int
    failed: list[tuple[int, str, str]] = field(default_factory=list)


def _columns(columns: Sequence[tuple[str, str]]) -> list[tuple[str, HiveType]]:
    if not columns:
        raise FormatConversionError("The table has no columns to convert records into.")
    parsed, seen = [], set()
    for name, type_text in columns:
        key = name.lower()
        if not name or key in seen:
            raise FormatConversionError(f"Column name '{name}' is empty or declared twice.")
        seen.add(key)
        parsed.append((key, parse_hive_type(name, type_text)))
    return parsed


class Converter:
    """JSON -> Parquet/ORC under one table schema and one DataFormatConversionConfiguration."""

    def __init__(self, columns: Sequence[tuple[str, str]], conversion: Mapping[str, Any]) -> None:
        self.columns = _columns(columns)
        self.schema = arrow_schema(self.columns)
        rules = rules_from_config(conversion)
        self.writer = writer_from_config(conversion)
        if isinstance(self.writer, OrcWriter):
            self.writer.check_columns([name for name, _ in self.columns])
        self.fast = FastReader(self.columns, rules, self.schema)
        self.exact = RecordReader(self.columns, rules)

    @property
    def format_name(self) -> str:
        """`parquet` or `orc` (AWS adds no file extension by default; the caller decides)."""
        return self.writer.format_name

    def convert(self, records: Sequence[bytes]) -> ConversionResult:
        """The file of the records' rows, and the (index, code, message) of those that failed."""
        table = self.fast.table(records)
        failed: list[tuple[int, str, str]] = []
        if table is None:
            logger.debug("fast conversion declined %d records; reading in chunks", len(records))
            table = self._chunked(records, failed)
        if table.num_rows == 0:
            return ConversionResult(None, 0, failed)
        return ConversionResult(self.writer.write(table), table.num_rows, failed)

    def joined(
        self, parts: Sequence[tuple[pa.Table, list[tuple[int, str, str]]]], lengths: Sequence[int]
    ) -> ConversionResult:
        """One file from batches converted ahead with `table` (e.g. while more were read).

        `lengths` are the batches' record counts, so failures get indexes into all records.
        """
        failed: list[tuple[int, str, str]] = []
        start = 0
        for (_, part_failed), length in zip(parts, lengths, strict=True):
            failed += [(start + index, code, message) for index, code, message in part_failed]
            start += length
        tables = [table for table, _ in parts if table.num_rows]
        if not tables:
            return ConversionResult(None, 0, failed)
        table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
        return ConversionResult(self.writer.write(table), table.num_rows, failed)

    def table(self, records: Sequence[bytes]) -> tuple[pa.Table, list[tuple[int, str, str]]]:
        """The rows as an Arrow table (no file), and the failures: for tests and readers."""
        failed: list[tuple[int, str, str]] = []
        table = self.fast.table(records)
        return (table if table is not None else self._chunked(records, failed)), failed

    def exact_table(self, records: Sequence[bytes]) -> pa.Table:
        """The table the exact reader alone gives (the reference the fast path must equal)."""
        return self._exact(records, 0, [])

    def _chunked(self, records: Sequence[bytes], failed: list[tuple[int, str, str]]) -> pa.Table:
        tables = self._bisect(records, 0, failed, fast_tried=True, halves_failed=False)
        return pa.concat_tables(tables) if tables else self.schema.empty_table()

    def _bisect(
        self,
        records: Sequence[bytes],
        offset: int,
        failed: list[tuple[int, str, str]],
        *,
        fast_tried: bool,
        halves_failed: bool,
    ) -> list[pa.Table]:
        """Fast tables for the halves that convert fast, exact ones for the rest, in order.

        A few bad records cost a few fast passes over shrinking halves; when both halves fail
        twice in a row the batch is declined throughout, and is read exactly at once.
        """
        fast = None if fast_tried or not self.fast.enabled else self.fast.table(records)
        if fast is not None:
            return [fast]
        if len(records) <= CHUNK_RECORDS or halves_failed or not self.fast.enabled:
            return [self._exact(records, offset, failed)]
        mid = len(records) // 2
        halves = [(records[:mid], offset), (records[mid:], offset + mid)]
        tables = [self.fast.table(half) for half, _ in halves]
        both = all(t is None for t in tables)
        out: list[pa.Table] = []
        for table, (half, start) in zip(tables, halves, strict=True):
            if table is not None:
                out.append(table)
            else:
                out += self._bisect(half, start, failed, fast_tried=True, halves_failed=both)
        return out

    def _exact(
        self, records: Sequence[bytes], offset: int, failed: list[tuple[int, str, str]]
    ) -> pa.Table:
        rows: list[list[Any]] = []
        for i, raw in enumerate(records):
            try:
                rows.extend(self.exact.rows(raw))
            except RecordConversionError as exc:
                failed.append((offset + i, exc.code, exc.message))
        return rows_table(rows, self.schema)
