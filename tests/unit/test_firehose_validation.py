"""The model-driven validation: AWS's constraints and wording, for every shape Firehose takes."""

from __future__ import annotations

import pytest

from cadabra.errors import ValidationException
from cadabra.firehose.validation import check_request

ROLE = "arn:aws:iam::000000000000:role/r"
BUCKET = "arn:aws:s3:::cadabra"


def _message(operation: str, document: dict[str, object]) -> str:
    with pytest.raises(ValidationException) as error:
        check_request(operation, document)
    return error.value.message


def test_a_valid_request_passes() -> None:
    check_request(
        "CreateDeliveryStream",
        {
            "DeliveryStreamName": "PurchaseLogs",
            "DeliveryStreamType": "DirectPut",
            "ExtendedS3DestinationConfiguration": {
                "RoleARN": ROLE,
                "BucketARN": BUCKET,
                "BufferingHints": {"SizeInMBs": 128, "IntervalInSeconds": 0},
                "CompressionFormat": "Snappy",
                "FileExtension": ".csv",
                "CustomTimeZone": "Asia/Tokyo",
            },
            "Tags": [{"Key": "Éöü team 1", "Value": "shop/orders@eu"}],
        },
    )


def test_absent_members_are_not_checked_but_required_ones_are() -> None:
    check_request("ListDeliveryStreams", {"Limit": None})
    assert _message("PutRecord", {"DeliveryStreamName": "s"}) == (
        "1 validation error detected: Value null at 'record' failed to satisfy constraint: "
        "Member must not be null"
    )


@pytest.mark.parametrize(
    ("hints", "field", "constraint"),
    [
        ({"SizeInMBs": 0}, "sizeInMBs", "greater than or equal to 1"),
        ({"SizeInMBs": 129}, "sizeInMBs", "less than or equal to 128"),
        ({"IntervalInSeconds": -1}, "intervalInSeconds", "greater than or equal to 0"),
        ({"IntervalInSeconds": 901}, "intervalInSeconds", "less than or equal to 900"),
    ],
)
def test_buffering_hints_bounds(hints: dict[str, int], field: str, constraint: str) -> None:
    config = {"RoleARN": ROLE, "BucketARN": BUCKET, "BufferingHints": hints}
    message = _message(
        "CreateDeliveryStream",
        {"DeliveryStreamName": "s", "ExtendedS3DestinationConfiguration": config},
    )
    assert message == (
        f"1 validation error detected: Value '{next(iter(hints.values()))}' at "
        f"'extendedS3DestinationConfiguration.bufferingHints.{field}' failed to satisfy "
        f"constraint: Member must have value {constraint}"
    )


def test_arn_patterns_are_full_matches() -> None:
    config = {"RoleARN": "role", "BucketARN": f"{BUCKET}/extra/path"}
    message = _message(
        "CreateDeliveryStream",
        {"DeliveryStreamName": "s", "S3DestinationConfiguration": config},
    )
    assert message.startswith("2 validation errors detected: ")
    assert "at 's3DestinationConfiguration.roleARN'" in message
    assert "at 's3DestinationConfiguration.bucketARN'" in message


def test_enums_name_the_allowed_values() -> None:
    message = _message("ListDeliveryStreams", {"DeliveryStreamType": "Kafka"})
    assert message.endswith(
        "Member must satisfy enum value set: [DirectPut, KinesisStreamAsSource, MSKAsSource, "
        "DatabaseAsSource]"
    )


def test_blobs_are_shown_as_aws_shows_them() -> None:
    message = _message(
        "PutRecordBatch",
        {"DeliveryStreamName": "s", "Records": [{"Data": b"x" * 1_024_001}]},
    )
    assert "Value 'java.nio.HeapByteBuffer[pos=0 lim=1024001 cap=1024001]'" in message
    assert "at 'records.1.member.data'" in message


def test_types_are_checked() -> None:
    assert "Member must be of type integer" in _message("ListDeliveryStreams", {"Limit": "10"})
    assert "Member must be of type integer" in _message("ListDeliveryStreams", {"Limit": True})
    assert "Member must be of type blob" in _message(
        "PutRecord", {"DeliveryStreamName": "s", "Record": {"Data": "text"}}
    )
    assert "Member must be of type structure" in _message(
        "PutRecord", {"DeliveryStreamName": "s", "Record": b"raw"}
    )
    assert "Member must be of type list" in _message(
        "PutRecordBatch", {"DeliveryStreamName": "s", "Records": {"Data": b""}}
    )


@pytest.mark.parametrize("key", ["aws:owner", "bad<key>", ""])
def test_tag_keys_follow_aws_rules(key: str) -> None:
    message = _message(
        "TagDeliveryStream", {"DeliveryStreamName": "s", "Tags": [{"Key": key, "Value": "v"}]}
    )
    assert "at 'tags.1.member.key'" in message


def test_long_values_are_cut_in_messages() -> None:
    message = _message("DescribeDeliveryStream", {"DeliveryStreamName": "n" * 200})
    assert f"Value '{'n' * 80}...'" in message
