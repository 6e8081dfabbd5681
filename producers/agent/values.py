"""Typed reads of agent.json values the way the AWS agent's `Configuration` converts them.

A number may be a JSON number or a numeric string (Guava's `Ints.stringConverter`), a boolean may be
`true` or `"true"`; a range error reads like the agent's `validateRange`:
`'flows[0].maxBufferSizeRecords' value 501 is outside of valid range [1..500]`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from producers.agent.errors import AgentConfigError

__all__ = ["ConfigReader"]


class ConfigReader:
    """Reads keys of one JSON object; `where` prefixes every key in error messages."""

    def __init__(self, raw: Mapping[str, Any], where: str) -> None:
        self.raw = raw
        self.where = where

    def key(self, name: str) -> str:
        return f"{self.where}{name}"

    def integer(self, name: str, default: int, *, low: int, high: int | None = None) -> int:
        value = self.raw.get(name)
        if value is None:
            return default
        number = self._to_int(name, value)
        if number < low or (high is not None and number > high):
            upper = "+∞" if high is None else str(high)
            raise AgentConfigError(
                f"'{self.key(name)}' value {number} is outside of valid range [{low}..{upper}]"
            )
        return number

    def boolean(self, name: str, default: bool) -> bool:
        value = self.raw.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
            return value.strip().lower() == "true"
        raise AgentConfigError(
            f"Failed to convert value ({value}) to desired type (Boolean): {self.key(name)}"
        )

    def optional_string(self, name: str) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, (dict, list)):
            raise AgentConfigError(f"{self.key(name)}: must be a string")
        return str(value)

    def string(self, name: str, default: str) -> str:
        value = self.optional_string(name)
        return default if value is None else value

    def required_string(self, name: str) -> str:
        value = self.optional_string(name)
        if not value:
            raise AgentConfigError(f"Required configuration value missing: {self.key(name)}")
        return value

    def choice(self, name: str, default: str, legal: Sequence[str]) -> str:
        value = self.optional_string(name)
        if value is None:
            return default
        if value not in legal:
            raise AgentConfigError(
                f"Value({value}) is not legally accepted by key: {self.key(name)}. "
                f"Legal values are {','.join(legal)}"
            )
        return value

    def pattern(self, name: str) -> re.Pattern[str] | None:
        value = self.optional_string(name)
        if not value:
            return None
        try:
            return re.compile(value)
        except re.error as exc:
            raise AgentConfigError(f"{self.key(name)}: invalid regular expression: {exc}") from exc

    def objects(self, name: str) -> tuple[Mapping[str, Any], ...]:
        value = self.raw.get(name)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise AgentConfigError(f"{self.key(name)}: must be a list of JSON objects")
        return tuple(value)

    def _to_int(self, name: str, value: object) -> int:
        if isinstance(value, bool):
            raise self._conversion(name, value)
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise self._conversion(name, value)

    def _conversion(self, name: str, value: object) -> AgentConfigError:
        return AgentConfigError(
            f"Failed to convert value ({value}) to desired type (Integer): {self.key(name)}"
        )
