"""boto3 against the endpoint: the streams core's Kinesis operations, AWS shapes and errors."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime
from typing import Any

import cbor2
import httpx
import pytest

from cadabra.quotas import FakeClock
from cadabra.streams import StreamsService

SHARD0 = "shardId-000000000000"


@pytest.fixture
def stream(kinesis: Any) -> Any:
    name = f"test-ep-{uuid.uuid4().hex[:10]}"
    kinesis.create_stream(StreamName=name, ShardCount=2)
    kinesis.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 1})
    yield name
    kinesis.delete_stream(StreamName=name)


def _read(kinesis: Any, name: str, shard: str, expected: int, clock: FakeClock) -> list[Any]:
    iterator = kinesis.get_shard_iterator(
        StreamName=name, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records: list[Any] = []
    deadline = time.monotonic() + 20
    while len(records) < expected and time.monotonic() < deadline:
        page = kinesis.get_records(ShardIterator=iterator)
        records += page["Records"]
        iterator = page["NextShardIterator"]
        clock.advance(1)
    return records


def test_control_plane_shapes(kinesis: Any, stream: str) -> None:
    description = kinesis.describe_stream(StreamName=stream)["StreamDescription"]
    assert description["StreamStatus"] == "ACTIVE"
    assert isinstance(description["StreamCreationTimestamp"], datetime)
    assert [s["ShardId"] for s in description["Shards"]] == [SHARD0, "shardId-000000000001"]
    summary = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    assert summary["OpenShardCount"] == 2
    arn = summary["StreamARN"]
    assert kinesis.list_shards(StreamARN=arn)["Shards"][1]["HashKeyRange"][
        "StartingHashKey"
    ] == str(2**127)
    assert stream in kinesis.list_streams(Limit=10_000)["StreamNames"]
    kinesis.increase_stream_retention_period(StreamName=stream, RetentionPeriodHours=48)
    kinesis.decrease_stream_retention_period(StreamName=stream, RetentionPeriodHours=24)
    kinesis.update_max_record_size(StreamARN=arn, MaxRecordSizeInKiB=2048)
    summary = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    assert summary["RetentionPeriodHours"] == 24


def test_put_and_get_records_round_trip(kinesis: Any, stream: str, quota_clock: FakeClock) -> None:
    put = kinesis.put_record(StreamName=stream, Data=b"\x00\xffbinary", PartitionKey="a")
    assert put["SequenceNumber"].isdigit() and put["EncryptionType"] == "NONE"
    batch = kinesis.put_records(
        StreamName=stream,
        Records=[{"Data": f"r{i}".encode(), "PartitionKey": "a"} for i in range(3)],
    )
    assert batch["FailedRecordCount"] == 0
    assert {r["ShardId"] for r in batch["Records"]} == {put["ShardId"]}
    records = _read(kinesis, stream, put["ShardId"], 4, quota_clock)
    assert [r["Data"] for r in records] == [b"\x00\xffbinary", b"r0", b"r1", b"r2"]
    assert isinstance(records[0]["ApproximateArrivalTimestamp"], datetime)
    assert records[0]["SequenceNumber"] == put["SequenceNumber"]


def test_errors_are_the_classes_aws_raises(
    kinesis: Any, stream: str, streams: StreamsService
) -> None:
    with pytest.raises(kinesis.exceptions.ResourceNotFoundException):
        kinesis.describe_stream(StreamName="no-such-stream")
    with pytest.raises(kinesis.exceptions.ResourceInUseException):
        kinesis.create_stream(StreamName=stream, ShardCount=1)
    with pytest.raises(kinesis.exceptions.ValidationException, match="partitionKey"):
        kinesis.put_record(StreamName=stream, Data=b"x", PartitionKey="k" * 257)
    with pytest.raises(kinesis.exceptions.InvalidArgumentException, match="Invalid ShardIterator"):
        kinesis.get_records(ShardIterator="A" * 40)
    with pytest.raises(kinesis.exceptions.LimitExceededException):
        kinesis.create_stream(StreamName=f"big-{uuid.uuid4().hex[:6]}", ShardCount=100_000)
    iterator = kinesis.get_shard_iterator(
        StreamName=stream, ShardId=SHARD0, ShardIteratorType="LATEST"
    )["ShardIterator"]
    real_clock = streams.clock_ms
    streams.clock_ms = lambda: real_clock() + 300_001
    try:
        with pytest.raises(kinesis.exceptions.ExpiredIteratorException):
            kinesis.get_records(ShardIterator=iterator)
    finally:
        streams.clock_ms = real_clock


def test_throttling_is_provisioned_throughput_exceeded(kinesis: Any, stream: str) -> None:
    records = [{"Data": b"x", "PartitionKey": "k", "ExplicitHashKey": "0"}] * 500
    for _ in range(2):
        assert kinesis.put_records(StreamName=stream, Records=records)["FailedRecordCount"] == 0
    third = kinesis.put_records(StreamName=stream, Records=records[:1])
    assert third["FailedRecordCount"] == 1
    assert third["Records"][0]["ErrorCode"] == "ProvisionedThroughputExceededException"
    with pytest.raises(kinesis.exceptions.ProvisionedThroughputExceededException) as caught:
        kinesis.put_record(StreamName=stream, Data=b"x", PartitionKey="k", ExplicitHashKey="0")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def _raw(url: str, target: str, body: bytes, content_type: str) -> httpx.Response:
    headers = {"X-Amz-Target": target, "Content-Type": content_type}
    return httpx.post(url, content=body, headers=headers, timeout=30)


def test_cbor_requests_get_cbor_answers(endpoint_url: str, stream: str) -> None:
    body = cbor2.dumps({"StreamName": stream, "Data": b"cbor!", "PartitionKey": "k"})
    reply = _raw(endpoint_url, "Kinesis_20131202.PutRecord", body, "application/x-amz-cbor-1.1")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/x-amz-cbor-1.1"
    assert cbor2.loads(reply.content)["ShardId"].startswith("shardId-00000000000")
    missing = _raw(
        endpoint_url,
        "Kinesis_20131202.DescribeStream",
        cbor2.dumps({"StreamName": "absent"}),
        "application/x-amz-cbor-1.1",
    )
    assert missing.status_code == 400
    assert cbor2.loads(missing.content)["__type"] == "ResourceNotFoundException"


@pytest.mark.parametrize(
    ("target", "body", "code"),
    [
        ("Kinesis_20131202.NoSuchOperation", b"{}", "UnknownOperationException"),
        ("Nope_20200101.PutRecord", b"{}", "UnknownOperationException"),
        ("Kinesis_20131202.PutRecord", b"{not json", "SerializationException"),
        ("Kinesis_20131202.PutRecord", b'{"StreamName": 5}', "SerializationException"),
        (
            "Kinesis_20131202.PutRecord",
            b'{"StreamName": "s", "PartitionKey": "k", "Data": "***"}',
            "SerializationException",
        ),
        ("Kinesis_20131202.PutRecord", b'{"StreamName": "s"}', "ValidationException"),
    ],
)
def test_malformed_requests_are_4xx_with_an_aws_error(
    endpoint_url: str, target: str, body: bytes, code: str
) -> None:
    reply = _raw(endpoint_url, target, body, "application/x-amz-json-1.1")
    assert reply.status_code == 400
    assert json.loads(reply.content)["__type"] == code


def test_subscribe_to_shard_pushes_records_as_an_event_stream(kinesis: Any, stream: str) -> None:
    arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"][
        "StreamARN"
    ]
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="efo")["Consumer"]
    deadline = time.monotonic() + 30
    while (
        kinesis.describe_stream_consumer(ConsumerARN=consumer["ConsumerARN"])[
            "ConsumerDescription"
        ]["ConsumerStatus"]
        != "ACTIVE"
    ):
        assert time.monotonic() < deadline, "consumer never became ACTIVE"
        time.sleep(0.1)
    put = kinesis.put_record(
        StreamName=stream, Data=b"fan-out", PartitionKey="a", ExplicitHashKey="0"
    )
    response = kinesis.subscribe_to_shard(
        ConsumerARN=consumer["ConsumerARN"],
        ShardId=SHARD0,
        StartingPosition={"Type": "TRIM_HORIZON"},
    )
    received: list[Any] = []
    for event in response["EventStream"]:
        shard_event = event["SubscribeToShardEvent"]
        received += shard_event["Records"]
        if received:
            assert shard_event["ContinuationSequenceNumber"] == put["SequenceNumber"]
            break
    response["EventStream"].close()
    assert [r["Data"] for r in received] == [b"fan-out"]
    assert isinstance(received[0]["ApproximateArrivalTimestamp"], datetime)
