"""Firehose through the HTTP endpoint with boto3: response shapes botocore parses, error classes.

The endpoint app serves `firehose_operations` in-process; the client does not retry, so every
error surfaces as the exception class botocore maps AWS's `__type` to.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from cadabra.config import FirehoseSettings
from cadabra.endpoint.app import EndpointApp, Service
from cadabra.endpoint.firehose_ops import firehose_operations
from cadabra.endpoint.testing import serve_in_thread
from cadabra.firehose import FirehoseService, decode_record_id
from cadabra.firehose.testing import ROLE_ARN, read_records, s3_destination, stored_records
from cadabra.firehose.throughput import DirectPutQuotas
from cadabra.quotas import FakeClock
from cadabra.stack.net import free_port_block

if TYPE_CHECKING:
    from mypy_boto3_firehose import FirehoseClient

DESTINATION = "destinationId-000000000001"


@pytest.fixture(scope="module")
def firehose_url(firehose_service: FirehoseService) -> Iterator[str]:
    app = EndpointApp(
        {"Firehose_20150804": Service("firehose", firehose_operations(firehose_service))}
    )
    with serve_in_thread(app, free_port_block(1)) as url:
        yield url
    app.close()


@pytest.fixture
def client(
    firehose_url: str, firehose_service: FirehoseService, quota_clock: FakeClock
) -> FirehoseClient:
    firehose_service.quotas = DirectPutQuotas(FirehoseSettings(), clock=quota_clock)
    return boto3.client(
        "firehose",
        endpoint_url=firehose_url,
        region_name="us-east-1",
        aws_access_key_id="cadabra",
        aws_secret_access_key="cadabra-secret",  # noqa: S106 - the stack's default, not a secret
        config=Config(retries={"total_max_attempts": 1}),
    )


@pytest.fixture
def name(client: FirehoseClient) -> Iterator[str]:
    """A Direct PUT delivery stream created through the endpoint, deleted afterwards."""
    stream = f"test-{uuid.uuid4().hex[:12]}"
    client.create_delivery_stream(
        DeliveryStreamName=stream,
        ExtendedS3DestinationConfiguration=s3_destination(Prefix="orders/"),  # type: ignore[typeddict-item]
    )
    yield stream
    client.delete_delivery_stream(DeliveryStreamName=stream)


def test_describe_parses_as_aws_describes(client: FirehoseClient, name: str) -> None:
    description = client.describe_delivery_stream(DeliveryStreamName=name)[
        "DeliveryStreamDescription"
    ]
    assert description["DeliveryStreamARN"].endswith(f":deliverystream/{name}")
    assert description["DeliveryStreamStatus"] == "ACTIVE"
    assert isinstance(description["CreateTimestamp"], datetime)
    assert description["CreateTimestamp"].tzinfo is not None
    extended = description["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert extended["Prefix"] == "orders/"
    assert extended["BufferingHints"] == {"SizeInMBs": 5, "IntervalInSeconds": 300}
    assert name in client.list_delivery_streams(Limit=10_000)["DeliveryStreamNames"]


def test_put_record_and_batch_through_the_endpoint(
    client: FirehoseClient, firehose_service: FirehoseService, name: str
) -> None:
    single = client.put_record(DeliveryStreamName=name, Record={"Data": b"one\n"})
    assert single["Encrypted"] is False
    batch = client.put_record_batch(
        DeliveryStreamName=name, Records=[{"Data": b"two\n"}, {"Data": b"three\n"}]
    )
    assert batch["FailedPutCount"] == 0
    ids = [single["RecordId"]] + [r["RecordId"] for r in batch["RequestResponses"]]
    positions = [decode_record_id(i) for i in ids]
    assert [(p.offset, p.batch_index) for p in positions] == [(0, 0), (1, 0), (1, 1)]
    assert [r.value for r in read_records(firehose_service, name, 3)] == [
        b"one\n",
        b"two\n",
        b"three\n",
    ]


def test_update_destination_and_its_conflict(client: FirehoseClient, name: str) -> None:
    client.update_destination(
        DeliveryStreamName=name,
        CurrentDeliveryStreamVersionId="1",
        DestinationId=DESTINATION,
        ExtendedS3DestinationUpdate={"CompressionFormat": "GZIP"},
    )
    with pytest.raises(client.exceptions.ConcurrentModificationException):
        client.update_destination(
            DeliveryStreamName=name,
            CurrentDeliveryStreamVersionId="1",
            DestinationId=DESTINATION,
            ExtendedS3DestinationUpdate={"CompressionFormat": "ZIP"},
        )
    description = client.describe_delivery_stream(DeliveryStreamName=name)
    assert description["DeliveryStreamDescription"]["VersionId"] == "2"


def test_tags_through_the_endpoint(client: FirehoseClient, name: str) -> None:
    client.tag_delivery_stream(DeliveryStreamName=name, Tags=[{"Key": "team", "Value": "shop"}])
    listed = client.list_tags_for_delivery_stream(DeliveryStreamName=name)
    assert listed["Tags"] == [{"Key": "team", "Value": "shop"}]
    assert listed["HasMoreTags"] is False
    client.untag_delivery_stream(DeliveryStreamName=name, TagKeys=["team"])
    assert client.list_tags_for_delivery_stream(DeliveryStreamName=name)["Tags"] == []
    client.tag_delivery_stream(
        DeliveryStreamName=name, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(30)]
    )
    with pytest.raises(client.exceptions.LimitExceededException):
        client.tag_delivery_stream(
            DeliveryStreamName=name, Tags=[{"Key": f"j{i}", "Value": "v"} for i in range(21)]
        )


def test_error_classes(client: FirehoseClient, name: str) -> None:
    with pytest.raises(client.exceptions.ResourceNotFoundException) as missing:
        client.describe_delivery_stream(DeliveryStreamName="no-such-stream")
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert missing.value.response["Error"]["Message"] == (
        "Firehose no-such-stream under account 000000000000 not found."
    )
    with pytest.raises(client.exceptions.ResourceInUseException):
        client.create_delivery_stream(
            DeliveryStreamName=name,
            ExtendedS3DestinationConfiguration=s3_destination(),  # type: ignore[typeddict-item]
        )
    with pytest.raises(client.exceptions.InvalidArgumentException, match="Destination Id"):
        client.update_destination(
            DeliveryStreamName=name,
            CurrentDeliveryStreamVersionId="1",
            DestinationId="destinationId-000000000009",
            S3DestinationUpdate={"Prefix": "x/"},
        )


def test_validation_errors_reach_the_client(
    client: FirehoseClient, firehose_service: FirehoseService, name: str
) -> None:
    # botocore checks minimums on the client side but leaves maximums to the service.
    with pytest.raises(ClientError) as too_many:
        client.put_record_batch(DeliveryStreamName=name, Records=[{"Data": b"x"}] * 501)
    assert too_many.value.response["Error"]["Code"] == "ValidationException"
    assert "less than or equal to 500" in too_many.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as too_big:
        client.put_record(DeliveryStreamName=name, Record={"Data": b"x" * 1_024_001})
    assert too_big.value.response["Error"]["Code"] == "ValidationException"
    assert stored_records(firehose_service, name) == 0


def test_throttling_is_service_unavailable_with_http_500(
    client: FirehoseClient, firehose_service: FirehoseService, quota_clock: FakeClock, name: str
) -> None:
    firehose_service.quotas = DirectPutQuotas(
        FirehoseSettings(put_requests_per_s=1), clock=quota_clock
    )
    client.put_record(DeliveryStreamName=name, Record={"Data": b"x"})
    with pytest.raises(client.exceptions.ServiceUnavailableException) as error:
        client.put_record(DeliveryStreamName=name, Record={"Data": b"y"})
    assert error.value.response["Error"]["Message"] == "Slow down."
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert stored_records(firehose_service, name) == 1


def test_unsupported_members_are_refused_by_name(client: FirehoseClient) -> None:
    with pytest.raises(client.exceptions.InvalidArgumentException) as error:
        client.create_delivery_stream(
            DeliveryStreamName=f"test-{uuid.uuid4().hex[:12]}",
            HttpEndpointDestinationConfiguration={
                "EndpointConfiguration": {"Url": "https://example.com"},
                "S3Configuration": {"RoleARN": ROLE_ARN, "BucketARN": "arn:aws:s3:::cadabra"},
            },
        )
    assert "HttpEndpointDestinationConfiguration is not supported by Cadabra" in str(error.value)


def test_kinesis_source_through_the_endpoint(client: FirehoseClient, make_stream: Any) -> None:
    arn = f"arn:aws:kinesis:us-east-1:000000000000:stream/{make_stream()}"
    stream = f"test-{uuid.uuid4().hex[:12]}"
    client.create_delivery_stream(
        DeliveryStreamName=stream,
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": arn, "RoleARN": ROLE_ARN},
        S3DestinationConfiguration=s3_destination(),  # type: ignore[typeddict-item]
    )
    try:
        source = client.describe_delivery_stream(DeliveryStreamName=stream)[
            "DeliveryStreamDescription"
        ]["Source"]["KinesisStreamSourceDescription"]
        assert source["KinesisStreamARN"] == arn
        assert isinstance(source["DeliveryStartTimestamp"], datetime)
        with pytest.raises(client.exceptions.InvalidArgumentException, match="not permitted"):
            client.put_record_batch(DeliveryStreamName=stream, Records=[{"Data": b"x"}])
    finally:
        client.delete_delivery_stream(DeliveryStreamName=stream)
