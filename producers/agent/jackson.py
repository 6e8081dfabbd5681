"""JSON text byte-for-byte as the Kinesis Agent's Jackson printers write it.

The agent's converters print their record maps with Jackson's `ObjectMapper` (`jsonFormat`
COMPACT: `SimpleJSONPrinter`) or its default pretty printer (`jsonFormat` PRETTYPRINT:
`PrettyJSONPrinter`). Python's `json` differs in small ways that change the bytes on the stream,
so this module writes the same text as Jackson 2.x:

- compact: no spaces at all (`{"a":"b","c":null}`);
- pretty: `DefaultPrettyPrinter` — objects one entry a line, indented by two spaces, `" : "`
  between name and value, `{ }` when empty; arrays on one line as `[ 1, 2 ]`, `[ ]` when empty;
- strings: `"` and `\\` escaped, `\\b \\t \\n \\f \\r` as short escapes, other control
  characters as `\\u00XX` with upper-case hex; everything else (non-ASCII, U+2028) as is;
- floating-point numbers the way Java's `Double.toString` spells them (`1.0E10`, `0.5`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

__all__ = ["dumps"]

_SHORT = {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"}
_ESCAPES: dict[int, str] = {code: f"\\u{code:04X}" for code in range(0x20)}
_ESCAPES.update(_SHORT)
_ESCAPES[ord('"')] = '\\"'
_ESCAPES[ord("\\")] = "\\\\"

_INDENT = "  "


def dumps(value: Any, *, pretty: bool = False) -> str:
    """`value` (dicts, lists, strings, numbers, booleans, None) as Jackson would print it."""
    return _pretty(value, 0) if pretty else _compact(value)


def _string(text: str) -> str:
    return '"' + text.translate(_ESCAPES) + '"'


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _java_double(value)
    raise TypeError(f"cannot print {type(value).__name__} as JSON")


def _compact(value: Any) -> str:
    if isinstance(value, Mapping):
        entries = (f"{_string(str(key))}:{_compact(item)}" for key, item in value.items())
        return "{" + ",".join(entries) + "}"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "[" + ",".join(_compact(item) for item in value) + "]"
    return _scalar(value)


def _pretty(value: Any, level: int) -> str:
    if isinstance(value, Mapping):
        if not value:
            return "{ }"
        inner = "\n" + _INDENT * (level + 1)
        entries = (
            f"{inner}{_string(str(key))} : {_pretty(item, level + 1)}"
            for key, item in value.items()
        )
        return "{" + ",".join(entries) + "\n" + _INDENT * level + "}"
    if isinstance(value, Sequence) and not isinstance(value, str):
        if not value:
            return "[ ]"
        # Jackson's array indenter is inline: items stay on the line, nesting does not deepen.
        return "[ " + ", ".join(_pretty(item, level) for item in value) + " ]"
    return _scalar(value)


def _java_double(value: float) -> str:
    """Java's `Double.toString`: plain between 10^-3 and 10^7, else `d.dddE±n`."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    if 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if "." in text else f"{text}.0"
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    shown = "".join(map(str, digits)).rstrip("0") or "0"
    power = len(digits) + int(exponent) - 1  # finite here, so the exponent is a number
    mantissa = f"{shown[0]}.{shown[1:] or '0'}"
    return f"{'-' if sign else ''}{mantissa}E{power}"
