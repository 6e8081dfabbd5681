"""S3 object keys of Firehose deliveries: `<evaluated prefix><suffix>`, as AWS names them.

Reproduces "Configure Amazon S3 object name format" and "Custom prefixes for Amazon S3 objects":

- suffix `<stream>-<version>-<yyyy>-<MM>-<dd>-<HH>-<mm>-<ss>-<uuid><file extension>`;
- prefix expressions `!{timestamp:<pattern>}` (see `timestamps.py`), `!{firehose:random-string}`
  (11 characters such as `046b6c7f-0b`, a new value per occurrence),
  `!{firehose:error-output-type}` (ErrorOutputPrefix only, one value for all occurrences) and
  `!{partitionKeyFromQuery:k}` / `!{partitionKeyFromLambda:k}` (dynamic partitioning);
- every timestamp, in the prefix and the suffix, is the same instant: the approximate arrival time
  of the object's oldest record, in UTC or the stream's `CustomTimeZone` (an IANA name);
- no Prefix gives `yyyy/MM/dd/HH/`; a Prefix without a timestamp expression gets
  `!{timestamp:yyyy/MM/dd/HH/}` appended; no ErrorOutputPrefix gives
  `!{firehose:error-output-type}/` plus that time part (Cadabra appends the time part to an
  ErrorOutputPrefix without timestamp too);
- an evaluated prefix longer than 512 characters is refused.

Cadabra's addition: an `identity` (e.g. the Kafka partition and first offset of the object's
records) makes the uuid and the random strings of the key stable (uuid5), so a delivery that is
replayed overwrites its object instead of adding a duplicate.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cadabra.errors import DeliveryError, InvalidArgumentException
from cadabra.firehose.prefixes import check_prefixes, expressions
from cadabra.firehose.timestamps import compile_pattern, format_timestamp

__all__ = [
    "DEFAULT_FILE_EXTENSIONS",
    "DEFAULT_TIME_PREFIX",
    "ERROR_OUTPUT_TYPES",
    "MAX_EVALUATED_PREFIX",
    "check_key_configuration",
    "error_object_key",
    "evaluate_error_prefix",
    "evaluate_prefix",
    "file_extension",
    "local_time",
    "object_key",
    "object_name",
    "object_uuid",
    "random_string",
    "random_strings",
]

DEFAULT_TIME_PREFIX = "!{timestamp:yyyy/MM/dd/HH/}"
DEFAULT_ERROR_PREFIX = "!{firehose:error-output-type}/"
MAX_EVALUATED_PREFIX = 512
MAX_FILE_EXTENSION = 128
ERROR_OUTPUT_TYPES = (
    "processing-failed",
    "AmazonOpenSearchService-failed",
    "splunk-failed",
    "format-conversion-failed",
    "http-endpoint-failed",
    "activePartitionExceeded",
)
# What AWS appends to keys per CompressionFormat (a FileExtension overrides it). Record format
# conversion (Parquet/ORC) requires UNCOMPRESSED and so gets no extension unless one is set.
DEFAULT_FILE_EXTENSIONS = {
    "UNCOMPRESSED": "",
    "GZIP": ".gz",
    "ZIP": ".zip",
    "Snappy": ".snappy",
    "HADOOP_SNAPPY": ".snappy",
}
_FILE_EXTENSION = re.compile(r"\.[0-9a-z!\-_.*'()]+")
_EXPRESSION = re.compile(r"!\{(?P<namespace>[^:{}]*):(?P<value>[^{}]*)\}")
_IDENTITY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "cadabra:firehose:s3-object")

RandomStrings = Callable[[], str]


def random_string() -> str:
    """A fresh `!{firehose:random-string}` value: 11 characters such as `046b6c7f-0b`."""
    return str(uuid.uuid4())[:11]


def random_strings(identity: str | None) -> RandomStrings:
    """Random strings for one key: fresh ones, or a sequence fixed by `identity`."""
    if identity is None:
        return random_string
    counter = itertools.count()
    return lambda: str(uuid.uuid5(_IDENTITY_NAMESPACE, f"{identity}#{next(counter)}"))[:11]


def object_uuid(identity: str | None) -> uuid.UUID:
    """The uuid of an object name: uuid5 over `identity` when given, else random."""
    return uuid.uuid4() if identity is None else uuid.uuid5(_IDENTITY_NAMESPACE, identity)


def local_time(arrival: datetime, time_zone: str | None = None) -> datetime:
    """`arrival` (timezone-aware) in the stream's CustomTimeZone, UTC by default."""
    if arrival.tzinfo is None:
        raise ValueError("arrival must be timezone-aware")
    try:
        zone = ZoneInfo(time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidArgumentException(
            f"CustomTimeZone '{time_zone}' is not a supported time zone."
        ) from error
    return arrival.astimezone(zone)


def file_extension(configured: str | None, compression_format: str = "UNCOMPRESSED") -> str:
    """The extension of object names: `FileExtension` if set, else AWS's for the compression."""
    if configured:
        return configured
    if compression_format not in DEFAULT_FILE_EXTENSIONS:
        raise InvalidArgumentException(
            f"CompressionFormat '{compression_format}' is not one of "
            f"{', '.join(DEFAULT_FILE_EXTENSIONS)}."
        )
    return DEFAULT_FILE_EXTENSIONS[compression_format]


def check_key_configuration(
    prefix: str | None,
    error_prefix: str | None,
    *,
    dynamic_partitioning: bool = False,
    configured_extension: str | None = None,
    time_zone: str | None = None,
) -> None:
    """Every rule on the fields that make keys; raises InvalidArgumentException."""
    check_prefixes(prefix, error_prefix, dynamic_partitioning=dynamic_partitioning)
    for text, field in ((prefix, "Prefix"), (error_prefix, "ErrorOutputPrefix")):
        for expression in expressions(text or "", field):
            if expression.namespace == "timestamp":
                compile_pattern(expression.value, field)
    if configured_extension:
        _check_file_extension(configured_extension)
    if time_zone is not None:
        local_time(datetime.fromtimestamp(0, tz=UTC), time_zone)


def _check_file_extension(extension: str) -> None:
    if len(extension) > MAX_FILE_EXTENSION or not _FILE_EXTENSION.fullmatch(extension):
        raise InvalidArgumentException(
            f"FileExtension '{extension}' must match the pattern ^$|\\.[0-9a-z!\\-_.*'()]+ "
            f"and be at most {MAX_FILE_EXTENSION} characters long."
        )


def _with_time(text: str) -> str:
    if any(m["namespace"] == "timestamp" for m in _EXPRESSION.finditer(text)):
        return text
    return text + DEFAULT_TIME_PREFIX


def _evaluate(
    text: str,
    field: str,
    instant: datetime,
    random: RandomStrings,
    values: Mapping[str, str],
) -> str:
    expressions(text, field)  # refuses malformed text before substituting

    def value(match: re.Match[str]) -> str:
        namespace, name = match["namespace"], match["value"]
        if namespace == "timestamp":
            return format_timestamp(name, instant, field)
        if (namespace, name) == ("firehose", "random-string"):
            return random()
        key = f"{namespace}:{name}"
        if key not in values:
            raise DeliveryError(f"{field} expression '!{{{key}}}' has no value for this object.")
        return values[key]

    evaluated = _EXPRESSION.sub(value, text)
    if len(evaluated) > MAX_EVALUATED_PREFIX:
        raise InvalidArgumentException(
            f"The evaluated {field} '{evaluated[:64]}...' is {len(evaluated)} characters long; "
            f"the maximum is {MAX_EVALUATED_PREFIX}."
        )
    return evaluated


def _partition_values(partition_keys: Mapping[str, str] | None) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, value in (partition_keys or {}).items():
        values[f"partitionKeyFromQuery:{name}"] = value
        values[f"partitionKeyFromLambda:{name}"] = value
    return values


def evaluate_prefix(
    prefix: str | None,
    arrival: datetime,
    *,
    time_zone: str | None = None,
    partition_keys: Mapping[str, str] | None = None,
    random: RandomStrings = random_string,
) -> str:
    """The evaluated `Prefix` of an object whose oldest record arrived at `arrival`."""
    text = _with_time(prefix or "")
    values = _partition_values(partition_keys)
    return _evaluate(text, "Prefix", local_time(arrival, time_zone), random, values)


def evaluate_error_prefix(
    error_prefix: str | None,
    arrival: datetime,
    error_output_type: str,
    *,
    time_zone: str | None = None,
    random: RandomStrings = random_string,
) -> str:
    """The evaluated `ErrorOutputPrefix` for records that failed with `error_output_type`."""
    if error_output_type not in ERROR_OUTPUT_TYPES:
        raise ValueError(f"unknown error output type {error_output_type!r}")
    text = _with_time(error_prefix or DEFAULT_ERROR_PREFIX)
    values = {"firehose:error-output-type": error_output_type}
    instant = local_time(arrival, time_zone)
    return _evaluate(text, "ErrorOutputPrefix", instant, random, values)


def object_name(
    stream: str,
    version: int,
    arrival: datetime,
    extension: str,
    identity: str | None,
    *,
    time_zone: str | None = None,
) -> str:
    """The suffix `<stream>-<version>-<yyyy>-<MM>-<dd>-<HH>-<mm>-<ss>-<uuid><extension>`."""
    when = local_time(arrival, time_zone).strftime("%Y-%m-%d-%H-%M-%S")
    return f"{stream}-{version}-{when}-{object_uuid(identity)}{extension}"


def object_key(
    stream: str,
    version: int,
    arrival: datetime,
    prefix: str | None,
    extension: str,
    identity: str | None,
    *,
    time_zone: str | None = None,
    partition_keys: Mapping[str, str] | None = None,
) -> str:
    """The S3 key of a delivered object; `prefix` is the configured (unevaluated) `Prefix`."""
    evaluated = evaluate_prefix(
        prefix,
        arrival,
        time_zone=time_zone,
        partition_keys=partition_keys,
        random=random_strings(identity),
    )
    suffix = object_name(stream, version, arrival, extension, identity, time_zone=time_zone)
    return evaluated + suffix


def error_object_key(
    stream: str,
    version: int,
    arrival: datetime,
    error_prefix: str | None,
    error_output_type: str,
    extension: str,
    identity: str | None,
    *,
    time_zone: str | None = None,
) -> str:
    """The S3 key of an object of failed records (under `ErrorOutputPrefix`)."""
    evaluated = evaluate_error_prefix(
        error_prefix,
        arrival,
        error_output_type,
        time_zone=time_zone,
        random=random_strings(identity),
    )
    suffix = object_name(stream, version, arrival, extension, identity, time_zone=time_zone)
    return evaluated + suffix
