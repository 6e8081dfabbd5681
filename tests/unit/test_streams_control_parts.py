"""Pieces of the control plane without a broker: NextTokens, the write barrier, ShardFilter
checks, tag constraints, and stream states written before these features existed."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

import pytest

from cadabra.errors import (
    ExpiredNextTokenException,
    InvalidArgumentException,
    ValidationException,
)
from cadabra.streams.inflight import WriteBarrier
from cadabra.streams.models import ConsumerInfo, ShardInfo, StreamState
from cadabra.streams.paging import PageTokens
from cadabra.streams.shard_filter import normalize_filter
from cadabra.streams.tags import check_tags


def test_a_token_names_its_page_until_it_expires() -> None:
    tokens = PageTokens(b"secret", ttl_ms=300_000)
    token = tokens.issue("ListShards", "orders", "shardId-000000000001", 1000, {"x": 1})
    page = tokens.read(token, "ListShards", 301_000)
    assert (page.stream, page.after, page.extra) == ("orders", "shardId-000000000001", {"x": 1})
    with pytest.raises(ExpiredNextTokenException):
        tokens.read(token, "ListShards", 301_001)
    with pytest.raises(InvalidArgumentException):
        tokens.read(token, "ListStreams", 1000)
    with pytest.raises(InvalidArgumentException):
        PageTokens(b"other").read(token, "ListShards", 1000)
    for forged in ("", "!!!", token[:10], token.replace(token[5], "A" if token[5] != "A" else "B")):
        with pytest.raises(InvalidArgumentException):
            tokens.read(forged, "ListShards", 1000)


def test_the_barrier_waits_for_older_writes_only() -> None:
    barrier = WriteBarrier()
    started, release = threading.Event(), threading.Event()

    def slow_write() -> None:
        with barrier.writing():
            started.set()
            release.wait(5)

    writer = threading.Thread(target=slow_write)
    writer.start()
    started.wait(5)
    assert barrier.drain(0.05) is False  # the older write is still in flight
    drained: list[bool] = []
    drainer = threading.Thread(target=lambda: drained.append(barrier.drain(5)))
    drainer.start()
    deadline = time.monotonic() + 5
    while barrier._epoch < 2 and time.monotonic() < deadline:  # the drain has begun
        time.sleep(0.001)
    with barrier.writing():  # a write that starts during the drain does not hold it up
        release.set()
        drainer.join()
        assert drained == [True]
    writer.join()


def test_tracked_writes_keep_their_signature() -> None:
    import inspect

    def put(data: bytes, partition_key: str, stream_name: str | None = None) -> str:
        return partition_key

    tracked = WriteBarrier().track(put)
    assert list(inspect.signature(tracked).parameters) == ["data", "partition_key", "stream_name"]
    assert tracked(b"x", "k") == "k"


def test_shard_filter_is_normalized_to_epoch_millis() -> None:
    assert normalize_filter(None) == {"Type": "FROM_TRIM_HORIZON"}
    at = datetime(2024, 1, 1, tzinfo=UTC)
    assert normalize_filter({"Type": "AT_TIMESTAMP", "Timestamp": at})["Timestamp"] == (
        1_704_067_200_000
    )
    assert normalize_filter({"Type": "FROM_TIMESTAMP", "Timestamp": 1.5})["Timestamp"] == 1500
    with pytest.raises(ValidationException):
        normalize_filter({"ShardId": "shardId-000000000000"})


@pytest.mark.parametrize(
    "tags",
    [{"a": "b"}, {"k" * 128: "v" * 256}, {"Ünïcode keys": ""}, {f"k{i}": "" for i in range(200)}],
)
def test_valid_tag_maps(tags: dict[str, str]) -> None:
    check_tags(tags)


@pytest.mark.parametrize(
    ("tags", "error"),
    [
        ({f"k{i}": "" for i in range(201)}, ValidationException),
        ({"": "v"}, ValidationException),
        ({"a": "semi;colon"}, InvalidArgumentException),
        ({"tab\u0000": "v"}, InvalidArgumentException),
    ],
)
def test_invalid_tag_maps(tags: dict[str, str], error: type[Exception]) -> None:
    with pytest.raises(error):
        check_tags(tags)


def test_states_written_before_resharding_and_consumers_still_load() -> None:
    old = {
        "name": "orders",
        "status": "ACTIVE",
        "created_ms": 1,
        "retention_hours": 24,
        "max_record_size_kib": 1024,
        "stream_mode": "PROVISIONED",
        "shards": [
            {
                "index": 0,
                "starting_hash_key": 0,
                "ending_hash_key": 5,
                "parent": None,
                "adjacent_parent": None,
                "ending_offset": None,
                "starting_offset": 0,
            }
        ],
        "tags": {},
    }
    state = StreamState.from_json(json.dumps(old).encode())
    assert state.consumers == [] and state.scaling_ms == []
    assert state.shards[0].is_open


def test_a_state_round_trips_with_consumers_and_closing_shards() -> None:
    state = StreamState("s", "UPDATING", 1, 24, 1024, scaling_ms=[5])
    state.shards = [ShardInfo(0, 0, 9, closed_ms=3)]
    state.consumers = [ConsumerInfo("app", 2, {"k": "v"})]
    again = state.copy()
    assert again == state and again is not state
    assert not again.shards[0].is_open  # closed, its ending offset still pending
    assert again.consumer("app") == ConsumerInfo("app", 2, {"k": "v"})
