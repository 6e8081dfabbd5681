"""S3 destination rules, defaults and updates, and the custom-prefix expression rules."""

from __future__ import annotations

from typing import Any

import pytest

from cadabra.errors import InvalidArgumentException
from cadabra.firehose.destination import (
    check_destination,
    describe_destination,
    effective,
    merged,
)
from cadabra.firehose.prefixes import Expression, check_prefixes, expressions

BASE = {"RoleARN": "arn:aws:iam::000000000000:role/r", "BucketARN": "arn:aws:s3:::cadabra"}
CONVERSION = {
    "SchemaConfiguration": {"DatabaseName": "cadabra", "TableName": "orders"},
    "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
    "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {}}},
}


def _config(**members: Any) -> dict[str, Any]:
    return {**BASE, **members}


def test_expressions_are_parsed_in_order() -> None:
    found = expressions("a/!{timestamp:yyyy}/!{firehose:random-string}/", "Prefix")
    assert found == [Expression("timestamp", "yyyy"), Expression("firehose", "random-string")]
    assert expressions("plain/prefix/", "Prefix") == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a/!{timestamp:yyyy/", "may only start an expression"),
        ("a/!{yyyy}/", "may only start an expression"),
        ("a/!{unknown:x}/", "unknown expression namespace 'unknown'"),
        ("a/!{firehose:uuid}/", "the firehose namespace allows"),
        ("a/!{timestamp: }/", "empty"),
    ],
)
def test_malformed_expressions(text: str, fragment: str) -> None:
    with pytest.raises(InvalidArgumentException, match=fragment):
        expressions(text, "Prefix")


def test_prefix_rules() -> None:
    check_prefixes(None, None, dynamic_partitioning=False)
    check_prefixes("static/", "errors/", dynamic_partitioning=False)
    check_prefixes(
        "!{timestamp:yyyy}/", "e/!{firehose:error-output-type}/", dynamic_partitioning=False
    )
    with pytest.raises(InvalidArgumentException, match="cannot be null or empty"):
        check_prefixes("!{timestamp:yyyy}/", None, dynamic_partitioning=False)
    with pytest.raises(InvalidArgumentException, match="Prefix cannot use"):
        check_prefixes("!{firehose:error-output-type}/", "e/", dynamic_partitioning=False)
    with pytest.raises(InvalidArgumentException, match="contains expressions but not"):
        check_prefixes("p/", "e/!{timestamp:yyyy}/", dynamic_partitioning=False)
    with pytest.raises(InvalidArgumentException, match="cannot use partition keys"):
        check_prefixes("p/", "e/!{partitionKeyFromQuery:id}/", dynamic_partitioning=True)
    with pytest.raises(InvalidArgumentException, match="need DynamicPartitioningConfiguration"):
        check_prefixes(
            "!{partitionKeyFromQuery:id}/",
            "e/!{firehose:error-output-type}/",
            dynamic_partitioning=False,
        )
    with pytest.raises(InvalidArgumentException, match="required when dynamic partitioning"):
        check_prefixes("p/", None, dynamic_partitioning=True)


def test_defaults() -> None:
    full = effective(BASE)
    assert full["BufferingHints"] == {"SizeInMBs": 5, "IntervalInSeconds": 300}
    assert full["CompressionFormat"] == "UNCOMPRESSED"
    assert full["EncryptionConfiguration"] == {"NoEncryptionConfig": "NoEncryption"}
    assert full["CloudWatchLoggingOptions"] == {"Enabled": False}
    assert full["S3BackupMode"] == "Disabled"
    assert "Prefix" not in full
    assert effective(_config(BufferingHints={"SizeInMBs": 9}))["BufferingHints"] == {
        "SizeInMBs": 9,
        "IntervalInSeconds": 300,
    }
    converting = effective(_config(DataFormatConversionConfiguration=CONVERSION))
    assert converting["BufferingHints"]["SizeInMBs"] == 128
    disabled = {**CONVERSION, "Enabled": False}
    assert (
        effective(_config(DataFormatConversionConfiguration=disabled))["BufferingHints"][
            "SizeInMBs"
        ]
        == 5
    )


