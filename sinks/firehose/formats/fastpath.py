"""The fast reader: a batch of records parsed by `pyarrow.json` and cast with Arrow kernels.

It gives the table `records.RecordReader` gives, or None when it cannot vouch for it (then the
caller reads the records one by one, which also finds the records that fail). It returns None
when any record is empty or blank (Arrow would skip it, AWS fails it), when Arrow refuses the
input (bad JSON, a top-level array, one key with values of two JSON kinds, an object that spans
lines), when two spellings of one column occur (`InvoiceNo` and `invoiceno`: the exact reader
lets the later win), for nested columns, and whenever a value would need a conversion that only
the exact reader does the Java way (e.g. a JSON fraction into a string column, `"+6"`).

How: the JSON kind of each column's first value in the first records picks the type Arrow reads
it as (under the key spelling seen); every other key is inferred, so a spelling that
folds onto a column shows up as an extra column. Strings bound for numbers, booleans, dates and
timestamps must match a pattern both readers agree on before they are cast.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.json as pj  # type: ignore[import-untyped]

from sinks.firehose.formats.hive_types import HiveType
from sinks.firehose.formats.openx import MS_THRESHOLD
from sinks.firehose.formats.records import DECODER
from sinks.firehose.formats.serde import KeyIndex, SerDeRules

__all__ = ["FastReader"]

_INT = r"^-?[0-9]+$"
_DOUBLE = r"^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$"
_DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"
_DATE = r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$"
_SPACED = r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$"
_ISO_OR_SPACED = (
    r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}"
    r"(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z?| [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?)$"
)
_MIN_MS = -62135596800000  # 0001-01-01, Python's first instant
_MAX_MS = 253402300799999  # 9999-12-31 23:59:59.999
_MIN_BLOCK = 1 << 20
_SAMPLES = 16  # records whose values pick the types Arrow reads


def _matches(array: pa.ChunkedArray, pattern: str) -> bool:
    return bool(pc.all(pc.match_substring_regex(array, pattern)).as_py() is not False)


class FastReader:
    """Whole-batch conversion with Arrow; `table()` is None where it cannot be trusted."""

    def __init__(
        self, columns: Sequence[tuple[str, HiveType]], rules: SerDeRules, schema: pa.Schema
    ) -> None:
        self.columns, self.rules, self.schema = list(columns), rules, schema
        self.index = KeyIndex([name for name, _ in columns], rules)
        self.enabled = not any(hive.nested for _, hive in columns)
        self.lenient = rules.openx
        self.epochs = rules.openx  # Hive JSON SerDe: epoch numbers only with TimestampFormats

    def table(self, records: Sequence[bytes]) -> pa.Table | None:
        """The batch's table, or None (see the module docstring)."""
        if not self.enabled or not records or min(map(len, records)) == 0:
            return None
        if any(map(bytes.isspace, records)):
            return None
        explicit = self._explicit_schema(records)
        if explicit is None:
            return None
        try:
            parsed = self._read(records, explicit)
            return self._cast(parsed)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, ValueError):
            return None

    def _explicit_schema(self, records: Sequence[bytes]) -> pa.Schema | None:
        """Arrow types for the columns' keys, from the first value each has in a few records."""
        fields: dict[int, pa.Field] = {}
        for raw in records[:_SAMPLES]:
            try:
                sample, _ = DECODER.raw_decode(raw.decode("utf-8").lstrip())
            except (UnicodeDecodeError, ValueError):
                return None
            if not isinstance(sample, dict):
                return None
            for key, value in sample.items():
                i = self.index.column(key)
                if i is None or value is None or i in fields:
                    continue
                read_as = self._read_type(value, self.columns[i][1])
                if read_as is None:
                    return None
                fields[i] = pa.field(key, read_as)
        return pa.schema(list(fields.values()))

    def _read_type(self, value: Any, hive: HiveType) -> pa.DataType | None:
        if isinstance(value, bool):
            return pa.bool_() if hive.kind == "boolean" or hive.text else None
        if isinstance(value, str):
            return pa.string()
        if isinstance(value, (int, Decimal)):
            if hive.kind == "decimal":
                return hive.arrow
            if hive.integral or (hive.text and isinstance(value, int)):
                return pa.int64()
            if hive.kind in ("float", "double", "timestamp"):
                return pa.float64()
        return None

    def _read(self, records: Sequence[bytes], explicit: pa.Schema) -> pa.Table:
        block = max(_MIN_BLOCK, 2 * max(map(len, records)) + 16)
        options = pj.ParseOptions(explicit_schema=explicit, unexpected_field_behavior="infer")
        data = b"\n".join(records)
        return pj.read_json(
            io.BytesIO(data), read_options=pj.ReadOptions(block_size=block), parse_options=options
        )

    def _cast(self, parsed: pa.Table) -> pa.Table | None:
        found: dict[int, pa.ChunkedArray] = {}
        for name, column in zip(parsed.column_names, parsed.columns, strict=True):
            i = self.index.column(name)
            if i is None:
                continue
            if i in found:
                return None  # two spellings of one column
            found[i] = column
        arrays = []
        for i, (_, hive) in enumerate(self.columns):
            if i not in found:
                arrays.append(pa.nulls(parsed.num_rows, hive.arrow))
                continue
            converted = self._convert(found[i], hive)
            if converted is None:
                return None
            arrays.append(converted)
        return pa.Table.from_arrays(arrays, schema=self.schema)

    def _convert(self, array: pa.ChunkedArray, hive: HiveType) -> Any:
        if pa.types.is_null(array.type):
            return pa.nulls(len(array), hive.arrow)
        if hive.text:
            return self._text(array, hive)
        if hive.integral:
            return self._integral(array, hive)
        converters = {
            "float": self._double,
            "double": self._double,
            "decimal": self._decimal,
            "boolean": self._boolean,
            "timestamp": self._timestamp,
            "date": self._date,
        }
        return converters[hive.kind](array, hive)

    def _text(self, array: pa.ChunkedArray, hive: HiveType) -> Any:
        if array.type in (pa.int64(), pa.bool_()):
            array = pc.cast(array, pa.string())
        elif array.type != pa.string():
            return None
        return array if hive.length is None else pc.utf8_slice_codeunits(array, 0, hive.length)

    def _numeric_text(self, array: pa.ChunkedArray, pattern: str, to: pa.DataType) -> Any:
        if not self.lenient or not _matches(array, pattern):
            return None
        return pc.cast(array, to)

    def _integral(self, array: pa.ChunkedArray, hive: HiveType) -> Any:
        if array.type == pa.string():
            array = self._numeric_text(array, _INT, pa.int64())
        elif array.type != pa.int64():
            return None
        return None if array is None else pc.cast(array, hive.arrow)

    def _double(self, array: pa.ChunkedArray, hive: HiveType) -> Any:
        if array.type == pa.string():
            array = self._numeric_text(array, _DOUBLE, pa.float64())
        elif array.type in (pa.int64(), pa.float64()):
            array = pc.cast(array, pa.float64())
        else:
            return None
        return None if array is None else pc.cast(array, hive.arrow, safe=False)

    def _decimal(self, array: pa.ChunkedArray, hive: HiveType) -> Any:
        if array.type == hive.arrow:
            return array
        if array.type == pa.string():
            return self._numeric_text(array, _DECIMAL, hive.arrow)
        if array.type == pa.int64():
            return pc.cast(array, hive.arrow)
        return None

    def _boolean(self, array: pa.ChunkedArray, hive: HiveType) -> Any:
        if array.type == pa.bool_():
            return array
        if array.type != pa.string() or not self.lenient:
            return None
        lowered = pc.utf8_lower(array)
        if pc.all(pc.is_in(lowered, pa.array(["true", "false"]))).as_py() is False:
            return None
        return pc.equal(lowered, "true")

    def _timestamp(self, array: pa.ChunkedArray, hive: HiveType) -> Any:
        if self.rules.timestamp_formats:
            return None
        if array.type == pa.string():
            if not _matches(array, _ISO_OR_SPACED if self.lenient else _SPACED):
                return None
            return pc.cast(pc.replace_substring_regex(array, "Z$", ""), hive.arrow)
        if array.type not in (pa.float64(), pa.int64()) or not self.epochs:
            return None
        seconds = pc.cast(array, pa.float64())
        small = pc.less(pc.abs(seconds), float(MS_THRESHOLD))
        ms = pc.trunc(pc.if_else(small, pc.multiply(seconds, 1000.0), seconds))
        low, high = pc.min_max(ms).values()
        if low.as_py() is not None and (low.as_py() < _MIN_MS or high.as_py() > _MAX_MS):
            return None
        epoch = pc.cast(pc.cast(ms, pa.int64()), pa.timestamp("ms"))
        return pc.cast(epoch, hive.arrow)

    def _date(self, array: pa.ChunkedArray, hive: HiveType) -> Any:
        if array.type != pa.string() or not _matches(array, _DATE):
            return None
        return pc.cast(array, hive.arrow)
