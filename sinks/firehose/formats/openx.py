"""OpenX JSON SerDe values (`org.openx.data.jsonserde.JsonSerDe`, Firehose's default deserializer).

What a JSON value becomes in a column of each Hive type, as OpenX (and probes of Firehose that
uses it) does it; a value that cannot is `DataFormatConversion.MalformedData` for its record:

- numeric columns take JSON numbers and numeric strings: `"6"` -> 6 (`Integer.parseInt`, also
  `0x1F` hex), `" 2.5 "` -> 2.5 (`Double.parseDouble`, which trims and takes `NaN`/`Infinity`);
  an integer out of the column's range, or a fraction in an integer column, fails;
- `decimal(p,s)` rounds half-up to the scale and fails past the precision;
- `boolean` takes `true`/`false`, also as strings in any case;
- string columns take anything: numbers as Java prints them (`6.0`, `1.0E7`), nested values as
  their JSON text (keys lower-cased when CaseInsensitive);
- `timestamp` takes `yyyy-MM-dd'T'HH:mm:ss[.fffffffff][Z|+hh:mm]`, `yyyy-[M]M-[d]d
  [H]H:[m]m:[s]s[.fffffffff]`, and epoch numbers or numeric strings: below 10^12 in absolute
  value they are seconds (a fraction kept to the millisecond, truncated as Java's `(long)`
  does), from 10^12 on milliseconds. OpenX's own rule is "13 or more digits is milliseconds",
  the same line for integers; probes of Firehose show it for fractions too. Sub-microsecond
  digits are cut (Arrow timestamps here are microseconds);
- `date` takes `yyyy-[M]M-[d]d`;
- `array<T>` takes a list, or wraps a single value into one; `struct` takes an object (members
  matched like top-level keys, missing ones null) or a list (filled by position); `map` an object.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sinks.firehose.formats.errors import RecordConversionError, malformed
from sinks.firehose.formats.hive_types import HiveType
from sinks.firehose.formats.serde import SerDeRules

__all__ = [
    "EPOCH",
    "SPACED_TIMESTAMP",
    "ValueReader",
    "epoch_ms",
    "from_ms",
    "java_double",
    "wall_clock",
]

EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - Hive timestamps carry no zone
MS_THRESHOLD = 10**12
_BITS = {"tinyint": 8, "smallint": 16, "int": 32, "bigint": 64}
_INT = re.compile(r"[+-]?\d+")
_HEX = re.compile(r"0[xX]([0-9a-fA-F]+)")
_DOUBLE = re.compile(r"[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)[fFdD]?")
_BIG_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?"
)
SPACED_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,9}))?"
)
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_EPOCH_TEXT = re.compile(r"-?\d+(\.\d*)?")


def java_double(value: float) -> str:
    """`Double.toString`: plain from 10^-3 to 10^7, else `d.dddE±n`; always a fraction digit."""
    if value != value or value in (float("inf"), float("-inf")):
        return {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[repr(value)]
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if "e" not in text else format(Decimal(text), "f")
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits))
    power = len(text) - 1 + int(exponent)
    return f"{'-' if sign else ''}{text[0]}.{text[1:] or '0'}E{power}"


def epoch_ms(value: int | float) -> int:
    """Epoch seconds or milliseconds (by magnitude) as milliseconds, truncated like Java."""
    if isinstance(value, int):
        return value * 1000 if abs(value) < MS_THRESHOLD else value
    return int(value * 1000) if abs(value) < MS_THRESHOLD else int(value)


def from_ms(ms: int) -> datetime:
    try:
        return EPOCH + timedelta(milliseconds=ms)
    except OverflowError as exc:
        raise malformed(f"Timestamp {ms} ms is out of range.") from exc


def _fraction_us(text: str | None) -> int:
    return int((text or "0").ljust(6, "0")[:6])


def wall_clock(fields: Sequence[str], fraction: str | None) -> datetime:
    """A zoneless timestamp from year, month, day, hour, minute, second texts and a fraction."""
    year, month, day, hour, minute, second = (int(f) for f in fields)
    return datetime(year, month, day, hour, minute, second, _fraction_us(fraction))  # noqa: DTZ001


class ValueReader:
    """Coerces decoded JSON values (floats as `Decimal`) into a column's Python value."""

    def __init__(self, rules: SerDeRules) -> None:
        self.rules = rules

    def read(self, value: Any, hive: HiveType, column: str) -> Any:
        """The value `value` takes in `column` of type `hive` (None stays None)."""
        if value is None:
            return None
        reader = getattr(self, f"_{hive.kind}", None) or self._dispatch(hive)
        return reader(value, hive, column)

    def _dispatch(self, hive: HiveType) -> Any:
        if hive.integral:
            return self._integral
        if hive.text:
            return self._text
        return self._double  # float and double

    def fail(self, value: Any, column: str) -> RecordConversionError:
        scalar = isinstance(value, (str, int, Decimal))
        shown = str(value) if scalar else json.dumps(self._keys(value), separators=(",", ":"))
        return malformed(f'For input string: "{shown}" (column {column}).')

    # numbers ------------------------------------------------------------------------------
    def _integral(self, value: Any, hive: HiveType, column: str) -> int:
        number = self._integer(value, column)
        limit = 1 << (_BITS[hive.kind] - 1)
        if not -limit <= number < limit:
            raise malformed(f"Value {number} is out of range for column {column} ({hive.kind}).")
        return number

    def _integer(self, value: Any, column: str) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            if _INT.fullmatch(value):
                return int(value)
            hexadecimal = _HEX.fullmatch(value)
            if hexadecimal:
                return int(hexadecimal.group(1), 16)
        raise self.fail(value, column)

    def _double(self, value: Any, hive: HiveType, column: str) -> float:
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            text = value.strip()
            if _DOUBLE.fullmatch(text):
                text = text.rstrip("fFdD").replace("Infinity", "inf")
                return float(text)
        raise self.fail(value, column)

    def _decimal(self, value: Any, hive: HiveType, column: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
            raise self.fail(value, column)
        if isinstance(value, str) and not _BIG_DECIMAL.fullmatch(value):
            raise self.fail(value, column)
        precision, scale = hive.arrow.precision, hive.arrow.scale
        try:
            number = Decimal(value).quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
        except InvalidOperation as exc:
            raise self.fail(value, column) from exc
        if len(number.as_tuple().digits) > precision:
            raise malformed(f"Value {value} is out of range for column {column} ({hive.arrow}).")
        return number

    def _boolean(self, value: Any, hive: HiveType, column: str) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise self.fail(value, column)

    # text ---------------------------------------------------------------------------------
    def _text(self, value: Any, hive: HiveType, column: str) -> str:
        text = self.text_of(value, column)
        return text[: hive.length] if hive.length is not None else text

    def text_of(self, value: Any, column: str) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, Decimal):
            return java_double(float(value))
        return json.dumps(self._keys(value), separators=(",", ":"), ensure_ascii=False, default=str)

    def _keys(self, value: Any) -> Any:
        if isinstance(value, dict):
            lower = self.rules.case_insensitive
            return {(k.lower() if lower else k): self._keys(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._keys(v) for v in value]
        return float(value) if isinstance(value, Decimal) else value

    # time ---------------------------------------------------------------------------------
    def _timestamp(self, value: Any, hive: HiveType, column: str) -> datetime:
        if isinstance(value, bool):
            raise self.fail(value, column)
        if isinstance(value, int):
            return from_ms(epoch_ms(value))
        if isinstance(value, Decimal):
            return from_ms(epoch_ms(float(value)))
        if isinstance(value, str):
            parsed = self.timestamp_text(value)
            if parsed is not None:
                return parsed
        raise self.fail(value, column)

    def timestamp_text(self, text: str) -> datetime | None:
        """A timestamp string in one of OpenX's forms, or None."""
        try:
            iso = _ISO.fullmatch(text)
            if iso:
                return self._iso(iso)
            spaced = SPACED_TIMESTAMP.fullmatch(text)
            if spaced:
                *fields, fraction = spaced.groups()
                return wall_clock(fields, fraction)
        except ValueError:
            return None
        if _EPOCH_TEXT.fullmatch(text):
            return from_ms(epoch_ms(float(text) if "." in text else int(text)))
        return None

    def _iso(self, match: re.Match[str]) -> datetime:
        *fields, fraction, zone = match.groups()
        moment = wall_clock(fields, fraction)
        if zone and zone != "Z":
            offset = datetime.strptime(zone.replace(":", ""), "%z").utcoffset()
            moment = moment.replace(tzinfo=UTC) - (offset or timedelta())
            moment = moment.replace(tzinfo=None)
        return moment

    def _date(self, value: Any, hive: HiveType, column: str) -> date:
        match = _DATE.fullmatch(value) if isinstance(value, str) else None
        try:
            if match:
                return date(*map(int, match.groups()))
        except ValueError:
            pass
        raise self.fail(value, column)

    # nested -------------------------------------------------------------------------------
    def _array(self, value: Any, hive: HiveType, column: str) -> list[Any]:
        items = value if isinstance(value, list) else self.not_array(value, column)
        return [self.read(item, hive.children[0], column) for item in items]

    def not_array(self, value: Any, column: str) -> list[Any]:
        return [value]  # OpenX wraps a single value

    def _struct(self, value: Any, hive: HiveType, column: str) -> dict[str, Any]:
        if isinstance(value, list):
            return self.positional(value, hive, column)
        if not isinstance(value, dict):
            raise malformed(f"Data is not JSONObject in column {column}: {value!r}.")
        normalize = self.rules.normalize
        slots = {normalize(name): name for name in hive.names}
        found: dict[str, Any] = {}
        for key, item in value.items():
            name = slots.get(normalize(key))
            if name is not None:
                found[name] = item
        return {
            name: self.read(found.get(name), member, column)
            for name, member in zip(hive.names, hive.children, strict=True)
        }

    def positional(self, value: list[Any], hive: HiveType, column: str) -> dict[str, Any]:
        items = value + [None] * (len(hive.names) - len(value))
        return {
            name: self.read(item, member, column)
            for name, member, item in zip(hive.names, hive.children, items, strict=False)
        }

    def _map(self, value: Any, hive: HiveType, column: str) -> list[tuple[Any, Any]]:
        if not isinstance(value, dict):
            raise malformed(f"A map column cannot hold a JSON {type(value).__name__} ({column}).")
        key_type, value_type = hive.children
        lower = self.rules.openx and self.rules.case_insensitive
        entries: dict[Any, Any] = {}
        for key, item in value.items():
            entry = self.read(key.lower() if lower else key, key_type, column)
            if entry is None:
                raise malformed(f"A map key of column {column} is null.")
            entries[entry] = self.read(item, value_type, column)
        return list(entries.items())
