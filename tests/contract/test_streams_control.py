"""Control plane of Kinesis Data Streams on a real broker: AWS's shapes, states and errors."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from cadabra.config import KafkaSettings
from cadabra.errors import (
    InvalidArgumentException,
    LimitExceededException,
    ResourceInUseException,
    ResourceNotFoundException,
    ValidationException,
)
from cadabra.streams import StreamsService, even_ranges

MakeStream = Callable[..., str]


def test_create_describe_delete_lifecycle(streams: StreamsService, make_stream: MakeStream) -> None:
    name = make_stream(shard_count=2)
    description = streams.describe_stream(stream_name=name)["StreamDescription"]
    assert description["StreamStatus"] == "ACTIVE"
    assert description["StreamARN"] == f"arn:aws:kinesis:us-east-1:000000000000:stream/{name}"
    assert description["RetentionPeriodHours"] == 24
    assert description["HasMoreShards"] is False
    assert description["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}
    shards = description["Shards"]
    assert [s["ShardId"] for s in shards] == ["shardId-000000000000", "shardId-000000000001"]
    ranges = [
        (int(s["HashKeyRange"]["StartingHashKey"]), int(s["HashKeyRange"]["EndingHashKey"]))
        for s in shards
    ]
    assert ranges == even_ranges(2)
    assert all("EndingSequenceNumber" not in s["SequenceNumberRange"] for s in shards)

    streams.delete_stream(stream_name=name)
    with pytest.raises(ResourceNotFoundException, match=f"Stream {name} under account"):
        streams.describe_stream(stream_name=name)
    assert not streams.admin.exists(streams.topic(name))


def test_stream_topic_keeps_arrival_time_and_retention(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream(shard_count=3)
    config = streams.admin.topic_config(streams.topic(name))
    assert config["message.timestamp.type"] == "LogAppendTime"
    assert config["retention.ms"] == str(24 * 3_600_000)
    assert int(config["max.message.bytes"]) >= 10 * 1024 * 1024


def test_summary_counts_open_shards(streams: StreamsService, make_stream: MakeStream) -> None:
    name = make_stream(shard_count=3)
    summary = streams.describe_stream_summary(stream_name=name)["StreamDescriptionSummary"]
    assert summary["OpenShardCount"] == 3
    assert summary["StreamStatus"] == "ACTIVE"
    assert summary["MaxRecordSizeInKiB"] == 1024


def test_on_demand_stream_starts_with_four_shards(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = f"test-{uuid.uuid4().hex[:12]}"
    streams.create_stream(name, stream_mode="ON_DEMAND")
    try:
        summary = streams.describe_stream_summary(stream_name=name)["StreamDescriptionSummary"]
        assert summary["OpenShardCount"] == 4
        assert summary["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    finally:
        streams.delete_stream(stream_name=name)


def test_stream_arn_works_wherever_a_name_does(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream()
    arn = streams.arn(name)
    assert (
        streams.describe_stream_summary(stream_arn=arn)["StreamDescriptionSummary"]["StreamName"]
        == name
    )
    assert streams.put_record(b"x", "k", stream_arn=arn)["ShardId"] == "shardId-000000000000"


def test_creating_an_existing_stream_is_resource_in_use(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream()
    with pytest.raises(ResourceInUseException, match="already exists"):
        streams.create_stream(name, 1)


@pytest.mark.parametrize(
    ("shard_count", "error", "text"),
    [
        (0, ValidationException, "greater than or equal to 1"),
        (None, InvalidArgumentException, "ShardCount is required"),
        (501, LimitExceededException, "shard limit"),
    ],
)
def test_bad_shard_counts(
    streams: StreamsService, shard_count: int | None, error: type[Exception], text: str
) -> None:
    name = f"test-{uuid.uuid4().hex[:12]}"
    with pytest.raises(error, match=text):
        streams.create_stream(name, shard_count)
    assert streams.shard_map.get(name) is None


def test_list_streams_pages_by_name(streams: StreamsService) -> None:
    prefix = f"test-list-{uuid.uuid4().hex[:6]}"
    names = [f"{prefix}-{i}" for i in range(3)]
    for name in names:
        streams.create_stream(name, 1)
    try:
        first = streams.list_streams(limit=2, exclusive_start_stream_name=prefix)
        assert first["StreamNames"] == names[:2]
        assert first["HasMoreStreams"] is True
        assert first["StreamSummaries"][0]["StreamStatus"] == "ACTIVE"
        rest = streams.list_streams(exclusive_start_stream_name=names[1])
        assert rest["StreamNames"][0] == names[2]
    finally:
        for name in names:
            streams.delete_stream(stream_name=name)


def test_list_shards_pages_by_shard_id(streams: StreamsService, make_stream: MakeStream) -> None:
    name = make_stream(shard_count=3)
    page = streams.list_shards(stream_name=name, max_results=2)["Shards"]
    assert [s["ShardId"] for s in page] == ["shardId-000000000000", "shardId-000000000001"]
    rest = streams.list_shards(stream_name=name, exclusive_start_shard_id=page[-1]["ShardId"])
    assert [s["ShardId"] for s in rest["Shards"]] == ["shardId-000000000002"]


def test_retention_changes_follow_into_kafka(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream()
    streams.increase_stream_retention_period(168, stream_name=name)
    assert streams.admin.topic_config(streams.topic(name))["retention.ms"] == str(168 * 3_600_000)
    with pytest.raises(InvalidArgumentException, match="can not be shorter"):
        streams.increase_stream_retention_period(48, stream_name=name)
    streams.decrease_stream_retention_period(48, stream_name=name)
    summary = streams.describe_stream_summary(stream_name=name)["StreamDescriptionSummary"]
    assert summary["RetentionPeriodHours"] == 48
    with pytest.raises(InvalidArgumentException, match="Minimum allowed retention period is 24"):
        streams.decrease_stream_retention_period(23, stream_name=name)
    with pytest.raises(InvalidArgumentException, match="Maximum allowed retention period is 8760"):
        streams.increase_stream_retention_period(8761, stream_name=name)
    streams.increase_stream_retention_period(8760, stream_name=name)


def test_every_process_sees_the_same_shard_map(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream(shard_count=2)
    other = StreamsService(KafkaSettings(bootstrap=streams.kafka.bootstrap))
    try:
        shards = other.describe_stream(stream_name=name)["StreamDescription"]["Shards"]
        assert len(shards) == 2
        other.increase_stream_retention_period(72, stream_name=name)
        streams.shard_map.refresh()
        summary = streams.describe_stream_summary(stream_name=name)["StreamDescriptionSummary"]
        assert summary["RetentionPeriodHours"] == 72
    finally:
        other.close()


def test_unknown_stream_is_resource_not_found(streams: StreamsService) -> None:
    with pytest.raises(ResourceNotFoundException, match="Stream nope-x under account"):
        streams.describe_stream_summary(stream_name="nope-x")


def test_describe_stream_pages_shards(streams: StreamsService, make_stream: MakeStream) -> None:
    name = make_stream(shard_count=3)
    first = streams.describe_stream(stream_name=name, limit=2)["StreamDescription"]
    assert [s["ShardId"] for s in first["Shards"]] == [
        "shardId-000000000000",
        "shardId-000000000001",
    ]
    assert first["HasMoreShards"] is True
    rest = streams.describe_stream(
        stream_name=name, exclusive_start_shard_id="shardId-000000000001"
    )["StreamDescription"]
    assert [s["ShardId"] for s in rest["Shards"]] == ["shardId-000000000002"]
    assert rest["HasMoreShards"] is False


def test_the_shard_limit_counts_open_shards_of_every_stream(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    open_now = sum(len(streams.state(n).open_shards) for n in streams.shard_map.names())
    allowed = streams.settings.shard_limit - open_now
    with pytest.raises(
        LimitExceededException, match=f"would have resulted .* is {open_now + allowed + 1}"
    ):
        make_stream(shard_count=allowed + 1)
