"""A delivery stream's S3 destination: AWS's defaults, its cross-field rules, updates, descriptions.

Cadabra supports the S3 destination in both of AWS's forms: `ExtendedS3DestinationConfiguration`
and the older `S3DestinationConfiguration` (a subset of it). Either is stored as given (the raw
configuration); AWS's defaults are applied whenever it is read:

- `BufferingHints` {SizeInMBs 5, IntervalInSeconds 300}, with SizeInMBs 128 when record format
  conversion is on; a hint given alone keeps the other's default;
- `CompressionFormat` UNCOMPRESSED, `EncryptionConfiguration` NoEncryption, CloudWatch logging off,
  `S3BackupMode` Disabled.

Rules beyond single fields (`InvalidArgumentException`): the prefix rules of `prefixes.py`
(timestamp patterns included); `CustomTimeZone` an IANA zone;
format conversion needs its schema, one deserializer, one serializer, UNCOMPRESSED and a buffer of
at least 64 MiB; dynamic partitioning needs an interval of at least 60 s (no zero buffering);
`S3BackupMode` Enabled needs `S3BackupConfiguration` and cannot be turned off again; an enabled
Lambda processor needs a `LambdaArn`.

DescribeDeliveryStream shows one destination, `destinationId-000000000001`, with both an
`ExtendedS3DestinationDescription` and the legacy `S3DestinationDescription`, as AWS does.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cadabra.errors import InvalidArgumentException
from cadabra.firehose.prefixes import check_prefixes

__all__ = [
    "DESTINATION_ID",
    "check_destination",
    "describe_destination",
    "effective",
    "merged",
    "one_destination",
]

DESTINATION_ID = "destinationId-000000000001"
DEFAULT_SIZE_MB = 5
CONVERSION_SIZE_MB = 128
MIN_CONVERSION_SIZE_MB = 64
DEFAULT_INTERVAL_S = 300
MIN_PARTITIONING_INTERVAL_S = 60
_S3_FIELDS = (
    "RoleARN",
    "BucketARN",
    "Prefix",
    "ErrorOutputPrefix",
    "BufferingHints",
    "CompressionFormat",
    "EncryptionConfiguration",
    "CloudWatchLoggingOptions",
)
# Structures an update merges into; any other member an update names replaces the old value.
_MERGED = ("BufferingHints", "CloudWatchLoggingOptions", "S3BackupConfiguration")


def effective(config: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration with AWS's defaults filled in."""
    result = copy.deepcopy(dict(config))
    hints = result.get("BufferingHints") or {}
    size = CONVERSION_SIZE_MB if converting(result) else DEFAULT_SIZE_MB
    result["BufferingHints"] = {
        "SizeInMBs": hints.get("SizeInMBs", size),
        "IntervalInSeconds": hints.get("IntervalInSeconds", DEFAULT_INTERVAL_S),
    }
    result.setdefault("CompressionFormat", "UNCOMPRESSED")
    result.setdefault("EncryptionConfiguration", {"NoEncryptionConfig": "NoEncryption"})
    result.setdefault("CloudWatchLoggingOptions", {"Enabled": False})
    result.setdefault("S3BackupMode", "Disabled")
    if "S3BackupConfiguration" in result:
        backup = effective(result["S3BackupConfiguration"])
        result["S3BackupConfiguration"] = {k: backup[k] for k in _S3_FIELDS if k in backup}
    return result


def converting(config: Mapping[str, Any]) -> bool:
    """Whether record format conversion (JSON → Parquet/ORC) is on."""
    conversion = config.get("DataFormatConversionConfiguration")
    return conversion is not None and bool(conversion.get("Enabled", True))


def partitioning(config: Mapping[str, Any]) -> bool:
    dynamic = config.get("DynamicPartitioningConfiguration") or {}
    return bool(dynamic.get("Enabled", False))


def check_destination(config: Mapping[str, Any]) -> None:
    """AWS's cross-field rules, on the configuration with its defaults."""
    full = effective(config)
    check_prefixes(
        full.get("Prefix"), full.get("ErrorOutputPrefix"), dynamic_partitioning=partitioning(full)
    )
    interval = full["BufferingHints"]["IntervalInSeconds"]
    if partitioning(full) and interval < MIN_PARTITIONING_INTERVAL_S:
        raise InvalidArgumentException(
            f"BufferingHints.IntervalInSeconds must be at least {MIN_PARTITIONING_INTERVAL_S} "
            f"when dynamic partitioning is enabled (got {interval})."
        )
    _check_time_zone(full.get("CustomTimeZone"))
    if converting(full):
        _check_conversion(full)
    if full["S3BackupMode"] == "Enabled" and "S3BackupConfiguration" not in full:
        raise InvalidArgumentException(
            "S3BackupConfiguration is required when S3BackupMode is Enabled."
        )
    _check_processors(full.get("ProcessingConfiguration") or {})


