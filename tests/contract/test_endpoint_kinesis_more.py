"""boto3 against the endpoint: resharding, tags, limits, paging and consumers, end to end."""

from __future__ import annotations

import uuid
from typing import Any

import pytest


@pytest.fixture
def stream(kinesis: Any) -> Any:
    name = f"test-more-{uuid.uuid4().hex[:10]}"
    kinesis.create_stream(StreamName=name, ShardCount=2)
    yield name
    kinesis.delete_stream(StreamName=name)


def _arn(kinesis: Any, name: str) -> str:
    return str(
        kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    )


def test_resharding_operations(kinesis: Any, stream: str) -> None:
    shards = kinesis.list_shards(StreamName=stream)["Shards"]
    kinesis.split_shard(
        StreamName=stream,
        ShardToSplit=shards[0]["ShardId"],
        NewStartingHashKey=str(2**126),
    )
    open_shards = kinesis.list_shards(StreamName=stream, ShardFilter={"Type": "AT_LATEST"})[
        "Shards"
    ]
    assert len(open_shards) == 3
    low, high = sorted(
        (s for s in open_shards if s.get("ParentShardId") == shards[0]["ShardId"]),
        key=lambda s: int(s["HashKeyRange"]["StartingHashKey"]),
    )
    kinesis.merge_shards(
        StreamName=stream, ShardToMerge=low["ShardId"], AdjacentShardToMerge=high["ShardId"]
    )
    scaled = kinesis.update_shard_count(
        StreamName=stream, TargetShardCount=4, ScalingType="UNIFORM_SCALING"
    )
    assert scaled["TargetShardCount"] == 4
    summary = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    assert summary["OpenShardCount"] == 4
    with pytest.raises(kinesis.exceptions.LimitExceededException):
        kinesis.update_shard_count(
            StreamName=stream, TargetShardCount=9, ScalingType="UNIFORM_SCALING"
        )


def test_tags_limits_and_paging(kinesis: Any, stream: str) -> None:
    kinesis.add_tags_to_stream(StreamName=stream, Tags={"team": "orders", "env": "dev"})
    tags = kinesis.list_tags_for_stream(StreamName=stream)["Tags"]
    assert {t["Key"]: t["Value"] for t in tags} == {"team": "orders", "env": "dev"}
    kinesis.remove_tags_from_stream(StreamName=stream, TagKeys=["env"])
    arn = _arn(kinesis, stream)
    assert kinesis.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
        {"Key": "team", "Value": "orders"}
    ]
    limits = kinesis.describe_limits()
    assert limits["OpenShardCount"] >= 2 and limits["ShardLimit"] >= limits["OpenShardCount"]
    first = kinesis.list_shards(StreamName=stream, MaxResults=1)
    assert len(first["Shards"]) == 1 and first["NextToken"]
    rest = kinesis.list_shards(NextToken=first["NextToken"])
    assert [s["ShardId"] for s in rest["Shards"]] == ["shardId-000000000001"]


def test_consumers(kinesis: Any, stream: str) -> None:
    arn = _arn(kinesis, stream)
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="reader")["Consumer"]
    assert consumer["ConsumerARN"].startswith(f"{arn}/consumer/reader:")
    listed = kinesis.list_stream_consumers(StreamARN=arn)["Consumers"]
    assert [c["ConsumerName"] for c in listed] == ["reader"]
    with pytest.raises(kinesis.exceptions.ResourceInUseException):
        kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="reader")
    kinesis.deregister_stream_consumer(ConsumerARN=consumer["ConsumerARN"])
    assert kinesis.list_stream_consumers(StreamARN=arn)["Consumers"] == []