def test_format_conversion_rules() -> None:
    check_destination(_config(DataFormatConversionConfiguration=CONVERSION))
    with pytest.raises(InvalidArgumentException, match="at least 64"):
        check_destination(
            _config(DataFormatConversionConfiguration=CONVERSION, BufferingHints={"SizeInMBs": 63})
        )
    check_destination(
        _config(DataFormatConversionConfiguration=CONVERSION, BufferingHints={"SizeInMBs": 64})
    )
    with pytest.raises(InvalidArgumentException, match="must be UNCOMPRESSED"):
        check_destination(
            _config(DataFormatConversionConfiguration=CONVERSION, CompressionFormat="GZIP")
        )
    without_schema = {k: v for k, v in CONVERSION.items() if k != "SchemaConfiguration"}
    with pytest.raises(InvalidArgumentException, match="SchemaConfiguration is required"):
        check_destination(_config(DataFormatConversionConfiguration=without_schema))
    two_serializers = {
        **CONVERSION,
        "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {}, "OrcSerDe": {}}},
    }
    with pytest.raises(InvalidArgumentException, match="exactly one Serializer"):
        check_destination(_config(DataFormatConversionConfiguration=two_serializers))


def test_other_cross_field_rules() -> None:
    partitioned = _config(
        DynamicPartitioningConfiguration={"Enabled": True},
        Prefix="id=!{partitionKeyFromQuery:id}/",
        ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
    )
    check_destination(partitioned)
    with pytest.raises(InvalidArgumentException, match="at least 60"):
        check_destination({**partitioned, "BufferingHints": {"IntervalInSeconds": 0}})
    with pytest.raises(InvalidArgumentException, match="S3BackupConfiguration is required"):
        check_destination(_config(S3BackupMode="Enabled"))
    lambda_without_arn = {"Enabled": True, "Processors": [{"Type": "Lambda", "Parameters": []}]}
    with pytest.raises(InvalidArgumentException, match="LambdaArn"):
        check_destination(_config(ProcessingConfiguration=lambda_without_arn))
    check_destination(_config(ProcessingConfiguration={**lambda_without_arn, "Enabled": False}))


def test_updates_merge_hints_and_replace_the_rest() -> None:
    current = _config(
        Prefix="a/",
        BufferingHints={"SizeInMBs": 10, "IntervalInSeconds": 60},
        EncryptionConfiguration={"NoEncryptionConfig": "NoEncryption"},
    )
    kms = {"KMSEncryptionConfig": {"AWSKMSKeyARN": "arn:aws:kms:us-east-1:000000000000:key/k"}}
    result = merged(current, {"BufferingHints": {"SizeInMBs": 20}, "EncryptionConfiguration": kms})
    assert result["BufferingHints"] == {"SizeInMBs": 20, "IntervalInSeconds": 60}
    assert result["EncryptionConfiguration"] == kms
    assert result["Prefix"] == "a/"
    assert current["BufferingHints"] == {"SizeInMBs": 10, "IntervalInSeconds": 60}


def test_backup_can_be_enabled_but_not_disabled() -> None:
    backup = {"S3BackupMode": "Enabled", "S3BackupUpdate": BASE}
    enabled = merged(BASE, backup)
    assert enabled["S3BackupConfiguration"] == BASE
    with pytest.raises(InvalidArgumentException, match="cannot be changed from Enabled"):
        merged(enabled, {"S3BackupMode": "Disabled"})


def test_description_has_both_forms() -> None:
    described = describe_destination(
        _config(S3BackupMode="Enabled", S3BackupConfiguration={**BASE, "Prefix": "backup/"})
    )
    assert described["DestinationId"] == "destinationId-000000000001"
    extended = described["ExtendedS3DestinationDescription"]
    assert extended["S3BackupDescription"]["Prefix"] == "backup/"
    assert extended["S3BackupDescription"]["CompressionFormat"] == "UNCOMPRESSED"
    assert "S3BackupConfiguration" not in extended
    assert set(described["S3DestinationDescription"]) == {
        "RoleARN",
        "BucketARN",
        "BufferingHints",
        "CompressionFormat",
        "EncryptionConfiguration",
        "CloudWatchLoggingOptions",
    }


def test_custom_time_zone_and_timestamp_letters_are_checked_at_creation() -> None:
    base = {"RoleARN": "arn:aws:iam::000000000000:role/r", "BucketARN": "arn:aws:s3:::b"}
    check_destination({**base, "CustomTimeZone": "Asia/Tokyo"})
    with pytest.raises(InvalidArgumentException, match="CustomTimeZone 'Mars/Olympus'"):
        check_destination({**base, "CustomTimeZone": "Mars/Olympus"})
    with pytest.raises(InvalidArgumentException, match="Prefix"):
        check_destination({**base, "Prefix": "x/!{timestamp:yyyy-QQ}/", "ErrorOutputPrefix": "e/"})
