"""Firehose's control plane on a real broker: create, describe, list, update, tags, delete."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cadabra.config import FirehoseSettings, KafkaSettings
from cadabra.errors import (
    ConcurrentModificationException,
    InvalidArgumentException,
    LimitExceededException,
    ResourceInUseException,
    ResourceNotFoundException,
    ValidationException,
)
from cadabra.firehose import FirehoseService
from cadabra.firehose.testing import ROLE_ARN, DeliveryStreamFactory, s3_destination

DESTINATION = "destinationId-000000000001"


def _describe(firehose: FirehoseService, name: str) -> dict[str, Any]:
    description: dict[str, Any] = firehose.describe_delivery_stream(name)[
        "DeliveryStreamDescription"
    ]
    return description


def test_create_returns_the_arn_and_describe_shows_aws_defaults(
    firehose: FirehoseService, make: DeliveryStreamFactory
) -> None:
    before = datetime.now(UTC)
    name = f"test-{uuid.uuid4().hex[:12]}"
    make.created.append(name)
    created = firehose.create_delivery_stream(
        name, extended_s3_destination_configuration=s3_destination(Prefix="raw/")
    )
    assert created == {
        "DeliveryStreamARN": f"arn:aws:firehose:us-east-1:000000000000:deliverystream/{name}"
    }
    description = _describe(firehose, name)
    assert description["DeliveryStreamStatus"] == "ACTIVE"
    assert description["DeliveryStreamType"] == "DirectPut"
    assert description["VersionId"] == "1"
    assert description["HasMoreDestinations"] is False
    assert description["DeliveryStreamEncryptionConfiguration"] == {"Status": "DISABLED"}
    assert "Source" not in description
    created_at = description["CreateTimestamp"]
    assert created_at.tzinfo is not None
    assert before - timedelta(seconds=5) <= created_at <= datetime.now(UTC) + timedelta(seconds=5)
    [destination] = description["Destinations"]
    assert destination["DestinationId"] == DESTINATION
    extended = destination["ExtendedS3DestinationDescription"]
    assert extended == {
        "RoleARN": ROLE_ARN,
        "BucketARN": "arn:aws:s3:::cadabra",
        "Prefix": "raw/",
        "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300},
        "CompressionFormat": "UNCOMPRESSED",
        "EncryptionConfiguration": {"NoEncryptionConfig": "NoEncryption"},
        "CloudWatchLoggingOptions": {"Enabled": False},
        "S3BackupMode": "Disabled",
    }
    assert destination["S3DestinationDescription"] == {
        k: v for k, v in extended.items() if k != "S3BackupMode"
    }


def test_a_direct_put_stream_gets_its_own_topic(
    firehose: FirehoseService, make: DeliveryStreamFactory
) -> None:
    name = make()
    assert firehose.admin.exists(f"firehose.{name}")
    config = firehose.admin.topic_config(f"firehose.{name}")
    assert config["message.timestamp.type"] == "LogAppendTime"
    assert config["retention.ms"] == str(24 * 3_600_000)


def test_the_configuration_is_kept_as_given(
    firehose: FirehoseService, make: DeliveryStreamFactory
) -> None:
    conversion = {
        "SchemaConfiguration": {"RoleARN": ROLE_ARN, "DatabaseName": "cadabra", "TableName": "t"},
        "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
        "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {}}},
    }
    processing = {
        "Enabled": True,
        "Processors": [
            {
                "Type": "Lambda",
                "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": "arn:x"}],
            }
        ],
    }
    name = make(
        extended_s3_destination_configuration=s3_destination(
            Prefix="year=!{timestamp:yyyy}/",
            ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
            BufferingHints={"IntervalInSeconds": 60},
            DataFormatConversionConfiguration=conversion,
            ProcessingConfiguration=processing,
        )
    )
    extended = _describe(firehose, name)["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert extended["BufferingHints"] == {"SizeInMBs": 128, "IntervalInSeconds": 60}
    assert extended["DataFormatConversionConfiguration"] == conversion
    assert extended["ProcessingConfiguration"] == processing
    assert extended["ErrorOutputPrefix"] == "errors/!{firehose:error-output-type}/"


def test_an_existing_name_is_resource_in_use(
    firehose: FirehoseService, make: DeliveryStreamFactory
) -> None:
    name = make()
    with pytest.raises(ResourceInUseException) as error:
        make.service.create_delivery_stream(
            name, extended_s3_destination_configuration=s3_destination()
        )
    assert error.value.message == f"Firehose {name} under accountId 000000000000 already exists"


@pytest.mark.parametrize(
    ("name", "constraint"),
    [
        ("x" * 65, "Member must have length less than or equal to 64"),
        ("bad name", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"),
    ],
)
def test_invalid_names(firehose: FirehoseService, name: str, constraint: str) -> None:
    with pytest.raises(ValidationException) as error:
        firehose.create_delivery_stream(
            name, extended_s3_destination_configuration=s3_destination()
        )
    assert error.value.message == (
        f"1 validation error detected: Value '{name}' at 'deliveryStreamName' failed to satisfy "
        f"constraint: {constraint}"
    )


def test_an_empty_name_breaks_two_constraints(firehose: FirehoseService) -> None:
    # AWS reports every constraint a value breaks, each as its own error.
    with pytest.raises(ValidationException) as error:
        firehose.create_delivery_stream("", extended_s3_destination_configuration=s3_destination())
    assert error.value.message == (
        "2 validation errors detected: Value '' at 'deliveryStreamName' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1; Value '' at "
        "'deliveryStreamName' failed to satisfy constraint: Member must satisfy regular "
        "expression pattern: [a-zA-Z0-9_.-]+"
    )


def test_a_64_character_name_is_fine(
    firehose: FirehoseService, make: DeliveryStreamFactory
) -> None:
    name = "n" * 52 + uuid.uuid4().hex[:12]
    make.created.append(name)
    firehose.create_delivery_stream(name, extended_s3_destination_configuration=s3_destination())
    assert _describe(firehose, name)["DeliveryStreamName"] == name


def test_every_invalid_member_is_reported(firehose: FirehoseService) -> None:
    config = s3_destination(
        BufferingHints={"SizeInMBs": 129, "IntervalInSeconds": 901}, CompressionFormat="LZ4"
    )
    with pytest.raises(ValidationException) as error:
        firehose.create_delivery_stream("valid", extended_s3_destination_configuration=config)
    message = error.value.message
    assert message.startswith("3 validation errors detected: ")
    assert (
        "Value '129' at 'extendedS3DestinationConfiguration.bufferingHints.sizeInMBs' failed to "
        "satisfy constraint: Member must have value less than or equal to 128"
    ) in message
    assert "'extendedS3DestinationConfiguration.bufferingHints.intervalInSeconds'" in message
    assert (
        "Member must satisfy enum value set: [UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY]"
    ) in message


def test_missing_role_is_a_null_member(firehose: FirehoseService) -> None:
    with pytest.raises(
        ValidationException,
        match=(
            r"Value null at 'extendedS3DestinationConfiguration\.roleARN' failed to satisfy "
            r"constraint: Member must not be null"
        ),
    ):
        firehose.create_delivery_stream(
            "valid", extended_s3_destination_configuration={"BucketARN": "arn:aws:s3:::b"}
        )


def test_destination_rules(firehose: FirehoseService) -> None:
    with pytest.raises(InvalidArgumentException, match="Exactly one destination"):
        firehose.create_delivery_stream("valid")
    with pytest.raises(InvalidArgumentException, match="Exactly one destination"):
        firehose.create_delivery_stream(
            "valid",
            extended_s3_destination_configuration=s3_destination(),
            s3_destination_configuration=s3_destination(),
        )
    with pytest.raises(InvalidArgumentException, match="ErrorOutputPrefix cannot be null"):
        firehose.create_delivery_stream(
            "valid",
            extended_s3_destination_configuration=s3_destination(Prefix="!{timestamp:yyyy}/"),
        )
    assert firehose.registry.get("valid", refresh=True) is None


def test_the_legacy_s3_destination(firehose: FirehoseService, make: DeliveryStreamFactory) -> None:
    name = make(
        extended_s3_destination_configuration=None,
        s3_destination_configuration=s3_destination(CompressionFormat="GZIP"),
    )
    [destination] = _describe(firehose, name)["Destinations"]
    assert destination["S3DestinationDescription"]["CompressionFormat"] == "GZIP"
    assert destination["ExtendedS3DestinationDescription"]["CompressionFormat"] == "GZIP"


def test_kinesis_stream_as_source(
    firehose: FirehoseService, make: DeliveryStreamFactory, make_stream: Any
) -> None:
    stream = make_stream()
    arn = f"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}"
    name = make(
        delivery_stream_type="KinesisStreamAsSource",
        kinesis_stream_source_configuration={"KinesisStreamARN": arn, "RoleARN": ROLE_ARN},
    )
    description = _describe(firehose, name)
    assert description["DeliveryStreamType"] == "KinesisStreamAsSource"
    source = description["Source"]["KinesisStreamSourceDescription"]
    assert source["KinesisStreamARN"] == arn
    assert source["RoleARN"] == ROLE_ARN
    assert source["DeliveryStartTimestamp"] == description["CreateTimestamp"]
    assert not firehose.admin.exists(f"firehose.{name}")
    with pytest.raises(
        InvalidArgumentException,
        match=r"This operation is not permitted on KinesisStreamAsSource delivery stream type\.",
    ):
        firehose.put_record(name, {"Data": b"x"})


def test_kinesis_source_must_exist(firehose: FirehoseService) -> None:
    for arn in (
        "arn:aws:kinesis:us-east-1:000000000000:stream/no-such-stream",
        "arn:aws:kinesis:eu-west-1:000000000000:stream/no-such-stream",
    ):
        with pytest.raises(InvalidArgumentException, match="not found under account"):
            firehose.create_delivery_stream(
                "valid",
                delivery_stream_type="KinesisStreamAsSource",
                kinesis_stream_source_configuration={"KinesisStreamARN": arn, "RoleARN": ROLE_ARN},
                extended_s3_destination_configuration=s3_destination(),
            )
    with pytest.raises(
        InvalidArgumentException, match="KinesisStreamSourceConfiguration is required"
    ):
        firehose.create_delivery_stream(
            "valid",
            delivery_stream_type="KinesisStreamAsSource",
            extended_s3_destination_configuration=s3_destination(),
        )


def test_list_pages_in_name_order_and_filters_by_type(
    firehose: FirehoseService, make: DeliveryStreamFactory, make_stream: Any
) -> None:
    names = sorted(make() for _ in range(3))
    arn = f"arn:aws:kinesis:us-east-1:000000000000:stream/{make_stream()}"
    kds = make(
        delivery_stream_type="KinesisStreamAsSource",
        kinesis_stream_source_configuration={"KinesisStreamARN": arn, "RoleARN": ROLE_ARN},
    )
    everything = firehose.list_delivery_streams(limit=10_000)
    assert everything["HasMoreDeliveryStreams"] is False
    assert everything["DeliveryStreamNames"] == sorted(everything["DeliveryStreamNames"])
    assert set(names) | {kds} <= set(everything["DeliveryStreamNames"])
    direct = firehose.list_delivery_streams(limit=10_000, delivery_stream_type="DirectPut")
    direct_names = direct["DeliveryStreamNames"]
    assert kds not in direct_names
    assert set(names) <= set(direct_names)
    first = firehose.list_delivery_streams(limit=2, delivery_stream_type="DirectPut")
    assert first == {"DeliveryStreamNames": direct_names[:2], "HasMoreDeliveryStreams": True}
    second = firehose.list_delivery_streams(
        limit=2,
        delivery_stream_type="DirectPut",
        exclusive_start_delivery_stream_name=direct_names[1],
    )
    assert second["DeliveryStreamNames"] == direct_names[2:4]
    default_page = firehose.list_delivery_streams()
    assert default_page["DeliveryStreamNames"] == everything["DeliveryStreamNames"][:10]


def test_delete_removes_the_stream_and_its_topic(
    firehose: FirehoseService, make: DeliveryStreamFactory
) -> None:
    name = make()
    assert firehose.delete_delivery_stream(name) == {}
    with pytest.raises(ResourceNotFoundException) as error:
        firehose.describe_delivery_stream(name)
    assert error.value.message == f"Firehose {name} under account 000000000000 not found."
    assert not firehose.admin.exists(f"firehose.{name}")
    assert name not in firehose.list_delivery_streams(limit=10_000)["DeliveryStreamNames"]
    with pytest.raises(ResourceNotFoundException):
        firehose.delete_delivery_stream(name)


def test_unknown_stream_is_not_found_everywhere(firehose: FirehoseService) -> None:
    name = f"missing-{uuid.uuid4().hex[:8]}"
    calls = [
        lambda: firehose.describe_delivery_stream(name),
        lambda: firehose.delete_delivery_stream(name),
        lambda: firehose.update_destination(name, "1", DESTINATION, s3_destination_update={}),
        lambda: firehose.put_record(name, {"Data": b"x"}),
        lambda: firehose.put_record_batch(name, [{"Data": b"x"}]),
        lambda: firehose.tag_delivery_stream(name, [{"Key": "k", "Value": "v"}]),
        lambda: firehose.list_tags_for_delivery_stream(name),
    ]
    for call in calls:
        with pytest.raises(ResourceNotFoundException, match=f"Firehose {name} under account"):
            call()


def test_update_destination_merges_and_bumps_the_version(
    firehose: FirehoseService, make: DeliveryStreamFactory
) -> None:
    name = make(extended_s3_destination_configuration=s3_destination(Prefix="a/"))
    created = _describe(firehose, name)
    firehose.update_destination(
        name,
        "1",
        DESTINATION,
        extended_s3_destination_update={
            "BufferingHints": {"SizeInMBs": 64},
            "CompressionFormat": "GZIP",
        },
    )
    updated = _describe(firehose, name)
    assert updated["VersionId"] == "2"
    assert updated["LastUpdateTimestamp"] >= created["LastUpdateTimestamp"]
    assert updated["CreateTimestamp"] == created["CreateTimestamp"]
    extended = updated["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert extended["Prefix"] == "a/"
    assert extended["BufferingHints"] == {"SizeInMBs": 64, "IntervalInSeconds": 300}
    assert extended["CompressionFormat"] == "GZIP"
    firehose.update_destination(name, "2", DESTINATION, s3_destination_update={"Prefix": "b/"})
    assert _describe(firehose, name)["VersionId"] == "3"


def test_a_stale_version_is_a_concurrent_modification(
    firehose: FirehoseService, make: DeliveryStreamFactory
) -> None:
    name = make()
    firehose.update_destination(name, "1", DESTINATION, s3_destination_update={"Prefix": "x/"})
    with pytest.raises(ConcurrentModificationException) as error:
        firehose.update_destination(name, "1", DESTINATION, s3_destination_update={"Prefix": "y/"})
    assert error.value.message == (
        f"Cannot update firehose: {name} since the current version id: 2 and specified "
        "version id: 1 do not match"
    )
    extended = _describe(firehose, name)["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert extended["Prefix"] == "x/"


def test_update_rejects_an_unknown_destination_and_bad_configs(
    firehose: FirehoseService, make: DeliveryStreamFactory
) -> None:
    name = make()
    with pytest.raises(InvalidArgumentException, match="Destination Id destinationId-2 not found"):
        firehose.update_destination(name, "1", "destinationId-2", s3_destination_update={})
    with pytest.raises(InvalidArgumentException, match="must be UNCOMPRESSED"):
        firehose.update_destination(
            name,
            "1",
            DESTINATION,
            extended_s3_destination_update={
                "CompressionFormat": "GZIP",
                "DataFormatConversionConfiguration": {
                    "SchemaConfiguration": {"DatabaseName": "d", "TableName": "t"},
                    "InputFormatConfiguration": {"Deserializer": {"HiveJsonSerDe": {}}},
                    "OutputFormatConfiguration": {"Serializer": {"OrcSerDe": {}}},
                },
            },
        )
    assert _describe(firehose, name)["VersionId"] == "1"


def test_tags(firehose: FirehoseService, make: DeliveryStreamFactory) -> None:
    name = make(tags=[{"Key": "team", "Value": "shop"}])
    firehose.tag_delivery_stream(name, [{"Key": "env", "Value": "test"}, {"Key": "bare"}])
    listed = firehose.list_tags_for_delivery_stream(name)
    assert listed == {
        "Tags": [
            {"Key": "bare"},
            {"Key": "env", "Value": "test"},
            {"Key": "team", "Value": "shop"},
        ],
        "HasMoreTags": False,
    }
    page = firehose.list_tags_for_delivery_stream(name, exclusive_start_tag_key="bare", limit=1)
    assert page == {"Tags": [{"Key": "env", "Value": "test"}], "HasMoreTags": True}
    firehose.untag_delivery_stream(name, ["env", "absent"])
    keys = [t["Key"] for t in firehose.list_tags_for_delivery_stream(name)["Tags"]]
    assert keys == ["bare", "team"]


def test_tag_limits(firehose: FirehoseService, make: DeliveryStreamFactory) -> None:
    name = make(tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    with pytest.raises(LimitExceededException, match="at most 50"):
        firehose.tag_delivery_stream(name, [{"Key": "one-more", "Value": "v"}])
    firehose.tag_delivery_stream(name, [{"Key": "k0", "Value": "replaced"}])
    with pytest.raises(ValidationException, match=r"'tags\.1\.member\.key'"):
        firehose.tag_delivery_stream(name, [{"Key": "aws:reserved", "Value": "v"}])
    with pytest.raises(InvalidArgumentException, match="Duplicate tag key: d"):
        firehose.tag_delivery_stream(name, [{"Key": "d"}, {"Key": "d"}])
    tags = firehose.list_tags_for_delivery_stream(name)["Tags"]
    assert len(tags) == 50
    assert {"Key": "k0", "Value": "replaced"} in tags


def test_the_delivery_stream_quota(stack: Any) -> None:
    settings = FirehoseSettings(
        state_topic=f"__cadabra_firehose_{uuid.uuid4().hex[:8]}", delivery_stream_limit=2
    )
    service = FirehoseService(KafkaSettings(bootstrap=stack.kafka_bootstrap), settings)
    make = DeliveryStreamFactory(service)
    try:
        make()
        make()
        with pytest.raises(LimitExceededException, match="quota of 2 hoses"):
            make()
        assert len(service.registry.names()) == 2
    finally:
        make.cleanup()
        service.close()


def test_a_failed_creation_stays_until_deleted(
    firehose: FirehoseService, make: DeliveryStreamFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: object) -> None:
        raise RuntimeError("no room for the topic")

    monkeypatch.setattr(firehose.admin, "create_stream_topic", refuse)
    name = make()
    description = _describe(firehose, name)
    assert description["DeliveryStreamStatus"] == "CREATING_FAILED"
    assert description["FailureDescription"] == {
        "Type": "UNKNOWN_ERROR",
        "Details": "no room for the topic",
    }
    with pytest.raises(ResourceInUseException, match="CREATING_FAILED"):
        firehose.put_record(name, {"Data": b"x"})
    monkeypatch.undo()
    firehose.delete_delivery_stream(name)
    assert firehose.registry.get(name, refresh=True) is None
