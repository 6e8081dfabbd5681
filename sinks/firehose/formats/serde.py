"""The `InputFormatConfiguration.Deserializer` of a conversion, as the rules the readers follow.

- `OpenXJsonSerDe`: `CaseInsensitive` (default true: JSON keys are lower-cased before they are
  matched to the table's columns, which Glue stores lower-case),
  `ConvertDotsInJsonKeysToUnderscores` (default false), `ColumnToJsonKeyMappings` (column
  name -> JSON key). Lenient values: numeric strings fill numeric columns, a nested value
  fills a string column with its JSON text.
- `HiveJsonSerDe`: `TimestampFormats` (Joda patterns, or `millis`). Column names still match
  case-insensitively (as Hive does), but values are strict: a JSON string never fills a numeric
  column, and a nested value never fills a string column.

`KeyIndex` resolves a JSON key to the index of its column, and is shared by both readers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sinks.firehose.formats.errors import FormatConversionError

__all__ = ["KeyIndex", "SerDeRules", "rules_from_config"]

_PREFIX = "InputFormatConfiguration.Deserializer"


@dataclass(frozen=True)
class SerDeRules:
    """How JSON keys meet column names and how lenient values are."""

    openx: bool = True
    case_insensitive: bool = True
    dots_to_underscores: bool = False
    mappings: Mapping[str, str] = field(default_factory=dict)
    timestamp_formats: tuple[str, ...] = ()

    def normalize(self, key: str) -> str:
        """A JSON key (or a column name) as it is compared."""
        if self.dots_to_underscores:
            key = key.replace(".", "_")
        return key.lower() if self.case_insensitive else key


class KeyIndex:
    """JSON key -> column index, under a SerDe's rules."""

    def __init__(self, columns: Sequence[str], rules: SerDeRules) -> None:
        self.rules = rules
        self._index = {
            rules.normalize(rules.mappings.get(name, name)): i for i, name in enumerate(columns)
        }
        self._cache: dict[str, int | None] = {}

    def column(self, key: str) -> int | None:
        """The index of the column `key` fills, or None for a key the table does not have."""
        try:
            return self._cache[key]
        except KeyError:
            found = self._cache[key] = self._index.get(self.rules.normalize(key))
            return found


def _flag(config: Mapping[str, Any], name: str, default: bool, path: str) -> bool:
    value = config.get(name, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise FormatConversionError(f"{path}.{name} must be a boolean, not {value!r}.")
    return value


def _openx(config: Mapping[str, Any]) -> SerDeRules:
    path = f"{_PREFIX}.OpenXJsonSerDe"
    mappings = config.get("ColumnToJsonKeyMappings") or {}
    if not isinstance(mappings, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and k and v for k, v in mappings.items()
    ):
        raise FormatConversionError(
            f"{path}.ColumnToJsonKeyMappings must map column names to JSON keys (strings)."
        )
    return SerDeRules(
        openx=True,
        case_insensitive=_flag(config, "CaseInsensitive", True, path),
        dots_to_underscores=_flag(config, "ConvertDotsInJsonKeysToUnderscores", False, path),
        mappings={k.lower(): v for k, v in mappings.items()},
    )


def _hive(config: Mapping[str, Any]) -> SerDeRules:
    formats = config.get("TimestampFormats") or []
    if not isinstance(formats, list) or not all(isinstance(f, str) and f.strip() for f in formats):
        raise FormatConversionError(
            f"{_PREFIX}.HiveJsonSerDe.TimestampFormats must be a list of non-empty strings."
        )
    return SerDeRules(openx=False, timestamp_formats=tuple(formats))


def rules_from_config(conversion: Mapping[str, Any]) -> SerDeRules:
    """The deserializer of a `DataFormatConversionConfiguration` (OpenX when none is named)."""
    deserializer = (conversion.get("InputFormatConfiguration") or {}).get("Deserializer") or {}
    openx, hive = deserializer.get("OpenXJsonSerDe"), deserializer.get("HiveJsonSerDe")
    if openx is not None and hive is not None:
        raise FormatConversionError(
            f"{_PREFIX} must name exactly one of OpenXJsonSerDe and HiveJsonSerDe."
        )
    if hive is not None:
        return _hive(hive)
    return _openx(openx or {})
