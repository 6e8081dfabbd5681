"""The Kinesis Agent's `dataProcessingOptions`, applied in order to each record.

Reproduces the converters of awslabs/amazon-kinesis-agent (`ProcessingUtilsFactory` and
`processing/processors/*`), byte for byte:

- `SINGLELINE`: split on `\\n`, trim every line (Java `trim`: all characters <= U+0020), join
  them with nothing between, append `\\n`.
- `CSVTOJSON`: strip one trailing `\\n` (a CRLF record keeps its `\\r` on the last field), split
  with Java `String.split(delimiter)` (a regex, no quote handling, trailing empty fields dropped),
  field i → `customFieldNames[i]` as a string, missing fields null, extra ones dropped.
- `LOGTOJSON`: a `logFormat` pattern (or `matchPattern`) matched against the whole record
  without its `\\n`; groups → the format's field names (or `customFieldNames`). A record that does
  not match is skipped by the agent ("1 record parsed but skipped"): here it raises
  `DataConversionError`, which the runtime skips and counts.
- `ADDMETADATA`: `{"ts":..., "metadata":..., "data":"<record without its \\n>"}`; `ts` (UTC,
  `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`) only when `timestamp` is "true".
- `ADDBRACKETS`: `{` + record + `}` (the newline stays inside, as in the agent).

Every JSON output is printed like Jackson (`jsonFormat` COMPACT or PRETTYPRINT) plus `\\n`.
`ADDEC2METADATA` and `USINGPLUGGIN` need EC2 instance metadata or Java plug-ins and are refused.

Contract (kept by the runtime that tails files): a record is the text read from the file,
including its trailing newline; a pipeline returns the text to send.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

from producers.agent.errors import AgentConfigError, DataConversionError
from producers.agent.jackson import dumps
from producers.agent.java_regex import compile_java, java_split
from producers.agent.log_formats import LOG_FORMATS

__all__ = ["OPTION_NAMES", "Pipeline", "build_pipeline"]

logger = logging.getLogger(__name__)

Pipeline = Callable[[str], str]
Clock = Callable[[], datetime]

# The agent's DataConversionOption values; the last two are known but not reproduced.
OPTION_NAMES = (
    "ADDMETADATA", "SINGLELINE", "CSVTOJSON", "LOGTOJSON", "ADDBRACKETS", "ADDEC2METADATA",
    "USINGPLUGGIN",
)  # fmt: skip
_UNSUPPORTED = {"ADDEC2METADATA", "USINGPLUGGIN"}
_JSON_FORMATS = ("COMPACT", "PRETTYPRINT")
_KNOWN_KEYS = {
    "SINGLELINE": {"optionName"},
    "ADDBRACKETS": {"optionName"},
    "CSVTOJSON": {"optionName", "customFieldNames", "delimiter", "jsonFormat"},
    "LOGTOJSON": {"optionName", "logFormat", "matchPattern", "customFieldNames", "jsonFormat"},
    "ADDMETADATA": {"optionName", "metadata", "timestamp", "jsonFormat"},
}
_JAVA_TRIM = "".join(chr(code) for code in range(0x21))
_NEW_LINE = "\n"


def build_pipeline(
    options: Sequence[Mapping[str, Any]],
    where: str = "dataProcessingOptions",
    *,
    clock: Clock | None = None,
) -> Pipeline:
    """The options as one function; a bad option raises AgentConfigError naming `where[i].key`;
    a record an option cannot convert raises DataConversionError. `clock` feeds ADDMETADATA's
    `ts` (default: the current UTC time)."""
    if isinstance(options, (str, bytes)) or not isinstance(options, Sequence):
        raise AgentConfigError(f"{where}: must be a list of objects")
    steps = [_step(option, f"{where}[{index}]", clock) for index, option in enumerate(options)]
    if not steps:
        return _identity
    if len(steps) == 1:
        return steps[0]
    return partial(_chain, tuple(steps))


def _identity(record: str) -> str:
    return record


def _chain(steps: tuple[Pipeline, ...], record: str) -> str:
    for step in steps:
        record = step(record)
    return record


def _step(option: object, where: str, clock: Clock | None) -> Pipeline:
    if not isinstance(option, Mapping):
        raise AgentConfigError(f"{where}: must be an object")
    name = _enum(option, where, "optionName", OPTION_NAMES)
    if name in _UNSUPPORTED:
        raise AgentConfigError(f"{where}.optionName: {name} is not supported by Cadabra")
    unknown = sorted(set(option) - _KNOWN_KEYS[name])
    if unknown:
        logger.warning("%s: %s ignores %s", where, name, ", ".join(unknown))
    if name == "SINGLELINE":
        return _single_line
    if name == "ADDBRACKETS":
        return _brackets
    pretty = _enum(option, where, "jsonFormat", _JSON_FORMATS, "COMPACT") == "PRETTYPRINT"
    if name == "CSVTOJSON":
        return _csv_to_json(option, where, pretty)
    if name == "LOGTOJSON":
        return _log_to_json(option, where, pretty)
    return _add_metadata(option, where, pretty, clock or _utc_now)


# --- configuration reads (the agent's Configuration.readEnum/readList/readString) -------------


def _enum(
    option: Mapping[str, Any],
    where: str,
    key: str,
    legal: Sequence[str],
    default: str | None = None,
) -> str:
    value = option.get(key)
    if value is None:
        if default is None:
            raise AgentConfigError(f"{where}.{key}: Required configuration value missing")
        return default
    if value not in legal:
        raise AgentConfigError(
            f"{where}.{key}: Value({value}) is not legally accepted. "
            f"Legal values are {','.join(legal)}"
        )
    return str(value)


def _names(option: Mapping[str, Any], where: str, key: str) -> tuple[str, ...] | None:
    value = option.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise AgentConfigError(f"{where}.{key}: must be a list of strings")
    return tuple(value)


def _text(option: Mapping[str, Any], where: str, key: str, default: str | None) -> str | None:
    value = option.get(key, default)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        raise AgentConfigError(f"{where}.{key}: must be a string")
    return str(value).lower() if isinstance(value, bool) else str(value)


def _regex(pattern: str, where: str, key: str) -> re.Pattern[str]:
    try:
        return compile_java(pattern)
    except ValueError as exc:
        raise AgentConfigError(f"{where}.{key}: {exc}") from exc


# --- converters --------------------------------------------------------------------------------


def _without_newline(record: str) -> str:
    return record[:-1] if record.endswith(_NEW_LINE) else record


def _single_line(record: str) -> str:
    # Java joins the trimmed lines with no separator; empty trailing lines add nothing.
    return "".join(line.strip(_JAVA_TRIM) for line in record.split(_NEW_LINE)) + _NEW_LINE


def _brackets(record: str) -> str:
    return "{" + record + "}"


def _csv_to_json(option: Mapping[str, Any], where: str, pretty: bool) -> Pipeline:
    fields = _names(option, where, "customFieldNames")
    if fields is None:
        raise AgentConfigError(f"{where}.customFieldNames: Required configuration value missing")
    delimiter = _text(option, where, "delimiter", ",") or ""
    splitter = _regex(delimiter, where, "delimiter")

    def convert(record: str) -> str:
        columns = java_split(splitter, _without_newline(record))
        row: dict[str, str | None] = {}
        for index, name in enumerate(fields):  # a repeated name keeps its first place, last value
            row[name] = columns[index] if index < len(columns) else None
        return dumps(row, pretty=pretty) + _NEW_LINE

    return convert


def _log_to_json(option: Mapping[str, Any], where: str, pretty: bool) -> Pipeline:
    log_format = _enum(option, where, "logFormat", tuple(LOG_FORMATS))
    spec = LOG_FORMATS[log_format]
    custom = _names(option, where, "customFieldNames")
    match_pattern = _text(option, where, "matchPattern", None)
    if match_pattern is not None and custom is None:
        raise AgentConfigError(
            f"{where}.customFieldNames: must be specified when matchPattern is specified"
        )
    if match_pattern is None and custom is not None and len(custom) != len(spec.fields):
        raise AgentConfigError(
            f"{where}.customFieldNames: Invalid custom field names for the selected log format "
            f"{log_format} ({len(spec.fields)} fields). Please modify the field names or "
            "specify the matchPattern"
        )
    key = "logFormat" if match_pattern is None else "matchPattern"
    pattern = _regex(match_pattern or spec.pattern, where, key)
    fields = custom or spec.fields
    if pattern.groups != len(fields):
        raise AgentConfigError(
            f"{where}.customFieldNames: {len(fields)} names for {pattern.groups} groups "
            "of matchPattern (the agent would skip every record)"
        )
    dash_is_null = spec.dash_is_null

    def convert(record: str) -> str:
        line = _without_newline(record)
        match = pattern.fullmatch(line)
        if match is None:
            raise DataConversionError(
                f"LOGTOJSON: record does not match the {log_format} {key}; skipped: {line[:200]!r}"
            )
        values = match.groups()
        if dash_is_null:
            values = tuple(None if value == "-" else value for value in values)
        return dumps(dict(zip(fields, values, strict=True)), pretty=pretty) + _NEW_LINE

    return convert


def _add_metadata(option: Mapping[str, Any], where: str, pretty: bool, clock: Clock) -> Pipeline:
    metadata = option.get("metadata")
    # Java: Boolean.valueOf((String) timestamp); a JSON `true` is accepted here too.
    stamped = (_text(option, where, "timestamp", None) or "").lower() == "true"

    def convert(record: str) -> str:
        row: dict[str, Any] = {}
        if stamped:
            row["ts"] = _java_timestamp(clock())
        row["metadata"] = metadata
        row["data"] = _without_newline(record)
        return dumps(row, pretty=pretty) + _NEW_LINE

    return convert


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _java_timestamp(moment: datetime) -> str:
    """SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'") in UTC."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"
