"""ListStreams, ListShards and ListStreamConsumers pages on a real broker: NextToken, its rules
and its 300-second life, and ListShards' ShardFilter across a split."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from cadabra.errors import (
    ExpiredNextTokenException,
    InvalidArgumentException,
    ResourceNotFoundException,
    ValidationException,
)
from cadabra.streams import StreamsService

MakeStream = Callable[..., str]
SHARD = "shardId-{:012d}".format
HOUR_MS = 3_600_000


@pytest.fixture
def now(streams: StreamsService, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The service's wall clock, frozen; tests move it by changing now[0]."""
    frozen = [streams.clock_ms()]
    monkeypatch.setattr(streams, "clock_ms", lambda: frozen[0])
    return frozen


def _ids(response: dict[str, Any]) -> list[str]:
    return [shard["ShardId"] for shard in response["Shards"]]


@pytest.fixture
def three_streams(streams: StreamsService) -> Iterator[list[str]]:
    prefix = f"test-page-{uuid.uuid4().hex[:6]}"
    names = [f"{prefix}-{i}" for i in range(3)]
    for name in names:
        streams.create_stream(name, 1)
    yield names
    for name in names:
        streams.delete_stream(stream_name=name)


def test_list_streams_pages_by_next_token(
    streams: StreamsService, three_streams: list[str]
) -> None:
    prefix = three_streams[0][:-2]
    first = streams.list_streams(limit=2, exclusive_start_stream_name=prefix)
    assert first["StreamNames"] == three_streams[:2]
    assert first["HasMoreStreams"] is True
    second = streams.list_streams(limit=1, next_token=first["NextToken"])
    assert second["StreamNames"] == three_streams[2:]
    with pytest.raises(InvalidArgumentException, match="NextToken and ExclusiveStartStreamName"):
        streams.list_streams(next_token=first["NextToken"], exclusive_start_stream_name=prefix)
    with pytest.raises(InvalidArgumentException, match="Invalid NextToken"):
        streams.list_shards(next_token=first["NextToken"])  # a ListStreams token


def test_list_shards_pages_by_next_token(streams: StreamsService, make_stream: MakeStream) -> None:
    name = make_stream(shard_count=5)
    pages = [streams.list_shards(stream_name=name, max_results=2)]
    while "NextToken" in pages[-1]:
        pages.append(streams.list_shards(next_token=pages[-1]["NextToken"], max_results=2))
    assert [_ids(page) for page in pages] == [
        [SHARD(0), SHARD(1)],
        [SHARD(2), SHARD(3)],
        [SHARD(4)],
    ]
    assert "NextToken" not in streams.list_shards(stream_name=name)


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("stream_name", "any"),
        ("stream_arn", "arn:aws:kinesis:us-east-1:000000000000:stream/any"),
        ("exclusive_start_shard_id", SHARD(0)),
        ("shard_filter", {"Type": "AT_LATEST"}),
        ("stream_creation_timestamp", 1.0),
    ],
)
def test_a_next_token_cannot_come_with_what_it_already_fixes(
    streams: StreamsService, make_stream: MakeStream, member: str, value: object
) -> None:
    name = make_stream(shard_count=2)
    token = streams.list_shards(stream_name=name, max_results=1)["NextToken"]
    aws_name = {
        "stream_name": "StreamName",
        "stream_arn": "StreamARN",
        "exclusive_start_shard_id": "ExclusiveStartShardId",
        "shard_filter": "ShardFilter",
        "stream_creation_timestamp": "StreamCreationTimestamp",
    }[member]
    with pytest.raises(
        InvalidArgumentException, match=f"NextToken and {aws_name} cannot be provided together."
    ):
        streams.list_shards(next_token=token, **{member: value})  # type: ignore[arg-type]


def test_next_tokens_expire_after_300_seconds(
    streams: StreamsService, make_stream: MakeStream, now: list[int]
) -> None:
    name = make_stream(shard_count=3)
    token = streams.list_shards(stream_name=name, max_results=1)["NextToken"]
    now[0] += 300_000
    assert _ids(streams.list_shards(next_token=token, max_results=1)) == [SHARD(1)]
    now[0] += 1
    with pytest.raises(ExpiredNextTokenException, match="has expired"):
        streams.list_shards(next_token=token)
    with pytest.raises(InvalidArgumentException, match="Invalid NextToken"):
        streams.list_shards(next_token=token[:-4] + "AAAA")