def _check_time_zone(name: str | None) -> None:
    """`CustomTimeZone` must be an IANA time zone name (e.g. Asia/Tokyo); empty means UTC."""
    if not name:
        return
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidArgumentException(
            f"CustomTimeZone '{name}' is not a supported time zone (an IANA name such as "
            "Asia/Tokyo)."
        ) from exc


def _check_conversion(full: Mapping[str, Any]) -> None:
    conversion = full["DataFormatConversionConfiguration"]
    for part in ("SchemaConfiguration", "InputFormatConfiguration", "OutputFormatConfiguration"):
        if part not in conversion:
            raise InvalidArgumentException(
                f"DataFormatConversionConfiguration.{part} is required when format conversion "
                "is enabled."
            )
    deserializer = conversion["InputFormatConfiguration"].get("Deserializer") or {}
    serializer = conversion["OutputFormatConfiguration"].get("Serializer") or {}
    if len(deserializer) != 1 or len(serializer) != 1:
        raise InvalidArgumentException(
            "Format conversion needs exactly one Deserializer (OpenXJsonSerDe or HiveJsonSerDe) "
            "and exactly one Serializer (ParquetSerDe or OrcSerDe)."
        )
    if full["CompressionFormat"] != "UNCOMPRESSED":
        raise InvalidArgumentException(
            "CompressionFormat must be UNCOMPRESSED when format conversion is enabled "
            f"(got {full['CompressionFormat']}); the serializer compresses."
        )
    size = full["BufferingHints"]["SizeInMBs"]
    if size < MIN_CONVERSION_SIZE_MB:
        raise InvalidArgumentException(
            f"BufferingHints.SizeInMBs must be at least {MIN_CONVERSION_SIZE_MB} when format "
            f"conversion is enabled (got {size})."
        )


def _check_processors(processing: Mapping[str, Any]) -> None:
    if not processing.get("Enabled", False):
        return
    for processor in processing.get("Processors") or []:
        names = {p.get("ParameterName") for p in processor.get("Parameters") or []}
        if processor.get("Type") == "Lambda" and "LambdaArn" not in names:
            raise InvalidArgumentException("A Lambda processor needs the LambdaArn parameter.")


def merged(current: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """UpdateDestination: the members an update names replace (or merge into) the current ones."""
    result = copy.deepcopy(dict(current))
    for name, value in update.items():
        target = "S3BackupConfiguration" if name == "S3BackupUpdate" else name
        old = result.get(target)
        if target in _MERGED and isinstance(old, Mapping) and isinstance(value, Mapping):
            result[target] = {**old, **copy.deepcopy(dict(value))}
        else:
            result[target] = copy.deepcopy(value)
    if effective(current)["S3BackupMode"] == "Enabled" and effective(result)["S3BackupMode"] != (
        "Enabled"
    ):
        raise InvalidArgumentException(
            "S3BackupMode cannot be changed from Enabled to Disabled once backup is enabled."
        )
    return result


def describe_destination(config: Mapping[str, Any]) -> dict[str, Any]:
    """The DestinationDescription of DescribeDeliveryStream."""
    full = effective(config)
    extended = {k: v for k, v in full.items() if k != "S3BackupConfiguration"}
    if "S3BackupConfiguration" in full:
        extended["S3BackupDescription"] = full["S3BackupConfiguration"]
    return {
        "DestinationId": DESTINATION_ID,
        "S3DestinationDescription": {k: full[k] for k in _S3_FIELDS if k in full},
        "ExtendedS3DestinationDescription": extended,
    }


def one_destination(
    extended: Mapping[str, Any] | None, s3: Mapping[str, Any] | None, kind: str = "Configuration"
) -> dict[str, Any]:
    """The one destination configuration (or update) given; both or neither is an error."""
    given = [config for config in (extended, s3) if config is not None]
    if len(given) != 1:
        raise InvalidArgumentException(
            f"Exactly one destination must be given: ExtendedS3Destination{kind} or "
            f"S3Destination{kind} (Cadabra delivers to S3)."
        )
    return copy.deepcopy(dict(given[0]))
