"""Hive JSON SerDe values (`org.apache.hive.hcatalog.data.JsonSerDe`), Firehose's 2nd deserializer.

Stricter than OpenX (`openx.py`), as AWS documents and probes of Firehose show: a JSON string
never fills a numeric column, a nested value never fills a string column, a single value is not
wrapped into an array, and a struct takes only an object. Column names still match
case-insensitively. `TimestampFormats` lists Joda patterns tried in order, `millis` meaning
epoch milliseconds; without it a timestamp is `java.sql.Timestamp.valueOf`'s
`yyyy-[M]M-[d]d [H]H:[m]m:[s]s[.fffffffff]`.

Joda letters supported: `y` year, `M` month (numeric), `d` day, `H` hour, `m` minute, `s`
second, `S` fraction, `Z` offset; quoted text and punctuation are literal. Others are refused
with a `FormatConversionError` naming `TimestampFormats`.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from sinks.firehose.formats.errors import FormatConversionError, malformed
from sinks.firehose.formats.hive_types import HiveType
from sinks.firehose.formats.openx import SPACED_TIMESTAMP, ValueReader, from_ms, wall_clock
from sinks.firehose.formats.serde import SerDeRules

__all__ = ["HiveValueReader", "joda_to_strptime"]

_JODA = {"y": "%Y", "M": "%m", "d": "%d", "H": "%H", "m": "%M", "s": "%S", "S": "%f", "Z": "%z"}
_NOT_NUMERIC = "Current token (VALUE_STRING) not numeric, can not use numeric value accessors"


def joda_to_strptime(pattern: str) -> str:
    """A Joda `DateTimeFormat` pattern as a `strptime` format (the letters listed above)."""
    out: list[str] = []
    for match in re.finditer(r"'([^']*)'|([A-Za-z])\2*|(.)", pattern):
        quoted, letters, other = match.group(1), match.group(0), match.group(3)
        if quoted is not None:
            out.append(quoted.replace("%", "%%") or "'")
        elif other is not None:
            out.append(other.replace("%", "%%"))
        elif letters[0] in _JODA:
            out.append(_JODA[letters[0]])
        else:
            raise FormatConversionError(
                f"InputFormatConfiguration.Deserializer.HiveJsonSerDe.TimestampFormats: the "
                f"pattern letter '{letters[0]}' of '{pattern}' is not supported."
            )
    return "".join(out)


class HiveValueReader(ValueReader):
    """Hive JSON SerDe coercions: OpenX's, minus its leniencies, plus `TimestampFormats`."""

    def __init__(self, rules: SerDeRules) -> None:
        super().__init__(rules)
        self.formats = [
            f if f == "millis" else joda_to_strptime(f) for f in rules.timestamp_formats
        ]

    def _integral(self, value: Any, hive: HiveType, column: str) -> int:
        self._numeric(value)
        return super()._integral(value, hive, column)

    def _double(self, value: Any, hive: HiveType, column: str) -> float:
        self._numeric(value)
        return super()._double(value, hive, column)

    def _decimal(self, value: Any, hive: HiveType, column: str) -> Decimal:
        self._numeric(value)
        return super()._decimal(value, hive, column)

    def _numeric(self, value: Any) -> None:
        if isinstance(value, str):
            raise malformed(_NOT_NUMERIC)

    def text_of(self, value: Any, column: str) -> str:
        if isinstance(value, (dict, list)):
            raise malformed(f"One or more fields have incorrect format (column {column}).")
        return super().text_of(value, column)

    def not_array(self, value: Any, column: str) -> list[Any]:
        raise malformed(f"java.io.IOException: Start of Array expected (column {column}).")

    def positional(self, value: list[Any], hive: HiveType, column: str) -> dict[str, Any]:
        raise malformed(f"java.io.IOException: Start of Object expected (column {column}).")

    def _timestamp(self, value: Any, hive: HiveType, column: str) -> datetime:
        if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
            raise self.fail(value, column)
        text = str(value)
        for fmt in self.formats:
            parsed = self._formatted(text, fmt)
            if parsed is not None:
                return parsed
        spaced = SPACED_TIMESTAMP.fullmatch(text) if not self.formats else None
        if spaced:
            *fields, fraction = spaced.groups()
            try:
                return wall_clock(fields, fraction)
            except ValueError:
                pass
        raise self.fail(value, column)

    def _formatted(self, text: str, fmt: str) -> datetime | None:
        if fmt == "millis":
            return from_ms(int(text)) if re.fullmatch(r"-?\d+", text) else None
        try:
            parsed = datetime.strptime(text, fmt)  # noqa: DTZ007 - Hive timestamps are zoneless
        except ValueError:
            return None
        if parsed.tzinfo is not None:
            offset = parsed.utcoffset()
            parsed = parsed.replace(tzinfo=None) - offset if offset else parsed.replace(tzinfo=None)
        return parsed