def test_a_token_outlives_no_namesake_stream(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream(shard_count=2)
    token = streams.list_shards(stream_name=name, max_results=1)["NextToken"]
    streams.delete_stream(stream_name=name)
    streams.create_stream(name, 2)
    with pytest.raises(ResourceNotFoundException, match=f"Stream {name}"):
        streams.list_shards(next_token=token)
    created = streams.describe_stream_summary(stream_name=name)["StreamDescriptionSummary"][
        "StreamCreationTimestamp"
    ]
    assert len(_ids(streams.list_shards(stream_name=name, stream_creation_timestamp=created))) == 2
    with pytest.raises(ResourceNotFoundException):
        streams.list_shards(stream_name=name, stream_creation_timestamp=created.timestamp() - 60)


def test_shard_filters_across_a_split(
    streams: StreamsService, make_stream: MakeStream, now: list[int]
) -> None:
    name = make_stream(shard_count=2)
    created = datetime.fromtimestamp(now[0] / 1000, UTC)
    now[0] += HOUR_MS
    streams.split_shard(SHARD(0), str(2**126), stream_name=name)
    split = now[0]
    now[0] += HOUR_MS

    def listed(kind: str, **more: Any) -> list[str]:
        return _ids(streams.list_shards(stream_name=name, shard_filter={"Type": kind, **more}))

    everything = [SHARD(i) for i in range(4)]
    assert _ids(streams.list_shards(stream_name=name)) == everything
    assert listed("FROM_TRIM_HORIZON") == everything
    assert listed("AT_LATEST") == [SHARD(1), SHARD(2), SHARD(3)]
    assert listed("AT_TRIM_HORIZON") == [SHARD(0), SHARD(1)]
    assert listed("AFTER_SHARD_ID", ShardId=SHARD(1)) == [SHARD(2), SHARD(3)]
    assert listed("AT_TIMESTAMP", Timestamp=created) == [SHARD(0), SHARD(1)]
    assert listed("AT_TIMESTAMP", Timestamp=split / 1000) == everything
    assert listed("AT_TIMESTAMP", Timestamp=(split + 1) / 1000) == [SHARD(1), SHARD(2), SHARD(3)]
    assert listed("FROM_TIMESTAMP", Timestamp=created) == everything
    assert listed("FROM_TIMESTAMP", Timestamp=(split + 1) / 1000) == [SHARD(1), SHARD(2), SHARD(3)]

    page = streams.list_shards(stream_name=name, shard_filter={"Type": "AT_LATEST"}, max_results=2)
    assert _ids(page) == [SHARD(1), SHARD(2)]
    assert _ids(streams.list_shards(next_token=page["NextToken"])) == [SHARD(3)]

    now[0] = split + 24 * HOUR_MS + 1  # the parent's records are all past retention: EXPIRED
    assert listed("FROM_TRIM_HORIZON") == [SHARD(1), SHARD(2), SHARD(3)]
    assert listed("AT_TRIM_HORIZON") == [SHARD(1), SHARD(2), SHARD(3)]
    assert len(streams.describe_stream(stream_name=name)["StreamDescription"]["Shards"]) == 4


@pytest.mark.parametrize(
    ("shard_filter", "error", "text"),
    [
        ({"Type": "AFTER_SHARD_ID"}, InvalidArgumentException, "ShardId must be specified"),
        ({"Type": "AT_TIMESTAMP"}, InvalidArgumentException, "Timestamp must be specified"),
        ({"Type": "FROM_TIMESTAMP"}, InvalidArgumentException, "Timestamp must be specified"),
        ({"Type": "SOMETIMES"}, ValidationException, "shardFilter.type"),
    ],
)
def test_shard_filter_needs_its_members(
    streams: StreamsService,
    make_stream: MakeStream,
    shard_filter: dict[str, str],
    error: type[Exception],
    text: str,
) -> None:
    name = make_stream()
    with pytest.raises(error, match=text):
        streams.list_shards(stream_name=name, shard_filter=shard_filter)


def test_list_stream_consumers_pages_by_next_token(
    streams: StreamsService, make_stream: MakeStream, now: list[int]
) -> None:
    name = make_stream()
    stream_arn = streams.arn(name)
    for i in range(5):
        streams.register_stream_consumer(stream_arn, f"c{i}")
        now[0] += 1000
    first = streams.list_stream_consumers(stream_arn, max_results=2)
    second = streams.list_stream_consumers(stream_arn, next_token=first["NextToken"], max_results=2)
    third = streams.list_stream_consumers(stream_arn, next_token=second["NextToken"])
    names = [[c["ConsumerName"] for c in page["Consumers"]] for page in (first, second, third)]
    assert names == [["c0", "c1"], ["c2", "c3"], ["c4"]]
    assert "NextToken" not in third
    other = make_stream()
    with pytest.raises(InvalidArgumentException, match="another stream"):
        streams.list_stream_consumers(streams.arn(other), next_token=first["NextToken"])
    now[0] += 300_001
    with pytest.raises(ExpiredNextTokenException):
        streams.list_stream_consumers(stream_arn, next_token=second["NextToken"])


def test_describe_limits(streams: StreamsService, make_stream: MakeStream) -> None:
    before = streams.describe_limits()
    make_stream(shard_count=3)
    make_stream(shard_count=None, stream_mode="ON_DEMAND")
    after = streams.describe_limits()
    assert after["OpenShardCount"] == before["OpenShardCount"] + 3 + 4
    assert after["OnDemandStreamCount"] == before["OnDemandStreamCount"] + 1
    assert after["OnDemandStreamCountLimit"] == 50
    assert after["ShardLimit"] == streams.settings.shard_limit
